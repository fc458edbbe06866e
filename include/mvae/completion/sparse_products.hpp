// mvae/completion/sparse_products.hpp — products of the sparse 0/1 matrix R with dense host matrices.
//
// The matrix completers touch R only through Y = R·X and Z = Rᵀ·Y, so R is never dense. Every
// stored entry counts as 1 (interaction counts are ignored: the models see R as 0/1). The dense
// operands are Eigen row-major matrices (mvae::EigenRowMajor), the host type of all completion
// code: a row of X is contiguous, and row u of R·X is the sum of the rows of X at u's items.
//
// Each output row is summed by one thread in the stored (ascending) order of its entries, and the
// threads split the output rows, so the results are bit-identical for any thread count.
#pragma once

#include <cstddef>
#include <span>

#include <Eigen/Core>

#include "mvae/backend/cpu/eigen_map.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

namespace detail {

/// The Eigen type of a row-major host matrix of S, spelled out so that S is deducible
/// (it is mvae::EigenRowMajor<S>).
template <class S>
using RowMajorOf = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// out.row(r) ← Σ_{e ∈ [offsets[r], offsets[r+1])} x.row(indices[e]) for every r: the product of
/// the 0/1 pattern (offsets, indices) with x. out must already have the right shape and must not
/// be x.
template <class S>
void sum_rows_by_pattern(std::span<const offset_t> offsets, std::span<const index_t> indices, const RowMajorOf<S>& x,
                         RowMajorOf<S>& out) {
    const auto n = index_t(offsets.size()) - 1;
    parallel_for(0, n, [&](index_t r) {
        auto row = out.row(r);
        row.setZero();
        const offset_t end = offsets[std::size_t(r) + 1];
        for (offset_t e = offsets[std::size_t(r)]; e < end; ++e) row += x.row(indices[std::size_t(e)]);
    });
}

}  // namespace detail

/**
 * y ← R·x: (n_users × n_items) times (n_items × l), through R's rows (CSR).
 *
 * @param r the 0/1 matrix R (counts ignored).
 * @param x n_items × l.
 * @param y resized to n_users × l; must not be the same object as x.
 * Throws ShapeError when x does not have n_items rows, ArgumentError when y is x.
 */
template <Real S>
void sparse_multiply(const InteractionMatrix& r, const detail::RowMajorOf<S>& x, detail::RowMajorOf<S>& y) {
    require_shape(x.rows() == r.n_items(), "sparse_multiply: R is ", r.n_users(), " x ", r.n_items(), ", X is ",
                  x.rows(), " x ", x.cols());
    require_argument(&x != &y, "sparse_multiply: the output must not be the input");
    y.resize(r.n_users(), x.cols());
    detail::sum_rows_by_pattern<S>(r.user_offsets(), r.user_items(), x, y);
}

/// R·x as a new n_users × l matrix (see the in-place overload).
template <Real S>
[[nodiscard]] detail::RowMajorOf<S> sparse_multiply(const InteractionMatrix& r, const detail::RowMajorOf<S>& x) {
    detail::RowMajorOf<S> y;
    sparse_multiply<S>(r, x, y);
    return y;
}

/**
 * z ← Rᵀ·y: (n_items × n_users) times (n_users × l), through R's columns (CSC), so no transpose
 * is formed.
 *
 * @param r the 0/1 matrix R (counts ignored).
 * @param y n_users × l.
 * @param z resized to n_items × l; must not be the same object as y.
 * Throws ShapeError when y does not have n_users rows, ArgumentError when z is y.
 */
template <Real S>
void sparse_multiply_transposed(const InteractionMatrix& r, const detail::RowMajorOf<S>& y, detail::RowMajorOf<S>& z) {
    require_shape(y.rows() == r.n_users(), "sparse_multiply_transposed: Rᵀ is ", r.n_items(), " x ", r.n_users(),
                  ", Y is ", y.rows(), " x ", y.cols());
    require_argument(&y != &z, "sparse_multiply_transposed: the output must not be the input");
    z.resize(r.n_items(), y.cols());
    detail::sum_rows_by_pattern<S>(r.item_offsets(), r.item_users(), y, z);
}

/// Rᵀ·y as a new n_items × l matrix (see the in-place overload).
template <Real S>
[[nodiscard]] detail::RowMajorOf<S> sparse_multiply_transposed(const InteractionMatrix& r, const detail::RowMajorOf<S>& y) {
    detail::RowMajorOf<S> z;
    sparse_multiply_transposed<S>(r, y, z);
    return z;
}

}  // namespace mvae
