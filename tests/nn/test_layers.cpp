// Every layer and loss: a known answer, its input Jacobian and its parameter gradients against
// finite differences (double), and its backward contract (assign vs accumulate).
#include <catch2/catch.hpp>

#include <cmath>

#include "mvae/nn/activation.hpp"
#include "mvae/nn/bce_with_logits.hpp"
#include "mvae/nn/dense.hpp"
#include "mvae/nn/gaussian_sample.hpp"
#include "mvae/nn/kl_divergence.hpp"

#include "support/gradient_fixtures.hpp"

using mvae::Activation;
using mvae::index_t;
using mvae::testing::check_gradient;
using namespace mvae_test;

namespace {
const mvae::Backend<Cpu> be;
constexpr double kTolerance = 1e-6;

MatD zeros(index_t r, index_t c) {
    MatD m(r, c);
    be.fill(m.view(), 0.0);
    return m;
}
}  // namespace

// --- activations ----------------------------------------------------------------------------

TEST_CASE("activations: known values, stable at the extremes", "[nn][activation]") {
    MatD y(1, 5);
    const double in[5] = {-800.0, -1.0, 0.0, 0.5, 800.0};
    auto run = [&](Activation a) {
        for (index_t j = 0; j < 5; ++j) y(0, j) = in[j];
        mvae::activation_forward<double, Cpu>(be, a, y.view());
    };
    run(Activation::Tanh);
    REQUIRE(y(0, 3) == Approx(std::tanh(0.5)));
    REQUIRE(y(0, 0) == -1.0);
    run(Activation::Sigmoid);
    REQUIRE(y(0, 1) == Approx(1.0 / (1.0 + std::exp(1.0))));
    REQUIRE(y(0, 2) == 0.5);
    REQUIRE(y(0, 0) >= 0.0);  // no exp overflow: exactly representable, never NaN
    REQUIRE(y(0, 0) < 1e-300);
    REQUIRE(y(0, 4) == 1.0);
    run(Activation::Relu);
    REQUIRE(y(0, 1) == 0.0);
    REQUIRE(y(0, 3) == 0.5);
    run(Activation::Identity);
    REQUIRE(y(0, 0) == -800.0);
    REQUIRE(mvae::parse_activation("sigmoid") == Activation::Sigmoid);
    REQUIRE_THROWS_WITH(mvae::parse_activation("gelu"), Catch::Contains("unknown activation 'gelu'"));
}

TEST_CASE("activation backward is the Jacobian of the forward", "[nn][activation][gradient]") {
    for (Activation a : {Activation::Tanh, Activation::Sigmoid, Activation::Identity, Activation::Relu}) {
        INFO("activation " << mvae::to_string(a));
        MatD x = normal_matrix(4, 6, 1);
        const MatD w = normal_matrix(4, 6, 2);
        if (a == Activation::Relu)  // keep away from the kink, where finite differences are meaningless
            be.map(x.view(), [](double v) { return std::abs(v) < 0.05 ? v + 0.1 : v; }, x.cview());
        MatD y = x;
        mvae::activation_forward<double, Cpu>(be, a, y.view());
        MatD grad = w;  // dL/dy = w for L = Σ w ⊙ y
        mvae::activation_backward<double, Cpu>(be, a, y.cview(), grad.view());
        const auto loss = [&] {
            MatD yy = x;
            mvae::activation_forward<double, Cpu>(be, a, yy.view());
            return weighted_sum(w, yy);
        };
        REQUIRE(nontrivial(flat(grad)));
        const auto r = check_gradient(flat(x), flat(grad), loss);
        INFO("worst: " << r.worst_index << " analytic " << r.worst_analytic << " numeric " << r.worst_numeric << " at x = "
                       << x.data()[r.worst_index]);
        REQUIRE(r.checked == 24);
        REQUIRE(r.max_relative_error < kTolerance);
    }
}

// --- dense ----------------------------------------------------------------------------------

TEST_CASE("dense: a hand-computed forward", "[nn][dense]") {
    mvae::ParameterSet<double, Cpu> p;
    const mvae::Dense<double, Cpu> layer(p, "fc", 2, 3);
    p.allocate();
    const double weights[6] = {1, 0, -1, 2, 1, 0};
    const double bias[3] = {0.5, -1, 2};
    std::copy_n(weights, 6, p.value(layer.weight()).data());
    std::copy_n(bias, 3, p.value(layer.bias()).data());
    MatD x(2, 2);
    x(0, 0) = 1, x(0, 1) = 2, x(1, 0) = 3, x(1, 1) = 4;
    MatD y(2, 3);
    layer.forward(be, p, x.cview(), y.view());
    // x·W = [[5, 2, -1], [11, 4, -3]], plus b.
    const double expected[6] = {5.5, 1, 1, 11.5, 3, -1};
    for (index_t k = 0; k < 6; ++k) REQUIRE(y.data()[k] == Approx(expected[k]));
    layer.forward(be, p, x.cview(), y.view(), Activation::Tanh);
    REQUIRE(y(1, 0) == Approx(std::tanh(11.5)));
    REQUIRE(y(0, 2) == Approx(std::tanh(1.0)));
}

