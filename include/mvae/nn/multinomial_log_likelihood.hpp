// mvae/nn/multinomial_log_likelihood.hpp — the multinomial negative log-likelihood of a row of
// counts x under softmax(logits), Mult-VAE's reconstruction loss (Liang et al. 2018).
//
// Per row: ℓ(l, x) = −Σ_j x_j log softmax(l)_j = (Σ_j x_j) · lse(l) − Σ_j x_j l_j,
// computed with the row maximum m subtracted (lse(l) = m + log Σ_j e^{l_j − m}) so nothing overflows.
// Backward: dℓ/dl_j = (Σ_k x_k) · softmax(l)_j − x_j. The gradient is ASSIGNED, scaled by `scale`;
// `grad` may alias `logits`. One kernel per row (for_each_index): the row's maximum and sums are
// needed before any of its gradient, so the row is read three times. MultinomialLikelihood wraps
// the functions as a likelihood policy of VariationalAutoencoder (mvae/nn/likelihood.hpp).
// Math: docs/backprop.md.
#pragma once

#include <cmath>
#include <string_view>

#include "mvae/backend/backend.hpp"
#include "mvae/core/fast_math.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"

namespace mvae {

namespace detail {

/// One row's loss and (optionally) its gradient. Kernel functor at namespace scope (nvcc).
template <Real S, Device D>
struct MultinomialRow {
    MatrixView<const S, D> logits;
    MatrixView<const S, D> target;
    MatrixView<S, D> grad;  ///< empty (0 columns) for the loss alone
    S* row_loss;
    S scale;

    MVAE_HOST_DEVICE void operator()(index_t i) const {
        const index_t n = logits.cols();
        const S* l = logits.row(i);
        const S* x = target.row(i);
        S m = l[0];
        for (index_t j = 1; j < n; ++j) m = l[j] > m ? l[j] : m;
        S sum_e = 0, sum_x = 0, sum_xl = 0;
        const bool with_grad = grad.cols() == n;
        S* g = with_grad ? grad.row(i) : nullptr;
        for (index_t j = 0; j < n; ++j) {
            const S shifted = l[j] - m;  // read before g[j] is written: g may alias l
            const S e = fast::exp_nonpositive(shifted);
            sum_e += e;
            sum_x += x[j];
            sum_xl += x[j] * shifted;
            if (with_grad) g[j] = e;
        }
        row_loss[i] = sum_x * std::log(sum_e) - sum_xl;
        if (!with_grad) return;
        const S c = sum_x / sum_e;
        for (index_t j = 0; j < n; ++j) g[j] = scale * (c * g[j] - x[j]);
    }
};

}  // namespace detail

/// row_loss[i] ← −Σ_j target(i, j) · log softmax(logits(i, ·))_j.
template <Real S, Device D>
void multinomial_nll_forward(const Backend<D>& be, MatrixView<const S, D> logits, MatrixView<const S, D> target,
                             VectorView<S, D> row_loss) {
    require_shape(logits.rows() == target.rows() && logits.cols() == target.cols() && logits.cols() >= 1 &&
                      row_loss.size() == logits.rows(),
                  "multinomial_nll_forward: logits ", logits.rows(), " x ", logits.cols(), ", target ", target.rows(),
                  " x ", target.cols(), ", row_loss ", row_loss.size());
    be.for_each_index(logits.rows(), detail::MultinomialRow<S, D>{logits, target, MatrixView<S, D>(), row_loss.data(), S(1)});
}

/// row_loss[i] as multinomial_nll_forward, and ASSIGNS grad ← scale · ((Σ_k x_k) · softmax(l) − x)
/// row by row, in one kernel; grad may alias logits.
template <Real S, Device D>
void multinomial_nll_forward_backward(const Backend<D>& be, MatrixView<const S, D> logits,
                                      MatrixView<const S, D> target, S scale, VectorView<S, D> row_loss,
                                      MatrixView<S, D> grad) {
    require_shape(logits.rows() == target.rows() && logits.cols() == target.cols() && logits.cols() >= 1 &&
                      grad.rows() == logits.rows() && grad.cols() == logits.cols() && row_loss.size() == logits.rows(),
                  "multinomial_nll_forward_backward: logits ", logits.rows(), " x ", logits.cols(), ", target ",
                  target.rows(), " x ", target.cols(), ", grad ", grad.rows(), " x ", grad.cols(), ", row_loss ",
                  row_loss.size());
    be.for_each_index(logits.rows(), detail::MultinomialRow<S, D>{logits, target, grad, row_loss.data(), scale});
}

/**
 * The multinomial likelihood of a target row under softmax(logits), as a likelihood policy of
 * VariationalAutoencoder (see mvae/nn/likelihood.hpp): Mult-VAE's reconstruction term.
 *
 * forward: row_loss[i] ← the row's negative log-likelihood −Σ_j target(i, j) · log softmax(logits(i, ·))_j.
 * forward_backward: the same row_loss, and ASSIGNS grad ← scale · ∂(row loss)/∂logits =
 * scale · ((Σ_k x_k) · softmax(l) − x), row by row; grad may alias logits.
 */
struct MultinomialLikelihood {
    static constexpr std::string_view name = "multinomial";

    template <Real S, Device D>
    static void forward(const Backend<D>& be, MatrixView<const S, D> logits, MatrixView<const S, D> target,
                        VectorView<S, D> row_loss) {
        multinomial_nll_forward<S, D>(be, logits, target, row_loss);
    }

    template <Real S, Device D>
    static void forward_backward(const Backend<D>& be, MatrixView<const S, D> logits, MatrixView<const S, D> target,
                                 S scale, VectorView<S, D> row_loss, MatrixView<S, D> grad) {
        multinomial_nll_forward_backward<S, D>(be, logits, target, scale, row_loss, grad);
    }
};

}  // namespace mvae
