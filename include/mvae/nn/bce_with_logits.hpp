// mvae/nn/bce_with_logits.hpp — binary cross-entropy of targets x under sigmoid(logits), from logits.
//
// Per entry: ℓ(l, x) = −x log σ(l) − (1 − x) log(1 − σ(l)) = max(l, 0) − l·x + log(1 + e^{−|l|}),
// the form that never overflows. Targets may be soft (x ∈ [0, 1], e.g. a completed matrix).
// Backward contract: `bce_with_logits_backward` ASSIGNS dL/dl = scale · (σ(l) − x), where L is
// scale × the summed loss; `grad` may alias `logits`. Requires only the logits and the targets.
// Math: docs/backprop.md.
#pragma once

#include <cmath>

#include "mvae/backend/backend.hpp"
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

}  // namespace mvae
