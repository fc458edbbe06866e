// Tests of mvae/eval/metrics.hpp and mvae/eval/evaluator.hpp: hand-computed Precision, Recall,
// F1 and NDCG at K on a small example, the protocol's edge cases, and a report that does not
// depend on the block size or the thread count.
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "mvae/backend/cpu/cpu_buffer.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/eval/metrics.hpp"
#include "mvae/random/random_stream.hpp"

#include "support/thread_guard.hpp"

using mvae::EvalOptions;
using mvae::EvalReport;
using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;
using Catch::Matchers::WithinAbs;

namespace {

constexpr double tol = 1e-12;

// DCG discount of 1-based rank r.
double d(int r) { return 1.0 / std::log2(double(r) + 1.0); }

// The hand-worked example: 5 users, 6 items.
//   user  train      test         scores (items 0..5)
//   0     {0, 1}     {2, 4}       .9 .8 .1 .7 .6 .7
//   1     {2}        {0, 2}       .2 .5 .9 .5 .1 .0     (test item 2 is also a training item)
//   2     {}         {}           NaN everywhere         (no test items: skipped, never read)
//   3     {0,1,2,3}  {4}          0  0  0  0  .3 .3      (only 2 candidates)
//   4     {5}        {1, 3, 4}    .1 .2 .3 .4 .5 .6
// Rankings (training items excluded, ties -> lower index):
//   user 0: 3 5 4 2   (3 and 5 tie at .7: 3 first)   hits at ranks 3, 4
//   user 1: 1 3 0 4 5 (1 and 3 tie at .5)           hit at rank 3 (item 2 can never be hit)
//   user 3: 4 5                                     hit at rank 1
//   user 4: 4 3 2 1 0                               hits at ranks 1, 2, 4
struct Example {
    InteractionMatrix train, test;
    mvae::Matrix<double, mvae::Cpu> scores;
};

Example make_example() {
    const std::vector<Interaction> train{{0, 0}, {0, 1}, {1, 2}, {3, 0}, {3, 1}, {3, 2}, {3, 3}, {4, 5}};
    // Duplicated test rows must count once.
    const std::vector<Interaction> test{{0, 2}, {0, 4}, {1, 0}, {1, 2}, {3, 4}, {4, 1}, {4, 3}, {4, 4}, {4, 4}, {0, 2}};
    Example e{InteractionMatrix(5, 6, train), InteractionMatrix(5, 6, test), mvae::Matrix<double, mvae::Cpu>(5, 6)};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double rows[5][6] = {{.9, .8, .1, .7, .6, .7},
                               {.2, .5, .9, .5, .1, .0},
                               {nan, nan, nan, nan, nan, nan},
                               {0, 0, 0, 0, .3, .3},
                               {.1, .2, .3, .4, .5, .6}};
    for (index_t u = 0; u < 5; ++u)
        for (index_t i = 0; i < 6; ++i) e.scores(u, i) = rows[u][i];
    return e;
}

void require_equal_reports(const EvalReport& a, const EvalReport& b) {
    REQUIRE(a.users_evaluated == b.users_evaluated);
    REQUIRE(a.ks == b.ks);
    // Bitwise equality: the sums are formed in user order whatever the blocks and threads.
    REQUIRE(a.precision == b.precision);
    REQUIRE(a.recall == b.recall);
    REQUIRE(a.f1 == b.f1);
    REQUIRE(a.ndcg == b.ndcg);
}

}  // namespace

