// Adam: hand-computed steps, a naive reference loop, staircase decay, convergence, options, shapes, state.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/optim/adam.hpp"

using mvae::Adam;
using mvae::AdamOptions;
using mvae::Cpu;
using mvae::index_t;
using Catch::Matchers::WithinAbs;

namespace {

template <class S>
mvae::Vector<S, Cpu> vector_of(const std::vector<double>& values) {
    mvae::Vector<S, Cpu> v(index_t(values.size()));
    for (index_t i = 0; i < v.size(); ++i) v[i] = S(values[std::size_t(i)]);
    return v;
}

template <class S>
mvae::Vector<S, Cpu> normal_vector(index_t n, std::uint64_t seed, std::uint64_t stream, S scale) {
    mvae::Vector<S, Cpu> v(n);
    const mvae::Backend<Cpu> be;
    be.fill_normal(v.view().as_row(), mvae::RandomStream(seed, stream));
    for (index_t i = 0; i < n; ++i) v[i] *= scale;
    return v;
}

/// The textbook form, written independently of the library: bias-corrected m̂ and v̂, then the step.
template <class S>
struct ReferenceAdam {
    AdamOptions o;
    std::vector<S> m, v;
    std::int64_t t = 0;

    ReferenceAdam(index_t n, AdamOptions options) : o(options), m(std::size_t(n), S(0)), v(std::size_t(n), S(0)) {}

    double rate() const {
        if (o.decay_every == 0) return o.learning_rate;
        return o.learning_rate * std::pow(o.decay_rate, std::floor(double(t) / double(o.decay_every)));
    }

    void step(std::vector<S>& p, const mvae::Vector<S, Cpu>& g) {
        const S lr = S(rate());
        ++t;
        const S b1 = S(o.beta1), b2 = S(o.beta2), eps = S(o.epsilon);
        const S bc1 = S(1.0 - std::pow(o.beta1, double(t)));
        const S bc2 = S(1.0 - std::pow(o.beta2, double(t)));
        for (std::size_t i = 0; i < p.size(); ++i) {
            const S gi = g[index_t(i)];
            m[i] = b1 * m[i] + (S(1) - b1) * gi;
            v[i] = b2 * v[i] + (S(1) - b2) * gi * gi;
            const S m_hat = m[i] / bc1;
            const S v_hat = v[i] / bc2;
            p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
        }
    }
};

}  // namespace

