// mvae/nn/kl_divergence.hpp — KL(N(μ, diag σ²) ‖ N(0, I)) per row, from μ and log σ².
//
// Per row: KL = ½ Σ_k (μ_k² + σ_k² − 1 − log σ_k²).
// Backward contract: `kl_divergence_backward` ACCUMULATES weight · ∂KL/∂μ = weight · μ into dμ and
// weight · ∂KL/∂log σ² = weight · ½ (σ² − 1) into dlogvar (they already hold the reconstruction
// path's gradient). Requires μ and log σ² of the forward pass. Math: docs/backprop.md.
#pragma once

#include <cmath>

#include "mvae/backend/backend.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"

namespace mvae {

namespace detail {

template <Real S>
struct KlTerm {
    MVAE_HOST_DEVICE S operator()(S mu, S logvar) const noexcept {
        return S(0.5) * (mu * mu + std::exp(logvar) - S(1) - logvar);
    }
};

template <Real S>
struct KlMuGrad {
    S weight;
    MVAE_HOST_DEVICE S operator()(S dmu, S mu) const noexcept { return dmu + weight * mu; }
};

template <Real S>
struct KlLogvarGrad {
    S weight;
    MVAE_HOST_DEVICE S operator()(S dlogvar, S logvar) const noexcept {
        return dlogvar + weight * S(0.5) * (std::exp(logvar) - S(1));
    }
};

}  // namespace detail

/// row_kl[i] ← ½ Σ_k (μ² + exp(log σ²) − 1 − log σ²) of row i.
template <Real S, Device D>
void kl_divergence_forward(const Backend<D>& be, MatrixView<const S, D> mu, MatrixView<const S, D> logvar,
                           VectorView<S, D> row_kl) {
    be.reduce_rows(row_kl, detail::KlTerm<S>{}, mu, logvar);
}

/// ACCUMULATES dμ += weight · μ and dlogvar += weight · ½ (exp(log σ²) − 1).
template <Real S, Device D>
void kl_divergence_backward(const Backend<D>& be, MatrixView<const S, D> mu, MatrixView<const S, D> logvar, S weight,
                            MatrixView<S, D> dmu, MatrixView<S, D> dlogvar) {
    be.map(dmu, detail::KlMuGrad<S>{weight}, MatrixView<const S, D>(dmu), mu);
    be.map(dlogvar, detail::KlLogvarGrad<S>{weight}, MatrixView<const S, D>(dlogvar), logvar);
}

}  // namespace mvae
