// mvae/completion/weighted_als.hpp — completion by weighted alternating least squares (implicit
// ALS, Hu, Koren & Volinsky 2008): Eq. 2 of the paper with the unobserved entries kept at weight w0.
//
// Eq. 2 sums the squared error over the OBSERVED entries only. For 0/1 data every observed entry is
// 1, so p_u · q_i = 1 for all (u, i) — e.g. P = Q = (1/√k)·1 — drives that sum to 0 (up to the
// regulariser): the minimiser predicts 1 everywhere and completes nothing. Keeping the unobserved
// entries as zeros with a small weight w0 ∈ (0, 1] fixes it. The objective is
//   E(P, Q) = ½ Σ_{(u,i) observed} (1 − p_u·q_i)² + ½ w0 Σ_{(u,i) unobserved} (p_u·q_i)²
//           + ½ λ (‖P‖²_F + ‖Q‖²_F).
// For fixed Q it separates over users, and user u's part is minimised by the solution of
//   (w0·QᵀQ + (1 − w0)·Q_uᵀQ_u + λI) p_u = Q_uᵀ·1        (Q_u: the rows of Q at u's items),
// a k × k system whose Gram term QᵀQ is shared by all users, so a half-step costs
// O(nnz·k² + n·k³) instead of the O(n·m·k²) of a dense weighted solve; symmetrically for items.
// Each half-step is an exact block minimisation, so E never increases.
//
// The exact solve costs k³/3 per row (a Cholesky factorisation): at k = 400 on Yelp two minutes
// per fit. With cg_steps = N the rows are instead solved approximately by N conjugate-gradient
// steps warm-started from the previous factors (Takács, Pilászy & Tikk, RecSys 2011), each step one
// product with the row's matrix, O(k² + degree·k): CG from any start lowers the row's quadratic,
// so E still never increases, and the solve costs O(N·k²) instead of O(k³).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/backend/cpu/eigen_map.hpp"
#include "mvae/completion/low_rank_factors.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

/// Purpose tag of WeightedAls's initial item factors ("wals" in ASCII).
inline constexpr std::uint64_t weighted_als_purpose = 0x77616C73ull;

/// Settings of WeightedAls.
struct WeightedAlsOptions {
    /// k, the number of factors per user and item, ≥ 1.
    index_t rank = 50;
    /// λ, the ridge weight on ‖P‖² and ‖Q‖², ≥ 0 (with λ = 0 a system may be singular: NumericalError).
    double lambda = 1.0;
    /// w0, the weight of the unobserved entries (target 0) relative to the observed ones (target 1), in (0, 1].
    double w0 = 0.1;
    /// Full iterations (a user half-step, then an item half-step), ≥ 1.
    index_t iterations = 10;
    /// Key of the initial item factors.
    std::uint64_t seed = 1;
    /// 0: every row's system solved exactly (Cholesky); N ≥ 1: N conjugate-gradient steps per row,
    /// warm-started from the factors of the previous iteration (the file comment).
    index_t cg_steps = 0;

    /// Throws ArgumentError naming the first invalid field and its value.
    void validate() const {
        require_argument(rank >= 1, "WeightedAlsOptions::rank must be >= 1, got ", rank);
        require_argument(std::isfinite(lambda) && lambda >= 0.0, "WeightedAlsOptions::lambda must be finite and >= 0, got ",
                         lambda);
        require_argument(w0 > 0.0 && w0 <= 1.0, "WeightedAlsOptions::w0 must be in (0, 1], got ", w0);
        require_argument(iterations >= 1, "WeightedAlsOptions::iterations must be >= 1, got ", iterations);
        require_argument(cg_steps >= 0, "WeightedAlsOptions::cg_steps must be >= 0 (0: exact solves), got ", cg_steps);
    }
};

