// mvae/nn/low_rank_input.hpp — a batch input held as low rank plus sparse, X̄ = A·Cᵀ + S, and the
// two products of the first encoder layer with it.
//
// Why: without clamping, a masked batch of the completed matrix is exactly low rank plus sparse —
// A = the batch rows' factors (n × k), C = the column factors (cols × k), and S the corrections at
// the observed entries (1 − a·c) and at the masked ones (−a·c). The first layer's forward X̄·W and
// its weight gradient X̄ᵀ·δ are then
//   X̄·W  = A·(Cᵀ·W) + S·W             (2·k·cols·h + 2·n·k·h + 2·nnz·h flops)
//   X̄ᵀ·δ = C·(Aᵀ·δ) + Sᵀ·δ            (the same)
// instead of two dense GEMMs of 2·n·cols·h flops each: at k = 50, ρ = 4 % and n = 1500 about a
// twelfth of the work, and no dense n × cols input. docs/backprop.md has the derivation.
#pragma once

#include <algorithm>

#include "mvae/backend/backend.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/**
 * A view of X̄ = A·Cᵀ + S (n × cols). Row r of S has lengths[r] entries starting at offsets[r],
 * with columns `indices` strictly ascending and values `values`; all pointers are device memory.
 * The view owns nothing (completion/low_rank_batch.hpp builds and holds one).
 */
template <Real S, Device D>
struct LowRankSparseRows {
    MatrixView<const S, D> a;            ///< n × k
    MatrixView<const S, D> c;            ///< cols × k (k may be 0: X̄ = S)
    const offset_t* offsets = nullptr;   ///< n entries: where row r's entries start
    const index_t* lengths = nullptr;    ///< n entries: how many row r has
    const index_t* indices = nullptr;
    const S* values = nullptr;

    [[nodiscard]] index_t rows() const noexcept { return a.rows(); }
    [[nodiscard]] index_t cols() const noexcept { return c.rows(); }
    [[nodiscard]] index_t rank() const noexcept { return a.cols(); }
};

namespace detail {

// The sparse products are gathers and scatters of whole rows (h = 320 floats) at ≈ ρ·cols random
// columns per batch row: memory-bound. Both kernels therefore work on tiles of row_group rows ×
// col_block columns, so that the W (or dW) rows of a column block and the y (or δ) rows of a row
// group stay in a core's L2 cache while the tile's entries reuse them (≈ row_group · ρ uses of each
// W row per load instead of one). Each output row still sums its terms in a fixed order.
inline constexpr index_t low_rank_row_group = 256;
inline constexpr index_t low_rank_col_block = 256;

/// y(r, :) += Σ_e values[e] · W(indices[e], :) for the rows r of one group; one call per group.
template <Real S, Device D>
struct SparseRowsTimesDense {
    LowRankSparseRows<S, D> x;  ///< S's rows (offsets, lengths, indices, values) are what is read
    MatrixView<const S, D> w;
    MatrixView<S, D> y;

    MVAE_HOST_DEVICE void operator()(index_t g) const {
        const offset_t* offsets = x.offsets;
        const index_t* lengths = x.lengths;
        const index_t* indices = x.indices;
        const S* values = x.values;
        const index_t r0 = g * low_rank_row_group;
        const index_t r1 = r0 + low_rank_row_group < y.rows() ? r0 + low_rank_row_group : y.rows();
        const index_t h = y.cols();
        offset_t cursor[low_rank_row_group];  // each row's next entry (columns ascend)
        for (index_t r = r0; r < r1; ++r) cursor[r - r0] = offsets[r];
        for (index_t j1 = low_rank_col_block; j1 - low_rank_col_block < w.rows(); j1 += low_rank_col_block) {
            for (index_t r = r0; r < r1; ++r) {
                S* out = y.row(r);
                offset_t e = cursor[r - r0];
                const offset_t end = offsets[r] + lengths[r];
                for (; e < end && indices[e] < j1; ++e) {
                    const S v = values[e];
                    const S* wr = w.row(indices[e]);
                    MVAE_SIMD
                    for (index_t j = 0; j < h; ++j) out[j] += v * wr[j];
                }
                cursor[r - r0] = e;
            }
        }
    }
};

/// dW(j, :) += Σ_{entries (r, j) of S} value · δ(r, :) for the columns j of one block; one call
/// per block, rows visited in order, so each dW row sums in a fixed order.
template <Real S, Device D>
struct SparseRowsTransposeTimesDense {
    LowRankSparseRows<S, D> x;
    MatrixView<const S, D> delta;
    MatrixView<S, D> dw;

