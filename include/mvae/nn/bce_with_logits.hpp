// mvae/nn/bce_with_logits.hpp — binary cross-entropy of targets x under sigmoid(logits), from logits.
//
// Per entry: ℓ(l, x) = −x log σ(l) − (1 − x) log(1 − σ(l)) = max(l, 0) − l·x + log(1 + e^{−|l|}),
// the form that never overflows. Targets may be soft (x ∈ [0, 1], e.g. a completed matrix).
// Backward contract: `bce_with_logits_backward` ASSIGNS dL/dl = scale · (σ(l) − x), where L is
// scale × the summed loss; `grad` may alias `logits`. Requires only the logits and the targets.
// `bce_with_logits_forward_backward` does both in one pass over the batch (training's path): one
// exp and one log1p per entry, shared by the loss and the gradient, in branch-free float math
// (mvae/core/fast_math.hpp) that vectorises. BernoulliLikelihood wraps the two training-path
// functions as a likelihood policy of VariationalAutoencoder (mvae/nn/likelihood.hpp). Math: docs/backprop.md.
#pragma once

#include <cmath>
#include <string_view>

#include "mvae/backend/backend.hpp"
#include "mvae/core/fast_math.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/nn/activation.hpp"

namespace mvae {

namespace detail {

template <Real S>
struct BceWithLogits {
    MVAE_HOST_DEVICE S operator()(S l, S x) const noexcept {
        return (l > S(0) ? l : S(0)) - l * x + std::log1p(std::exp(-std::abs(l)));
    }
};

template <Real S>
struct BceWithLogitsGrad {
    S scale;
    MVAE_HOST_DEVICE S operator()(S l, S x) const noexcept { return scale * (stable_sigmoid(l) - x); }
};

/// (scale · (σ(l) − x), ℓ(l, x)) from e = e^{−|l|}: σ(l) = 1/(1 + e) for l ≥ 0, e/(1 + e) below.
template <Real S>
struct BceWithLogitsLossAndGrad {
    S scale;
    MVAE_HOST_DEVICE MVAE_FORCE_INLINE MappedTerm<S> operator()(S l, S x) const noexcept {
        const S a = l < S(0) ? -l : l;
        const S e = fast::exp_nonpositive(-a);
        const S inv = S(1) / (S(1) + e);
        const S sigmoid = l < S(0) ? e * inv : inv;
        const S loss = (l > S(0) ? l : S(0)) - l * x + fast::log1p_unit(e);
        return {scale * (sigmoid - x), loss};
    }
};

}  // namespace detail

/// row_loss[i] ← Σ_j ℓ(logits(i, j), target(i, j)).
template <Real S, Device D>
void bce_with_logits_forward(const Backend<D>& be, MatrixView<const S, D> logits, MatrixView<const S, D> target,
                             VectorView<S, D> row_loss) {
    be.reduce_rows(row_loss, detail::BceWithLogits<S>{}, logits, target);
}

/// ASSIGNS grad ← scale · (σ(logits) − target); grad may alias logits.
template <Real S, Device D>
void bce_with_logits_backward(const Backend<D>& be, MatrixView<const S, D> logits, MatrixView<const S, D> target, S scale,
                              MatrixView<S, D> grad) {
    be.map(grad, detail::BceWithLogitsGrad<S>{scale}, logits, target);
}

/// row_loss[i] ← Σ_j ℓ(logits(i, j), target(i, j)) and ASSIGNS grad ← scale · (σ(logits) − target),
/// in one pass; grad may alias logits.
template <Real S, Device D>
void bce_with_logits_forward_backward(const Backend<D>& be, MatrixView<const S, D> logits,
                                      MatrixView<const S, D> target, S scale, VectorView<S, D> row_loss,
                                      MatrixView<S, D> grad) {
    be.map_reduce_rows(grad, row_loss, detail::BceWithLogitsLossAndGrad<S>{scale}, logits, target);
}

/**
 * The independent-Bernoulli likelihood of a target row, as a likelihood policy of
 * VariationalAutoencoder (see mvae/nn/likelihood.hpp): MVAE's and JoVA's reconstruction term.
 *
 * forward: row_loss[i] ← the row's negative log-likelihood Σ_j ℓ(logits(i, j), target(i, j)).
 * forward_backward: the same row_loss, and ASSIGNS grad ← scale · ∂(row loss)/∂logits =
 * scale · (σ(logits) − target), in one pass; grad may alias logits. Soft targets in [0, 1] allowed.
 */
struct BernoulliLikelihood {
    static constexpr std::string_view name = "bernoulli";

    template <Real S, Device D>
    static void forward(const Backend<D>& be, MatrixView<const S, D> logits, MatrixView<const S, D> target,
                        VectorView<S, D> row_loss) {
        bce_with_logits_forward<S, D>(be, logits, target, row_loss);
    }

    template <Real S, Device D>
    static void forward_backward(const Backend<D>& be, MatrixView<const S, D> logits, MatrixView<const S, D> target,
                                 S scale, VectorView<S, D> row_loss, MatrixView<S, D> grad) {
        bce_with_logits_forward_backward<S, D>(be, logits, target, scale, row_loss, grad);
    }
};

}  // namespace mvae
