// mvae/recommender/ease.hpp — EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW
// 2019): an item × item linear autoencoder with a zero diagonal, in closed form.
//
//   B = argmin ‖X − X·B‖² + λ‖B‖²  subject to diag(B) = 0
// has the solution P = (XᵀX + λI)⁻¹, B_ij = −P_ij / P_jj (i ≠ j), B_jj = 0 (Lagrange multipliers
// for the diagonal constraint; the derivation is in Steck's paper, section 3.1). Scores of a user
// are x_u·B: for a 0/1 row, the sum of the B rows of the user's items. One Cholesky
// factorisation and inverse of an items × items matrix (Eigen's LLT, double): O(m³) time and m²
// doubles while fitting (Yelp: 9,244 items, 0.7 GB, tens of seconds on 2 cores); B is kept in float.
#pragma once

#include <cmath>
#include <string>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "mvae/core/device.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/option_table.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/// EASE's one hyper-parameter.
struct EaseOptions {
    double lambda = 500.0;  ///< L2 weight λ on B, > 0 (Steck's value for ML-20M / Netflix range: 100s–1000s)

    /// Throws ArgumentError naming λ when it is not a finite number > 0.
    void validate() const {
        require_argument(std::isfinite(lambda) && lambda > 0, "EASE lambda must be a finite number > 0, got ", lambda);
    }
};

/// EaseOptions by name (registry overrides, `mvae train --ease-lambda`). EASE draws nothing at
/// random: a "seed" is accepted and has no effect, so one command line serves every model.
[[nodiscard]] inline const OptionTable<EaseOptions>& ease_option_table() {
    static const OptionTable<EaseOptions> table = [] {
        OptionTable<EaseOptions> t;
        t.number("ease_lambda", "ease-lambda", [](auto& o) -> auto& { return o.lambda; }, "With --model ease: the L2 weight lambda")
            .alias("seed", "", [](EaseOptions&, std::string_view) {}, "unused: EASE is deterministic");
        return t;
    }();
    return table;
}

/**
 * The EASE recommender: fit on a 0/1 matrix, then score users through the score-provider
 * convention of the evaluator (score(first_user, count, out)).
 *
 * @code
 * mvae::Ease ease({.lambda = 300});
 * ease.fit(train);
 * ease.score(first_user, count, out);   // out: count × n_items
 * @endcode
 */
class Ease {
public:
    explicit Ease(EaseOptions options = {}) : options_((options.validate(), options)) {}

    [[nodiscard]] const EaseOptions& options() const noexcept { return options_; }
    [[nodiscard]] bool fitted() const noexcept { return train_ != nullptr; }
    [[nodiscard]] index_t n_items() const noexcept { return index_t(b_.rows()); }

    /// Learns B from `train` (kept by pointer for scoring: it must outlive the model). Replaces an
    /// earlier fit. Throws ArgumentError for an empty catalogue.
    void fit(const InteractionMatrix& train) {
        const index_t m = train.n_items();
        require_argument(m >= 1, "Ease::fit: the matrix has no items");
        require_argument(train.nnz() > 0, "Ease::fit: the training matrix (", train.n_users(), " x ", m,
                         ") has no interactions: nothing to learn from");
        // G = XᵀX + λI, from the users' rows: every pair of a user's items adds 1.
        Eigen::MatrixXd g = Eigen::MatrixXd::Zero(m, m);
        // Columns split across threads: thread-count independent (each column sums users in order).
        parallel_for(0, m, [&](index_t j) {
            for (index_t u : train.users_of(j))
                for (index_t i : train.items_of(u)) g(i, j) += 1.0;
        });
        g.diagonal().array() += options_.lambda;
        Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(g);  // in place: no second m × m copy
        if (llt.info() != Eigen::Success)
            throw NumericalError(detail::error_message("Ease::fit: XᵀX + λI is not positive definite (λ = ",
                                                       options_.lambda, ")"));
        const Eigen::MatrixXd p = llt.solve(Eigen::MatrixXd::Identity(m, m));
        b_.resize(m, m);
        parallel_for(0, m, [&](index_t i) {
            for (index_t j = 0; j < m; ++j) b_(i, j) = i == j ? 0.0f : float(-p(i, j) / p(j, j));
        });
        train_ = &train;
    }

    /// B (items × items, zero diagonal): row i holds what item i contributes to every item's score.
    [[nodiscard]] const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& weights() const {
        require_fitted("weights");
        return b_;
    }

    /// out(r, :) ← x_u·B for users u = first_user + r (x_u their training row). Throws Error
    /// before fit, ArgumentError for users outside the training matrix, ShapeError unless out is
    /// count × n_items().
    template <Real S>
    void score(index_t first_user, index_t count, MatrixView<S, Cpu> out) const {
        require_fitted("score");
        require_argument(first_user >= 0 && count >= 0 && first_user <= train_->n_users() - count,
                         "Ease::score: users [", first_user, ", ", first_user + count, ") are outside [0, ",
                         train_->n_users(), ")");
        require_shape(out.rows() == count && out.cols() == n_items(), "Ease::score: out must be ", count, " x ",
                      n_items(), ", got ", out.rows(), " x ", out.cols());
        const index_t m = n_items();
        parallel_for(0, count, [&](index_t r) {
            S* row = out.row(r);
            for (index_t j = 0; j < m; ++j) row[j] = S(0);
            for (index_t i : train_->items_of(first_user + r)) {
                const float* bi = b_.row(i).data();
                for (index_t j = 0; j < m; ++j) row[j] += S(bi[j]);
            }
        });
    }

private:
    void require_fitted(const char* method) const {
        if (!fitted()) throw Error(std::string("Ease::") + method + " called before fit");
    }

    EaseOptions options_;
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> b_;
    const InteractionMatrix* train_ = nullptr;
};

}  // namespace mvae
