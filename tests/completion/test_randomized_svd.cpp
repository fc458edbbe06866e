// RandomizedSvd and the sparse products it is built on: exact recovery of a planted rank-3 block
// matrix (singular values known in closed form), agreement with Eigen's dense JacobiSVD on a random
// 0/1 matrix, the Σ^{1/2} factor split, Eckart–Young optimality, determinism for a seed and any
// thread count, and option checks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/SVD>

#include "mvae/completion/randomized_svd.hpp"
#include "mvae/completion/sparse_products.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/random/random_stream.hpp"

#include "support/random_matrices.hpp"

#include "support/thread_guard.hpp"

using mvae::EigenRowMajor;
using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;
using mvae::RandomizedSvd;
using mvae::RandomizedSvdOptions;

using mvae_test::skewed_random;

namespace {

/// Three user groups, each liking its own item set (sizes 3×4, 5×2, 2×7), plus one user and one
/// item without interactions, with users and items scrambled. R is exactly rank 3 with singular
/// values √(3·4), √(5·2), √(2·7).
InteractionMatrix planted_blocks() {
    const index_t n = 11, m = 14;
    struct Block {
        index_t user_begin, users, item_begin, items;
    };
    const Block blocks[] = {{0, 3, 0, 4}, {3, 5, 4, 2}, {8, 2, 6, 7}};
    std::vector<Interaction> pairs;
    for (const Block& b : blocks)
        for (index_t u = b.user_begin; u < b.user_begin + b.users; ++u)
            for (index_t i = b.item_begin; i < b.item_begin + b.items; ++i)
                pairs.push_back({(u * 7) % n, (i * 5) % m});  // 7 ⟂ 11, 5 ⟂ 14: permutations
    pairs.push_back(pairs.front());  // a duplicate: counts must not matter
    return InteractionMatrix(n, m, pairs);
}


Eigen::MatrixXd dense(const InteractionMatrix& r) {
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(r.n_users(), r.n_items());
    for (const Interaction& p : r.pairs()) d(p.user, p.item) = 1.0;
    return d;
}

EigenRowMajor<double> random_dense(index_t rows, index_t cols, std::uint64_t stream) {
    EigenRowMajor<double> x(rows, cols);
    mvae::Backend<mvae::Cpu>().fill_normal(mvae::MatrixView<double, mvae::Cpu>(x.data(), rows, cols),
                                           mvae::RandomStream(5, stream));
    return x;
}

}  // namespace

TEST_CASE("R·X and Rᵀ·Y match dense products and ignore counts", "[completion][sparse]") {
    const InteractionMatrix r = skewed_random(40, 30, 2.0, 3);
    REQUIRE(r.nnz() > 100);
    const Eigen::MatrixXd d = dense(r);
    const EigenRowMajor<double> x = random_dense(30, 4, 1), y = random_dense(40, 3, 2);

    const EigenRowMajor<double> rx = mvae::sparse_multiply(r, x);
    const EigenRowMajor<double> rty = mvae::sparse_multiply_transposed(r, y);
    REQUIRE(rx.rows() == 40);
    REQUIRE(rx.cols() == 4);
    REQUIRE(rty.rows() == 30);
    REQUIRE(rty.cols() == 3);
    REQUIRE(rx.cwiseAbs().maxCoeff() > 1.0);
    REQUIRE((rx - d * x).cwiseAbs().maxCoeff() < 1e-12);
    REQUIRE((rty - d.transpose() * y).cwiseAbs().maxCoeff() < 1e-12);

    // Duplicated pairs are one entry of value 1.
    const InteractionMatrix twice(2, 3, std::vector<Interaction>{{0, 1}, {0, 1}, {0, 1}, {1, 2}});
    EigenRowMajor<double> ones = EigenRowMajor<double>::Ones(3, 1);
    const EigenRowMajor<double> degrees = mvae::sparse_multiply(twice, ones);
    REQUIRE(degrees(0, 0) == 1.0);
    REQUIRE(degrees(1, 0) == 1.0);

    // float works the same way
    const EigenRowMajor<float> xf = x.cast<float>();
    REQUIRE((mvae::sparse_multiply(r, xf).cast<double>() - d * x).cwiseAbs().maxCoeff() < 1e-4);

    SECTION("shape and aliasing errors") {
        REQUIRE_THROWS_AS(mvae::sparse_multiply(r, y), mvae::ShapeError);
        REQUIRE_THROWS_WITH(mvae::sparse_multiply_transposed(r, x),
                            Catch::Contains("Rᵀ is 30 x 40") && Catch::Contains("Y is 30 x 4"));
        EigenRowMajor<double> square = random_dense(30, 30, 3);
        const InteractionMatrix sq = skewed_random(30, 30, 2.0, 4);
        REQUIRE_THROWS_AS(mvae::sparse_multiply(sq, square, square), mvae::ArgumentError);
    }
}

