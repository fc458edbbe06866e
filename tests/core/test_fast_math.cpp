// The vectorisable float exp/log1p of mvae/core/fast_math.hpp against double libm, the fused
// map_reduce_rows primitive against separate map and reduce passes, and the fused BCE loss and
// gradient against the two-pass functions it replaces.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/core/fast_math.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/nn/bce_with_logits.hpp"

#include "support/thread_guard.hpp"

using mvae::Cpu;
using mvae::index_t;

TEST_CASE("fast::exp_nonpositive is within a few float ulps of exp on [-87, 0]", "[core][fast_math]") {
    double worst = 0;
    for (int k = 0; k <= 200'000; ++k) {
        const float x = -87.0f * float(k) / 200'000.0f;
        const double ref = std::exp(double(x));
        const double got = mvae::fast::exp_nonpositive(x);
        worst = std::max(worst, std::abs(got - ref) / ref);
    }
    CHECK(worst < 4e-7);  // ≈ 3 ulps of float
    CHECK(mvae::fast::exp_nonpositive(0.0f) == 1.0f);
    // Below the range: a tiny positive number, never a NaN, an infinity or a denormal.
    const float tiny = mvae::fast::exp_nonpositive(-std::numeric_limits<float>::infinity());
    CHECK(tiny > 0.0f);
    CHECK(tiny < 1e-37f);
    CHECK(std::isnormal(tiny));
    CHECK(mvae::fast::exp_nonpositive(-1000.0f) == tiny);
    // Double keeps libm.
    CHECK(mvae::fast::exp_nonpositive(-3.5) == std::exp(-3.5));
}

TEST_CASE("fast::log1p_unit is within a few float ulps of log1p on [0, 1], tiny arguments included",
          "[core][fast_math]") {
    double worst = 0;
    for (int k = 0; k <= 200'000; ++k) {
        const float e = float(k) / 200'000.0f;
        const double ref = std::log1p(double(e));
        const double got = mvae::fast::log1p_unit(e);
        worst = std::max(worst, ref == 0 ? std::abs(got) : std::abs(got - ref) / ref);
    }
    for (float e : {1e-30f, 1e-20f, 1e-10f, 1e-7f, 3e-5f}) {
        const double ref = std::log1p(double(e));
        worst = std::max(worst, std::abs(double(mvae::fast::log1p_unit(e)) - ref) / ref);
    }
    CHECK(worst < 4e-7);
    CHECK(mvae::fast::log1p_unit(0.0f) == 0.0f);
    CHECK(mvae::fast::log1p_unit(0.25) == std::log1p(0.25));
}

TEST_CASE("fast::tanh is within a few float ulps of tanh, on both sides of the switch at |x| = 0.4",
          "[core][fast_math]") {
    double worst = 0;
    for (int k = -200'000; k <= 200'000; ++k) {
        const float x = 10.0f * float(k) / 200'000.0f;
        const double ref = std::tanh(double(x));
        const double got = mvae::fast::tanh(x);
        worst = std::max(worst, ref == 0 ? std::abs(got) : std::abs(got - ref) / std::abs(ref));
    }
    CHECK(worst < 4e-7);
    CHECK(mvae::fast::tanh(0.0f) == 0.0f);
    CHECK(mvae::fast::tanh(100.0f) == 1.0f);
    CHECK(mvae::fast::tanh(-100.0f) == -1.0f);
    CHECK(mvae::fast::tanh(1e-20f) == 1e-20f);
    CHECK(mvae::fast::tanh(0.3) == std::tanh(0.3));
}

TEMPLATE_TEST_CASE("map_reduce_rows writes the map and sums the terms, in place, the same for any thread count",
                   "[backend][cpu][fast_math]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    const mvae_test::ThreadGuard guard;
    const index_t rows = 257, cols = 301;  // above the parallel threshold, odd sizes for the SIMD tails
    mvae::Matrix<S, Cpu> x(rows, cols);
    be.fill_normal(x.view(), mvae::RandomStream(9, 1));
    auto run = [&](int threads) {
        mvae::set_num_threads(threads);
        mvae::Matrix<S, Cpu> out = x;
        mvae::Vector<S, Cpu> sums(rows);
        be.map_reduce_rows(out.view(), sums.view(),
                           [](S a) { return mvae::MappedTerm<S>{S(2) * a, a * a}; }, out.cview());
        return std::pair(out, sums);
    };
    const auto [out1, sums1] = run(1);
    const auto [out2, sums2] = run(2);
    REQUIRE(std::equal(out1.data(), out1.data() + out1.size(), out2.data()));
    REQUIRE(std::equal(sums1.data(), sums1.data() + sums1.size(), sums2.data()));
    for (index_t i : {index_t(0), index_t(100), rows - 1}) {
        double ref = 0;
        for (index_t j = 0; j < cols; ++j) {
            REQUIRE(out1(i, j) == S(2) * x(i, j));
            ref += double(x(i, j)) * double(x(i, j));
        }
        CHECK(double(sums1[i]) == Approx(ref).epsilon(std::is_same_v<S, float> ? 1e-5 : 1e-12));
    }
    mvae::Vector<S, Cpu> wrong(rows + 1);
    mvae::Matrix<S, Cpu> out(rows, cols);
    REQUIRE_THROWS_AS(be.map_reduce_rows(out.view(), wrong.view(), [](S a) { return mvae::MappedTerm<S>{a, a}; },
                                         x.cview()),
                      mvae::ShapeError);
}

TEMPLATE_TEST_CASE("the fused BCE loss and gradient equal the separate forward and backward passes",
                   "[nn][bce][fast_math]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    const index_t rows = 40, cols = 1000;
    mvae::Matrix<S, Cpu> logits(rows, cols), target(rows, cols);
    be.fill_normal(logits.view(), mvae::RandomStream(3, 4));
    be.map(logits.view(), [](S l) { return S(12) * l; }, logits.cview());  // saturated logits too
    be.fill_uniform(target.view(), mvae::RandomStream(3, 5));               // soft targets in (0, 1)
    for (index_t j = 0; j < cols; j += 7) target(0, j) = S(j % 2);          // and hard ones

    mvae::Vector<S, Cpu> loss_ref(rows), loss(rows);
    mvae::Matrix<S, Cpu> grad_ref(rows, cols), grad = logits;
    const S scale = S(1) / S(rows);
    mvae::bce_with_logits_forward<S, Cpu>(be, logits.cview(), target.cview(), loss_ref.view());
    mvae::bce_with_logits_backward<S, Cpu>(be, logits.cview(), target.cview(), scale, grad_ref.view());
    mvae::bce_with_logits_forward_backward<S, Cpu>(be, grad.cview(), target.cview(), scale, loss.view(), grad.view());
    const double eps = std::is_same_v<S, float> ? 2e-6 : 1e-13;
    for (index_t i = 0; i < rows; ++i) {
        CHECK(double(loss[i]) == Approx(double(loss_ref[i])).epsilon(eps * 10));
        for (index_t j = 0; j < cols; ++j) REQUIRE(double(grad(i, j)) == Approx(double(grad_ref(i, j))).margin(eps * scale));
    }
}
