// mvae/completion/low_rank_batch.hpp — a masked batch of the UNCLAMPED completed matrix as low rank
// plus sparse: X̄ = A·Cᵀ + S (see nn/low_rank_input.hpp for what the first layer does with it).
//
// For the batch rows u and columns j of R′ = R's observed ones completed by a_u·c_j (no clamp):
//   X̄(u, j) = a_u·c_j                 unobserved and not masked  (the low-rank part alone)
//           = 1 = a_u·c_j + (1 − a_u·c_j)  observed and not masked
//           = 0 = a_u·c_j + (−a_u·c_j)     masked
// so S holds 1 − a_u·c_j at the observed, unmasked entries and −a_u·c_j at the masked ones: about
// deg(u) + ρ·cols entries per row. Built by one kernel launch over the rows, each merging its
// observed columns (R's CSR/CSC row, ascending) with its masked columns (StochasticMasker's
// positions, ascending), so S's rows come out sorted.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/device_copy.hpp"
#include "mvae/core/buffer.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"
#include "mvae/masking/stochastic_masker.hpp"
#include "mvae/nn/low_rank_input.hpp"

namespace mvae {

/**
 * The storage of one LowRankSparseRows: the batch rows' factors A (rows × k) and the sparse
 * corrections S in a CSR layout with room for deg(u) + c_u entries per row (the exact count is
 * in `lengths`). Buffers only grow, so a warm batch allocates nothing. CompletedRowSource::
 * fill_low_rank() fills it; view() hands it to the first layer.
 */
template <Real S, Device D>
class LowRankBatch {
public:
    /// The batch as the first layer reads it; `c` is the column factors (cols × k).
    [[nodiscard]] LowRankSparseRows<S, D> view(MatrixView<const S, D> c) const {
        return {a.cview(), c, offsets.data(), lengths.data(), indices.data(), values.data()};
    }

    /// Sizes the buffers for `rows` rows of rank k with `capacity` entries in all (grows only).
    void reserve(index_t rows, index_t k, offset_t capacity) {
        a.resize(rows, k);
        if (offsets.size() < std::size_t(rows)) offsets = Buffer<offset_t, D>(std::size_t(rows));
        if (lengths.size() < std::size_t(rows)) lengths = Buffer<index_t, D>(std::size_t(rows));
        if (indices.size() < std::size_t(capacity)) {
            indices = Buffer<index_t, D>(std::size_t(capacity));
            values = Buffer<S, D>(std::size_t(capacity));
        }
    }

    Matrix<S, D> a;                 ///< the batch rows' factors
    Buffer<offset_t, D> offsets;    ///< where each row's entries start
    Buffer<index_t, D> lengths;     ///< how many entries each row has
    Buffer<index_t, D> indices;     ///< their columns, ascending within a row
    Buffer<S, D> values;            ///< their values
    std::vector<offset_t> host_offsets;  ///< offsets, built on the host
};

namespace detail {

/// Row b of S: the merge of row rows[b]'s observed columns and the part's row b's masked columns.
template <Real S, Device D>
struct BuildLowRankCorrections {
    MatrixView<const S, D> a;          ///< the batch rows' factors (gathered)
    MatrixView<const S, D> c;          ///< the column factors
    const index_t* rows;               ///< the batch's row ids
    const offset_t* observed_offsets;  ///< R's CSR (users) or CSC (items) structure
    const index_t* observed_indices;
    MaskedRows<D> masked;
    const offset_t* offsets;
    index_t* lengths;
    index_t* indices;
    S* values;

    MVAE_HOST_DEVICE S dot(index_t b, index_t j) const {
        const S* x = a.row(b);
        const S* y = c.row(j);
        const index_t k = a.cols();
        S sum = S(0);
        MVAE_SIMD_REDUCTION(+ : sum)
        for (index_t t = 0; t < k; ++t) sum += x[t] * y[t];
        return sum;
    }

    MVAE_HOST_DEVICE void operator()(index_t b) const {
        const index_t r = rows[b];
        offset_t next = observed_offsets[r];
        const offset_t last = observed_offsets[r + 1];
        offset_t out = offsets[b];
        // Observed columns before `limit` (not masked): 1 − a·c.
        auto flush_observed_below = [&](index_t limit) {
            for (; next < last && observed_indices[next] < limit; ++next, ++out) {
                indices[out] = observed_indices[next];
                values[out] = S(1) - dot(b, observed_indices[next]);
            }
        };
        masked.for_each(b, [&](index_t j) {
            flush_observed_below(j);
            if (next < last && observed_indices[next] == j) ++next;  // observed but masked: 0 all the same
            indices[out] = j;
            values[out] = -dot(b, j);
            ++out;
        });
        flush_observed_below(masked.cols);
        lengths[b] = index_t(out - offsets[b]);
    }
};

}  // namespace detail

/// A row source that can also hand out masked batches as low rank plus sparse
/// (CompletedRowSource::fill_low_rank), for VaeTrainOptions::low_rank_input.
template <class Src, class S, class D>
concept LowRankRowSource = requires(const Src& src, const Backend<D>& be, std::span<const index_t> rows,
                                    const MaskedRows<D>& masked, std::span<const double> counts,
                                    LowRankBatch<S, D>& out) {
    { src.fill_low_rank(be, rows, masked, counts, out) } -> std::same_as<LowRankSparseRows<S, D>>;
};

}  // namespace mvae
