// Tests of mvae/eval/device_ranking.hpp on the CPU: the kernel-shaped ranking (one functor per
// user, as the GPU runs it) gives exactly the report of the host protocol, including ties,
// exclusions with duplicates, −inf and +inf scores, users without test items and NaN errors.
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "mvae/eval/device_ranking.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/random/random_stream.hpp"

using mvae::Cpu;
using mvae::EvalOptions;
using mvae::EvalReport;
using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;

namespace {

struct World {
    InteractionMatrix train, test;
    mvae::Matrix<float, Cpu> scores;
};

// 211 users x 97 items; training rows with duplicate pairs; scores on 5 levels (many ties), some
// ±inf; every 7th user has no test items.
World make_world() {
    constexpr index_t n_users = 211, n_items = 97;
    const mvae::RandomStream rng(3, mvae::stream_id(99));
    std::vector<Interaction> train, test;
    World w{{}, {}, mvae::Matrix<float, Cpu>(n_users, n_items)};
    std::uint64_t k = 0;
    for (index_t u = 0; u < n_users; ++u)
        for (index_t i = 0; i < n_items; ++i) {
            if (rng.below(k++, 100) < 12) {
                train.push_back({u, i});
                if (rng.below(k++, 4) == 0) train.push_back({u, i});  // a duplicated training row
            }
            if (u % 7 != 3 && rng.below(k++, 100) < 9) test.push_back({u, i});
            const auto level = rng.below(k++, 50);
            w.scores(u, i) = level == 0   ? -std::numeric_limits<float>::infinity()
                             : level == 1 ? std::numeric_limits<float>::infinity()
                                          : float(level % 5) / 4.0f;
        }
    w.train = InteractionMatrix(n_users, n_items, train);
    w.test = InteractionMatrix(n_users, n_items, test);
    return w;
}

EvalReport on_device_path(const World& w, const EvalOptions& opt, index_t block_users) {
    return mvae::evaluate_ranking_on<float, Cpu>(
        mvae::Backend<Cpu>(), w.train, w.test,
        [&](index_t first, index_t count, mvae::MatrixView<float, Cpu> out) {
            mvae::Backend<Cpu>().copy(w.scores.cview().row_block(first, count), out);
        },
        opt, block_users);
}

}  // namespace

TEST_CASE("ranking where the scores are gives the host protocol's report exactly", "[eval][device]") {
    const World w = make_world();
    EvalOptions opt;
    opt.ks = {1, 5, 10, 20};
    const EvalReport host = mvae::evaluate_scores(w.train, w.test, w.scores.cview(), opt);
    REQUIRE(host.users_evaluated > 150);
    for (index_t block : {1, 13, 64, 1024}) {
        CAPTURE(block);
        const EvalReport device = on_device_path(w, opt, block);
        REQUIRE(device.users_evaluated == host.users_evaluated);
        REQUIRE(device.precision == host.precision);
        REQUIRE(device.recall == host.recall);
        REQUIRE(device.f1 == host.f1);
        REQUIRE(device.ndcg == host.ndcg);
    }
}

TEST_CASE("RowTopK keeps the best k, ties by lower index, and skips training items", "[eval][device]") {
    // One user, 8 items; training items 1 and 6 (item 1 listed twice).
    const std::vector<mvae::offset_t> offsets{0, 3};
    const std::vector<index_t> items{1, 1, 6};
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> row{0.5f, 9.0f, 0.5f, -inf, 0.7f, 0.5f, 9.0f, inf};
    std::vector<index_t> out(4, -7), status(1, -7);
    const mvae::detail::RowTopK<float, Cpu> kernel{mvae::MatrixView<const float, Cpu>(row.data(), 1, 8), 0,
                                                   offsets.data(), items.data(), 4, out.data(), status.data()};
    kernel(0);
    REQUIRE(status[0] == 4);
    REQUIRE(out == std::vector<index_t>{7, 4, 0, 2});
    // Fewer candidates than k: all of them, −inf last.
    std::vector<index_t> all(8, -7);
    const mvae::detail::RowTopK<float, Cpu> wide{mvae::MatrixView<const float, Cpu>(row.data(), 1, 8), 0, offsets.data(),
                                                 items.data(), 8, all.data(), status.data()};
    wide(0);
    REQUIRE(status[0] == 6);
    REQUIRE(std::vector<index_t>(all.begin(), all.begin() + 6) == std::vector<index_t>{7, 4, 0, 2, 5, 3});
}

TEST_CASE("a NaN score is reported with its user and item", "[eval][device]") {
    World w = make_world();
    index_t user = 0;
    while (w.test.user_degree(user) == 0 || w.train.contains(user, 40)) ++user;
    w.scores(user, 40) = std::numeric_limits<float>::quiet_NaN();
    REQUIRE_THROWS_AS(on_device_path(w, {}, 64), mvae::NumericalError);
    REQUIRE_THROWS_WITH(on_device_path(w, {}, 64),
                        Catch::Contains("user " + std::to_string(user)) && Catch::Contains("item 40 is NaN"));
}
