// Tests of random_split: determinism by seed, independence from the thread count and from other
// users, disjoint parts whose union is the input, the per-user size rule, and option checks.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/random_split.hpp"
#include "mvae/random/random_stream.hpp"

#include "support/thread_guard.hpp"

using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;
using mvae::RandomSplitOptions;

namespace {

// n_users users; user u has degree degrees[u % degrees.size()] over n_items items, some pairs
// repeated so that counts matter.
InteractionMatrix make_matrix(index_t n_users, index_t n_items, const std::vector<index_t>& degrees,
                              std::uint64_t seed = 1) {
    const mvae::RandomStream stream(seed, mvae::stream_id(0xDA7A));
    std::vector<Interaction> pairs;
    std::uint64_t k = 0;
    for (index_t u = 0; u < n_users; ++u) {
        const index_t d = degrees[std::size_t(u) % degrees.size()];
        const index_t start = index_t(stream.below(k++, std::uint32_t(n_items)));
        for (index_t j = 0; j < d; ++j) {
            const index_t item = (start + j * 7) % n_items;  // distinct while d * 7 <= n_items
            pairs.push_back({u, item});
            if (j % 4 == 1) pairs.push_back({u, item});
        }
    }
    return InteractionMatrix(n_users, n_items, pairs);
}

// (user, item) -> count over all entries of m.
std::map<std::pair<index_t, index_t>, index_t> entries(const InteractionMatrix& m) {
    std::map<std::pair<index_t, index_t>, index_t> out;
    for (index_t u = 0; u < m.n_users(); ++u)
        for (std::size_t k = 0; k < m.items_of(u).size(); ++k) out[{u, m.items_of(u)[k]}] = m.item_counts_of(u)[k];
    return out;
}

bool same_split(const mvae::SplitData& a, const mvae::SplitData& b) {
    return a.train.pairs() == b.train.pairs() && a.validation.pairs() == b.validation.pairs() &&
           a.test.pairs() == b.test.pairs();
}

}  // namespace

TEST_CASE("random_split: the parts are disjoint, of one shape, and their union is the input", "[data][split]") {
    const InteractionMatrix m = make_matrix(60, 500, {0, 1, 2, 5, 10, 23, 40});
    RandomSplitOptions options;
    options.test_fraction = 0.2;
    options.validation_fraction = 0.25;
    options.seed = 42;
    const mvae::SplitData s = mvae::random_split(m, options);
    for (const auto* part : {&s.train, &s.validation, &s.test}) {
        REQUIRE(part->n_users() == 60);
        REQUIRE(part->n_items() == 500);
    }
    REQUIRE(s.n_users() == 60);
    REQUIRE(s.n_items() == 500);
    REQUIRE(s.test.nnz() > 0);
    REQUIRE(s.validation.nnz() > 0);

    const auto all = entries(m);
    const auto train = entries(s.train);
    const auto validation = entries(s.validation);
    const auto test = entries(s.test);
    REQUIRE(train.size() + validation.size() + test.size() == all.size());
    std::map<std::pair<index_t, index_t>, index_t> merged = train;
    for (const auto* part : {&validation, &test}) {
        for (const auto& [pair, count] : *part) {
            REQUIRE(merged.count(pair) == 0);  // disjoint
            merged[pair] = count;
        }
    }
    REQUIRE(merged == all);  // same pairs, same counts
    REQUIRE(s.train.total_count() + s.validation.total_count() + s.test.total_count() == m.total_count());
}

