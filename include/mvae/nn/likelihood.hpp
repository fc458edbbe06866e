// mvae/nn/likelihood.hpp — the decoder's likelihood as a compile-time policy of VariationalAutoencoder.
//
// A likelihood policy is the reconstruction term of the VAE's loss: given the decoder's logits and
// the target rows, the per-row negative log-likelihood, and in training its gradient w.r.t. the
// logits. The library has two: BernoulliLikelihood (nn/bce_with_logits.hpp; MVAE, JoVA) and
// MultinomialLikelihood (nn/multinomial_log_likelihood.hpp; Mult-VAE). The VAE picks one as its
// third template parameter: VariationalAutoencoder<float, Cpu, MultinomialLikelihood>.
//
// To add a likelihood, write a struct with
//   static constexpr std::string_view name = "…";
//   template <Real S, Device D>
//   static void forward(const Backend<D>&, MatrixView<const S, D> logits, MatrixView<const S, D> target,
//                       VectorView<S, D> row_loss);                 // row_loss[i] ← row i's NLL
//   template <Real S, Device D>
//   static void forward_backward(const Backend<D>&, MatrixView<const S, D> logits,
//                                MatrixView<const S, D> target, S scale, VectorView<S, D> row_loss,
//                                MatrixView<S, D> grad);            // row_loss as forward, and
//                                                                   // ASSIGNS grad ← scale · ∂NLL/∂logits
// where grad may alias logits (the VAE writes the gradient over its logits). Kernel functors must
// live at namespace scope for the CUDA backend. LikelihoodPolicy<L, S, D> checks the shape of it.
#pragma once

#include <concepts>
#include <string_view>

#include "mvae/backend/backend.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/nn/bce_with_logits.hpp"
#include "mvae/nn/multinomial_log_likelihood.hpp"

namespace mvae {

/// L is a likelihood policy for scalar S on device D: a name, and forward / forward_backward
/// callable as L::template forward<S, D>(…) with the VAE's views (see the file comment).
template <class L, class S, class D>
concept LikelihoodPolicy =
    Real<S> && Device<D> &&
    requires(const Backend<D>& be, MatrixView<const S, D> logits, MatrixView<const S, D> target, S scale,
             VectorView<S, D> row_loss, MatrixView<S, D> grad) {
        { L::name } -> std::convertible_to<std::string_view>;
        L::template forward<S, D>(be, logits, target, row_loss);
        L::template forward_backward<S, D>(be, logits, target, scale, row_loss, grad);
    };

}  // namespace mvae
