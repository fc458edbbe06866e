// mvae/optim/gradient_monitor.hpp — gradient norms for logging, and the guard against non-finite values.
//
// check_finite() runs once per training step, before the optimiser: it stops training with an
// mvae::NumericalError naming the step, the tensor and the element as soon as the loss, a gradient
// or a parameter is NaN or infinite, and it returns the gradient norm for the log. Its cost on the
// normal path is one reduction pass over the gradients and parameters; the per-tensor scan that
// finds the culprit runs only on the failure path. Details: docs/optimization.md.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"
#include "mvae/nn/parameter_set.hpp"

namespace mvae {

/// What check_finite() measured in one step.
struct GradientStats {
    /// The step it was given.
    std::int64_t step = 0;
    /// The loss it was given (finite, or it would have thrown).
    double loss = 0;
    /// L2 norm of the whole gradient vector (all tensors). +inf only when the true norm exceeds the
    /// range of double, which needs double gradients near 1e308.
    double norm = 0;
    /// True when the one-pass sum of squares overflowed Scalar although every entry is finite, and
    /// `norm` was recomputed with scaling (a warning sign worth logging: the gradient is enormous).
    bool rescaled = false;
};

/// Which of a ParameterSet's two buffers to look at.
enum class ParameterField { Values, Gradients };

/// The L2 norm of one named tensor.
struct TensorNorm {
    std::string name;
    index_t rows = 0;
    index_t cols = 0;
    double norm = 0;
};

namespace detail {

/// Elements per row of the first reduction level: a vector of n elements is summed as
/// ⌊n / 4096⌋ rows of 4096 plus a tail, then the row sums are summed. Rows reduce in parallel,
/// and the rounding error grows with 4096 + n / 4096 instead of n.
inline constexpr index_t norm_chunk = 4096;

template <Real S>
struct Square {
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return x * x; }
};

/// g² + (p − p): the square of the gradient entry, made NaN when the parameter entry is not finite
/// (p − p is exactly 0 for every finite p and NaN for ±inf and NaN). One pass thus yields the
/// gradient's squared norm and a finiteness check of both buffers. Relies on IEEE arithmetic:
/// never build with -ffast-math / -ffinite-math-only (nvcc's --use_fast_math does not imply it).
template <Real S>
struct GuardedSquare {
    MVAE_HOST_DEVICE S operator()(S g, S p) const noexcept { return g * g + (p - p); }
};

/// (x · scale)²: squares that cannot overflow when `scale` is overflow_safe_scale<S>().
template <Real S>
struct ScaledSquare {
    S scale;
    MVAE_HOST_DEVICE S operator()(S x) const noexcept {
        const S y = x * scale;
        return y * y;
    }
};

template <Real S>
struct Identity {
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return x; }
};

/// 1 for NaN and ±inf, 0 otherwise. Comparisons against the largest finite value (a member set on
/// the host) rather than std::isfinite, which every device compiler spells differently.
template <Real S>
struct NonFinite {
    S max;
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return (x >= -max && x <= max) ? S(0) : S(1); }
};

/// A power of two s with n · (max · s)² well below max for every n < 2^31: scaled squares and
/// every partial sum of them stay finite. Entries below ~2^7.5 (float) / 2^-7 (double) then add
/// (nearly) nothing, which is harmless exactly when the scaled sum is needed: the unscaled sum
/// overflowed, so it exceeds 2^127 (float) / 2^1023 (double), and the lost part is below
/// 2^31 · 2^15 = 2^46 (float) / 2^31 · 2^-14 (double), far under one unit in the last place.
template <Real S>
[[nodiscard]] constexpr S overflow_safe_scale() noexcept {
    if constexpr (sizeof(S) == sizeof(float)) return S(0x1p-82);
    else return S(0x1p-530);
}

