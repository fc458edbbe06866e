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
// The passes are backend primitives and kernel functors, written once: on a GPU the batch is built
// where it is used, from device copies of the factors and of R's sparse structure (uploaded once),
// and only the B row ids travel per batch.
// Memory: O(nnz + (n + m)·k) for R and the factors (copied once into S, on the device), plus the
// B × k gather and the B × cols batch. Cost per batch: 2·B·cols·k flops (the GEMM dominates) +
// O(B·cols + nnz_b).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/backend/cpu/eigen_map.hpp"
#include "mvae/backend/device_copy.hpp"
#include "mvae/completion/completed_matrix.hpp"
#include "mvae/completion/low_rank_batch.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/row_source.hpp"

namespace mvae {

/// Which rows of R′ a CompletedRowSource hands out: users' rows (R′, for the uVAE) or items'
/// rows (R′ᵀ, the columns of R′, for the iVAE).
enum class RowsOf : std::uint8_t { Users, Items };

/// Whether a CompletedRowSource clamps as its CompletedMatrix says, or never (the unclamped R′ an
/// encoder reads under VaeTrainOptions::low_rank_input, while its decoder's target stays clamped).
enum class Clamping : std::uint8_t { AsCompleted, Off };

namespace detail {

/// clamp(x, 0, 1), for the backend's map (host and device).
template <class S>
struct ClampToUnit {
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return x < S(0) ? S(0) : (x > S(1) ? S(1) : x); }
};

/// to(b, c) ← from(rows[b], c); one call per element t = b·k + c of the B × k gather.
template <class S, class D>
struct GatherFactorRows {
    MatrixView<const S, D> from;
    MatrixView<S, D> to;
    const index_t* rows;
    MVAE_HOST_DEVICE void operator()(index_t t) const noexcept {
        const index_t k = to.cols();
        const index_t b = t / k, c = t % k;
        to(b, c) = from(rows[b], c);
    }
};

/// out(b, j) ← 1 for the observed entries j of row rows[b] of a CSR structure; one call per batch row.
template <class S, class D>
struct SetObservedOnes {
    MatrixView<S, D> out;
    const index_t* rows;
    const offset_t* offsets;
    const index_t* indices;
    MVAE_HOST_DEVICE void operator()(index_t b) const noexcept {
        const index_t r = rows[b];
        S* o = out.row(b);
        for (offset_t e = offsets[r]; e < offsets[r + 1]; ++e) o[indices[e]] = S(1);
    }
};

}  // namespace detail

/**
 * A RowSource (data/row_source.hpp) over the completed matrix R′ or its transpose.
 *
 * Keeps a pointer to the CompletedMatrix (and through it to R): both must outlive the source.
 * fill() uses a workspace of the source, so one source must not fill two batches concurrently.
 *
 * @tparam S the scalar of the batches (float or double); the factors are copied to S once.
 * @tparam D the device the batches are built on (the factors and R's structure are copied there).
 *
 * @code
 * const mvae::CompletedMatrix completed = mvae::SvdCompleter().complete(train);
 * mvae::CompletedRowSource<float> users(completed);                       // rows of R′
 * mvae::CompletedRowSource<float> items(completed, mvae::RowsOf::Items);  // rows of R′ᵀ
 * trainer.fit(users);
 * @endcode
 */
