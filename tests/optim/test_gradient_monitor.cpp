// Gradient norms against naive sums, and the non-finite guard: loss, gradients, parameters, overflow.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/nn/parameter_set.hpp"
#include "mvae/optim/gradient_monitor.hpp"

using mvae::Cpu;
using mvae::index_t;
using mvae::ParameterField;
using Catch::Contains;

namespace {

template <class S>
constexpr double rel_tol() {
    return std::is_same_v<S, float> ? 1e-5 : 1e-13;
}

/// Tolerance for sums of thousands of equal squares: the worst case of recursive float summation
/// (observed 8e-6 over a 4096-element row; the bound is about 4096 · 2^-24 = 2.4e-4).
template <class S>
constexpr double equal_terms_tol() {
    return std::is_same_v<S, float> ? 5e-5 : 1e-12;
}

/// A finite value whose square overflows S.
template <class S>
constexpr S huge() {
    if constexpr (std::is_same_v<S, float>) return S(1e30);
    else return S(1e200);
}

template <class S>
double naive_norm(const S* x, index_t n) {
    long double sum = 0;
    for (index_t i = 0; i < n; ++i) sum += (long double)x[i] * (long double)x[i];
    return double(std::sqrt(sum));
}

/// enc.weight 3×4, enc.bias 1×4, dec.weight 4×5, dec.bias 1×5: 41 scalars, values and gradients N(0, 1).
template <class S>
mvae::ParameterSet<S, Cpu> small_model() {
    mvae::ParameterSet<S, Cpu> p;
    p.declare("enc.weight", 3, 4);
    p.declare("enc.bias", 1, 4);
    p.declare("dec.weight", 4, 5);
    p.declare("dec.bias", 1, 5);
    p.allocate();
    const mvae::Backend<Cpu> be;
    be.fill_normal(p.values().as_row(), mvae::RandomStream(77, 1));
    be.fill_normal(p.grads().as_row(), mvae::RandomStream(77, 2));
    return p;
}

constexpr mvae::TensorId kEncWeight = 0, kEncBias = 1, kDecWeight = 2, kDecBias = 3;

}  // namespace

TEMPLATE_TEST_CASE("l2_norm matches a naive sum on both sides of the chunk boundary", "[optim][monitor]", float,
                   double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    mvae::Vector<S, Cpu> scratch;
    for (index_t n : {0, 1, 7, 4095, 4096, 4097, 3 * 4096 + 123}) {
        mvae::Vector<S, Cpu> v(n);
        be.fill_normal(v.view().as_row(), mvae::RandomStream(3, std::uint64_t(n)));
        const double expected = naive_norm(v.data(), n);
        if (n >= 4096) REQUIRE(expected > 0.9 * std::sqrt(double(n)));  // N(0, 1) entries: ≈ √n
        const double norm = mvae::l2_norm(be, v.cview(), scratch);
        INFO("n = " << n);
        REQUIRE(norm == Approx(expected).epsilon(rel_tol<S>()).margin(1e-300));
    }
    SECTION("hand-checked: ‖(3, -4, 12)‖ = 13") {
        mvae::Vector<S, Cpu> v(3);
        v[0] = 3;
        v[1] = -4;
        v[2] = 12;
        REQUIRE(mvae::l2_norm(be, v.cview(), scratch) == 13.0);
    }
}

TEMPLATE_TEST_CASE("l2_norm: NaN gives NaN, inf gives inf, an overflowing sum of finite squares is rescaled",
                   "[optim][monitor][overflow]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    mvae::Vector<S, Cpu> scratch;
    const index_t n = 5000;  // one full chunk plus a tail
    mvae::Vector<S, Cpu> v(n);
    be.fill(v.view(), huge<S>());
    v[4500] = -huge<S>();
    REQUIRE(std::isfinite(v[0]));
    REQUIRE(!std::isfinite(v[0] * v[0]));
    // Every |entry| is huge, so the norm is huge · √n.
    REQUIRE(mvae::l2_norm(be, v.cview(), scratch) ==
            Approx(double(huge<S>()) * std::sqrt(double(n))).epsilon(equal_terms_tol<S>()));

    v[4999] = std::numeric_limits<S>::infinity();
    REQUIRE(mvae::l2_norm(be, v.cview(), scratch) == std::numeric_limits<double>::infinity());
    v[17] = std::numeric_limits<S>::quiet_NaN();
    REQUIRE(std::isnan(mvae::l2_norm(be, v.cview(), scratch)));
}

