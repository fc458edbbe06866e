// WeightedAls: the objective against a dense evaluation, one half-step against a naive dense
// weighted least-squares solve per row, monotone decrease of the objective, the planted block
// structure (observed ≈ 1, unobserved in-block above every out-of-block cell), determinism for
// any thread count, option and shape errors, singular systems.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/QR>

#include "mvae/completion/weighted_als.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/random/random_stream.hpp"

#include "support/random_matrices.hpp"

#include "support/thread_guard.hpp"

using mvae::EigenRowMajor;
using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;
using mvae::LowRankFactors;
using mvae::WeightedAls;
using mvae::WeightedAlsOptions;

using mvae_test::skewed_random;

namespace {


/// Block b: users [user_begin, +users) like items [item_begin, +items).
struct Block {
    index_t user_begin, users, item_begin, items;
};
constexpr Block planted[] = {{0, 8, 0, 6}, {8, 10, 6, 5}, {18, 6, 11, 7}};

/// The three blocks (25 users, 19 items; user 24 and item 18 empty) with every cell where
/// (u + 2i) mod 5 = 0 left out: those are the unobserved in-block cells.
bool is_hole(index_t u, index_t i) { return (u + 2 * i) % 5 == 0; }
int block_of_user(index_t u) {
    for (int b = 0; b < 3; ++b)
        if (u >= planted[b].user_begin && u < planted[b].user_begin + planted[b].users) return b;
    return -1;
}
int block_of_item(index_t i) {
    for (int b = 0; b < 3; ++b)
        if (i >= planted[b].item_begin && i < planted[b].item_begin + planted[b].items) return b;
    return -2;
}
InteractionMatrix planted_blocks_with_holes() {
    std::vector<Interaction> pairs;
    for (const Block& b : planted)
        for (index_t u = b.user_begin; u < b.user_begin + b.users; ++u)
            for (index_t i = b.item_begin; i < b.item_begin + b.items; ++i)
                if (!is_hole(u, i)) pairs.push_back({u, i});
    return InteractionMatrix(25, 19, pairs);
}

Eigen::MatrixXd dense(const InteractionMatrix& r) {
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(r.n_users(), r.n_items());
    for (const Interaction& p : r.pairs()) d(p.user, p.item) = 1.0;
    return d;
}

EigenRowMajor<double> random_factors(index_t rows, index_t k, std::uint64_t stream) {
    EigenRowMajor<double> x(rows, k);
    mvae::Backend<mvae::Cpu>().fill_normal(mvae::MatrixView<double, mvae::Cpu>(x.data(), rows, k),
                                           mvae::RandomStream(17, stream));
    return x;
}

/// The weighted objective, cell by cell.
double naive_objective(const Eigen::MatrixXd& d, const LowRankFactors& f, double w0, double lambda) {
    const Eigen::MatrixXd x = f.p * f.q.transpose();
    double e = 0;
    for (Eigen::Index u = 0; u < d.rows(); ++u)
        for (Eigen::Index i = 0; i < d.cols(); ++i)
            e += d(u, i) == 1.0 ? 0.5 * (1 - x(u, i)) * (1 - x(u, i)) : 0.5 * w0 * x(u, i) * x(u, i);
    return e + 0.5 * lambda * (f.p.squaredNorm() + f.q.squaredNorm());
}

/// argmin_x Σ_j w_j (t_j − other_j · x)² + λ‖x‖² for one row of d (weights 1 / w0, targets 1 / 0),
/// as the least-squares solution of the stacked system [√W·other; √λ·I] x = [√W·t; 0].
Eigen::VectorXd naive_row_solve(const Eigen::VectorXd& targets, const EigenRowMajor<double>& other, double w0,
                                double lambda) {
    const Eigen::Index m = other.rows(), k = other.cols();
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(m + k, k);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(m + k);
    for (Eigen::Index j = 0; j < m; ++j) {
        const double w = std::sqrt(targets(j) == 1.0 ? 1.0 : w0);
        a.row(j) = w * other.row(j);
        b(j) = w * targets(j);
    }
    a.bottomRows(k) = std::sqrt(lambda) * Eigen::MatrixXd::Identity(k, k);
    return a.colPivHouseholderQr().solve(b);
}

}  // namespace