TEST_CASE("Adam: two steps computed by hand", "[optim][adam]") {
    // lr = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8; p0 = (1, -2); g1 = (0.5, -1); g2 = (0.25, 2).
    // Step 1: bc1 = 0.1, bc2 = 0.001
    //   m = (0.05, -0.1), v = (0.00025, 0.001), m̂ = (0.5, -1), √v̂ = (0.5, 1)
    //   p0 -= 0.1 · 0.5 / (0.5 + 1e-8)  -> 0.90000000199999996000000080
    //   p1 -= 0.1 · (-1) / (1 + 1e-8)   -> -1.90000000099999999000000010
    // Step 2: bc1 = 0.19, bc2 = 0.001999
    //   m = (0.9·0.05 + 0.1·0.25, 0.9·(-0.1) + 0.1·2) = (0.07, 0.11)
    //   v = (0.999·0.00025 + 0.001·0.0625, 0.999·0.001 + 0.001·4) = (0.00031225, 0.004999)
    //   m̂ = (0.36842105263157894737, 0.57894736842105263158)
    //   √v̂ = (0.39522538070166418361, 1.58137610175049559489)
    //   p0 = 0.90000000199999996 - 0.1 · 0.36842105263157894737 / (0.39522538070166418361 + 1e-8)
    //      = 0.80678204047746166896
    //   p1 = -1.90000000099999999 - 0.1 · 0.57894736842105263158 / (1.58137610175049559489 + 1e-8)
    //      = -1.93661035347207508821
    // At 1e-12 these also tell PyTorch's ε placement from TensorFlow's (ε added to the uncorrected
    // √v, i.e. an effective ε/√(1−β2^t), ~32× larger at t = 1: p0 would differ by ~6e-8).
    const mvae::Backend<Cpu> be;
    AdamOptions o;
    o.learning_rate = 0.1;
    Adam<double, Cpu> adam(2, o);
    auto p = vector_of<double>({1.0, -2.0});
    const auto g1 = vector_of<double>({0.5, -1.0});
    const auto g2 = vector_of<double>({0.25, 2.0});

    adam.step(be, p.view(), g1.view());
    REQUIRE(adam.steps() == 1);
    CHECK_THAT(p[0], WithinAbs(0.90000000199999996, 1e-12));
    CHECK_THAT(p[1], WithinAbs(-1.90000000099999999, 1e-12));
    CHECK_THAT(adam.first_moment()[0], WithinAbs(0.05, 1e-15));
    CHECK_THAT(adam.second_moment()[1], WithinAbs(0.001, 1e-15));

    adam.step(be, p.view(), g2.view());
    REQUIRE(adam.steps() == 2);
    CHECK_THAT(p[0], WithinAbs(0.80678204047746166896, 1e-12));
    CHECK_THAT(p[1], WithinAbs(-1.93661035347207508821, 1e-12));
    CHECK_THAT(adam.first_moment()[0], WithinAbs(0.07, 1e-15));
    CHECK_THAT(adam.first_moment()[1], WithinAbs(0.11, 1e-15));
    CHECK_THAT(adam.second_moment()[0], WithinAbs(0.00031225, 1e-15));
    CHECK_THAT(adam.second_moment()[1], WithinAbs(0.004999, 1e-15));
}

TEMPLATE_TEST_CASE("Adam matches a naive reference loop over many steps", "[optim][adam]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    const index_t n = 301;
    AdamOptions o;
    o.learning_rate = 0.01;
    o.beta1 = 0.8;
    o.beta2 = 0.99;
    o.epsilon = 1e-6;
    o.decay_every = 7;
    o.decay_rate = 0.7;
    Adam<S, Cpu> adam(n, o);
    ReferenceAdam<S> ref(n, o);

    auto p = normal_vector<S>(n, 5, 0, S(1));
    std::vector<S> p_ref(p.data(), p.data() + n);
    const std::vector<S> p0 = p_ref;
    for (int step = 0; step < 40; ++step) {
        // Gradient scales change over time so that the second moment matters.
        const auto g = normal_vector<S>(n, 5, std::uint64_t(step) + 1, S(0.1) * S(1 + step % 5));
        REQUIRE(adam.learning_rate() == Approx(ref.rate()).epsilon(1e-15));
        adam.step(be, p.view(), g.view());
        ref.step(p_ref, g);
    }
    REQUIRE(adam.steps() == 40);
    REQUIRE(adam.learning_rate() == Approx(0.01 * std::pow(0.7, 5)).epsilon(1e-15));

    const double tol = std::is_same_v<S, float> ? 2e-6 : 1e-13;
    double moved = 0;
    for (index_t i = 0; i < n; ++i) {
        const auto k = std::size_t(i);
        moved += std::abs(double(p[i]) - double(p0[k]));
        REQUIRE_THAT(double(p[i]), WithinAbs(double(p_ref[k]), tol));
        REQUIRE_THAT(double(adam.first_moment()[i]), WithinAbs(double(ref.m[k]), tol));
        REQUIRE_THAT(double(adam.second_moment()[i]), WithinAbs(double(ref.v[k]), tol));
    }
    // The run is not trivial: the parameters moved by a sizeable fraction of 40 · lr each.
    REQUIRE(moved / n > 0.02);
}