/// Σ_i f(first[i], rest[i]...) accumulated in S over two levels (see norm_chunk), left in device
/// memory: returns the address of the total (inside `scratch`, valid until its next use).
/// Deterministic: the order of additions depends only on n. `scratch` grows to ⌊n / 4096⌋ + 2
/// elements (it allocates only when it grows).
template <Real S, Device D, class F, class... Rest>
[[nodiscard]] const S* sum_elements_on_device(const Backend<D>& backend, Vector<S, D>& scratch, F f,
                                              VectorView<const S, D> first, Rest... rest) {
    static_assert((std::is_same_v<Rest, VectorView<const S, D>> && ...), "sum_elements takes const vector views");
    const index_t n = first.size();
    (require_shape(rest.size() == n, "sum_elements: vector sizes differ, ", n, " vs ", rest.size()), ...);
    const index_t rows = n / norm_chunk;
    const index_t tail = n - rows * norm_chunk;
    const std::size_t tail_begin = std::size_t(rows) * std::size_t(norm_chunk);
    scratch.resize(rows + 2);
    const VectorView<S, D> s = scratch.view();
    // [0, rows): sums of the full rows; [rows]: sum of the tail; [rows + 1]: the total.
    if (rows > 0) {
        auto block = [rows](VectorView<const S, D> v) {
            return MatrixView<const S, D>(v.data(), rows, norm_chunk, norm_chunk);
        };
        backend.reduce_rows(s.segment(0, rows), f, block(first), block(rest)...);
    }
    if (tail > 0) {
        auto tail_of = [tail, tail_begin](VectorView<const S, D> v) {
            return MatrixView<const S, D>(v.data() + tail_begin, 1, tail, tail);
        };
        backend.reduce_rows(s.segment(rows, 1), f, tail_of(first), tail_of(rest)...);
    } else {
        backend.fill(s.segment(rows, 1), S(0));
    }
    backend.reduce_rows(s.segment(rows + 1, 1), Identity<S>{}, MatrixView<const S, D>(s.data(), 1, rows + 1, rows + 1));
    return s.data() + rows + 1;
}

/// sum_elements_on_device(), downloaded, as a double.
template <Real S, Device D, class F, class... Rest>
[[nodiscard]] double sum_elements(const Backend<D>& backend, Vector<S, D>& scratch, F f, VectorView<const S, D> first,
                                  Rest... rest) {
    const S* total_on_device = sum_elements_on_device(backend, scratch, f, first, rest...);
    S total{};
    backend.download(VectorView<const S, D>(total_on_device, 1), &total);
    return double(total);
}

/// The L2 norm of finite entries whose plain sum of squares overflowed S (see overflow_safe_scale).
template <Real S, Device D>
[[nodiscard]] double scaled_l2_norm(const Backend<D>& backend, VectorView<const S, D> v, Vector<S, D>& scratch) {
    constexpr S scale = overflow_safe_scale<S>();
    const double sum = sum_elements(backend, scratch, ScaledSquare<S>{scale}, v);
    return std::sqrt(sum) / double(scale);
}

/// Where the non-finite entries of one buffer of a ParameterSet are.
struct NonFiniteReport {
    struct PerTensor {
        TensorId tensor;
        std::int64_t count;
    };
    std::vector<PerTensor> tensors;  ///< affected tensors, in declaration order
    std::int64_t total = 0;
    index_t row = -1;  ///< the first non-finite entry (lowest flat index): its tensor is tensors[0]
    index_t col = -1;
    double value = 0;
};

/// Scans every tensor of one buffer: per tensor one row reduction counting non-finite entries;
/// for the first affected row, a download of that row to find the column. Failure path only.
template <Real S, Device D>
[[nodiscard]] NonFiniteReport find_non_finite(const Backend<D>& backend, const ParameterSet<S, D>& params,
                                              ParameterField field, Vector<S, D>& scratch) {
    NonFiniteReport report;
    const NonFinite<S> non_finite{std::numeric_limits<S>::max()};
    std::vector<S> host;
    for (TensorId id = 0; id < TensorId(params.tensors().size()); ++id) {
        const MatrixView<const S, D> m = field == ParameterField::Values ? params.value(id) : params.grad(id);
        scratch.resize(m.rows());
        const VectorView<S, D> counts = scratch.view();
        backend.reduce_rows(counts, non_finite, m);
        host.resize(std::size_t(m.rows()));
        backend.download(VectorView<const S, D>(counts), host.data());
        std::int64_t count = 0;
        index_t first_row = -1;
        for (index_t i = 0; i < m.rows(); ++i) {
            // A row count is at most cols (< 2^24 in practice), so exact even in float.
            count += std::int64_t(host[std::size_t(i)]);
            if (first_row < 0 && host[std::size_t(i)] > S(0)) first_row = i;
        }
        if (count == 0) continue;
        if (report.tensors.empty()) {
            host.resize(std::size_t(m.cols()));
            backend.download(VectorView<const S, D>(m.row(first_row), m.cols()), host.data());
            for (index_t j = 0; j < m.cols(); ++j) {
                if (!std::isfinite(host[std::size_t(j)])) {
                    report.row = first_row;
                    report.col = j;
                    report.value = double(host[std::size_t(j)]);
                    break;
                }
            }
        }
        report.tensors.push_back({id, count});
        report.total += count;
    }
    return report;
}