TEST_CASE("a planted rank-3 block matrix is recovered exactly", "[completion][svd]") {
    const InteractionMatrix r = planted_blocks();
    const Eigen::MatrixXd d = dense(r);
    REQUIRE(d.sum() == 3 * 4 + 5 * 2 + 2 * 7);
    const Eigen::JacobiSVD<Eigen::MatrixXd> reference(d);

    for (index_t oversampling : {0, 10}) {
        for (index_t power : {0, 2}) {
            CAPTURE(oversampling, power);
            const mvae::LowRankFactors f = RandomizedSvd({.rank = 3, .oversampling = oversampling,
                                                          .power_iterations = power, .seed = 11})
                                               .fit(r);
            REQUIRE(f.rank() == 3);
            REQUIRE(f.n_users() == 11);
            REQUIRE(f.n_items() == 14);
            REQUIRE(f.singular_values.size() == 3);
            // Closed form: √(users · items) of each block, descending.
            CHECK(f.singular_values(0) == Approx(std::sqrt(14.0)).epsilon(1e-12));
            CHECK(f.singular_values(1) == Approx(std::sqrt(12.0)).epsilon(1e-12));
            CHECK(f.singular_values(2) == Approx(std::sqrt(10.0)).epsilon(1e-12));
            for (int j = 0; j < 3; ++j) CHECK(std::abs(f.singular_values(j) - reference.singularValues()(j)) < 1e-10);
            CHECK(reference.singularValues()(3) < 1e-12);  // the dense SVD agrees that R has rank 3

            const Eigen::MatrixXd product = f.p * f.q.transpose();
            CHECK((product - d).cwiseAbs().maxCoeff() < 1e-8);
            CHECK(f.predict(7, 0) == Approx(1.0).margin(1e-8));  // user 1 ↦ 7 and item 0 ↦ 0: both in block 0
            CHECK(std::abs(f.predict(7, 6)) < 1e-8);              // item 4 ↦ 6 is in block 1
        }
    }
}

TEST_CASE("the factors split Σ evenly: PᵀP = QᵀQ = Σ_k", "[completion][svd]") {
    const InteractionMatrix r = skewed_random(60, 45, 0.6, 8);
    const mvae::LowRankFactors f = RandomizedSvd({.rank = 6, .oversampling = 10, .power_iterations = 4, .seed = 2}).fit(r);
    const Eigen::MatrixXd sigma = f.singular_values.asDiagonal();
    REQUIRE(f.singular_values(0) > 3.0);
    CHECK((Eigen::MatrixXd(f.p.transpose() * f.p) - sigma).cwiseAbs().maxCoeff() < 1e-10);
    CHECK((Eigen::MatrixXd(f.q.transpose() * f.q) - sigma).cwiseAbs().maxCoeff() < 1e-10);
    for (int j = 1; j < 6; ++j) CHECK(f.singular_values(j) <= f.singular_values(j - 1));
}