template <Real S, Device D = Cpu>
class CompletedRowSource {
public:
    explicit CompletedRowSource(const CompletedMatrix& completed, RowsOf rows_of = RowsOf::Users,
                                Backend<D> backend = {}, Clamping clamping = Clamping::AsCompleted)
        : completed_(&completed), rows_of_(rows_of), clamp_(completed.clamped() && clamping == Clamping::AsCompleted) {
        const LowRankFactors& f = completed.factors();
        copy_factors(backend, rows_of == RowsOf::Users ? f.p : f.q, row_factors_);
        copy_factors(backend, rows_of == RowsOf::Users ? f.q : f.p, col_factors_);
        const InteractionMatrix& r = completed.observed();
        const bool users = rows_of == RowsOf::Users;
        offsets_.assign(backend, users ? r.user_offsets() : r.item_offsets());
        indices_.assign(backend, users ? r.user_items() : r.item_users());
    }
    /// The completed matrix would dangle.
    CompletedRowSource(const CompletedMatrix&& completed, RowsOf rows_of = RowsOf::Users, Backend<D> backend = {},
                       Clamping clamping = Clamping::AsCompleted) = delete;

    /// n_users for RowsOf::Users, n_items for RowsOf::Items.
    [[nodiscard]] index_t rows() const noexcept {
        return rows_of_ == RowsOf::Users ? completed_->n_users() : completed_->n_items();
    }
    /// n_items for RowsOf::Users, n_users for RowsOf::Items.
    [[nodiscard]] index_t cols() const noexcept {
        return rows_of_ == RowsOf::Users ? completed_->n_items() : completed_->n_users();
    }
    [[nodiscard]] RowsOf rows_of() const noexcept { return rows_of_; }
    /// Whether fill() clamps completed values to [0, 1] (the matrix is clamped and Clamping allows).
    [[nodiscard]] bool clamped() const noexcept { return clamp_; }
    [[nodiscard]] const CompletedMatrix& completed() const noexcept { return *completed_; }

    /**
     * out(b, :) ← row rows[b] of R′ (RowsOf::Users) or of R′ᵀ (RowsOf::Items), computed from the
     * factors (see the file comment). Throws ShapeError when out is not |rows| × cols(),
     * ArgumentError when a row is outside [0, rows()).
     */
    void fill(const Backend<D>& be, std::span<const index_t> rows, MatrixView<S, D> out) const {
        detail::require_batch_shape("CompletedRowSource::fill", rows, this->rows(), cols(), out.rows(), out.cols());
        if (rows.empty()) return;
        batch_rows_.assign(be, rows);  // the row ids where the kernels run (on the CPU: no copy)
        fill_from(be, index_t(rows.size()), batch_rows_.data(), out);
    }