TEST_CASE("dense: parameter gradients and input Jacobian match finite differences", "[nn][dense][gradient]") {
    for (Activation a : {Activation::Identity, Activation::Tanh, Activation::Sigmoid}) {
        INFO("activation " << mvae::to_string(a));
        mvae::ParameterSet<double, Cpu> p;
        const mvae::Dense<double, Cpu> layer(p, "fc", 7, 5);
        p.allocate();
        MatD init = normal_matrix(1, p.size(), 3, 0.5);
        std::copy_n(init.data(), p.size(), p.values().data());
        MatD x = normal_matrix(6, 7, 4);
        const MatD w = normal_matrix(6, 5, 5);

        const auto loss = [&] {
            MatD y(6, 5);
            layer.forward(be, p, x.cview(), y.view(), a);
            return weighted_sum(w, y);
        };
        MatD y(6, 5), delta = w, dx(6, 7);
        layer.forward(be, p, x.cview(), y.view(), a);
        mvae::activation_backward<double, Cpu>(be, a, y.cview(), delta.view());
        be.fill(p.grads(), std::nan(""));  // backward must ASSIGN every gradient
        be.fill(dx.view(), std::nan(""));  // ... and the input gradient
        layer.backward(be, p, x.cview(), delta.cview(), dx.view());

        REQUIRE(nontrivial(flat_grads(p)));
        const auto rp = check_gradient(flat_values(p), flat_grads(p), loss);
        REQUIRE(rp.checked == p.size());
        REQUIRE(rp.max_relative_error < kTolerance);
        const auto rx = check_gradient(flat(x), flat(dx), loss);
        REQUIRE(rx.max_relative_error < kTolerance);
    }
}

TEST_CASE("dense: backward accumulates the input gradient on request and can skip it", "[nn][dense]") {
    mvae::ParameterSet<double, Cpu> p;
    const mvae::Dense<double, Cpu> layer(p, "fc", 3, 2);
    p.allocate();
    be.fill(p.values(), 0.5);
    const MatD x = normal_matrix(4, 3, 6), delta = normal_matrix(4, 2, 7);
    MatD assigned(4, 3), accumulated(4, 3);
    be.fill(accumulated.view(), 1.0);
    layer.backward(be, p, x.cview(), delta.cview(), assigned.view());
    layer.backward(be, p, x.cview(), delta.cview(), accumulated.view(), /*accumulate_dx=*/true);
    for (std::size_t k = 0; k < assigned.size(); ++k) REQUIRE(accumulated.data()[k] == Approx(assigned.data()[k] + 1.0));
    // dx = δ·Wᵀ with W = 0.5 everywhere: every entry is 0.5 · (row sum of δ).
    REQUIRE(assigned(2, 1) == Approx(0.5 * (delta(2, 0) + delta(2, 1))));
    layer.backward(be, p, x.cview(), delta.cview(), mvae::MatrixView<double, Cpu>());  // no dx: must not crash
    REQUIRE(p.grad(layer.bias())(0, 1) == Approx(delta(0, 1) + delta(1, 1) + delta(2, 1) + delta(3, 1)));
}

// --- reparameterisation -----------------------------------------------------------------------

TEST_CASE("gaussian sample: known answer and gradients", "[nn][reparameterize][gradient]") {
    MatD mu(1, 1), lv(1, 1), eps(1, 1), z(1, 1);
    mu(0, 0) = 1.0, lv(0, 0) = std::log(4.0), eps(0, 0) = 0.5;
    mvae::gaussian_sample_forward<double, Cpu>(be, mu.cview(), lv.cview(), eps.cview(), z.view());
    REQUIRE(z(0, 0) == Approx(2.0));  // 1 + 2 · 0.5

    MatD m = normal_matrix(3, 4, 8), l = normal_matrix(3, 4, 9, 0.5);
    const MatD e = normal_matrix(3, 4, 10), w = normal_matrix(3, 4, 11);
    const auto loss = [&] {
        MatD zz(3, 4);
        mvae::gaussian_sample_forward<double, Cpu>(be, m.cview(), l.cview(), e.cview(), zz.view());
        return weighted_sum(w, zz);
    };
    MatD dmu(3, 4), dlv(3, 4);
    mvae::gaussian_sample_backward<double, Cpu>(be, w.cview(), l.cview(), e.cview(), dmu.view(), dlv.view());
    REQUIRE(check_gradient(flat(m), flat(dmu), loss).max_relative_error < kTolerance);
    REQUIRE(check_gradient(flat(l), flat(dlv), loss).max_relative_error < kTolerance);
}