TEST_CASE("on a random 0/1 matrix the top-k singular values match the dense SVD", "[completion][svd]") {
    const InteractionMatrix r = skewed_random(300, 200, 1.0, 21);
    const Eigen::MatrixXd d = dense(r);
    REQUIRE(r.density() > 0.03);
    const Eigen::JacobiSVD<Eigen::MatrixXd> reference(d);
    const Eigen::VectorXd s = reference.singularValues();
    const index_t k = 10;

    const mvae::LowRankFactors f = RandomizedSvd({.rank = k, .oversampling = 10, .power_iterations = 24, .seed = 4}).fit(r);
    for (index_t j = 0; j < k; ++j) {
        CAPTURE(j);
        CHECK(f.singular_values(j) == Approx(s(j)).epsilon(1e-6));
    }
    // (The bulk of a random matrix's spectrum is flat — σ_10 / σ_21 ≈ 1.2 here — hence 24 power iterations.)
    // Eckart–Young: ‖R − PQᵀ‖²_F reaches the optimum Σ_{j>k} σ_j².
    const double optimum = s.tail(s.size() - k).squaredNorm();
    const double error = (d - f.p * f.q.transpose()).squaredNorm();
    CHECK(error == Approx(optimum).epsilon(1e-6));

    // Without power iterations the sketch is rough, and (σ_j(QᵀR) ≤ σ_j(R)) never above the true values.
    const mvae::LowRankFactors rough = RandomizedSvd({.rank = k, .oversampling = 10, .power_iterations = 0, .seed = 4}).fit(r);
    for (index_t j = 0; j < k; ++j) CHECK(rough.singular_values(j) <= s(j) * (1 + 1e-12));
    CHECK(s(k - 1) - rough.singular_values(k - 1) > 0.05 * s(k - 1));
}

TEST_CASE("RandomizedSvd is a function of the seed, not of the thread count", "[completion][svd][determinism]") {
    const InteractionMatrix r = skewed_random(700, 300, 0.3, 5);
    const RandomizedSvdOptions options{.rank = 12, .oversampling = 8, .power_iterations = 2, .seed = 99};
    const mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);
    const mvae::LowRankFactors one = RandomizedSvd(options).fit(r);
    const mvae::LowRankFactors again = RandomizedSvd(options).fit(r);
    mvae::set_num_threads(2);
    const mvae::LowRankFactors two = RandomizedSvd(options).fit(r);
    REQUIRE(one.p.cwiseAbs().maxCoeff() > 0.1);
    REQUIRE(one.p == again.p);
    REQUIRE(one.q == again.q);
    REQUIRE(one.p == two.p);
    REQUIRE(one.q == two.q);
    REQUIRE(one.singular_values == two.singular_values);

    RandomizedSvdOptions other = options;
    other.seed = 100;
    const mvae::LowRankFactors reseeded = RandomizedSvd(other).fit(r);
    REQUIRE(reseeded.p != one.p);
    CHECK(reseeded.singular_values(0) == Approx(one.singular_values(0)).epsilon(1e-2));  // q = 2: close, not equal
}

TEST_CASE("RandomizedSvd option checks name the option and the value", "[completion][svd][errors]") {
    REQUIRE_THROWS_WITH(RandomizedSvd({.rank = 0}), Catch::Contains("RandomizedSvdOptions::rank") && Catch::Contains("got 0"));
    REQUIRE_THROWS_AS(RandomizedSvd({.rank = -3}), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(RandomizedSvd({.rank = 5, .oversampling = -1}),
                        Catch::Contains("RandomizedSvdOptions::oversampling") && Catch::Contains("got -1"));
    REQUIRE_THROWS_WITH(RandomizedSvd({.rank = 5, .oversampling = 3, .power_iterations = -2}),
                        Catch::Contains("RandomizedSvdOptions::power_iterations") && Catch::Contains("got -2"));

    const InteractionMatrix r = planted_blocks();  // 11 × 14
    REQUIRE_THROWS_AS(RandomizedSvd({.rank = 12}).fit(r), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(RandomizedSvd({.rank = 12}).fit(r),
                        Catch::Contains("RandomizedSvdOptions::rank") && Catch::Contains("min(n_users, n_items) = 11") &&
                            Catch::Contains("got 12"));
    // k = min(n, m) is allowed; the sketch is then square and exact.
    const mvae::LowRankFactors full = RandomizedSvd({.rank = 11, .power_iterations = 0}).fit(r);
    CHECK((full.p * full.q.transpose() - dense(r)).cwiseAbs().maxCoeff() < 1e-10);
    REQUIRE_THROWS_AS(RandomizedSvd({.rank = 1}).fit(InteractionMatrix()), mvae::ArgumentError);
}
