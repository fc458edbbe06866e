// The gradient checker itself: it passes a right gradient and catches a wrong one.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "mvae/testing/gradient_check.hpp"

using mvae::testing::check_gradient;
using mvae::testing::GradientCheckOptions;

TEST_CASE("check_gradient accepts a right gradient and pinpoints a wrong coordinate", "[testing][gradient]") {
    std::vector<double> x{0.3, -1.2, 2.0, 0.7};
    const auto loss = [&] { return std::sin(x[0]) * x[1] + x[2] * x[2] * x[3] + std::exp(x[3]); };
    std::vector<double> g{std::cos(x[0]) * x[1], std::sin(x[0]), 2 * x[2] * x[3], x[2] * x[2] + std::exp(x[3])};
    const std::vector<double> before = x;

    const auto good = check_gradient(x, g, loss);
    REQUIRE(good.checked == 4);
    REQUIRE(good.max_relative_error < 1e-9);
    REQUIRE(x == before);  // restored exactly

    GradientCheckOptions second_order;
    second_order.order = 2;
    second_order.step = 1e-6;
    REQUIRE(check_gradient(x, g, loss, second_order).max_relative_error < 1e-6);

    g[2] *= 1.001;  // a 0.1% error in one coordinate
    const auto bad = check_gradient(x, g, loss);
    REQUIRE(bad.worst_index == 2);
    REQUIRE(bad.max_relative_error == Approx(0.001).epsilon(0.01));
}

TEST_CASE("check_gradient samples wide inputs and reports NaN gradients as failures", "[testing][gradient]") {
    std::vector<double> x(1000);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.001 * double(k);
    const auto loss = [&] {
        double s = 0;
        for (double v : x) s += v * v;
        return s;
    };
    std::vector<double> g(x.size());
    for (std::size_t k = 0; k < x.size(); ++k) g[k] = 2 * x[k];
    GradientCheckOptions options;
    options.max_checks = 50;
    const auto r = check_gradient(x, g, loss, options);
    REQUIRE(r.checked == 50);
    REQUIRE(r.max_relative_error < 1e-6);
    g[999] = std::nan("");
    REQUIRE_FALSE(check_gradient(x, g, loss, options).max_relative_error < 1e-6);  // the last is always checked
    REQUIRE_THROWS_AS(check_gradient(x, std::vector<double>(3), loss), mvae::ShapeError);
}