TEST_CASE("user_metrics on hand-computed rankings", "[eval][metrics]") {
    const std::vector<index_t> ks{1, 2, 5};
    std::vector<mvae::UserMetrics> m(3);

    SECTION("user 4 of the example: hits at ranks 1, 2, 4 of 3 test items") {
        const std::vector<index_t> ranked{4, 3, 2, 1, 0}, test{1, 3, 4};
        mvae::user_metrics(ranked, test, ks, m);
        // K=1: 1 hit. P = 1, R = 1/3, F1 = 2(1/3)/(4/3) = 1/2, NDCG = 1/1.
        CHECK_THAT(m[0].precision, WithinAbs(1.0, tol));
        CHECK_THAT(m[0].recall, WithinAbs(1.0 / 3, tol));
        CHECK_THAT(m[0].f1, WithinAbs(0.5, tol));
        CHECK_THAT(m[0].ndcg, WithinAbs(1.0, tol));
        // K=2: 2 hits. P = 1, R = 2/3, F1 = (4/3)/(5/3) = 0.8, NDCG = (d1+d2)/(d1+d2) = 1.
        CHECK_THAT(m[1].precision, WithinAbs(1.0, tol));
        CHECK_THAT(m[1].recall, WithinAbs(2.0 / 3, tol));
        CHECK_THAT(m[1].f1, WithinAbs(0.8, tol));
        CHECK_THAT(m[1].ndcg, WithinAbs(1.0, tol));
        // K=5: 3 hits (ranks 1, 2, 4). P = 3/5, R = 1, F1 = 1.2/1.6 = 0.75,
        // NDCG = (d1 + d2 + d4) / (d1 + d2 + d3)   (IDCG: min(|T| = 3, K = 5) = 3 terms).
        CHECK_THAT(m[2].precision, WithinAbs(0.6, tol));
        CHECK_THAT(m[2].recall, WithinAbs(1.0, tol));
        CHECK_THAT(m[2].f1, WithinAbs(0.75, tol));
        CHECK_THAT(m[2].ndcg, WithinAbs((d(1) + d(2) + d(4)) / (d(1) + d(2) + d(3)), tol));
        CHECK(m[2].ndcg < 0.97);  // sanity: (1 + .6309 + .4307) / (1 + .6309 + .5) = .96747
        CHECK(m[2].ndcg > 0.96);
    }
    SECTION("a list shorter than K counts the missing positions as misses") {
        const std::vector<index_t> ranked{4, 5}, test{4};
        mvae::user_metrics(ranked, test, ks, m);
        // K=5: 1 hit over 5 positions: P = 1/5, R = 1, F1 = 0.4/1.2 = 1/3, NDCG = d1/d1 = 1.
        CHECK_THAT(m[2].precision, WithinAbs(0.2, tol));
        CHECK_THAT(m[2].recall, WithinAbs(1.0, tol));
        CHECK_THAT(m[2].f1, WithinAbs(1.0 / 3, tol));
        CHECK_THAT(m[2].ndcg, WithinAbs(1.0, tol));
    }
    SECTION("no hit gives zeros, not NaN") {
        const std::vector<index_t> ranked{0, 1, 2}, test{7, 9};
        mvae::user_metrics(ranked, test, ks, m);
        for (const auto& v : m) {
            CHECK(v.precision == 0.0);
            CHECK(v.recall == 0.0);
            CHECK(v.f1 == 0.0);
            CHECK(v.ndcg == 0.0);
        }
    }
    SECTION("a user without test items is an argument error") {
        const std::vector<index_t> ranked{0}, test{};
        REQUIRE_THROWS_AS(mvae::user_metrics(ranked, test, ks, m), mvae::ArgumentError);
    }
}

