// mvae/completion/low_rank_factors.hpp — the factors of a rank-k completion: R′(u, i) ≈ p_u · q_i.
//
// What every completion policy returns (RandomizedSvd, WeightedAls, NoCompletion): user factors P
// (n_users × k) and item factors Q (n_items × k), in double on the host, row-major so that a
// user's or an item's factor vector is contiguous. Rank 0 (k = 0) is valid and predicts 0
// everywhere: it is how "no completion" goes through the same types.
#pragma once

#include <cstdint>
#include <span>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "mvae/backend/cpu/eigen_map.hpp"
#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/// P and Q with R′ ≈ P·Qᵀ; see the file comment.
struct LowRankFactors {
    EigenRowMajor<double> p;          ///< n_users × rank: row u is p_u
    EigenRowMajor<double> q;          ///< n_items × rank: row i is q_i
    /// The singular values σ_1 ≥ … ≥ σ_k of R's rank-k approximation when the policy computes
    /// them (RandomizedSvd); empty otherwise.
    Eigen::VectorXd singular_values;

    /// Rank-0 factors of an n_users × n_items matrix: every prediction is 0.
    [[nodiscard]] static LowRankFactors zero_rank(index_t n_users, index_t n_items) {
        require_argument(n_users >= 0 && n_items >= 0, "LowRankFactors::zero_rank: negative shape ", n_users, " x ",
                         n_items);
        LowRankFactors f;
        f.p.resize(n_users, 0);
        f.q.resize(n_items, 0);
        return f;
    }

    /// k, the common number of columns of P and Q.
    [[nodiscard]] index_t rank() const noexcept { return index_t(p.cols()); }
    [[nodiscard]] index_t n_users() const noexcept { return index_t(p.rows()); }
    [[nodiscard]] index_t n_items() const noexcept { return index_t(q.rows()); }

    /// Throws ShapeError unless P and Q have the same number of columns and singular_values is
    /// empty or has one value per column.
    void validate() const {
        require_shape(p.cols() == q.cols(), "LowRankFactors: P is ", p.rows(), " x ", p.cols(), " but Q is ", q.rows(),
                      " x ", q.cols(), " (the ranks differ)");
        require_shape(singular_values.size() == 0 || singular_values.size() == p.cols(), "LowRankFactors: ",
                      singular_values.size(), " singular values for rank ", p.cols());
    }

    /// p_u · q_i, the completed value before clamping. Throws ArgumentError when (u, i) is outside
    /// the n_users × n_items shape.
    [[nodiscard]] double predict(index_t u, index_t i) const {
        require_argument(u >= 0 && u < n_users() && i >= 0 && i < n_items(), "LowRankFactors::predict: (", u, ", ", i,
                         ") is outside the ", n_users(), " x ", n_items(), " matrix");
        return p.row(u).dot(q.row(i));
    }

    /**
     * Folds in a user who was not factorised: the least-squares p = argmin ‖r − p·Qᵀ‖² + 10⁻⁶‖p‖²
     * for the 0/1 row r with ones at `items` (0-based, sorted or not, no duplicates). A rank-0
     * factorisation or an empty history gives p = 0. Throws ArgumentError for an item out of range.
     */
    [[nodiscard]] Eigen::VectorXd fold_in(std::span<const index_t> items) const {
        const index_t k = rank();
        Eigen::VectorXd out = Eigen::VectorXd::Zero(k);
        if (k == 0 || items.empty()) return out;
        Eigen::MatrixXd gram = q.transpose() * q;
        gram.diagonal().array() += 1e-6;
        Eigen::VectorXd rhs = Eigen::VectorXd::Zero(k);
        for (index_t i : items) {
            require_argument(i >= 0 && i < n_items(), "LowRankFactors::fold_in: item ", i, " is not in [0, ", n_items(), ")");
            rhs += q.row(i).transpose();
        }
        out = gram.ldlt().solve(rhs);
        return out;
    }
};

/// Makes every rank's `f` a copy of rank `root`'s, shapes first (a collective: every rank calls it).
inline void broadcast(const Communicator& comm, LowRankFactors& f, int root = 0) {
    if (comm.size() == 1) return;
    std::int64_t shape[5] = {f.p.rows(), f.p.cols(), f.q.rows(), f.q.cols(), f.singular_values.size()};
    comm.broadcast(shape, sizeof shape, root);
    if (comm.rank() != root) {
        f.p.resize(shape[0], shape[1]);
        f.q.resize(shape[2], shape[3]);
        f.singular_values.resize(shape[4]);
    }
    comm.broadcast(f.p.data(), sizeof(double) * std::size_t(f.p.size()), root);
    comm.broadcast(f.q.data(), sizeof(double) * std::size_t(f.q.size()), root);
    comm.broadcast(f.singular_values.data(), sizeof(double) * std::size_t(f.singular_values.size()), root);
}

}  // namespace mvae