/// Throws NumericalError describing `report` unless it is empty.
template <Real S, Device D>
void throw_if_non_finite(const NonFiniteReport& report, const ParameterSet<S, D>& params, ParameterField field,
                         std::int64_t step) {
    if (report.tensors.empty()) return;
    const bool grads = field == ParameterField::Gradients;
    std::ostringstream os;
    os << "step " << step << ": " << (grads ? "gradient" : "parameter value") << " of tensor '"
       << params.info(report.tensors.front().tensor).name << "' is not finite at (" << report.row << ", "
       << report.col << "): " << report.value << " (" << report.total << " non-finite "
       << (grads ? "gradient" : "parameter") << (report.total == 1 ? " entry" : " entries") << " in "
       << report.tensors.size() << (report.tensors.size() == 1 ? " tensor: " : " tensors: ");
    constexpr std::size_t listed = 8;
    for (std::size_t k = 0; k < report.tensors.size() && k < listed; ++k)
        os << (k > 0 ? ", '" : "'") << params.info(report.tensors[k].tensor).name << "' " << report.tensors[k].count;
    if (report.tensors.size() > listed) os << ", ...";
    os << ')';
    throw NumericalError(os.str());
}

}  // namespace detail

/**
 * The L2 norm of `v`, √(Σ v_i²).
 *
 * The squares are accumulated in S, in two levels (rows of 4096, then the row sums) and in a fixed
 * order, so the result is deterministic. In float the relative error of the sum is at most about
 * (4096 + n/4096) · 2^-24 and typically near its square root: ample for logging and for the
 * finiteness test, not a reference value (use double parameters for that). When that sum
 * overflows S although every entry is finite (float entries beyond ~1e19 · n^-½), the norm is
 * recomputed from scaled entries and is still accurate; the result is returned in double, where
 * it fits. A NaN entry gives NaN, an infinite one +inf.
 *
 * @param scratch device workspace; grows to ⌊n / 4096⌋ + 2 elements and is reused across calls.
 */
template <Real S, Device D>
[[nodiscard]] double l2_norm(const Backend<D>& backend, VectorView<const S, D> v, Vector<S, D>& scratch) {
    const double sum = detail::sum_elements(backend, scratch, detail::Square<S>{}, v);
    if (std::isfinite(sum)) return std::sqrt(sum);
    if (std::isnan(sum)) return sum;  // squares are ≥ 0 and never cancel: only a NaN entry gives NaN
    // +inf: an infinite entry, or finite entries whose squares overflowed S.
    const double non_finite =
        detail::sum_elements(backend, scratch, detail::NonFinite<S>{std::numeric_limits<S>::max()}, v);
    if (non_finite > 0) return std::numeric_limits<double>::infinity();
    return detail::scaled_l2_norm(backend, v, scratch);
}

/**
 * The L2 norm of every tensor of `params` (values or gradients), in declaration order, for logs.
 * One reduction per tensor; not meant for every step of a large model.
 */
template <Real S, Device D>
[[nodiscard]] std::vector<TensorNorm> tensor_norms(const Backend<D>& backend, const ParameterSet<S, D>& params,
                                                   ParameterField field, Vector<S, D>& scratch) {
    require_argument(params.allocated(), "tensor_norms: the ParameterSet is not allocated");
    const VectorView<const S, D> all = field == ParameterField::Values ? params.values() : params.grads();
    std::vector<TensorNorm> norms;
    norms.reserve(params.tensors().size());
    for (const TensorInfo& t : params.tensors())
        norms.push_back({t.name, t.rows, t.cols, l2_norm(backend, all.segment(t.offset, t.size()), scratch)});
    return norms;
}