TEST_CASE("Adam: staircase decay counted in steps", "[optim][adam][decay]") {
    // With a constant gradient g = 1, m̂ = v̂ = 1 at every step, so each step moves p by exactly
    // lr_t / (1 + ε): the decayed rate can be read off the parameter.
    const mvae::Backend<Cpu> be;
    AdamOptions o;
    o.learning_rate = 0.1;
    o.decay_every = 2;
    o.decay_rate = 0.5;
    Adam<double, Cpu> adam(1, o);
    auto p = vector_of<double>({0.0});
    const auto g = vector_of<double>({1.0});
    const double expected[] = {0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125};
    for (double lr : expected) {
        REQUIRE(adam.learning_rate() == Approx(lr).epsilon(1e-15));
        const double before = p[0];
        adam.step(be, p.view(), g.view());
        REQUIRE_THAT(before - p[0], WithinAbs(lr / (1 + 1e-8), 1e-14));
    }
    adam.end_epoch();  // epochs do not count in Steps mode
    REQUIRE(adam.learning_rate() == Approx(0.0125).epsilon(1e-15));
    REQUIRE(adam.epochs() == 1);
}

TEST_CASE("Adam: staircase decay counted in epochs", "[optim][adam][decay]") {
    const mvae::Backend<Cpu> be;
    AdamOptions o;
    o.learning_rate = 0.2;
    o.decay_every = 2;
    o.decay_rate = 0.5;
    o.decay_unit = AdamOptions::DecayUnit::Epochs;
    Adam<double, Cpu> adam(1, o);
    auto p = vector_of<double>({0.0});
    const auto g = vector_of<double>({-1.0});
    for (int s = 0; s < 5; ++s) adam.step(be, p.view(), g.view());  // steps do not count in Epochs mode
    REQUIRE(adam.learning_rate() == Approx(0.2).epsilon(1e-15));
    adam.end_epoch();
    REQUIRE(adam.learning_rate() == Approx(0.2).epsilon(1e-15));
    adam.end_epoch();
    REQUIRE(adam.learning_rate() == Approx(0.1).epsilon(1e-15));
    adam.end_epoch();
    adam.end_epoch();
    adam.end_epoch();
    REQUIRE(adam.epochs() == 5);
    REQUIRE(adam.learning_rate() == Approx(0.05).epsilon(1e-15));
    // The next step uses the decayed rate (constant gradient: the step is lr / (1 + ε)).
    const double before = p[0];
    adam.step(be, p.view(), g.view());
    REQUIRE_THAT(p[0] - before, WithinAbs(0.05 / (1 + 1e-8), 1e-14));
}

TEST_CASE("Adam converges on a convex quadratic", "[optim][adam]") {
    // Minimise f(p) = Σ a_i (p_i − c_i)², gradient 2 a_i (p_i − c_i); curvatures span 100×.
    const mvae::Backend<Cpu> be;
    const index_t n = 12;
    std::vector<double> a(static_cast<std::size_t>(n)), c(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < a.size(); ++i) {
        a[i] = 0.1 + 0.9 * double(i);                 // 0.1 … 10
        c[i] = (i % 2 == 0 ? 1.0 : -1.0) * (0.5 + 0.25 * double(i));  // ±0.5 … ±3.25
    }
    AdamOptions o;
    o.learning_rate = 0.05;
    o.decay_every = 200;
    o.decay_rate = 0.5;
    Adam<double, Cpu> adam(n, o);
    mvae::Vector<double, Cpu> p(n), g(n);
    be.fill(p.view(), 0.0);
    for (int step = 0; step < 4000; ++step) {
        for (index_t i = 0; i < n; ++i) g[i] = 2 * a[std::size_t(i)] * (p[i] - c[std::size_t(i)]);
        adam.step(be, p.view(), g.view());
    }
    for (index_t i = 0; i < n; ++i) REQUIRE_THAT(p[i], WithinAbs(c[std::size_t(i)], 1e-6));
}

