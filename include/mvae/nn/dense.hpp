// mvae/nn/dense.hpp — the affine layer y = f(x·W + b), W stored in_features × out_features.
//
// Backward contract: for L(y), given dL/d(x·W + b) (the activation's backward already applied),
// `backward` ASSIGNS dL/dW = xᵀ·δ and dL/db = Σ_rows δ (or ADDS them with `accumulate_grads`, for
// a batch handled in parts), and ASSIGNS dL/dx = δ·Wᵀ into `dx`
// (or ACCUMULATES it when `accumulate_dx`, for a tensor feeding two layers), skipping it when
// `dx` is empty (the first layer needs no input gradient). Requires the forward input x of the
// same batch. Math: docs/backprop.md.
#pragma once

#include <string>

#include "mvae/backend/backend.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/nn/activation.hpp"
#include "mvae/nn/low_rank_input.hpp"
#include "mvae/nn/parameter_set.hpp"

namespace mvae {

namespace detail {

// Kernel functors live at namespace scope: nvcc refuses a class's private types as arguments of
// a __global__ template, so the CUDA backend could not launch them.
template <Real S>
struct CopyValue {
    MVAE_HOST_DEVICE S operator()(S v) const noexcept { return v; }
};

}  // namespace detail

/**
 * An affine layer whose weight and bias live in a ParameterSet.
 *
 * @tparam S float or double.
 * @tparam D the device.
 */
template <Real S, Device D>
class Dense {
public:
    Dense() = default;

    /// Declares "<name>.weight" (in × out) and "<name>.bias" (1 × out) in `params`.
    Dense(ParameterSet<S, D>& params, const std::string& name, index_t in_features, index_t out_features)
        : in_(in_features), out_(out_features),
          weight_(params.declare(name + ".weight", in_features, out_features)),
          bias_(params.declare(name + ".bias", 1, out_features)) {}

    [[nodiscard]] index_t in_features() const noexcept { return in_; }
    [[nodiscard]] index_t out_features() const noexcept { return out_; }
    [[nodiscard]] TensorId weight() const noexcept { return weight_; }
    [[nodiscard]] TensorId bias() const noexcept { return bias_; }

    /// y ← f(x·W + b): one GEMM and one fused bias-and-activation pass.
    void forward(const Backend<D>& be, const ParameterSet<S, D>& p, MatrixView<const S, D> x, MatrixView<S, D> y,
                 Activation f = Activation::Identity) const {
        be.gemm(Op::N, Op::N, S(1), x, p.value(weight_), S(0), y);
        const VectorView<const S, D> b(p.value(bias_).data(), out_);
        act::dispatch(f, [&](auto fn) {
            be.map_broadcast_row(y, act::BiasThen<decltype(fn)>{fn}, MatrixView<const S, D>(y), b);
        });
    }

    /// ASSIGNS dW = xᵀ·δ, db = Σ_rows δ (ADDS them when accumulate_grads); dx ← δ·Wᵀ (or
    /// dx += δ·Wᵀ when accumulate_dx) unless dx is empty.
    void backward(const Backend<D>& be, ParameterSet<S, D>& p, MatrixView<const S, D> x, MatrixView<const S, D> delta,
                  MatrixView<S, D> dx, bool accumulate_dx = false, bool accumulate_grads = false) const {
        be.gemm(Op::T, Op::N, S(1), x, delta, accumulate_grads ? S(1) : S(0), p.grad(weight_));
        const VectorView<S, D> db(p.grad(bias_).data(), out_);
        if (accumulate_grads) be.accumulate_cols(db, detail::CopyValue<S>{}, delta);
        else be.reduce_cols(db, detail::CopyValue<S>{}, delta);
        if (!dx.empty())
            be.gemm(Op::N, Op::T, S(1), delta, MatrixView<const S, D>(p.value(weight_)), accumulate_dx ? S(1) : S(0), dx);
    }

    /// y ← f(X̄·W + b) for a low-rank-plus-sparse input (nn/low_rank_input.hpp); scratch: k × out.
    void forward(const Backend<D>& be, const ParameterSet<S, D>& p, const LowRankSparseRows<S, D>& x,
                 MatrixView<S, D> y, Activation f, MatrixView<S, D> scratch) const {
        low_rank_times(be, x, p.value(weight_), y, scratch);
        const VectorView<const S, D> b(p.value(bias_).data(), out_);
        act::dispatch(f, [&](auto fn) {
            be.map_broadcast_row(y, act::BiasThen<decltype(fn)>{fn}, MatrixView<const S, D>(y), b);
        });
    }

    /// backward() for a low-rank-plus-sparse input, without an input gradient (a first layer):
    /// dW = X̄ᵀ·δ, db = Σ_rows δ, assigned or added (accumulate_grads); scratch: k × out.
    void backward(const Backend<D>& be, ParameterSet<S, D>& p, const LowRankSparseRows<S, D>& x,
                  MatrixView<const S, D> delta, bool accumulate_grads, MatrixView<S, D> scratch) const {
        low_rank_transpose_times(be, x, delta, p.grad(weight_), accumulate_grads, scratch);
        const VectorView<S, D> db(p.grad(bias_).data(), out_);
        if (accumulate_grads) be.accumulate_cols(db, detail::CopyValue<S>{}, delta);
        else be.reduce_cols(db, detail::CopyValue<S>{}, delta);
    }

private:
    index_t in_ = 0;
    index_t out_ = 0;
    TensorId weight_ = -1;
    TensorId bias_ = -1;
};

}  // namespace mvae
