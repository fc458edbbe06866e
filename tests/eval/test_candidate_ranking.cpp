// evaluate_candidates: hand-computed NDCG and recall on candidate sets, users without positives
// skipped, training items not excluded, ties by lower item index, and the argument checks.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "mvae/eval/candidate_ranking.hpp"

using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;

TEST_CASE("evaluate_candidates ranks only each user's candidates", "[eval][candidates]") {
    // 3 users × 6 items. User 0: candidates {1, 2, 4}, positive {4}; user 1: candidates {0, 5},
    // positive none (skipped); user 2: candidates {0, 1, 3}, positives {0, 3}.
    const InteractionMatrix candidates(3, 6, std::vector<Interaction>{{0, 1}, {0, 2}, {0, 4}, {1, 0}, {1, 5},
                                                                      {2, 0}, {2, 1}, {2, 3}});
    const InteractionMatrix positives(3, 6, std::vector<Interaction>{{0, 4}, {2, 0}, {2, 3}});
    // Scores: item j's score is the same for all users, except user 2 prefers item 1 strongly.
    // Non-candidates get the highest scores: they must not count.
    const std::vector<double> base{0.5, 0.2, 0.9, 5.0, 0.7, 9.0};
    auto fill = [&](index_t first, index_t count, mvae::MatrixView<double, mvae::Cpu> out) {
        for (index_t b = 0; b < count; ++b)
            for (index_t j = 0; j < 6; ++j) out(b, j) = (first + b == 2 && j == 1) ? 10.0 : (first + b == 2 && j == 3 ? 0.5 : base[std::size_t(j)]);
    };
    mvae::EvalOptions options;
    options.ks = {1, 2, 3};
    for (index_t block : {1, 2, 1024}) {
        const mvae::EvalReport r = mvae::evaluate_candidates<double>(candidates, positives, fill, options, block);
        REQUIRE(r.users_evaluated == 2);
        // User 0 ranks 2 (0.9), 4 (0.7), 1 (0.2): the positive at rank 2.
        // User 2 ranks 1 (10), then 0 and 3 tied at 0.5: 0 first (lower index), then 3.
        const double d2 = 1.0 / std::log2(3.0), d3 = 1.0 / std::log2(4.0);
        const double ndcg1 = (0.0 + 0.0) / 2;
        const double ndcg2 = (d2 / 1.0 + d2 / (1.0 + d2)) / 2;
        const double ndcg3 = (d2 / 1.0 + (d2 + d3) / (1.0 + d2)) / 2;
        CHECK(r.ndcg[0] == Approx(ndcg1));
        CHECK(r.ndcg[1] == Approx(ndcg2));
        CHECK(r.ndcg[2] == Approx(ndcg3));
        CHECK(r.recall[1] == Approx((1.0 + 0.5) / 2));
        CHECK(r.recall[2] == Approx(1.0));
        CHECK(r.precision[0] == Approx(0.0));
    }
}

TEST_CASE("evaluate_candidates checks its inputs", "[eval][candidates][errors]") {
    const InteractionMatrix candidates(2, 3, std::vector<Interaction>{{0, 1}});
    const InteractionMatrix stray(2, 3, std::vector<Interaction>{{0, 2}});
    const InteractionMatrix other_shape(2, 4, std::vector<Interaction>{{0, 1}});
    auto fill = [](index_t, index_t, mvae::MatrixView<float, mvae::Cpu> out) {
        for (index_t b = 0; b < out.rows(); ++b)
            for (index_t j = 0; j < out.cols(); ++j) out(b, j) = 0.f;
    };
    REQUIRE_THROWS_WITH(mvae::evaluate_candidates(candidates, stray, fill),
                        Catch::Contains("user 0") && Catch::Contains("item 2"));
    REQUIRE_THROWS_AS(mvae::evaluate_candidates(candidates, other_shape, fill), mvae::ShapeError);
}