TEST_CASE("Adam: a zero gradient leaves the parameters in place", "[optim][adam]") {
    const mvae::Backend<Cpu> be;
    Adam<float, Cpu> adam(3);
    auto p = vector_of<float>({1.5, -2.0, 0.25});
    auto g = vector_of<float>({0.0, 0.0, 0.0});
    adam.step(be, p.view(), g.view());
    adam.step(be, p.view(), g.view());
    REQUIRE(p[0] == 1.5f);
    REQUIRE(p[1] == -2.0f);
    REQUIRE(p[2] == 0.25f);
}

TEST_CASE("AdamOptions: every field is validated, naming the field and the value", "[optim][adam][options]") {
    REQUIRE_NOTHROW(AdamOptions{}.validate());
    auto rejects = [](auto mutate, const char* field, const char* value) {
        AdamOptions o;
        mutate(o);
        auto make = [&o] { return Adam<double, Cpu>(4, o); };
        REQUIRE_THROWS_AS(make(), mvae::ArgumentError);
        REQUIRE_THROWS_WITH(make(), Catch::Contains(field) && Catch::Contains(value));
    };
    rejects([](AdamOptions& o) { o.learning_rate = -0.5; }, "learning_rate", "-0.5");
    rejects([](AdamOptions& o) { o.learning_rate = 0; }, "learning_rate", "got 0");
    rejects([](AdamOptions& o) { o.learning_rate = std::numeric_limits<double>::quiet_NaN(); }, "learning_rate", "nan");
    rejects([](AdamOptions& o) { o.learning_rate = std::numeric_limits<double>::infinity(); }, "learning_rate", "inf");
    rejects([](AdamOptions& o) { o.beta1 = 1.0; }, "beta1", "got 1");
    rejects([](AdamOptions& o) { o.beta1 = -0.25; }, "beta1", "-0.25");
    rejects([](AdamOptions& o) { o.beta2 = 1.5; }, "beta2", "1.5");
    rejects([](AdamOptions& o) { o.beta2 = std::numeric_limits<double>::quiet_NaN(); }, "beta2", "nan");
    rejects([](AdamOptions& o) { o.epsilon = 0; }, "epsilon", "got 0");
    rejects([](AdamOptions& o) { o.epsilon = -1e-8; }, "epsilon", "-1e-08");
    rejects([](AdamOptions& o) { o.decay_every = -3; }, "decay_every", "-3");
    rejects([](AdamOptions& o) { o.decay_rate = 0; }, "decay_rate", "got 0");
    rejects([](AdamOptions& o) { o.decay_rate = 1.25; }, "decay_rate", "1.25");
    rejects([](AdamOptions& o) { o.decay_unit = static_cast<AdamOptions::DecayUnit>(7); }, "decay_unit", "7");
    using AdamF = Adam<float, Cpu>;
    REQUIRE_THROWS_WITH(AdamF(-1), Catch::Contains("n_params") && Catch::Contains("-1"));

    AdamOptions edge;  // the closed ends of the domains are accepted
    edge.beta1 = 0;
    edge.beta2 = 0;
    edge.decay_rate = 1;
    REQUIRE_NOTHROW(edge.validate());
}

