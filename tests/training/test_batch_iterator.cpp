// BatchIterator: coverage of every row once per epoch, batch sizes, seeded and uniform
// permutations, sequential order without shuffling, argument checks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>

#include "mvae/training/batch_iterator.hpp"

using mvae::BatchIterator;
using mvae::index_t;

namespace {

std::vector<index_t> order_of(const BatchIterator& it) {
    std::vector<index_t> order;
    for (index_t b = 0; b < it.batch_count(); ++b) {
        const auto batch = it.batch(b);
        order.insert(order.end(), batch.begin(), batch.end());
    }
    return order;
}

}  // namespace

TEST_CASE("every row appears in exactly one batch per epoch; the last batch keeps the remainder",
          "[training][batches]") {
    BatchIterator it(103, 10, 7);
    REQUIRE(it.rows() == 103);
    REQUIRE(it.batch_size() == 10);
    REQUIRE(it.batch_count() == 11);
    for (std::uint64_t epoch = 0; epoch < 5; ++epoch) {
        it.start_epoch(epoch);
        REQUIRE(it.epoch() == epoch);
        for (index_t b = 0; b < 10; ++b) REQUIRE(it.batch(b).size() == 10);
        REQUIRE(it.batch(10).size() == 3);
        auto order = order_of(it);
        REQUIRE(order.size() == 103);
        std::sort(order.begin(), order.end());
        for (index_t i = 0; i < 103; ++i) REQUIRE(order[std::size_t(i)] == i);
    }
}

TEST_CASE("batch counts for exact multiples, tiny and empty inputs", "[training][batches]") {
    CHECK(BatchIterator(100, 10, 1).batch_count() == 10);
    CHECK(BatchIterator(100, 10, 1).batch(9).size() == 10);
    CHECK(BatchIterator(3, 10, 1).batch_count() == 1);
    CHECK(BatchIterator(3, 10, 1).batch(0).size() == 3);
    CHECK(BatchIterator(5, 1, 1).batch_count() == 5);
    CHECK(BatchIterator(0, 4, 1).batch_count() == 0);
    CHECK(BatchIterator(1, 4, 1).batch(0)[0] == 0);
    CHECK(BatchIterator(10, 2147483647, 1).batch_count() == 1);  // n + b − 1 overflows int32: no wrap
}

TEST_CASE("the order is a function of (seed, epoch): reproducible, new per epoch and per seed",
          "[training][batches]") {
    BatchIterator a(50, 8, 42), b(50, 8, 42), other_seed(50, 8, 43);
    a.start_epoch(3);
    b.start_epoch(1);
    b.start_epoch(3);  // drawing another epoch first changes nothing
    CHECK(order_of(a) == order_of(b));
    const auto epoch3 = order_of(a);
    a.start_epoch(4);
    CHECK(order_of(a) != epoch3);
    other_seed.start_epoch(3);
    CHECK(order_of(other_seed) != epoch3);
    std::vector<index_t> identity(50);
    std::iota(identity.begin(), identity.end(), 0);
    CHECK(epoch3 != identity);

    // Golden orders (a regression guard on the stream layout): seed 42, n = 8.
    BatchIterator golden(8, 3, 42);
    CHECK(order_of(golden) == std::vector<index_t>{3, 7, 2, 6, 1, 0, 5, 4});
    golden.start_epoch(1);
    CHECK(order_of(golden) == std::vector<index_t>{1, 3, 4, 2, 7, 5, 0, 6});
    CHECK(golden.batch(2).size() == 2);
    CHECK(golden.batch(2)[0] == 0);
    CHECK(golden.batch(2)[1] == 6);
}

TEST_CASE("without shuffling the rows come in index order in every epoch", "[training][batches]") {
    BatchIterator it(25, 10, 42, false);
    REQUIRE_FALSE(it.shuffle());
    for (std::uint64_t epoch : {0u, 1u, 9u}) {
        it.start_epoch(epoch);
        REQUIRE(it.batch_count() == 3);
        const auto second = it.batch(1);
        REQUIRE(second.size() == 10);
        for (index_t k = 0; k < 10; ++k) REQUIRE(second[std::size_t(k)] == 10 + k);
        const auto last = it.batch(2);
        REQUIRE(std::vector<index_t>(last.begin(), last.end()) == std::vector<index_t>{20, 21, 22, 23, 24});
    }
}

TEST_CASE("shuffled orders are uniform over the permutations (chi-square)", "[training][batches][statistics]") {
    // n = 3: 6 permutations, 6000 epochs, χ² with 5 degrees of freedom; its 0.001 and 0.999
    // quantiles (0.2102, 20.515) come from the regularised incomplete gamma function.
    BatchIterator it(3, 2, 2024);
    std::map<std::vector<index_t>, int> frequency;
    for (std::uint64_t epoch = 0; epoch < 6000; ++epoch) {
        it.start_epoch(epoch);
        const auto order = it.order();
        ++frequency[std::vector<index_t>(order.begin(), order.end())];
    }
    REQUIRE(frequency.size() == 6);
    double chi2 = 0;
    for (const auto& [order, observed] : frequency) chi2 += (observed - 1000.0) * (observed - 1000.0) / 1000.0;
    CHECK(chi2 > 0.2102);
    CHECK(chi2 < 20.515);

    // Where row 0 lands, n = 10 over 5000 epochs: each position 500 times on average, χ² with 9
    // degrees of freedom (quantiles 1.1519 and 27.877).
    BatchIterator ten(10, 4, 5);
    std::vector<int> position(10, 0);
    for (std::uint64_t epoch = 0; epoch < 5000; ++epoch) {
        ten.start_epoch(epoch);
        const auto order = ten.order();
        ++position[std::size_t(std::find(order.begin(), order.end(), 0) - order.begin())];
    }
    chi2 = 0;
    for (int observed : position) chi2 += (observed - 500.0) * (observed - 500.0) / 500.0;
    CHECK(chi2 > 1.1519);
    CHECK(chi2 < 27.877);
}

TEST_CASE("BatchIterator validates its arguments", "[training][batches]") {
    REQUIRE_THROWS_WITH(BatchIterator(-1, 10, 0), Catch::Contains("n_rows") && Catch::Contains("-1"));
    REQUIRE_THROWS_WITH(BatchIterator(10, 0, 0), Catch::Contains("batch_size") && Catch::Contains("0"));
    REQUIRE_THROWS_AS(BatchIterator(10, -3, 0), mvae::ArgumentError);
    const BatchIterator it(10, 4, 0);
    REQUIRE_THROWS_WITH(it.batch(3), Catch::Contains("batch index") && Catch::Contains("3"));
    REQUIRE_THROWS_AS(it.batch(-1), mvae::ArgumentError);
    REQUIRE_NOTHROW(it.batch(2));
}