// --- losses ---------------------------------------------------------------------------------

TEST_CASE("BCE with logits: hand-computed values, soft targets, no overflow", "[nn][bce]") {
    MatD l(1, 4), x(1, 4);
    l(0, 0) = 0, x(0, 0) = 1;        // log 2
    l(0, 1) = 2, x(0, 1) = 0;        // log(1 + e²)
    l(0, 2) = -3, x(0, 2) = 0.25;    // 0.75 + log(1 + e⁻³)
    l(0, 3) = 1000, x(0, 3) = 0;     // 1000 (the naive form overflows)
    mvae::Vector<double, Cpu> row(1);
    mvae::bce_with_logits_forward<double, Cpu>(be, l.cview(), x.cview(), row.view());
    const double expected = std::log(2.0) + std::log1p(std::exp(2.0)) + 0.75 + std::log1p(std::exp(-3.0)) + 1000.0;
    REQUIRE(row[0] == Approx(expected).epsilon(1e-14));
    MatD g(1, 4);
    mvae::bce_with_logits_backward<double, Cpu>(be, l.cview(), x.cview(), 2.0, g.view());
    REQUIRE(g(0, 0) == Approx(2.0 * (0.5 - 1.0)));
    REQUIRE(g(0, 3) == Approx(2.0));
    REQUIRE(std::isfinite(g(0, 3)));
}

TEST_CASE("BCE with logits: gradient matches finite differences, and may overwrite the logits", "[nn][bce][gradient]") {
    MatD l = normal_matrix(5, 9, 12, 3.0);
    MatD x = normal_matrix(5, 9, 13);
    be.map(x.view(), [](double v) { return v > 0.3 ? 1.0 : (v < -1.0 ? 0.0 : 0.4); }, x.cview());  // hard and soft
    mvae::Vector<double, Cpu> rows(5);
    const double scale = 0.2;
    const auto loss = [&] {
        mvae::bce_with_logits_forward<double, Cpu>(be, l.cview(), x.cview(), rows.view());
        double s = 0;
        for (index_t i = 0; i < 5; ++i) s += rows[i];
        return scale * s;
    };
    MatD g(5, 9);
    mvae::bce_with_logits_backward<double, Cpu>(be, l.cview(), x.cview(), scale, g.view());
    REQUIRE(nontrivial(flat(g)));
    REQUIRE(check_gradient(flat(l), flat(g), loss).max_relative_error < kTolerance);
    MatD in_place = l;
    mvae::bce_with_logits_backward<double, Cpu>(be, in_place.cview(), x.cview(), scale, in_place.view());
    REQUIRE(std::equal(in_place.data(), in_place.data() + in_place.size(), g.data()));
}

TEST_CASE("KL divergence: hand-computed value, gradients, accumulation", "[nn][kl][gradient]") {
    MatD mu(1, 2), lv(1, 2);
    mu(0, 0) = 1, mu(0, 1) = 0, lv(0, 0) = 0, lv(0, 1) = std::log(2.0);
    mvae::Vector<double, Cpu> row(1);
    mvae::kl_divergence_forward<double, Cpu>(be, mu.cview(), lv.cview(), row.view());
    REQUIRE(row[0] == Approx(0.5 * (1.0 + 1.0 - std::log(2.0))));

    MatD m = normal_matrix(4, 3, 14), l = normal_matrix(4, 3, 15, 0.7);
    mvae::Vector<double, Cpu> rows(4);
    const double weight = 0.37;
    const auto loss = [&] {
        mvae::kl_divergence_forward<double, Cpu>(be, m.cview(), l.cview(), rows.view());
        return weight * (rows[0] + rows[1] + rows[2] + rows[3]);
    };
    MatD dmu = zeros(4, 3), dlv = zeros(4, 3);
    mvae::kl_divergence_backward<double, Cpu>(be, m.cview(), l.cview(), weight, dmu.view(), dlv.view());
    REQUIRE(check_gradient(flat(m), flat(dmu), loss).max_relative_error < kTolerance);
    REQUIRE(check_gradient(flat(l), flat(dlv), loss).max_relative_error < kTolerance);
    // ACCUMULATES: starting from 1 adds 1 to every entry.
    MatD dmu1(4, 3), dlv1(4, 3);
    be.fill(dmu1.view(), 1.0);
    be.fill(dlv1.view(), 1.0);
    mvae::kl_divergence_backward<double, Cpu>(be, m.cview(), l.cview(), weight, dmu1.view(), dlv1.view());
    REQUIRE(dmu1(3, 2) == Approx(dmu(3, 2) + 1.0));
    REQUIRE(dlv1(0, 1) == Approx(dlv(0, 1) + 1.0));
}