TEST_CASE("evaluate_scores on the hand-worked example", "[eval][metrics]") {
    const Example e = make_example();
    EvalOptions opt;
    opt.ks = {5, 1, 2};  // reported in this order

    // Per user (u0, u1, u3, u4) and K:
    //   K=1: P = 0, 0, 1, 1            R = 0, 0, 1, 1/3          F1 = 0, 0, 1, 1/2      NDCG = 0, 0, 1, 1
    //   K=2: P = 0, 0, 1/2, 1          R = 0, 0, 1, 2/3          F1 = 0, 0, 2/3, 4/5    NDCG = 0, 0, 1, 1
    //   K=5: P = 2/5, 1/5, 1/5, 3/5    R = 1, 1/2, 1, 1          F1 = 4/7, 2/7, 1/3, 3/4
    //        NDCG = (d3+d4)/(d1+d2), d3/(d1+d2), 1, (d1+d2+d4)/(d1+d2+d3)
    // Averages over the 4 evaluated users (user 2 has no test items):
    //   K=1: P = 1/2, R = 1/3, F1(of averages) = (1/3)/(5/6) = 2/5, F1(per user) = 1.5/4 = 3/8, NDCG = 1/2
    //   K=2: P = 3/8, R = 5/12, F1(of averages) = (5/16)/(19/24) = 15/38, F1(per user) = (22/15)/4 = 11/30,
    //        NDCG = 1/2
    //   K=5: P = 7/20, R = 7/8, F1(of averages) = 0.6125/1.225 = 1/2, F1(per user) = (163/84)/4 = 163/336
    const double ndcg5 =
        ((d(3) + d(4)) / (d(1) + d(2)) + d(3) / (d(1) + d(2)) + 1.0 + (d(1) + d(2) + d(4)) / (d(1) + d(2) + d(3))) / 4;

    const EvalReport r = mvae::evaluate_scores(e.train, e.test, e.scores.cview(), opt);
    REQUIRE(r.users_evaluated == 4);
    REQUIRE(r.ks == std::vector<index_t>{5, 1, 2});
    REQUIRE(r.precision.size() == 3);
    CHECK_THAT(r.precision[0], WithinAbs(7.0 / 20, tol));
    CHECK_THAT(r.recall[0], WithinAbs(7.0 / 8, tol));
    CHECK_THAT(r.f1[0], WithinAbs(0.5, tol));
    CHECK_THAT(r.ndcg[0], WithinAbs(ndcg5, tol));
    CHECK_THAT(r.precision[1], WithinAbs(0.5, tol));
    CHECK_THAT(r.recall[1], WithinAbs(1.0 / 3, tol));
    CHECK_THAT(r.f1[1], WithinAbs(0.4, tol));
    CHECK_THAT(r.ndcg[1], WithinAbs(0.5, tol));
    CHECK_THAT(r.precision[2], WithinAbs(3.0 / 8, tol));
    CHECK_THAT(r.recall[2], WithinAbs(5.0 / 12, tol));
    CHECK_THAT(r.f1[2], WithinAbs(15.0 / 38, tol));
    CHECK_THAT(r.ndcg[2], WithinAbs(0.5, tol));

    SECTION("F1 as the average of per-user F1") {
        opt.f1_mode = EvalOptions::F1Mode::PerUser;
        const EvalReport p = mvae::evaluate_scores(e.train, e.test, e.scores.cview(), opt);
        CHECK_THAT(p.f1[0], WithinAbs(163.0 / 336, tol));
        CHECK_THAT(p.f1[1], WithinAbs(3.0 / 8, tol));
        CHECK_THAT(p.f1[2], WithinAbs(11.0 / 30, tol));
        // Only F1 changes with the mode.
        CHECK(p.precision == r.precision);
        CHECK(p.recall == r.recall);
        CHECK(p.ndcg == r.ndcg);
    }
    SECTION("the same through evaluate_ranking, in float, one user per block") {
        const auto fill = [&](index_t first, index_t count, mvae::MatrixView<float, mvae::Cpu> out) {
            for (index_t b = 0; b < count; ++b)
                for (index_t i = 0; i < 6; ++i) out(b, i) = float(e.scores(first + b, i));
        };
        const EvalReport f = mvae::evaluate_ranking<float>(e.train, e.test, fill, opt, 1);
        REQUIRE(f.users_evaluated == 4);
        CHECK_THAT(f.ndcg[0], WithinAbs(ndcg5, tol));
        CHECK_THAT(f.f1[2], WithinAbs(15.0 / 38, tol));
        CHECK_THAT(f.recall[0], WithinAbs(7.0 / 8, tol));
    }
    SECTION("the default cut-offs are 1, 5, 10") {
        const EvalReport dflt = mvae::evaluate_scores(e.train, e.test, e.scores.cview());
        REQUIRE(dflt.ks == std::vector<index_t>{1, 5, 10});
        CHECK_THAT(dflt.precision[1], WithinAbs(7.0 / 20, tol));
        // K=10: same hits as K=5 with twice the positions: P = (2+1+1+3)/10/4 = 7/40.
        CHECK_THAT(dflt.precision[2], WithinAbs(7.0 / 40, tol));
        CHECK_THAT(dflt.recall[2], WithinAbs(7.0 / 8, tol));
        CHECK_THAT(dflt.ndcg[2], WithinAbs(ndcg5, tol));  // IDCG@10 = IDCG@5 here (|T| <= 3)
    }
}

TEST_CASE("evaluation with no evaluable user reports zeros", "[eval][metrics]") {
    const std::vector<Interaction> train{{0, 0}};
    const InteractionMatrix tr(2, 3, train), te(2, 3, std::vector<Interaction>{});
    mvae::Matrix<float, mvae::Cpu> s(2, 3);
    const EvalReport r = mvae::evaluate_scores(tr, te, s.cview());
    CHECK(r.users_evaluated == 0);
    CHECK(r.precision == std::vector<double>{0, 0, 0});
    CHECK(r.f1 == std::vector<double>{0, 0, 0});
    CHECK(r.ndcg == std::vector<double>{0, 0, 0});
}

TEST_CASE("evaluation reports a NaN score naming the user and the item", "[eval][metrics]") {
    Example e = make_example();
    e.scores(3, 5) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(mvae::evaluate_scores(e.train, e.test, e.scores.cview()), mvae::NumericalError);
    REQUIRE_THROWS_WITH(mvae::evaluate_scores(e.train, e.test, e.scores.cview()),
                        Catch::Contains("user 3") && Catch::Contains("item 5 is NaN"));
}