    MVAE_HOST_DEVICE void operator()(index_t b) const {
        const offset_t* offsets = x.offsets;
        const index_t* lengths = x.lengths;
        const index_t* indices = x.indices;
        const S* values = x.values;
        const index_t j0 = b * low_rank_col_block;
        const index_t j1 = j0 + low_rank_col_block < dw.rows() ? j0 + low_rank_col_block : dw.rows();
        const index_t h = dw.cols();
        for (index_t r = 0; r < delta.rows(); ++r) {
            // The first entry of row r at a column ≥ j0 (binary search: columns ascend).
            offset_t lo = offsets[r], hi = offsets[r] + lengths[r];
            while (lo < hi) {
                const offset_t mid = lo + (hi - lo) / 2;
                if (indices[mid] < j0) lo = mid + 1;
                else hi = mid;
            }
            const S* d = delta.row(r);
            for (offset_t e = lo; e < offsets[r] + lengths[r] && indices[e] < j1; ++e) {
                const S v = values[e];
                S* out = dw.row(indices[e]);
                MVAE_SIMD
                for (index_t j = 0; j < h; ++j) out[j] += v * d[j];
            }
        }
    }
};

template <Real S, Device D>
void require_low_rank_shapes(const char* op, const LowRankSparseRows<S, D>& x) {
    require_shape(x.c.cols() == x.a.cols(), op, ": the row factors have rank ", x.a.cols(),
                  ", the column factors ", x.c.cols());
}

}  // namespace detail

/// y ← X̄·W = A·(Cᵀ·W) + S·W. W: cols × h, y: n × h, scratch: k × h (a workspace).
template <Real S, Device D>
void low_rank_times(const Backend<D>& be, const LowRankSparseRows<S, D>& x, MatrixView<const S, D> w,
                    MatrixView<S, D> y, MatrixView<S, D> scratch) {
    detail::require_low_rank_shapes("low_rank_times", x);
    require_shape(w.rows() == x.cols() && y.rows() == x.rows() && y.cols() == w.cols(), "low_rank_times: X̄ is ",
                  x.rows(), " x ", x.cols(), ", W ", w.rows(), " x ", w.cols(), ", y ", y.rows(), " x ", y.cols());
    if (x.rank() > 0) {
        be.gemm(Op::T, Op::N, S(1), x.c, w, S(0), scratch);                            // Cᵀ·W: k × h
        be.gemm(Op::N, Op::N, S(1), x.a, MatrixView<const S, D>(scratch), S(0), y);   // A·(Cᵀ·W)
    } else {
        be.fill(y, S(0));
    }
    be.for_each_index((x.rows() + detail::low_rank_row_group - 1) / detail::low_rank_row_group,
                      detail::SparseRowsTimesDense<S, D>{x, w, y});
}

/// dW ← X̄ᵀ·δ = C·(Aᵀ·δ) + Sᵀ·δ, or dW += X̄ᵀ·δ when `accumulate`. δ: n × h, dW: cols × h,
/// scratch: k × h.
template <Real S, Device D>
void low_rank_transpose_times(const Backend<D>& be, const LowRankSparseRows<S, D>& x, MatrixView<const S, D> delta,
                              MatrixView<S, D> dw, bool accumulate, MatrixView<S, D> scratch) {
    detail::require_low_rank_shapes("low_rank_transpose_times", x);
    require_shape(delta.rows() == x.rows() && dw.rows() == x.cols() && dw.cols() == delta.cols(),
                  "low_rank_transpose_times: X̄ is ", x.rows(), " x ", x.cols(), ", δ ", delta.rows(), " x ",
                  delta.cols(), ", dW ", dw.rows(), " x ", dw.cols());
    if (x.rank() > 0) {
        be.gemm(Op::T, Op::N, S(1), x.a, delta, S(0), scratch);                                       // Aᵀ·δ: k × h
        be.gemm(Op::N, Op::N, S(1), x.c, MatrixView<const S, D>(scratch), accumulate ? S(1) : S(0), dw);
    } else if (!accumulate) {
        be.fill(dw, S(0));
    }
    be.for_each_index((x.cols() + detail::low_rank_col_block - 1) / detail::low_rank_col_block,
                      detail::SparseRowsTransposeTimesDense<S, D>{x, delta, dw});
}

}  // namespace mvae