namespace detail {

/// XᵀX, summed over fixed blocks of rows whose partial Gram matrices are added in block order:
/// the same bits for any thread count.
[[nodiscard]] inline Eigen::MatrixXd blocked_gram(const EigenRowMajor<double>& x) {
    constexpr index_t block = 1024;
    const auto rows = index_t(x.rows());
    const auto k = x.cols();
    const index_t blocks = (rows + block - 1) / block;
    std::vector<Eigen::MatrixXd> partial(std::size_t(blocks), Eigen::MatrixXd::Zero(k, k));
    parallel_for(0, blocks, [&](index_t b) {
        const index_t r0 = b * block, count = std::min(block, rows - r0);
        partial[std::size_t(b)].noalias() = x.middleRows(r0, count).transpose() * x.middleRows(r0, count);
    });
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(k, k);
    for (const auto& g : partial) gram += g;
    return gram;
}

/// x ← o.cg_steps conjugate-gradient steps on (base + (1 − w0)·XᵀX) x = b from x (X: a row's
/// gathered factors). False when the matrix is not positive definite along a search direction.
[[nodiscard]] inline bool conjugate_gradient(const Eigen::MatrixXd& base, const EigenRowMajor<double>& x_rows,
                                             const Eigen::VectorXd& b, const WeightedAlsOptions& o,
                                             Eigen::Ref<Eigen::VectorXd> x) {
    const auto apply = [&](const Eigen::VectorXd& v) -> Eigen::VectorXd {
        Eigen::VectorXd av = base * v;
        av.noalias() += (1.0 - o.w0) * (x_rows.transpose() * (x_rows * v));
        return av;
    };
    Eigen::VectorXd r = b - apply(x);
    Eigen::VectorXd p = r;
    double rr = r.squaredNorm();
    const double tiny = 1e-30 * std::max(1.0, b.squaredNorm());
    for (index_t step = 0; step < o.cg_steps && rr > tiny; ++step) {
        const Eigen::VectorXd ap = apply(p);
        const double curvature = p.dot(ap);
        if (!(curvature > 0.0)) return false;
        const double alpha = rr / curvature;
        x.noalias() += alpha * p;
        r.noalias() -= alpha * ap;
        const double rr_next = r.squaredNorm();
        p = r + (rr_next / rr) * p;
        rr = rr_next;
    }
    return true;
}

/// One half-step: for every row r of the pattern (offsets, indices) — a user's items or an item's
/// users — out.row(r) ← the solution of (w0·G + (1 − w0)·X_rᵀX_r + λI) x = X_rᵀ·1 with G = otherᵀ·other
/// and X_r the rows of `other` at r's indices: exact, or with o.cg_steps > 0 that many CG steps from
/// out's current row (from 0 when `out` does not have the result's shape yet). Rows are
/// independent: any thread count, same bits.
inline void solve_factor_rows(std::span<const offset_t> offsets, std::span<const index_t> indices,
                              const EigenRowMajor<double>& other, const WeightedAlsOptions& o,
                              EigenRowMajor<double>& out, const char* side) {
    const auto n = index_t(offsets.size()) - 1;
    const auto k = other.cols();
    if (o.cg_steps == 0 || out.rows() != n || out.cols() != k) {
        out.resize(n, k);
        if (o.cg_steps > 0) out.setZero();
    }
    Eigen::MatrixXd base = o.w0 * blocked_gram(other);
    base.diagonal().array() += o.lambda;

    std::atomic<index_t> first_failed{n};  // the smallest failing row, whatever the thread timing
    const auto fail = [&](index_t r) {
        index_t current = first_failed.load();
        while (r < current && !first_failed.compare_exchange_weak(current, r)) {
        }
        out.row(r).setZero();
    };
    parallel_for(0, n, [&](index_t r) {
        const offset_t begin = offsets[std::size_t(r)], end = offsets[std::size_t(r) + 1];
        const auto degree = Eigen::Index(end - begin);
        if (degree == 0) {
            out.row(r).setZero();  // minimises w0·xᵀGx + λ‖x‖² ≥ 0
            return;
        }
        EigenRowMajor<double> gathered(degree, k);
        for (offset_t e = begin; e < end; ++e) gathered.row(Eigen::Index(e - begin)) = other.row(indices[std::size_t(e)]);
        if (o.cg_steps > 0) {
            Eigen::VectorXd x = out.row(r).transpose();
            if (conjugate_gradient(base, gathered, gathered.colwise().sum().transpose(), o, x)) {
                out.row(r) = x.transpose();
            } else {
                fail(r);
            }
            return;
        }
        Eigen::MatrixXd a = base;
        a.noalias() += (1.0 - o.w0) * (gathered.transpose() * gathered);
        const Eigen::VectorXd rhs = gathered.colwise().sum().transpose();
        const Eigen::LLT<Eigen::MatrixXd> llt(a);
        if (llt.info() != Eigen::Success) {
            fail(r);
            return;
        }
        out.row(r) = llt.solve(rhs).transpose();
    });
    if (first_failed.load() < n)
        throw NumericalError(detail::error_message("WeightedAls: the normal equations of ", side, " ", first_failed.load(),
                                                   " are not positive definite (lambda = ", o.lambda,
                                                   "); use lambda > 0"));
}

}  // namespace detail

/**
 * Completion policy: R′ = P·Qᵀ minimising the weighted objective of the file comment by
 * alternating exact least-squares half-steps (users given items, then items given users).
 *
 * Initialisation: Q(i, j) = N(0, 1)/√k from RandomStream(seed, stream_id(weighted_als_purpose)),
 * element i·k + j; P is not needed (the first half-step solves for it).
 *
 * @code
 * mvae::WeightedAls als({.rank = 50, .lambda = 1.0, .w0 = 0.1, .iterations = 10, .seed = 3});
 * std::vector<double> objective;
 * mvae::LowRankFactors f = als.fit(train, objective);   // objective[t]: E after iteration t + 1
 * @endcode
 */
class WeightedAls {
public:
    /// The policy's name in model files and on the command line.
    static constexpr std::string_view name = "als";