TEMPLATE_TEST_CASE("tensor_norms reports every tensor by name", "[optim][monitor]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    auto p = small_model<S>();
    mvae::Vector<S, Cpu> scratch;
    for (ParameterField field : {ParameterField::Values, ParameterField::Gradients}) {
        const auto norms = mvae::tensor_norms(be, p, field, scratch);
        REQUIRE(norms.size() == 4);
        const char* names[] = {"enc.weight", "enc.bias", "dec.weight", "dec.bias"};
        for (std::size_t k = 0; k < norms.size(); ++k) {
            const auto id = mvae::TensorId(k);
            const auto m = field == ParameterField::Values ? p.value(id) : p.grad(id);
            REQUIRE(norms[k].name == names[k]);
            REQUIRE(norms[k].rows == m.rows());
            REQUIRE(norms[k].cols == m.cols());
            REQUIRE(norms[k].norm > 0.3);
            REQUIRE(norms[k].norm == Approx(naive_norm(m.data(), index_t(m.size()))).epsilon(rel_tol<S>()));
        }
    }
    mvae::ParameterSet<S, Cpu> unallocated;
    unallocated.declare("w", 2, 2);
    REQUIRE_THROWS_AS(mvae::tensor_norms(be, unallocated, ParameterField::Values, scratch), mvae::ArgumentError);
}

TEMPLATE_TEST_CASE("check_finite passes finite steps and returns the gradient norm", "[optim][monitor]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    auto p = small_model<S>();
    mvae::Vector<S, Cpu> scratch;
    const mvae::GradientStats stats = mvae::check_finite(be, p, 0.693, 42, scratch);
    REQUIRE(stats.step == 42);
    REQUIRE(stats.loss == 0.693);
    REQUIRE(!stats.rescaled);
    REQUIRE(stats.norm > 1.0);
    REQUIRE(stats.norm == Approx(naive_norm(p.grads().data(), p.size())).epsilon(rel_tol<S>()));
}

TEMPLATE_TEST_CASE("check_finite: a non-finite loss names the step and the value", "[optim][monitor][nonfinite]", float,
                   double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    auto p = small_model<S>();
    mvae::Vector<S, Cpu> scratch;
    REQUIRE_THROWS_AS(mvae::check_finite(be, p, std::nan(""), 17, scratch), mvae::NumericalError);
    REQUIRE_THROWS_WITH(mvae::check_finite(be, p, std::nan(""), 17, scratch), Contains("step 17: loss is nan ("));
    REQUIRE_THROWS_WITH(mvae::check_finite(be, p, HUGE_VAL, 3, scratch), Contains("step 3: loss is inf ("));
    REQUIRE_THROWS_WITH(mvae::check_finite(be, p, -HUGE_VAL, 4, scratch), Contains("step 4: loss is -inf ("));
}

TEMPLATE_TEST_CASE("check_finite: a non-finite gradient names the tensor, the first element and the step",
                   "[optim][monitor][nonfinite]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    auto p = small_model<S>();
    mvae::Vector<S, Cpu> scratch;
    const S nan = std::numeric_limits<S>::quiet_NaN(), inf = std::numeric_limits<S>::infinity();

    SECTION("a NaN, with an infinity in a later tensor") {
        p.grad(kDecWeight)(2, 1) = nan;
        p.grad(kDecBias)(0, 3) = -inf;
        const auto call = [&] { return mvae::check_finite(be, p, 1.5, 5, scratch); };
        REQUIRE_THROWS_AS(call(), mvae::NumericalError);
        REQUIRE_THROWS_WITH(call(), Contains("step 5: gradient of tensor 'dec.weight' is not finite at (2, 1): nan"));
        REQUIRE_THROWS_WITH(call(), Contains("2 non-finite gradient entries in 2 tensors: 'dec.weight' 1, 'dec.bias' 1"));
    }
    SECTION("the first entry in row-major order is reported, not the first one written") {
        p.grad(kEncWeight)(2, 0) = inf;
        p.grad(kEncWeight)(1, 3) = -inf;
        REQUIRE_THROWS_WITH(mvae::check_finite(be, p, 1.5, 9, scratch),
                            Contains("step 9: gradient of tensor 'enc.weight' is not finite at (1, 3): -inf") &&
                                Contains("(2 non-finite gradient entries in 1 tensor: 'enc.weight' 2)"));
    }
    SECTION("a single infinity (its sum is +inf, like an overflow, but it is not one)") {
        p.grad(kEncBias)(0, 2) = inf;
        REQUIRE_THROWS_WITH(mvae::check_finite(be, p, 1.5, 11, scratch),
                            Contains("step 11: gradient of tensor 'enc.bias' is not finite at (0, 2): inf") &&
                                Contains("(1 non-finite gradient entry in 1 tensor: 'enc.bias' 1)"));
    }
    SECTION("a gradient is reported before a parameter") {
        p.value(kEncWeight)(0, 0) = nan;
        p.grad(kDecBias)(0, 4) = nan;
        REQUIRE_THROWS_WITH(mvae::check_finite(be, p, 1.5, 12, scratch),
                            Contains("step 12: gradient of tensor 'dec.bias' is not finite at (0, 4)"));
    }
}

