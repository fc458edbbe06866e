// mvae/completion/randomized_svd.hpp — the paper's "SVD" completion (section IV-A): a rank-k
// truncated SVD of the 0/1 matrix R by a randomized range finder (Halko, Martinsson & Tropp 2011,
// "Finding structure with randomness", Algorithms 4.4 and 5.1).
//
// With l = min(k + oversampling, n_users, n_items) and q power iterations:
//   Ω ~ N(0, 1)^{n_items × l}                       (RandomStream(seed, stream_id(randomized_svd_purpose)))
//   Y = R·Ω,  Q_Y = qr(Y)
//   q times:  Z = Rᵀ·Q_Y, Q_Z = qr(Z);  Y = R·Q_Z, Q_Y = qr(Y)     (re-orthonormalised after every product)
//   Bᵀ = Rᵀ·Q_Y                                     (n_items × l; B = Q_Yᵀ·R is never formed from R)
//   Bᵀ = Q_B·T  (thin QR, T l × l upper triangular),  Tᵀ = Ũ·Σ·W̃ᵀ  (JacobiSVD of an l × l matrix)
//   R ≈ Q_Y·B = (Q_Y·Ũ)·Σ·(Q_B·W̃)ᵀ,   U_k = Q_Y·Ũ_{:,1..k},  V_k = Q_B·W̃_{:,1..k}
// and the factors split Σ evenly: P = U_k·Σ_k^{1/2}, Q = V_k·Σ_k^{1/2}, so P·Qᵀ = U_k Σ_k V_kᵀ and
// neither side carries the scale alone (the same regularity for users and items).
//
// R is touched only by 2q + 2 sparse products (O(nnz · l) each); the rest is O((n + m)·l²) dense
// work. Sparse products are deterministic for any thread count, Eigen's QR/SVD and products are
// run on fixed shapes, and Ω depends only on the seed: the factors are a function of (R, options).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

#include <Eigen/Core>
#include <Eigen/QR>
#include <Eigen/SVD>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/backend/cpu/eigen_map.hpp"
#include "mvae/completion/low_rank_factors.hpp"
#include "mvae/completion/sparse_products.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

/// Purpose tag of RandomizedSvd's Gaussian test matrix ("rsvd" in ASCII).
inline constexpr std::uint64_t randomized_svd_purpose = 0x72737664ull;

/// Settings of RandomizedSvd.
struct RandomizedSvdOptions {
    /// k, the rank of the approximation: 1 ≤ k ≤ min(n_users, n_items) (the upper bound is checked by fit).
    index_t rank = 50;
    /// p, extra test vectors beyond k (the sketch has l = min(k + p, n_users, n_items) columns), ≥ 0.
    index_t oversampling = 10;
    /// q, power iterations (each one product with Rᵀ and one with R), ≥ 0. The error in the j-th
    /// singular direction shrinks like (σ_{l+1} / σ_j)^{2q+1}.
    index_t power_iterations = 2;
    /// Key of the Gaussian test matrix.
    std::uint64_t seed = 1;

    /// Throws ArgumentError naming the first invalid field and its value.
    void validate() const {
        require_argument(rank >= 1, "RandomizedSvdOptions::rank must be >= 1, got ", rank);
        require_argument(oversampling >= 0, "RandomizedSvdOptions::oversampling must be >= 0, got ", oversampling);
        require_argument(power_iterations >= 0, "RandomizedSvdOptions::power_iterations must be >= 0, got ",
                         power_iterations);
    }
};

namespace detail {

/// An orthonormal basis of the column space of `a` (rows ≥ cols): the thin Q of a Householder QR,
/// which stays exactly orthonormal even when `a` is rank-deficient (power iterations make the
/// sketch very ill-conditioned; a Gram–Schmidt or Cholesky QR would lose orthogonality there).
[[nodiscard]] inline EigenRowMajor<double> orthonormal_basis(const EigenRowMajor<double>& a) {
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr{Eigen::MatrixXd(a)};  // QR works column by column
    const Eigen::MatrixXd thin = qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), a.cols());
    return thin;
}

}  // namespace detail