TEST_CASE("random_split: per-user sizes follow floor(fraction * degree) with the min_train rule", "[data][split]") {
    const std::vector<index_t> degrees{0, 1, 2, 3, 4, 5, 9, 10, 11, 14, 15, 100};
    const InteractionMatrix m = make_matrix(index_t(degrees.size()), 1000, degrees);
    const auto sizes = [&](const RandomSplitOptions& options) {
        const auto s = mvae::random_split(m, options);
        std::vector<std::pair<index_t, index_t>> out;  // (test, validation) per user
        for (index_t u = 0; u < m.n_users(); ++u) {
            REQUIRE(s.train.user_degree(u) + s.validation.user_degree(u) + s.test.user_degree(u) == m.user_degree(u));
            out.emplace_back(s.test.user_degree(u), s.validation.user_degree(u));
        }
        return out;
    };
    using P = std::pair<index_t, index_t>;
    RandomSplitOptions options;
    SECTION("20% test, min_train 1: at least one test item once a user has two") {
        REQUIRE(sizes(options) == std::vector<P>{{0, 0}, {0, 0}, {1, 0}, {1, 0}, {1, 0}, {1, 0}, {1, 0}, {2, 0},
                                                 {2, 0}, {2, 0}, {3, 0}, {20, 0}});
    }
    SECTION("min_train 3 keeps three training items") {
        options.min_train = 3;
        REQUIRE(sizes(options) == std::vector<P>{{0, 0}, {0, 0}, {0, 0}, {0, 0}, {1, 0}, {1, 0}, {1, 0}, {2, 0},
                                                 {2, 0}, {2, 0}, {3, 0}, {20, 0}});
    }
    SECTION("validation takes its share of what test left, without a minimum of one") {
        options.validation_fraction = 0.5;
        // d=3: test 1, validation floor(0.5 * 2) = 1, train 1; d=10: 2, 4, 4; d=100: 20, 40, 40.
        REQUIRE(sizes(options) == std::vector<P>{{0, 0}, {0, 0}, {1, 0}, {1, 1}, {1, 1}, {1, 2}, {1, 4}, {2, 4},
                                                 {2, 4}, {2, 6}, {3, 6}, {20, 40}});
    }
    SECTION("fraction 1 still leaves min_train items; fraction 0 holds nothing out") {
        options.test_fraction = 1.0;
        REQUIRE(sizes(options) == std::vector<P>{{0, 0}, {0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {8, 0}, {9, 0},
                                                 {10, 0}, {13, 0}, {14, 0}, {99, 0}});
        options.test_fraction = 0.0;
        const auto none = sizes(options);
        for (const auto& [t, v] : none) REQUIRE(t + v == 0);
    }
    SECTION("a share whose double product falls just below an integer still counts it") {
        options.test_fraction = 0.29;  // 0.29 * 100 = 28.999999999999996 in double
        REQUIRE(sizes(options).back() == P{29, 0});
    }
}

TEST_CASE("random_split: same seed same split, different seed different split", "[data][split]") {
    const InteractionMatrix m = make_matrix(200, 800, {5, 10, 20, 50});
    RandomSplitOptions options;
    options.validation_fraction = 0.1;
    options.seed = 123;
    const auto a = mvae::random_split(m, options);
    const auto b = mvae::random_split(m, options);
    REQUIRE(a.test.nnz() > 0);
    REQUIRE(same_split(a, b));
    options.seed = 124;
    const auto c = mvae::random_split(m, options);
    REQUIRE_FALSE(a.test.pairs() == c.test.pairs());
    // The sizes do not depend on the seed, only the choice of items does.
    REQUIRE(a.test.nnz() == c.test.nnz());
    REQUIRE(a.validation.nnz() == c.validation.nnz());
}

TEST_CASE("random_split does not depend on the thread count", "[data][split]") {
    mvae_test::ThreadGuard guard;
    const InteractionMatrix m = make_matrix(500, 1000, {3, 8, 17, 40, 120});
    RandomSplitOptions options;
    options.validation_fraction = 0.2;
    options.seed = 9;
    mvae::set_num_threads(1);
    const auto one = mvae::random_split(m, options);
    mvae::set_num_threads(2);
    const auto two = mvae::random_split(m, options);
    REQUIRE(one.test.nnz() > 0);
    REQUIRE(same_split(one, two));
}

TEST_CASE("random_split: a user's split depends only on the seed and the user's own items", "[data][split]") {
    // B is A with 30 more users (and more items): the first 40 users split exactly as in A.
    const InteractionMatrix a = make_matrix(40, 300, {4, 9, 25});
    std::vector<Interaction> pairs;
    for (index_t u = 0; u < a.n_users(); ++u)
        for (std::size_t k = 0; k < a.items_of(u).size(); ++k)
            for (index_t c = 0; c < a.item_counts_of(u)[k]; ++c) pairs.push_back({u, a.items_of(u)[k]});
    for (index_t u = 40; u < 70; ++u)
        for (index_t i = 0; i < 12; ++i) pairs.push_back({u, 300 + (u * 3 + i * 5) % 100});
    const InteractionMatrix b(70, 400, pairs);
    RandomSplitOptions options;
    options.seed = 5;
    const auto sa = mvae::random_split(a, options);
    const auto sb = mvae::random_split(b, options);
    for (index_t u = 0; u < 40; ++u) {
        const auto ta = sa.test.items_of(u);
        const auto tb = sb.test.items_of(u);
        REQUIRE(std::vector<index_t>(ta.begin(), ta.end()) == std::vector<index_t>(tb.begin(), tb.end()));
    }
}

TEST_CASE("random_split picks each item with equal probability", "[data][split]") {
    // One user with 5 items and 20% test: one test item. Over 5000 seeds each item should be
    // chosen about 1000 times; 5 standard deviations (~141) is a loose, deterministic bound.
    const InteractionMatrix m(1, 5, std::vector<Interaction>{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}});
    std::vector<int> picked(5, 0);
    RandomSplitOptions options;
    for (std::uint64_t seed = 0; seed < 5000; ++seed) {
        options.seed = seed;
        const auto s = mvae::random_split(m, options);
        REQUIRE(s.test.nnz() == 1);
        ++picked[std::size_t(s.test.items_of(0)[0])];
    }
    for (int count : picked) REQUIRE(std::abs(count - 1000) < 141);
}

TEST_CASE("random_split rejects invalid options, naming them", "[data][split]") {
    const InteractionMatrix m(2, 2, std::vector<Interaction>{{0, 0}, {1, 1}});
    RandomSplitOptions options;
    options.test_fraction = -0.1;
    REQUIRE_THROWS_AS(mvae::random_split(m, options), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(mvae::random_split(m, options), Catch::Contains("test_fraction") && Catch::Contains("-0.1"));
    options.test_fraction = 1.5;
    REQUIRE_THROWS_WITH(mvae::random_split(m, options), Catch::Contains("test_fraction") && Catch::Contains("1.5"));
    options.test_fraction = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(mvae::random_split(m, options), Catch::Contains("test_fraction"));
    options.test_fraction = 0.2;
    options.validation_fraction = 2.0;
    REQUIRE_THROWS_WITH(mvae::random_split(m, options), Catch::Contains("validation_fraction") && Catch::Contains("2"));
    options.validation_fraction = 0.0;
    options.min_train = -1;
    REQUIRE_THROWS_WITH(mvae::random_split(m, options), Catch::Contains("min_train") && Catch::Contains("-1"));
}