TEMPLATE_TEST_CASE("check_finite: a non-finite parameter value names the tensor, the element and the step",
                   "[optim][monitor][nonfinite]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    auto p = small_model<S>();
    mvae::Vector<S, Cpu> scratch;
    p.value(kDecWeight)(3, 4) = std::numeric_limits<S>::infinity();  // the last element of the tensor
    REQUIRE_THROWS_AS(mvae::check_finite(be, p, 0.5, 21, scratch), mvae::NumericalError);
    REQUIRE_THROWS_WITH(mvae::check_finite(be, p, 0.5, 21, scratch),
                        Contains("step 21: parameter value of tensor 'dec.weight' is not finite at (3, 4): inf") &&
                            Contains("(1 non-finite parameter entry in 1 tensor: 'dec.weight' 1)"));
}

TEMPLATE_TEST_CASE("check_finite: finite gradients whose squared norm overflows do not throw",
                   "[optim][monitor][overflow]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    auto p = small_model<S>();
    mvae::Vector<S, Cpu> scratch;
    be.fill(p.grads(), huge<S>());
    p.grad(kDecBias)(0, 0) = -huge<S>();
    REQUIRE(!std::isfinite(double(huge<S>() * huge<S>())));  // the premise: the square overflows S

    mvae::GradientStats stats;
    REQUIRE_NOTHROW(stats = mvae::check_finite(be, p, 2.0, 8, scratch));
    REQUIRE(stats.rescaled);
    REQUIRE(stats.norm == Approx(double(huge<S>()) * std::sqrt(double(p.size()))).epsilon(equal_terms_tol<S>()));

    SECTION("but a NaN among them is still found") {
        p.grad(kEncBias)(0, 1) = std::numeric_limits<S>::quiet_NaN();
        REQUIRE_THROWS_WITH(mvae::check_finite(be, p, 2.0, 8, scratch),
                            Contains("step 8: gradient of tensor 'enc.bias' is not finite at (0, 1): nan"));
    }
    SECTION("and so is a non-finite parameter") {
        p.value(kEncWeight)(1, 1) = -std::numeric_limits<S>::infinity();
        REQUIRE_THROWS_WITH(mvae::check_finite(be, p, 2.0, 8, scratch),
                            Contains("step 8: parameter value of tensor 'enc.weight' is not finite at (1, 1): -inf"));
    }
}

TEST_CASE("check_finite on a set larger than one reduction chunk", "[optim][monitor][nonfinite]") {
    // 70 × 100 + 1 × 30 = 7030 scalars: one full row of 4096, then a tail; the NaN sits in the tail.
    const mvae::Backend<Cpu> be;
    mvae::ParameterSet<float, Cpu> p;
    p.declare("w", 70, 100);
    p.declare("b", 1, 30);
    p.allocate();
    be.fill_normal(p.values().as_row(), mvae::RandomStream(5, 1));
    be.fill_normal(p.grads().as_row(), mvae::RandomStream(5, 2));
    mvae::GradientMonitor<float, Cpu> monitor;
    const mvae::GradientStats stats = monitor.check(be, p, 1.0, 1);
    REQUIRE(stats.norm == Approx(naive_norm(p.grads().data(), p.size())).epsilon(1e-5));
    REQUIRE(monitor.norm(be, p.grads()) == Approx(stats.norm).epsilon(1e-12));
    const auto norms = monitor.tensor_norms(be, p);
    REQUIRE(norms.size() == 2);
    REQUIRE(norms[1].name == "b");
    REQUIRE(norms[1].norm == Approx(naive_norm(p.grad(1).data(), 30)).epsilon(1e-5));

    p.grad(0)(55, 17) = std::numeric_limits<float>::quiet_NaN();  // flat index 5517: in the tail
    REQUIRE_THROWS_WITH(monitor.check(be, p, 1.0, 2), Contains("step 2: gradient of tensor 'w' is not finite at (55, 17)"));
    p.grad(0)(55, 17) = 0.5f;
    p.grad(0)(3, 9) = std::numeric_limits<float>::infinity();  // flat index 309: in the first chunk
    REQUIRE_THROWS_WITH(monitor.check(be, p, 1.0, 3), Contains("step 3: gradient of tensor 'w' is not finite at (3, 9): inf"));
}

TEST_CASE("check_finite requires an allocated ParameterSet", "[optim][monitor]") {
    const mvae::Backend<Cpu> be;
    mvae::ParameterSet<double, Cpu> p;
    p.declare("w", 2, 2);
    mvae::Vector<double, Cpu> scratch;
    REQUIRE_THROWS_AS(mvae::check_finite(be, p, 1.0, 0, scratch), mvae::ArgumentError);
}