    /// fill() from row ids already in D's memory (BatchRows::device): nothing crosses.
    void fill(const Backend<D>& be, const BatchRows& rows, MatrixView<S, D> out) const {
        detail::require_batch_shape("CompletedRowSource::fill", rows.host, this->rows(), cols(), out.rows(), out.cols());
        if (rows.host.empty()) return;
        fill_from(be, index_t(rows.host.size()), rows.device, out);
    }

private:
    void fill_from(const Backend<D>& be, index_t batch, const index_t* device_rows, MatrixView<S, D> out) const {
        const auto k = index_t(row_factors_.cols());
        if (k == 0) {
            be.fill(out, S(0));
        } else {
            gather_.resize(batch, k);
            be.for_each_index(batch * k, detail::GatherFactorRows<S, D>{row_factors_.cview(), gather_.view(), device_rows});
            be.gemm(Op::N, Op::T, S(1), gather_.cview(), col_factors_.cview(), S(0), out);
            if (clamp_) be.map(out, detail::ClampToUnit<S>{}, MatrixView<const S, D>(out));
        }
        be.for_each_index(batch, detail::SetObservedOnes<S, D>{out, device_rows, offsets_.data(), indices_.data()});
    }

public:
    /**
     * Rows `rows` of the UNCLAMPED R′ (or R′ᵀ), masked by `masked` (StochasticMasker::masked_rows
     * for the same rows), as low rank plus sparse in `out` (completion/low_rank_batch.hpp): what
     * the first encoder layer needs, without a dense |rows| × cols() batch. Clamping is ignored
     * here by construction (a clamped R′ is not low rank); the decoder's target is still fill()'s.
     * Cost: a B × k gather and O(Σ (deg + masked) · k) for S's values. Returns the view.
     * @throws ShapeError when `masked` is not for |rows| rows of cols() columns.
     */
    LowRankSparseRows<S, D> fill_low_rank(const Backend<D>& be, std::span<const index_t> rows,
                                          const MaskedRows<D>& masked, std::span<const double> masked_counts,
                                          LowRankBatch<S, D>& out) const {
        const auto batch = index_t(rows.size());
        require_shape(masked.cols == cols() && index_t(masked_counts.size()) >= masked.first_row + batch,
                      "CompletedRowSource::fill_low_rank: a mask for ", masked.cols, " columns and ",
                      masked_counts.size(), " rows, expected ", cols(), " columns and rows [", masked.first_row, ", ",
                      masked.first_row + batch, ")");
        for (index_t r : rows)
            require_argument(r >= 0 && r < this->rows(), "CompletedRowSource::fill_low_rank: row ", r,
                             " is outside [0, ", this->rows(), ")");
        const InteractionMatrix& observed = completed_->observed();
        const auto host_offsets = rows_of_ == RowsOf::Users ? observed.user_offsets() : observed.item_offsets();
        // Each row's room: its observed entries plus its masked ones (their union is no larger).
        out.host_offsets.resize(std::size_t(batch) + 1);
        offset_t total = 0;
        for (index_t b = 0; b < batch; ++b) {
            out.host_offsets[std::size_t(b)] = total;
            const index_t r = rows[std::size_t(b)];
            total += host_offsets[std::size_t(r) + 1] - host_offsets[std::size_t(r)] +
                     offset_t(masked_counts[std::size_t(masked.first_row + b)]);
        }
        out.host_offsets[std::size_t(batch)] = total;
        const auto k = index_t(row_factors_.cols());
        out.reserve(batch, k, std::max<offset_t>(total, 1));
        if (batch == 0) return out.view(col_factors_.cview());
        be.upload(out.host_offsets.data(), VectorView<offset_t, D>(out.offsets.data(), batch));
        batch_rows_.assign(be, rows);
        if (k > 0)
            be.for_each_index(batch * k, detail::GatherFactorRows<S, D>{row_factors_.cview(), out.a.view(),
                                                                        batch_rows_.data()});
        be.for_each_index(batch, detail::BuildLowRankCorrections<S, D>{
                                     out.a.cview(), col_factors_.cview(), batch_rows_.data(), offsets_.data(),
                                     indices_.data(), masked, out.offsets.data(), out.lengths.data(),
                                     out.indices.data(), out.values.data()});
        return out.view(col_factors_.cview());
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

        if (!clamp_ || f.rank() == 0) {
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
    static void copy_factors(const Backend<D>& be, const EigenRowMajor<double>& from, Matrix<S, D>& to) {
        Matrix<S, Cpu> host(index_t(from.rows()), index_t(from.cols()));
        if (host.size() > 0) eigen_map(host.view()) = from.template cast<S>();
        if constexpr (std::is_same_v<D, Cpu>) {
            (void)be;
            to = std::move(host);
        } else {
            to.resize(host.rows(), host.cols());
            if (host.size() > 0) be.upload(host.data(), to.view());
        }
    }

    const CompletedMatrix* completed_;
    RowsOf rows_of_;
    bool clamp_;
    Matrix<S, D> row_factors_;  // rows() × k
    Matrix<S, D> col_factors_;  // cols() × k
    DeviceCopy<offset_t, D> offsets_;  // R's CSR (users) or CSC (items) structure, where D's kernels read it
    DeviceCopy<index_t, D> indices_;
    mutable DeviceCopy<index_t, D> batch_rows_;
    mutable Matrix<S, D> gather_;
};

static_assert(RowSource<CompletedRowSource<float>, float, Cpu>);
static_assert(RowSource<CompletedRowSource<double>, double, Cpu>);

}  // namespace mvae