/**
 * Completion policy: R′ = P·Qᵀ, the rank-k truncated SVD of R computed by a randomized range
 * finder with power iterations (the file comment has the algorithm and the factor split).
 *
 * @code
 * mvae::RandomizedSvd svd({.rank = 50, .oversampling = 10, .power_iterations = 2, .seed = 7});
 * mvae::LowRankFactors f = svd.fit(train);   // f.p: users × 50, f.q: items × 50, f.singular_values
 * @endcode
 */
class RandomizedSvd {
public:
    /// The policy's name in model files and on the command line.
    static constexpr std::string_view name = "svd";

    using Options = RandomizedSvdOptions;

    /// The default options (rank 50, oversampling 10, 2 power iterations, seed 1).
    RandomizedSvd() : RandomizedSvd(Options{}) {}
    /// Throws ArgumentError when an option is invalid.
    explicit RandomizedSvd(const Options& options) : options_(options) { options_.validate(); }

    [[nodiscard]] const Options& options() const noexcept { return options_; }

    /**
     * The rank-k factors of R: P = U_k Σ_k^{1/2} (n_users × k), Q = V_k Σ_k^{1/2} (n_items × k),
     * and the k singular values in descending order. Throws ArgumentError when k > min(n_users,
     * n_items).
     */
    [[nodiscard]] LowRankFactors fit(const InteractionMatrix& r) const {
        const index_t n = r.n_users(), m = r.n_items();
        const index_t k = options_.rank;
        require_argument(k <= std::min(n, m), "RandomizedSvdOptions::rank must be at most min(n_users, n_items) = ",
                         std::min(n, m), " for this ", n, " x ", m, " matrix, got ", k);
        const auto l = index_t(std::min<std::int64_t>(std::int64_t(k) + options_.oversampling, std::min(n, m)));

        // Test matrix: element (i, j) is element i·l + j of the stream (the backend's fill order).
        EigenRowMajor<double> omega(m, l);
        Backend<Cpu>().fill_normal(MatrixView<double, Cpu>(omega.data(), m, l),
                                   RandomStream(options_.seed, stream_id(randomized_svd_purpose)));

        EigenRowMajor<double> y = sparse_multiply(r, omega);
        EigenRowMajor<double> basis = detail::orthonormal_basis(y);  // Q_Y: n × l
        EigenRowMajor<double> z;
        for (index_t it = 0; it < options_.power_iterations; ++it) {
            sparse_multiply_transposed(r, basis, z);
            const EigenRowMajor<double> basis_z = detail::orthonormal_basis(z);
            sparse_multiply(r, basis_z, y);
            basis = detail::orthonormal_basis(y);
        }

        // Bᵀ = Rᵀ Q_Y, then the SVD of B through the QR of its tall transpose.
        sparse_multiply_transposed(r, basis, z);
        const Eigen::HouseholderQR<Eigen::MatrixXd> qr{Eigen::MatrixXd(z)};
        const Eigen::MatrixXd q_b = qr.householderQ() * Eigen::MatrixXd::Identity(m, l);
        const Eigen::MatrixXd t_transposed =
            qr.matrixQR().topLeftCorner(l, l).triangularView<Eigen::Upper>().toDenseMatrix().transpose();
        const Eigen::JacobiSVD<Eigen::MatrixXd> svd(t_transposed, Eigen::ComputeFullU | Eigen::ComputeFullV);

        const Eigen::VectorXd sigma = svd.singularValues().head(k);
        const Eigen::VectorXd root = sigma.cwiseSqrt();
        LowRankFactors f;
        f.p = (basis * svd.matrixU().leftCols(k)) * root.asDiagonal();
        f.q = (q_b * svd.matrixV().leftCols(k)) * root.asDiagonal();
        f.singular_values = sigma;
        return f;
    }

private:
    Options options_;
};

}  // namespace mvae
