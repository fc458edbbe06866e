// EASE against an independent dense solve: each column of B minimises ‖x_j − X_{−j}·b‖² + λ‖b‖²
// over the other items' weights (the diagonal constraint written out), which the closed form must
// reproduce; plus the scores as x_u·B, validation of λ, and errors before fit.
#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include "mvae/backend/backend.hpp"
#include "mvae/recommender/ease.hpp"

#include "support/random_matrices.hpp"

using mvae::Cpu;
using mvae::index_t;

TEST_CASE("EASE's closed form equals the per-column constrained least-squares solve", "[model][ease]") {
    const mvae::InteractionMatrix r = mvae_test::skewed_random(60, 14, 1.2, 3);
    for (double lambda : {0.5, 10.0}) {
        CAPTURE(lambda);
        mvae::Ease ease({.lambda = lambda});
        ease.fit(r);
        const auto& b = ease.weights();
        Eigen::MatrixXd x = Eigen::MatrixXd::Zero(60, 14);
        for (index_t u = 0; u < 60; ++u)
            for (index_t i : r.items_of(u)) x(u, i) = 1.0;
        REQUIRE(x.sum() > 60);  // not trivially empty
        for (index_t j = 0; j < 14; ++j) {
            // X_{−j}: every column but j.
            Eigen::MatrixXd others(60, 13);
            for (index_t c = 0, k = 0; c < 14; ++c)
                if (c != j) others.col(k++) = x.col(c);
            const Eigen::MatrixXd lhs = others.transpose() * others + lambda * Eigen::MatrixXd::Identity(13, 13);
            const Eigen::VectorXd w = lhs.ldlt().solve(others.transpose() * x.col(j));
            CHECK(b(j, j) == 0.0f);
            for (index_t c = 0, k = 0; c < 14; ++c)
                if (c != j) REQUIRE(double(b(c, j)) == Approx(w(k++)).margin(1e-5));
        }
        // Scores: x_u·B.
        mvae::Matrix<double, Cpu> out(5, 14);
        ease.score(10, 5, out.view());
        const Eigen::MatrixXd expected = x.middleRows(10, 5) * b.cast<double>();
        for (index_t u = 0; u < 5; ++u)
            for (index_t i = 0; i < 14; ++i) REQUIRE(out(u, i) == Approx(expected(u, i)).margin(1e-6));
    }
}

TEST_CASE("EASE validates lambda and refuses to score before fit or outside the users", "[model][ease][errors]") {
    REQUIRE_THROWS_WITH(mvae::Ease({.lambda = 0}), Catch::Contains("lambda") && Catch::Contains("0"));
    REQUIRE_THROWS_AS(mvae::Ease({.lambda = -1}), mvae::ArgumentError);
    mvae::Ease ease;
    mvae::Matrix<float, Cpu> out(2, 14);
    REQUIRE_THROWS_WITH(ease.score(0, 2, out.view()), Catch::Contains("before fit"));
    const mvae::InteractionMatrix r = mvae_test::skewed_random(60, 14, 1.2, 3);
    ease.fit(r);
    REQUIRE_THROWS_AS(ease.score(59, 2, out.view()), mvae::ArgumentError);
    mvae::Matrix<float, Cpu> wrong(2, 13);
    REQUIRE_THROWS_AS(ease.score(0, 2, wrong.view()), mvae::ShapeError);
}
