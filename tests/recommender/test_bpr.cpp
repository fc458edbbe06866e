// BPR-MF: the hand-derived gradient of the triple loss against finite differences (all parameter
// blocks: user factors, item factors, item biases), training lowering the loss and ranking the
// planted preference, determinism for a seed, and option validation.
#include <catch2/catch.hpp>

#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/recommender/bpr.hpp"
#include "mvae/testing/gradient_check.hpp"

#include "support/random_matrices.hpp"

using mvae::index_t;

TEST_CASE("BPR's gradient matches finite differences of its loss", "[model][bpr][gradients]") {
    mvae::Bpr bpr({.factors = 4, .lambda = 0.3, .init_scale = 0.7, .seed = 5});
    bpr.initialize(6, 9);
    // Repeated users and items, and an item both positive and negative in different triples.
    const std::vector<mvae::BprTriple> triples{{0, 1, 2}, {0, 3, 2}, {4, 2, 7}, {5, 8, 0}, {0, 1, 5}};
    mvae::Bpr::Factors dp, dq;
    Eigen::VectorXd db;
    bpr.gradient(triples, dp, dq, db);
    // Check each block by perturbing the model's own parameters through a copy-and-restore.
    auto check = [&](auto& block, const auto& analytic) {
        std::vector<double> x(block.data(), block.data() + block.size());
        std::vector<double> g(analytic.data(), analytic.data() + analytic.size());
        const auto result = mvae::testing::check_gradient(
            x, g,
            [&] {
                std::copy(x.begin(), x.end(), block.data());
                return bpr.loss(triples);
            });
        std::copy(x.begin(), x.end(), block.data());
        CAPTURE(result.worst_index, result.worst_analytic, result.worst_numeric);
        REQUIRE(result.max_relative_error < 1e-7);
    };
    check(const_cast<mvae::Bpr::Factors&>(bpr.user_factors()), dp);
    check(const_cast<mvae::Bpr::Factors&>(bpr.item_factors()), dq);
    check(const_cast<Eigen::VectorXd&>(bpr.item_bias()), db);
}

TEST_CASE("BPR training lowers the loss, ranks positives first, and is reproducible", "[model][bpr]") {
    const mvae::InteractionMatrix r = mvae_test::skewed_random(80, 30, 1.2, 2);
    std::vector<double> losses;
    mvae::Bpr bpr({.factors = 8, .epochs = 30, .learning_rate = 0.05, .lambda = 1e-3, .seed = 3});
    bpr.fit(r, [&](index_t, double loss) { losses.push_back(loss); });
    REQUIRE(losses.size() == 30);
    CHECK(losses.back() < 0.6 * losses.front());
    // On the training data, a user's items score above the others on average.
    mvae::Matrix<double, mvae::Cpu> scores(80, 30);
    bpr.score(0, 80, scores.view());
    double in = 0, out = 0;
    index_t n_in = 0, n_out = 0;
    for (index_t u = 0; u < 80; ++u)
        for (index_t i = 0; i < 30; ++i) (r.contains(u, i) ? (in += scores(u, i), ++n_in) : (out += scores(u, i), ++n_out));
    CHECK(in / double(n_in) > out / double(n_out) + 0.5);
    mvae::Bpr again({.factors = 8, .epochs = 30, .learning_rate = 0.05, .lambda = 1e-3, .seed = 3});
    again.fit(r);
    REQUIRE(again.user_factors() == bpr.user_factors());
    REQUIRE(again.item_bias() == bpr.item_bias());
}

TEST_CASE("BPR validates its options and refuses to score before fit", "[model][bpr][errors]") {
    REQUIRE_THROWS_WITH(mvae::Bpr({.factors = 0}), Catch::Contains("factors") && Catch::Contains("0"));
    REQUIRE_THROWS_WITH(mvae::Bpr({.learning_rate = -1}), Catch::Contains("learning_rate"));
    mvae::Bpr bpr;
    mvae::Matrix<float, mvae::Cpu> out(1, 3);
    REQUIRE_THROWS_WITH(bpr.score(0, 1, out.view()), Catch::Contains("before fit"));
}