TEST_CASE("the objective equals a cell-by-cell evaluation", "[completion][als]") {
    const InteractionMatrix r = skewed_random(30, 20, 1.5, 1);
    REQUIRE(r.nnz() > 60);
    LowRankFactors f;
    f.p = random_factors(30, 4, 1);
    f.q = random_factors(20, 4, 2);
    const WeightedAls als({.rank = 4, .lambda = 0.3, .w0 = 0.2});
    const double expected = naive_objective(dense(r), f, 0.2, 0.3);
    REQUIRE(expected > 10);
    CHECK(als.objective(r, f) == Approx(expected).epsilon(1e-12));

    // Hand-checked 1 × 2 case: R = [1 0], p = [2], q = [1; 3], w0 = 0.5, λ = 0.1:
    // ½(1 − 2)² + ½·0.5·6² + ½·0.1·(4 + 1 + 9) = 0.5 + 9 + 0.7 = 10.2.
    const InteractionMatrix tiny(1, 2, std::vector<Interaction>{{0, 0}});
    LowRankFactors t;
    t.p = EigenRowMajor<double>::Constant(1, 1, 2.0);
    t.q.resize(2, 1);
    t.q << 1.0, 3.0;
    CHECK(WeightedAls({.rank = 1, .lambda = 0.1, .w0 = 0.5}).objective(tiny, t) == Approx(10.2).epsilon(1e-14));
}

TEST_CASE("a half-step equals a naive dense weighted least-squares solve per row", "[completion][als]") {
    const InteractionMatrix r = skewed_random(40, 25, 1.5, 2);
    const Eigen::MatrixXd d = dense(r);
    const double w0 = 0.15, lambda = 0.05;
    const WeightedAls als({.rank = 5, .lambda = lambda, .w0 = w0});

    SECTION("users given items") {
        const EigenRowMajor<double> q = random_factors(25, 5, 3);
        EigenRowMajor<double> p;
        als.update_user_factors(r, q, p);
        REQUIRE(p.rows() == 40);
        REQUIRE(p.cols() == 5);
        REQUIRE(p.cwiseAbs().maxCoeff() > 0.05);
        for (index_t u = 0; u < 40; ++u) {
            CAPTURE(u);
            const Eigen::VectorXd expected = naive_row_solve(d.row(u).transpose(), q, w0, lambda);
            CHECK((p.row(u).transpose() - expected).cwiseAbs().maxCoeff() < 1e-10);
        }
    }
    SECTION("items given users") {
        const EigenRowMajor<double> p = random_factors(40, 5, 4);
        EigenRowMajor<double> q;
        als.update_item_factors(r, p, q);
        REQUIRE(q.rows() == 25);
        REQUIRE(q.cwiseAbs().maxCoeff() > 0.05);
        for (index_t i = 0; i < 25; ++i) {
            CAPTURE(i);
            const Eigen::VectorXd expected = naive_row_solve(d.col(i), p, w0, lambda);
            CHECK((q.row(i).transpose() - expected).cwiseAbs().maxCoeff() < 1e-10);
        }
    }
}

TEST_CASE("the objective never increases, half-step by half-step", "[completion][als]") {
    const InteractionMatrix r = skewed_random(80, 60, 1.2, 3);
    const WeightedAls als({.rank = 6, .lambda = 0.1, .w0 = 0.1, .iterations = 12, .seed = 5});
    std::vector<double> objective;
    const LowRankFactors f = als.fit(r, objective);
    REQUIRE(objective.size() == 12);
    for (std::size_t t = 1; t < objective.size(); ++t) {
        CAPTURE(t);
        CHECK(objective[t] <= objective[t - 1] * (1 + 1e-12));
    }
    CHECK(objective.back() < 0.95 * objective.front());
    CHECK(objective.back() == Approx(als.objective(r, f)).epsilon(1e-14));
    const LowRankFactors again = als.fit(r);
    CHECK(again.p == f.p);
    CHECK(again.q == f.q);
    CHECK(f.singular_values.size() == 0);

    // Each half-step is an exact block minimisation, from any starting point.
    LowRankFactors g;
    g.q = random_factors(60, 6, 9);
    g.p = random_factors(80, 6, 10);
    double last = als.objective(r, g);
    for (int step = 0; step < 6; ++step) {
        EigenRowMajor<double> next;
        if (step % 2 == 0) {
            als.update_user_factors(r, g.q, next);
            g.p = next;
        } else {
            als.update_item_factors(r, g.p, next);
            g.q = next;
        }
        const double e = als.objective(r, g);
        CAPTURE(step);
        CHECK(e <= last * (1 + 1e-12));
        last = e;
    }
}