    using Options = WeightedAlsOptions;

    /// The default options.
    WeightedAls() : WeightedAls(Options{}) {}
    /// Throws ArgumentError when an option is invalid.
    explicit WeightedAls(const Options& options) : options_(options) { options_.validate(); }

    [[nodiscard]] const Options& options() const noexcept { return options_; }

    /// The factors after options().iterations full iterations. Throws NumericalError when a
    /// system is singular (only possible with lambda = 0).
    [[nodiscard]] LowRankFactors fit(const InteractionMatrix& r) const {
        std::vector<double> ignored;
        return fit(r, ignored);
    }

    /// As fit(r), and `objective` receives E(P, Q) after each full iteration (options().iterations
    /// values, non-increasing up to rounding).
    [[nodiscard]] LowRankFactors fit(const InteractionMatrix& r, std::vector<double>& objective) const {
        const index_t k = options_.rank;
        LowRankFactors f;
        f.q.resize(r.n_items(), k);
        Backend<Cpu>().fill_normal(MatrixView<double, Cpu>(f.q.data(), r.n_items(), k),
                                   RandomStream(options_.seed, stream_id(weighted_als_purpose)));
        f.q *= 1.0 / std::sqrt(double(k));
        objective.clear();
        objective.reserve(std::size_t(options_.iterations));
        for (index_t it = 0; it < options_.iterations; ++it) {
            update_user_factors(r, f.q, f.p);
            update_item_factors(r, f.p, f.q);
            objective.push_back(this->objective(r, f));
        }
        return f;
    }

    /// User half-step: p ← argmin_P E(P, q), row by row (p is resized to n_users × k); with
    /// cg_steps > 0 approximately, starting from p when it already has that shape (else from 0).
    /// Throws ShapeError when q is not n_items × k.
    void update_user_factors(const InteractionMatrix& r, const EigenRowMajor<double>& q, EigenRowMajor<double>& p) const {
        require_shape(q.rows() == r.n_items() && q.cols() == options_.rank, "WeightedAls::update_user_factors: Q is ",
                      q.rows(), " x ", q.cols(), ", expected ", r.n_items(), " x ", options_.rank);
        require_argument(&p != &q, "WeightedAls::update_user_factors: P and Q must be different matrices");
        detail::solve_factor_rows(r.user_offsets(), r.user_items(), q, options_, p, "user");
    }

    /// Item half-step: q ← argmin_Q E(p, Q), row by row (q is resized to n_items × k); with
    /// cg_steps > 0 approximately, starting from q when it already has that shape (else from 0).
    /// Throws ShapeError when p is not n_users × k.
    void update_item_factors(const InteractionMatrix& r, const EigenRowMajor<double>& p, EigenRowMajor<double>& q) const {
        require_shape(p.rows() == r.n_users() && p.cols() == options_.rank, "WeightedAls::update_item_factors: P is ",
                      p.rows(), " x ", p.cols(), ", expected ", r.n_users(), " x ", options_.rank);
        require_argument(&p != &q, "WeightedAls::update_item_factors: P and Q must be different matrices");
        detail::solve_factor_rows(r.item_offsets(), r.item_users(), p, options_, q, "item");
    }

    /**
     * E(P, Q) of the file comment, in O(nnz·k + (n + m)·k²): the unobserved sum is the sum over
     * all cells, ⟨PᵀP, QᵀQ⟩, minus the observed cells. Per-user terms are summed in user order.
     * Throws ShapeError when the factors do not match R.
     */
    [[nodiscard]] double objective(const InteractionMatrix& r, const LowRankFactors& f) const {
        f.validate();
        require_shape(f.n_users() == r.n_users() && f.n_items() == r.n_items(), "WeightedAls::objective: factors are ",
                      f.n_users(), " x ", f.n_items(), ", R is ", r.n_users(), " x ", r.n_items());
        const index_t n = r.n_users();
        std::vector<double> observed_error(static_cast<std::size_t>(n)), observed_square(static_cast<std::size_t>(n));
        parallel_for(0, n, [&](index_t u) {
            double err = 0, sq = 0;
            for (index_t i : r.items_of(u)) {
                const double x = f.p.row(u).dot(f.q.row(i));
                err += (1.0 - x) * (1.0 - x);
                sq += x * x;
            }
            observed_error[std::size_t(u)] = err;
            observed_square[std::size_t(u)] = sq;
        });
        double err = 0, sq = 0;
        for (index_t u = 0; u < n; ++u) {
            err += observed_error[std::size_t(u)];
            sq += observed_square[std::size_t(u)];
        }
        const double all_square = detail::blocked_gram(f.p).cwiseProduct(detail::blocked_gram(f.q)).sum();
        const double regulariser = f.p.squaredNorm() + f.q.squaredNorm();
        return 0.5 * err + 0.5 * options_.w0 * (all_square - sq) + 0.5 * options_.lambda * regulariser;
    }

private:
    Options options_;
};

}  // namespace mvae