TEST_CASE("Adam: size mismatches are ShapeErrors naming both sizes", "[optim][adam][shape]") {
    const mvae::Backend<Cpu> be;
    Adam<double, Cpu> adam(4);
    mvae::Vector<double, Cpu> p4(4), g4(4), p5(5), g3(3);
    be.fill(p4.view(), 0.0);
    be.fill(g4.view(), 1.0);
    REQUIRE_THROWS_AS(adam.step(be, p5.view(), g4.view()), mvae::ShapeError);
    REQUIRE_THROWS_WITH(adam.step(be, p5.view(), g4.view()),
                        Catch::Contains("params has 5 elements") && Catch::Contains("built for 4"));
    REQUIRE_THROWS_WITH(adam.step(be, p4.view(), g3.view()),
                        Catch::Contains("grads has 3 elements") && Catch::Contains("built for 4"));
    REQUIRE(adam.steps() == 0);  // a rejected step changes nothing
    REQUIRE_THROWS_WITH(adam.set_state(be, 1, 0, g3.view(), g4.view()),
                        Catch::Contains("first moment has 3 elements") && Catch::Contains("built for 4"));
    REQUIRE_THROWS_WITH(adam.set_state(be, 1, 0, g4.view(), p5.view()),
                        Catch::Contains("second moment has 5 elements") && Catch::Contains("built for 4"));
    REQUIRE_THROWS_AS(adam.set_state(be, -1, 0, g4.view(), g4.view()), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(adam.set_state(be, 0, -2, g4.view(), g4.view()), Catch::Contains("epochs") && Catch::Contains("-2"));
}

TEST_CASE("Adam: a restored state continues exactly where it was saved", "[optim][adam][state]") {
    const mvae::Backend<Cpu> be;
    const index_t n = 50;
    AdamOptions o;
    o.learning_rate = 0.02;
    o.decay_every = 1;
    o.decay_rate = 0.9;
    o.decay_unit = AdamOptions::DecayUnit::Epochs;
    Adam<float, Cpu> a(n, o);
    auto pa = normal_vector<float>(n, 9, 0, 1.0f);
    for (int s = 0; s < 6; ++s) {
        const auto g = normal_vector<float>(n, 9, std::uint64_t(s) + 1, 1.0f);
        a.step(be, pa.view(), g.view());
        if (s % 2 == 1) a.end_epoch();
    }
    Adam<float, Cpu> b(n, o);
    b.set_state(be, a.steps(), a.epochs(), a.first_moment(), a.second_moment());
    REQUIRE(b.steps() == 6);
    REQUIRE(b.epochs() == 3);
    REQUIRE(b.learning_rate() == a.learning_rate());
    auto pb = pa;
    for (int s = 6; s < 10; ++s) {
        const auto g = normal_vector<float>(n, 9, std::uint64_t(s) + 1, 1.0f);
        a.step(be, pa.view(), g.view());
        b.step(be, pb.view(), g.view());
    }
    for (index_t i = 0; i < n; ++i) REQUIRE(pa[i] == pb[i]);

    SECTION("with steps = 0 the moments are ignored, as in a fresh optimiser") {
        Adam<float, Cpu> fresh(n, o), restored(n, o);
        mvae::Vector<float, Cpu> junk(n);
        be.fill(junk.view(), std::numeric_limits<float>::quiet_NaN());
        restored.set_state(be, 0, 0, junk.view(), junk.view());
        auto p1 = normal_vector<float>(n, 9, 0, 1.0f), p2 = p1;
        const auto g = normal_vector<float>(n, 9, 1, 1.0f);
        fresh.step(be, p1.view(), g.view());
        restored.step(be, p2.view(), g.view());
        for (index_t i = 0; i < n; ++i) REQUIRE(p1[i] == p2[i]);
        REQUIRE(std::isfinite(p2[0]));
    }
    SECTION("reset returns to a fresh optimiser with zero moments") {
        a.reset(be);
        REQUIRE(a.steps() == 0);
        REQUIRE(a.epochs() == 0);
        REQUIRE(a.learning_rate() == Approx(0.02));
        for (index_t i = 0; i < n; ++i) REQUIRE(a.first_moment()[i] == 0.0f);
        for (index_t i = 0; i < n; ++i) REQUIRE(a.second_moment()[i] == 0.0f);
    }
}

TEST_CASE("Adam over zero parameters is a no-op", "[optim][adam]") {
    const mvae::Backend<Cpu> be;
    Adam<double, Cpu> adam(0);
    mvae::Vector<double, Cpu> p(0), g(0);
    adam.step(be, p.view(), g.view());
    REQUIRE(adam.steps() == 1);
    REQUIRE(adam.size() == 0);
}