TEST_CASE("evaluation validates shapes and options", "[eval][metrics]") {
    const Example e = make_example();
    const InteractionMatrix wide(5, 7, std::vector<Interaction>{{0, 6}});
    REQUIRE_THROWS_AS(mvae::evaluate_scores(e.train, wide, e.scores.cview()), mvae::ShapeError);
    REQUIRE_THROWS_WITH(mvae::evaluate_scores(e.train, wide, e.scores.cview()),
                        Catch::Contains("5 x 6") && Catch::Contains("5 x 7"));
    const auto noop = [](index_t, index_t, mvae::MatrixView<double, mvae::Cpu>) {};
    REQUIRE_THROWS_AS(mvae::evaluate_ranking<double>(wide, e.test, noop), mvae::ShapeError);

    mvae::Matrix<double, mvae::Cpu> small(4, 6);
    REQUIRE_THROWS_WITH(mvae::evaluate_scores(e.train, e.test, small.cview()),
                        Catch::Contains("4 x 6") && Catch::Contains("5 x 6"));

    EvalOptions bad;
    bad.ks = {};
    REQUIRE_THROWS_AS(mvae::evaluate_scores(e.train, e.test, e.scores.cview(), bad), mvae::ArgumentError);
    bad.ks = {1, 0};
    REQUIRE_THROWS_WITH(mvae::evaluate_scores(e.train, e.test, e.scores.cview(), bad), Catch::Contains("got 0"));
    bad.ks = {-3};
    REQUIRE_THROWS_WITH(mvae::evaluate_scores(e.train, e.test, e.scores.cview(), bad), Catch::Contains("got -3"));
    bad.ks = {5, 1, 5};
    REQUIRE_THROWS_WITH(mvae::evaluate_scores(e.train, e.test, e.scores.cview(), bad), Catch::Contains("K = 5"));
    REQUIRE_THROWS_WITH(mvae::evaluate_ranking<double>(e.train, e.test, noop, {}, 0), Catch::Contains("block_users"));
}

TEST_CASE("the report does not depend on block_users or the thread count", "[eval][metrics]") {
    // 157 users x 41 items, ~15 % training density, ~8 % test density, scores on 6 levels.
    constexpr index_t n_users = 157, n_items = 41;
    const mvae::RandomStream rng(7, mvae::stream_id(1234));
    std::vector<Interaction> train, test;
    mvae::Matrix<float, mvae::Cpu> scores(n_users, n_items);
    std::uint64_t w = 0;
    for (index_t u = 0; u < n_users; ++u) {
        for (index_t i = 0; i < n_items; ++i) {
            if (rng.below(w++, 100) < 15) train.push_back({u, i});
            if (u % 5 != 2 && rng.below(w++, 100) < 8) test.push_back({u, i});  // every 5th user: no test items
            scores(u, i) = float(rng.below(w++, 6)) / 5.0f;
        }
    }
    const InteractionMatrix tr(n_users, n_items, train), te(n_users, n_items, test);
    EvalOptions opt;
    opt.ks = {10, 1, 3, 5};

    const mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);
    const EvalReport reference = mvae::evaluate_scores(tr, te, scores.cview(), opt);
    REQUIRE(reference.users_evaluated > 100);
    REQUIRE(reference.users_evaluated < n_users);
    REQUIRE(reference.ndcg[0] > 0.0);  // non-trivial data
    REQUIRE(reference.precision[1] > 0.0);

    for (const int threads : {1, 2}) {
        mvae::set_num_threads(threads);
        for (const index_t block : {1, 2, 7, 64, 256}) {
            INFO("threads " << threads << ", block_users " << block);
            index_t calls = 0;
            const auto fill = [&](index_t first, index_t count, mvae::MatrixView<float, mvae::Cpu> out) {
                ++calls;
                REQUIRE(count <= block);
                for (index_t b = 0; b < count; ++b)
                    for (index_t i = 0; i < n_items; ++i) out(b, i) = scores(first + b, i);
            };
            require_equal_reports(mvae::evaluate_ranking<float>(tr, te, fill, opt, block), reference);
            CHECK(calls >= (reference.users_evaluated + block - 1) / block);
        }
        require_equal_reports(mvae::evaluate_scores(tr, te, scores.cview(), opt), reference);
    }
}