TEST_CASE("on planted blocks, observed cells are near 1 and in-block holes rank above other cells",
          "[completion][als]") {
    const InteractionMatrix r = planted_blocks_with_holes();
    const LowRankFactors f = WeightedAls({.rank = 3, .lambda = 0.01, .w0 = 0.1, .iterations = 30, .seed = 2}).fit(r);
    double min_observed = 2, min_hole = 2, max_outside = -2;
    int holes = 0;
    for (index_t u = 0; u < 25; ++u) {
        for (index_t i = 0; i < 19; ++i) {
            const double x = f.predict(u, i);
            if (r.contains(u, i)) {
                min_observed = std::min(min_observed, x);
            } else if (block_of_user(u) == block_of_item(i)) {
                REQUIRE(is_hole(u, i));
                min_hole = std::min(min_hole, x);
                ++holes;
            } else {
                max_outside = std::max(max_outside, x);
            }
        }
    }
    REQUIRE(holes > 20);
    CHECK(min_observed > 0.85);
    CHECK(min_hole > 0.85);  // a hole in a block is completed like its block…
    CHECK(max_outside < 0.1);  // …and cells across blocks stay near 0
    CHECK(min_hole > max_outside);
    // The empty user and item get zero factors.
    CHECK(f.p.row(24).norm() == 0.0);
    CHECK(f.q.row(18).norm() == 0.0);
}

TEST_CASE("WeightedAls does not depend on the thread count", "[completion][als][determinism]") {
    const InteractionMatrix r = skewed_random(600, 500, 0.8, 6);
    const WeightedAls als({.rank = 8, .lambda = 0.5, .w0 = 0.05, .iterations = 3, .seed = 8});
    const mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);
    std::vector<double> e1, e2;
    const LowRankFactors one = als.fit(r, e1);
    mvae::set_num_threads(2);
    const LowRankFactors two = als.fit(r, e2);
    REQUIRE(one.p.cwiseAbs().maxCoeff() > 0.05);
    REQUIRE(one.p == two.p);
    REQUIRE(one.q == two.q);
    REQUIRE(e1 == e2);
    const LowRankFactors reseeded = WeightedAls({.rank = 8, .lambda = 0.5, .w0 = 0.05, .iterations = 3, .seed = 9}).fit(r);
    REQUIRE(reseeded.q != one.q);
}

