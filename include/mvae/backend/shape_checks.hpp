// mvae/backend/shape_checks.hpp — the shape preconditions every backend checks before launching
// work, with the same messages on every device.
#pragma once

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"

namespace mvae::detail {

/// Throws ShapeError "OP: shapes differ, R x C vs R' x C'" unless a and b have the same shape.
template <class A, class B>
void require_same_shape(const char* op, const A& a, const B& b) {
    require_shape(a.rows() == b.rows() && a.cols() == b.cols(), op, ": shapes differ, ", a.rows(), " x ", a.cols(),
                  " vs ", b.rows(), " x ", b.cols());
}

/// Throws ShapeError unless op(A)·op(B) and C conform; returns {m, n, k} of C (m × n) = op(A) (m × k) · op(B).
template <class A, class B, class C>
void require_gemm_shapes(Op op_a, Op op_b, const A& a, const B& b, const C& c, index_t& m, index_t& n, index_t& k) {
    m = op_a == Op::N ? a.rows() : a.cols();
    k = op_a == Op::N ? a.cols() : a.rows();
    const index_t kb = op_b == Op::N ? b.rows() : b.cols();
    n = op_b == Op::N ? b.cols() : b.rows();
    require_shape(k == kb && c.rows() == m && c.cols() == n, "gemm: op(A) is ", m, " x ", k, ", op(B) is ", kb, " x ",
                  n, ", C is ", c.rows(), " x ", c.cols());
}

}  // namespace mvae::detail
