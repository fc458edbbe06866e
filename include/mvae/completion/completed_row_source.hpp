// mvae/completion/completed_row_source.hpp — the rows of R′ (or of R′ᵀ) as training batches,
// without ever forming the n_users × n_items matrix.
//
// A batch of B rows is built in three passes over the B × cols output:
//   1. out ← A_b · Cᵀ by the backend's GEMM, with A_b the batch's row factors gathered into a
//      small B × k workspace and C the column factors (cols × k, used transposed);
//   2. clamp to [0, 1] (backend map), when the completed matrix is clamped;
//   3. out(b, j) ← 1 for the observed entries of each batch row (its CSR row for users, its CSC
//      column for items), in parallel over the batch rows.
// For users A = P, C = Q (rows of R′); for items A = Q, C = P (rows of R′ᵀ, the iVAE's input).
// Memory: O(nnz + (n + m)·k) for R and the factors (copied once into S), plus the B × k gather and
// the B × cols batch. Cost per batch: 2·B·cols·k flops (the GEMM dominates) + O(B·cols + nnz_b).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/backend/cpu/eigen_map.hpp"
#include "mvae/completion/completed_matrix.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/training/row_source.hpp"

namespace mvae {

/// Which rows of R′ a CompletedRowSource hands out: users' rows (R′, for the uVAE) or items'
/// rows (R′ᵀ, the columns of R′, for the iVAE).
enum class RowsOf : std::uint8_t { Users, Items };

namespace detail {

/// clamp(x, 0, 1), for the backend's map (host and device).
template <class S>
struct ClampToUnit {
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return x < S(0) ? S(0) : (x > S(1) ? S(1) : x); }
};

}  // namespace detail

/**
 * A RowSource (training/row_source.hpp) over the completed matrix R′ or its transpose.
 *
 * Keeps a pointer to the CompletedMatrix (and through it to R): both must outlive the source.
 * fill() uses a workspace of the source, so one source must not fill two batches concurrently.
 *
 * @tparam S the scalar of the batches (float or double); the factors are copied to S once.
 *
 * @code
 * const mvae::CompletedMatrix completed = mvae::SvdCompleter().complete(train);
 * mvae::CompletedRowSource<float> users(completed);                       // rows of R′
 * mvae::CompletedRowSource<float> items(completed, mvae::RowsOf::Items);  // rows of R′ᵀ
 * trainer.fit(users);
 * @endcode
 */
template <Real S>
class CompletedRowSource {
public:
    explicit CompletedRowSource(const CompletedMatrix& completed, RowsOf rows_of = RowsOf::Users)
        : completed_(&completed), rows_of_(rows_of) {
        const LowRankFactors& f = completed.factors();
        copy_factors(rows_of == RowsOf::Users ? f.p : f.q, row_factors_);
        copy_factors(rows_of == RowsOf::Users ? f.q : f.p, col_factors_);
    }
    /// The completed matrix would dangle.
    CompletedRowSource(const CompletedMatrix&& completed, RowsOf rows_of = RowsOf::Users) = delete;

    /// n_users for RowsOf::Users, n_items for RowsOf::Items.
    [[nodiscard]] index_t rows() const noexcept {
        return rows_of_ == RowsOf::Users ? completed_->n_users() : completed_->n_items();
    }
    /// n_items for RowsOf::Users, n_users for RowsOf::Items.
    [[nodiscard]] index_t cols() const noexcept {
        return rows_of_ == RowsOf::Users ? completed_->n_items() : completed_->n_users();
    }
    [[nodiscard]] RowsOf rows_of() const noexcept { return rows_of_; }
    [[nodiscard]] const CompletedMatrix& completed() const noexcept { return *completed_; }

    /**
     * out(b, :) ← row rows[b] of R′ (RowsOf::Users) or of R′ᵀ (RowsOf::Items), computed from the
     * factors (see the file comment). Throws ShapeError when out is not |rows| × cols(),
     * ArgumentError when a row is outside [0, rows()).
     */
    void fill(const Backend<Cpu>& be, std::span<const index_t> rows, MatrixView<S, Cpu> out) const {
        detail::require_batch_shape("CompletedRowSource::fill", rows, this->rows(), cols(), out.rows(), out.cols());
        const auto batch = index_t(rows.size());
        const auto k = index_t(row_factors_.cols());
        if (k == 0) {
            be.fill(out, S(0));
        } else {
            gather_.resize(batch, k);
            const auto from = row_factors_.cview();
            const auto to = gather_.view();
            be.for_each_index(batch, [&](index_t b) { std::copy_n(from.row(rows[std::size_t(b)]), k, to.row(b)); });
            be.gemm(Op::N, Op::T, S(1), gather_.cview(), col_factors_.cview(), S(0), out);
            if (completed_->clamped()) be.map(out, detail::ClampToUnit<S>{}, MatrixView<const S, Cpu>(out));
        }
        const InteractionMatrix& r = completed_->observed();
        const bool users = rows_of_ == RowsOf::Users;
        be.for_each_index(batch, [&](index_t b) {
            const index_t row = rows[std::size_t(b)];
            S* o = out.row(b);
            for (index_t j : users ? r.items_of(row) : r.users_of(row)) o[j] = S(1);
        });
    }