TEST_CASE("WeightedAls option, shape and singularity errors", "[completion][als][errors]") {
    REQUIRE_THROWS_WITH(WeightedAls({.rank = 0}), Catch::Contains("WeightedAlsOptions::rank") && Catch::Contains("got 0"));
    REQUIRE_THROWS_WITH(WeightedAls({.rank = 2, .lambda = -0.5}),
                        Catch::Contains("WeightedAlsOptions::lambda") && Catch::Contains("got -0.5"));
    REQUIRE_THROWS_AS(WeightedAls({.rank = 2, .lambda = std::numeric_limits<double>::quiet_NaN()}), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(WeightedAls({.rank = 2, .w0 = 0.0}), Catch::Contains("WeightedAlsOptions::w0") && Catch::Contains("got 0"));
    REQUIRE_THROWS_WITH(WeightedAls({.rank = 2, .w0 = 1.5}), Catch::Contains("got 1.5"));
    REQUIRE_NOTHROW(WeightedAls({.rank = 2, .w0 = 1.0}));
    REQUIRE_THROWS_WITH(WeightedAls({.rank = 2, .iterations = 0}),
                        Catch::Contains("WeightedAlsOptions::iterations") && Catch::Contains("got 0"));
    REQUIRE_THROWS_WITH(WeightedAls({.rank = 2, .cg_steps = -1}),
                        Catch::Contains("WeightedAlsOptions::cg_steps") && Catch::Contains("got -1"));

    const InteractionMatrix r = planted_blocks_with_holes();
    const WeightedAls als({.rank = 3, .lambda = 0.0});
    EigenRowMajor<double> p;
    REQUIRE_THROWS_WITH(als.update_user_factors(r, random_factors(18, 3, 1), p),
                        Catch::Contains("Q is 18 x 3, expected 19 x 3"));
    EigenRowMajor<double> q = random_factors(19, 3, 1);
    REQUIRE_THROWS_AS(als.update_item_factors(r, random_factors(25, 2, 1), q), mvae::ShapeError);
    REQUIRE_THROWS_AS(als.update_user_factors(r, q, q), mvae::ArgumentError);

    // λ = 0 and a factor column that is exactly zero: the users' systems are singular.
    q.col(1).setZero();
    REQUIRE_THROWS_AS(als.update_user_factors(r, q, p), mvae::NumericalError);
    REQUIRE_THROWS_WITH(als.update_user_factors(r, q, p), Catch::Contains("user 0") && Catch::Contains("lambda > 0"));
    LowRankFactors wrong;
    wrong.p = random_factors(24, 3, 1);
    wrong.q = random_factors(19, 3, 2);
    REQUIRE_THROWS_AS(als.objective(r, wrong), mvae::ShapeError);
}

TEST_CASE("conjugate-gradient half-steps: enough steps solve exactly, few steps still lower the objective",
          "[completion][als][cg]") {
    const InteractionMatrix r = skewed_random(80, 60, 1.2, 3);
    const Eigen::MatrixXd d = dense(r);
    const double w0 = 0.1, lambda = 0.1;

    SECTION("k steps from zero reach the exact solution (CG is exact in k steps up to rounding)") {
        const WeightedAls cg({.rank = 6, .lambda = lambda, .w0 = w0, .cg_steps = 6});
        const EigenRowMajor<double> q = random_factors(60, 6, 3);
        EigenRowMajor<double> p;
        cg.update_user_factors(r, q, p);
        REQUIRE(p.rows() == 80);
        for (index_t u = 0; u < 80; ++u) {
            CAPTURE(u);
            CHECK((p.row(u).transpose() - naive_row_solve(d.row(u).transpose(), q, w0, lambda)).cwiseAbs().maxCoeff() < 1e-8);
        }
    }
    SECTION("two steps per row, warm-started: the objective never increases and ends near the exact fit's") {
        const WeightedAls exact({.rank = 6, .lambda = lambda, .w0 = w0, .iterations = 12, .seed = 5});
        const WeightedAls cg({.rank = 6, .lambda = lambda, .w0 = w0, .iterations = 12, .seed = 5, .cg_steps = 2});
        std::vector<double> e_exact, e_cg;
        (void)exact.fit(r, e_exact);
        const LowRankFactors f = cg.fit(r, e_cg);
        for (std::size_t t = 1; t < e_cg.size(); ++t) {
            CAPTURE(t);
            CHECK(e_cg[t] <= e_cg[t - 1] * (1 + 1e-12));
        }
        CHECK(e_cg.back() < 0.95 * e_cg.front());
        CHECK(e_cg.back() >= e_exact.back() * (1 - 1e-9));  // exact block minimisation is the better step…
        CHECK(e_cg.back() <= e_exact.back() * 1.05);         // …but not by much
        // Warm start: a half-step from a given P only lowers E.
        LowRankFactors g = f;
        const double before = cg.objective(r, g);
        cg.update_user_factors(r, g.q, g.p);
        CHECK(cg.objective(r, g) <= before * (1 + 1e-12));
    }
    SECTION("the same bits for any thread count") {
        const WeightedAls cg({.rank = 8, .lambda = 0.5, .w0 = 0.05, .iterations = 3, .seed = 8, .cg_steps = 3});
        const mvae_test::ThreadGuard guard;
        mvae::set_num_threads(1);
        const LowRankFactors one = cg.fit(r);
        mvae::set_num_threads(2);
        const LowRankFactors two = cg.fit(r);
        REQUIRE(one.p.cwiseAbs().maxCoeff() > 0.05);
        REQUIRE(one.p == two.p);
        REQUIRE(one.q == two.q);
    }
}