/**
 * The per-step guard: throws NumericalError when the loss, a gradient or a parameter is not finite,
 * and otherwise returns the gradient norm.
 *
 * Checked in this order, each error naming the step:
 *   - a non-finite loss:  "step 12: loss is nan (...)";
 *   - a non-finite gradient: the tensor, the (row, col) of the first non-finite entry in declaration
 *     order and its value, then how many entries in which tensors;
 *   - a non-finite parameter value: likewise.
 *
 * Cost: one fused reduction over gradients and parameters (detail::GuardedSquare), whose result is
 * the gradient's squared norm when everything is finite and NaN or +inf otherwise. The slower
 * per-tensor scan runs only then. A +inf sum can also come from finite gradients whose squares
 * overflow S (float entries of 1e30, say): the scan then finds nothing, nothing is thrown, and the
 * norm is recomputed with scaling (GradientStats::rescaled).
 *
 * @param params  an allocated set whose gradients belong to `loss`.
 * @param scratch device workspace, reused across calls (allocates only when it grows).
 */
template <Real S, Device D>
GradientStats check_finite(const Backend<D>& backend, const ParameterSet<S, D>& params, double loss,
                           std::int64_t step, Vector<S, D>& scratch) {
    require_argument(params.allocated(), "check_finite: the ParameterSet is not allocated");
    if (!std::isfinite(loss))
        throw NumericalError(detail::error_message(
            "step ", step, ": loss is ", loss,
            " (the forward pass produced a non-finite value; check the input data, or lower the learning rate)"));
    const double sum = detail::sum_elements(backend, scratch, detail::GuardedSquare<S>{}, params.grads(), params.values());
    GradientStats stats{step, loss, std::sqrt(sum), false};
    if (std::isfinite(sum)) return stats;

    // Failure path (or an overflowed sum of finite squares): find the culprit, if there is one.
    detail::throw_if_non_finite(detail::find_non_finite(backend, params, ParameterField::Gradients, scratch), params,
                                ParameterField::Gradients, step);
    detail::throw_if_non_finite(detail::find_non_finite(backend, params, ParameterField::Values, scratch), params,
                                ParameterField::Values, step);
    if (std::isnan(sum))  // cannot happen with IEEE arithmetic; never continue on a NaN regardless
        throw NumericalError(detail::error_message("step ", step,
                                                   ": the gradient check summed to nan, yet no entry is non-finite "
                                                   "(was the library built with -ffast-math?)"));
    stats.norm = detail::scaled_l2_norm(backend, params.grads(), scratch);
    stats.rescaled = true;
    return stats;
}

/**
 * check_finite(), l2_norm() and tensor_norms() with a workspace of their own.
 *
 * @code
 * mvae::GradientMonitor<float, mvae::Cpu> monitor;
 * const mvae::GradientStats stats = monitor.check(backend, params, loss, step);  // throws on NaN/inf
 * adam.step(backend, params.values(), params.grads());
 * @endcode
 */
template <Real S, Device D>
class GradientMonitor {
public:
    /// See check_finite().
    GradientStats check(const Backend<D>& backend, const ParameterSet<S, D>& params, double loss, std::int64_t step) {
        return check_finite(backend, params, loss, step, scratch_);
    }

    /// The deferred form of check(): the guarded sum of squares of the gradients (NaN when a
    /// parameter is not finite), left in device memory for a kernel to read (training/epoch_sums.hpp);
    /// nothing is downloaded. Valid until the monitor's next call.
    [[nodiscard]] const S* guarded_square_sum(const Backend<D>& backend, const ParameterSet<S, D>& params) {
        require_argument(params.allocated(), "GradientMonitor: the ParameterSet is not allocated");
        return detail::sum_elements_on_device(backend, scratch_, detail::GuardedSquare<S>{}, params.grads(), params.values());
    }
    /// See l2_norm().
    [[nodiscard]] double norm(const Backend<D>& backend, VectorView<const S, D> v) { return l2_norm(backend, v, scratch_); }
    /// See tensor_norms().
    [[nodiscard]] std::vector<TensorNorm> tensor_norms(const Backend<D>& backend, const ParameterSet<S, D>& params,
                                                       ParameterField field = ParameterField::Gradients) {
        return mvae::tensor_norms(backend, params, field, scratch_);
    }

private:
    Vector<S, D> scratch_;
};

}  // namespace mvae