    /// For devices with their own memory: built on the host, then one upload.
    template <Device D>
    void fill(const Backend<D>& be, std::span<const index_t> rows, MatrixView<S, D> out) const {
        detail::require_batch_shape("CompletedRowSource::fill", rows, this->rows(), cols(), out.rows(), out.cols());
        staging_.resize(index_t(rows.size()), cols());
        fill(Backend<Cpu>(), rows, staging_.view());
        be.upload(staging_.data(), out);
    }

    /**
     * The exact mean of each column of this source's matrix (R′ for users, R′ᵀ for items),
     * computed in double from the double factors.
     *   Unclamped: mean_j = (a·c_j + deg_j − Σ_{r observed in j} a_r·c_j) / rows() with a = Σ_r a_r,
     *   O(nnz·k + (n + m)·k).
     *   Clamped: clamping is not linear, so every entry is evaluated: a pass over the rows in
     *   blocks of ≈ 2^21 / cols() rows (one block GEMM, clamp, observed ones, column sums each),
     *   O(n·m·k) flops and O(2^21) doubles of memory. It runs once per source (≈ 12 GFLOP for
     *   Yelp at k = 50).
     * Rank 0 gives deg_j / rows(). All zeros when rows() = 0. The same bits for any thread count.
     */
    [[nodiscard]] std::vector<double> column_means() const {
        const index_t n_rows = rows(), n_cols = cols();
        std::vector<double> mean(std::size_t(n_cols), 0.0);
        if (n_rows == 0) return mean;
        const InteractionMatrix& r = completed_->observed();
        const bool users = rows_of_ == RowsOf::Users;
        const LowRankFactors& f = completed_->factors();
        const EigenRowMajor<double>& a = users ? f.p : f.q;
        const EigenRowMajor<double>& c = users ? f.q : f.p;
        // Column j of this source's matrix is item j (users) or user j (items).
        auto column_pattern = [&](index_t j) { return users ? r.users_of(j) : r.items_of(j); };
        auto row_pattern = [&](index_t i) { return users ? r.items_of(i) : r.users_of(i); };

        if (!completed_->clamped() || f.rank() == 0) {
            Eigen::RowVectorXd a_sum = Eigen::RowVectorXd::Zero(a.cols());
            for (index_t i = 0; i < n_rows; ++i) a_sum += a.row(i);
            parallel_for(0, n_cols, [&](index_t j) {
                const auto observed = column_pattern(j);
                double sum = a_sum.dot(c.row(j)) + double(observed.size());
                for (index_t i : observed) sum -= a.row(i).dot(c.row(j));
                mean[std::size_t(j)] = sum / double(n_rows);
            });
            return mean;
        }

        const index_t block = std::max<index_t>(1, index_t((std::int64_t(1) << 21) / std::max<index_t>(n_cols, 1)));
        EigenRowMajor<double> values;
        for (index_t r0 = 0; r0 < n_rows; r0 += block) {
            const index_t count = std::min(block, n_rows - r0);
            values.resize(count, n_cols);
            values.noalias() = a.middleRows(r0, count) * c.transpose();
            parallel_for(0, count, [&](index_t b) {
                auto row = values.row(b);
                row = row.cwiseMax(0.0).cwiseMin(1.0);
                for (index_t j : row_pattern(r0 + b)) row(j) = 1.0;
            });
            // Threads split the columns; each column is summed top to bottom.
            constexpr index_t strip = 256;
            parallel_for(0, (n_cols + strip - 1) / strip, [&](index_t s) {
                const index_t j0 = s * strip, j1 = std::min(n_cols, j0 + strip);
                for (index_t b = 0; b < count; ++b) {
                    const double* row = values.row(b).data();
                    for (index_t j = j0; j < j1; ++j) mean[std::size_t(j)] += row[j];
                }
            });
        }
        for (double& v : mean) v /= double(n_rows);
        return mean;
    }

    /// column_means() clamped to [0, 1] (only an unclamped R′ can leave it), as RowSource requires.
    [[nodiscard]] std::vector<double> column_frequencies() const {
        std::vector<double> f = column_means();
        for (double& v : f) v = std::clamp(v, 0.0, 1.0);
        return f;
    }

private:
    static void copy_factors(const EigenRowMajor<double>& from, Matrix<S, Cpu>& to) {
        to.resize(index_t(from.rows()), index_t(from.cols()));
        if (to.size() > 0) eigen_map(to.view()) = from.template cast<S>();
    }

    const CompletedMatrix* completed_;
    RowsOf rows_of_;
    Matrix<S, Cpu> row_factors_;  // rows() × k
    Matrix<S, Cpu> col_factors_;  // cols() × k
    mutable Matrix<S, Cpu> gather_;
    mutable Matrix<S, Cpu> staging_;
};

static_assert(RowSource<CompletedRowSource<float>, float, Cpu>);
static_assert(RowSource<CompletedRowSource<double>, double, Cpu>);

}  // namespace mvae
