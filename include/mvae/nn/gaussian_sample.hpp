// mvae/nn/gaussian_sample.hpp — the reparameterisation z = μ + exp(½ log σ²) ⊙ ε.
//
// Backward contract: given dL/dz, `gaussian_sample_backward` ASSIGNS dL/dμ = dL/dz and
// dL/d(log σ²) = dL/dz ⊙ ½ exp(½ log σ²) ⊙ ε. Requires the ε of the forward pass (the noise is an
// input, drawn by the caller, so tests and devices can inject the same noise). Math:
// docs/backprop.md.
#pragma once

#include <cmath>

#include "mvae/backend/backend.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"

namespace mvae {

namespace detail {

template <Real S>
struct Reparameterize {
    MVAE_HOST_DEVICE S operator()(S mu, S logvar, S eps) const noexcept { return mu + std::exp(S(0.5) * logvar) * eps; }
};

template <Real S>
struct ReparameterizeLogvarGrad {
    MVAE_HOST_DEVICE S operator()(S dz, S logvar, S eps) const noexcept {
        return dz * S(0.5) * std::exp(S(0.5) * logvar) * eps;
    }
};

}  // namespace detail

/// z ← μ + exp(½ log σ²) ⊙ ε. All B × d.
template <Real S, Device D>
void gaussian_sample_forward(const Backend<D>& be, MatrixView<const S, D> mu, MatrixView<const S, D> logvar,
                             MatrixView<const S, D> eps, MatrixView<S, D> z) {
    be.map(z, detail::Reparameterize<S>{}, mu, logvar, eps);
}

/// ASSIGNS dμ ← dz and dlogvar ← dz ⊙ ½ exp(½ log σ²) ⊙ ε.
template <Real S, Device D>
void gaussian_sample_backward(const Backend<D>& be, MatrixView<const S, D> dz, MatrixView<const S, D> logvar,
                              MatrixView<const S, D> eps, MatrixView<S, D> dmu, MatrixView<S, D> dlogvar) {
    be.copy(dz, dmu);
    be.map(dlogvar, detail::ReparameterizeLogvarGrad<S>{}, dz, logvar, eps);
}

}  // namespace mvae
