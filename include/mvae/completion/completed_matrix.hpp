// mvae/completion/completed_matrix.hpp — the pseudo-matrix R′ of section IV-A, never stored dense.
//
// R′(u, i) = 1 where R has the interaction (observed entries keep their value), and the completed
// prediction p_u · q_i elsewhere, clamped to [0, 1] by default: the VAEs read R′ as Bernoulli
// targets/inputs, and a factorisation of 0/1 data predicts slightly below 0 and above 1. A
// CompletedMatrix is R (by reference) plus the factors, O(nnz + (n + m)·k) memory; rank-0 factors
// give R′ = R (no completion) through the same type.
#pragma once

#include <algorithm>
#include <span>
#include <utility>

#include "mvae/completion/low_rank_factors.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/**
 * R′ = observed ones of R, completed by P·Qᵀ elsewhere. Keeps a pointer to R: R must outlive it.
 *
 * @code
 * mvae::CompletedMatrix completed(train, mvae::RandomizedSvd().fit(train));   // clamped
 * double v = completed.value(u, i);   // 1 if (u, i) ∈ train, else clamp(p_u·q_i, 0, 1)
 * @endcode
 */
class CompletedMatrix {
public:
    /// Throws ShapeError when the factors' shapes do not match R (n_users × k and n_items × k).
    CompletedMatrix(const InteractionMatrix& observed, LowRankFactors factors, bool clamp = true)
        : observed_(&observed), factors_(std::move(factors)), clamp_(clamp) {
        factors_.validate();
        require_shape(factors_.n_users() == observed.n_users() && factors_.n_items() == observed.n_items(),
                      "CompletedMatrix: R is ", observed.n_users(), " x ", observed.n_items(), " but the factors are ",
                      factors_.n_users(), " x ", factors_.rank(), " and ", factors_.n_items(), " x ", factors_.rank());
    }
    /// R would dangle.
    CompletedMatrix(const InteractionMatrix&& observed, LowRankFactors factors, bool clamp = true) = delete;

    /// R′ = R: rank-0 factors, nothing completed.
    [[nodiscard]] static CompletedMatrix uncompleted(const InteractionMatrix& observed) {
        return CompletedMatrix(observed, LowRankFactors::zero_rank(observed.n_users(), observed.n_items()));
    }
    static CompletedMatrix uncompleted(const InteractionMatrix&& observed) = delete;

    [[nodiscard]] index_t n_users() const noexcept { return observed_->n_users(); }
    [[nodiscard]] index_t n_items() const noexcept { return observed_->n_items(); }
    /// k; 0 when nothing is completed.
    [[nodiscard]] index_t rank() const noexcept { return factors_.rank(); }
    /// Whether completed values are clamped to [0, 1].
    [[nodiscard]] bool clamped() const noexcept { return clamp_; }
    /// R, whose entries are the observed ones.
    [[nodiscard]] const InteractionMatrix& observed() const noexcept { return *observed_; }
    [[nodiscard]] const LowRankFactors& factors() const noexcept { return factors_; }

    /// Clamps a completed value when clamped(), else returns it.
    [[nodiscard]] double finish(double prediction) const noexcept {
        return clamp_ ? std::clamp(prediction, 0.0, 1.0) : prediction;
    }

    /// R′(u, i): 1 when R(u, i) is observed, else finish(p_u · q_i). O(log deg(u) + k).
    /// Throws ArgumentError when (u, i) is outside the matrix.
    [[nodiscard]] double value(index_t u, index_t i) const {
        require_argument(u >= 0 && u < n_users() && i >= 0 && i < n_items(), "CompletedMatrix::value: (", u, ", ", i,
                         ") is outside the ", n_users(), " x ", n_items(), " matrix");
        return observed_->contains(u, i) ? 1.0 : finish(factors_.p.row(u).dot(factors_.q.row(i)));
    }

    /**
     * R′'s row for a user who was not in R, with 0/1 history `items` (0-based, unique): 1 at the
     * history's items and, elsewhere, the completion of the folded-in p (LowRankFactors::fold_in)
     * — clamped to [0, 1] when `clamp` and clamped() — as the training rows were. out: n_items.
     */
    template <class S>
    void new_user_row(std::span<const index_t> items, std::span<S> out, bool clamp = true) const {
        require_shape(index_t(out.size()) == n_items(), "CompletedMatrix::new_user_row: output of ", out.size(),
                      " values for ", n_items(), " items");
        const Eigen::VectorXd p = factors_.fold_in(items);
        const bool clamp_values = clamp && clamp_;
        for (index_t i = 0; i < n_items(); ++i) {
            const double v = rank() > 0 ? factors_.q.row(i).dot(p) : 0.0;
            out[std::size_t(i)] = S(clamp_values ? std::clamp(v, 0.0, 1.0) : v);
        }
        for (index_t i : items) out[std::size_t(i)] = S(1);
    }

private:
    const InteractionMatrix* observed_;
    LowRankFactors factors_;
    bool clamp_;
};

}  // namespace mvae
