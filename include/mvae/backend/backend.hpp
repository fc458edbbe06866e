// mvae/backend/backend.hpp — the device backend interface that every algorithm is written against.
//
// Backend<Device> is declared here and only specialised (cpu/cpu_backend.hpp, cuda/…): algorithms
// are written once as templates over a Device and call these primitives; there is no #ifdef in an
// algorithm and no run-time device switch. A backend object is cheap to create and holds the
// device's execution context (nothing on the CPU; a stream and library handles on a GPU).
//
// Every specialisation provides, for Scalar ∈ {float, double} and views of its device's memory
// (MatrixView / VectorView, see mvae/core/matrix.hpp), with shapes checked (mvae::ShapeError):
//
//   gemm(op_a, op_b, alpha, A, B, beta, C)     C ← α·op(A)·op(B) + β·C  (β = 0 ignores C's contents;
//                                              C must not alias A or B)
//   fill(X, value)                             every element of X ← value (matrix or vector)
//   copy(src, dst)                             dst ← src, same shape (matrix or vector)
//   map(out, f, in...)                         out(i, j) ← f(in(i, j)...)  (element-wise, any arity ≥ 0;
//                                              vectors likewise); `out` may alias an input
//   map_broadcast_row(out, f, in, v)           out(i, j) ← f(in(i, j), v[j])  (e.g. adding a bias)
//   map_broadcast_col(out, f, in, v)           out(i, j) ← f(in(i, j), v[i])
//   reduce_rows(out, f, in...)                 out[i] ← Σ_j f(in(i, j)...)
//   reduce_cols(out, f, in...)                 out[j] ← Σ_i f(in(i, j)...)
//   accumulate_cols(out, f, in...)             out[j] ← out[j] + Σ_i f(in(i, j)...)  (gradients summed over
//                                              the parts of a batch)
//   map_reduce_rows(out, sums, f, in...)       with (v, t) = f(in(i, j)...) (a MappedTerm): out(i, j) ← v
//                                              and sums[i] ← Σ_j t, one pass (a loss and its gradient);
//                                              `out` may alias an input
//   for_each(f, v...)                          f(v0[i], v1[i], ...) by reference, one fused pass over vectors
//   for_each_index(n, f)                       f(i) for i in [0, n) on the device, any order (a kernel launch)
//   fill_uniform(X, stream, offset)            X(i, j) ← stream.uniform(offset + i·cols + j), in (0, 1)
//   fill_normal(X, stream, offset)             X(i, j) ← stream.normal(offset + i·cols + j)
//   upload(host_ptr, dst) / download(src, host_ptr)   contiguous copies between host and device
//   synchronize()                              waits for queued work (no-op on the CPU)
//
// Functors passed to map/reduce are plain structs or lambdas marked MVAE_HOST_DEVICE where they
// must also run in CUDA kernels. Reductions are deterministic for a given thread count.
#pragma once

#include "mvae/backend/transfer_counter.hpp"
#include "mvae/core/device.hpp"

namespace mvae {

/// What a map_reduce_rows functor returns for one element: the value written to the output and
/// the term added to its row's sum.
template <class S>
struct MappedTerm {
    S value;
    S term;
};

/// The primitives of one device; see the file comment for the required members.
template <Device D>
class Backend;

}  // namespace mvae

// The host backend is always available (Eigen is a core dependency), so every algorithm header
// that includes this file can be instantiated for mvae::Cpu without further includes.
#include "mvae/backend/cpu/cpu_backend.hpp"
