// mvae/testing/gradient_check.hpp — finite-difference gradient checking, shipped as library code so
// that users can check their own layers and losses the way mvae checks its own.
//
// check_gradient compares an analytic gradient with central differences of the loss, in double,
// on every coordinate or on a seeded sample of them for wide tensors. An input Jacobian J is
// checked through a scalar: with fixed random weights w, L(x) = Σ w ⊙ f(x) has dL/dx = Jᵀ w, which
// is exactly what a backward pass given dL/dy = w returns.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae::testing {

struct GradientCheckOptions {
    /// Step h, scaled by max(1, |x_k|) per coordinate. With the five-point stencil, truncation
    /// (~h⁴) and round-off (~ε·|loss|/h) are both far below 1e-9 for smooth losses of moderate size.
    double step = 1e-3;
    /// 4: the five-point stencil (error O(h⁴)), 2: the plain central difference (error O(h²)).
    int order = 4;
    /// Coordinates checked at most; beyond it a seeded uniform sample (always with the first and last).
    index_t max_checks = 400;
    std::uint64_t seed = 0;
    /// Relative errors use max(|analytic|, |numeric|, floor) as denominator, with floor =
    /// max(absolute_floor, relative_floor · max_k |analytic_k|): a coordinate whose gradient is
    /// ~0 (an input that was zero, a saturated unit) is judged by its absolute error against the
    /// scale of the whole gradient, not against its own round-off.
    double absolute_floor = 1e-12;
    double relative_floor = 1e-4;
};

struct GradientCheckResult {
    double max_relative_error = 0;  ///< over the checked coordinates
    index_t worst_index = -1;       ///< coordinate of max_relative_error
    double worst_analytic = 0;
    double worst_numeric = 0;
    index_t checked = 0;
};

/**
 * Checks `analytic` ≈ ∂loss/∂x by finite differences.
 *
 * @param x        the point; perturbed coordinate by coordinate and restored exactly
 * @param analytic the gradient to check, same size as x
 * @param loss     callable `double()` that evaluates the loss at the current contents of x
 * @return the largest relative error and where it occurred
 */
template <class LossFn>
GradientCheckResult check_gradient(std::span<double> x, std::span<const double> analytic, LossFn&& loss,
                                   const GradientCheckOptions& options = {}) {
    require_shape(x.size() == analytic.size(), "check_gradient: ", x.size(), " coordinates but ", analytic.size(),
                  " gradient entries");
    require_argument(options.order == 2 || options.order == 4, "check_gradient: order must be 2 or 4, got ",
                     options.order);
    require_argument(options.step > 0, "check_gradient: step must be > 0, got ", options.step);
    const auto n = index_t(x.size());

    std::vector<index_t> coords(static_cast<std::size_t>(n));
    std::iota(coords.begin(), coords.end(), index_t(0));
    if (n > options.max_checks && options.max_checks >= 2) {
        // Partial Fisher–Yates over the middle coordinates; the ends are always checked.
        const RandomStream rs(options.seed, stream_id(0x67726164ull /* "grad" */));
        const index_t keep = options.max_checks - 2;
        for (index_t k = 0; k < keep; ++k) {
            const index_t pick = 1 + k + index_t(rs.below(std::uint64_t(k), std::uint32_t(n - 2 - k)));
            std::swap(coords[std::size_t(1 + k)], coords[std::size_t(pick)]);
        }
        std::vector<index_t> sample{0, n - 1};
        sample.insert(sample.end(), coords.begin() + 1, coords.begin() + 1 + keep);
        coords = std::move(sample);
    }

    double largest = 0;
    for (double a : analytic) largest = std::max(largest, std::abs(a));
    const double floor = std::max(options.absolute_floor, options.relative_floor * largest);

    GradientCheckResult result;
    for (index_t k : coords) {
        double& xk = x[std::size_t(k)];
        const double saved = xk;
        const double h = options.step * std::max(1.0, std::abs(saved));
        auto at = [&](double offset) {
            xk = saved + offset;
            const double value = loss();
            xk = saved;
            return value;
        };
        const double numeric = options.order == 2
                                   ? (at(h) - at(-h)) / (2 * h)
                                   : (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
        const double a = analytic[std::size_t(k)];
        const double error = std::abs(a - numeric) / std::max({std::abs(a), std::abs(numeric), floor});
        // A NaN error (a NaN gradient) is recorded and kept, so it fails any "< tolerance" test.
        const bool worse = std::isnan(error) || error > result.max_relative_error;
        if (result.worst_index < 0 || (!std::isnan(result.max_relative_error) && worse)) {
            result.max_relative_error = error;
            result.worst_index = k;
            result.worst_analytic = a;
            result.worst_numeric = numeric;
        }
        ++result.checked;
    }
    return result;
}

}  // namespace mvae::testing
