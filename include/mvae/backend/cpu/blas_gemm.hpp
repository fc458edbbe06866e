// mvae/backend/cpu/blas_gemm.hpp — Backend<Cpu>'s GEMM through a BLAS library (sgemm_/dgemm_).
//
// Which path Backend<Cpu>::gemm takes is fixed at compile time: Eigen's own product by default,
// or the Fortran BLAS symbols when MVAE_USE_BLAS is defined (CMake: -DMVAE_CPU_GEMM=OpenBLAS,
// which defines it on mvae::mvae and links the library). Why a BLAS: OpenBLAS's sgemm is ≈ 5–10 %
// faster than Eigen's on the MVAE shapes on AVX-512, and with β = 0 it writes C without reading it,
// where Eigen's product first zeroes the B × n output (docs/performance.md has the measurements).
// The BLAS is used single-threaded; Backend<Cpu>::gemm gives each OpenMP thread a block of C.
// The declarations are the reference BLAS interface, so no BLAS header is needed.
#pragma once

#include <algorithm>
#include <type_traits>

#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"

#if defined(MVAE_USE_BLAS)
extern "C" {
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c, const int* ldc);
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* b, const int* ldb, const double* beta, double* c,
            const int* ldc);
#if defined(MVAE_USE_OPENBLAS)
void openblas_set_num_threads(int threads);
#endif
}
#endif

namespace mvae::detail {

/// Whether Backend<Cpu>::gemm calls the BLAS (true) or Eigen's product (false).
inline constexpr bool cpu_gemm_uses_blas =
#if defined(MVAE_USE_BLAS)
    true;
#else
    false;
#endif

/// The name of the GEMM path, for reports: "eigen", "openblas" or "blas".
[[nodiscard]] inline const char* cpu_gemm_name() noexcept {
#if defined(MVAE_USE_OPENBLAS)
    return "openblas";
#elif defined(MVAE_USE_BLAS)
    return "blas";
#else
    return "eigen";
#endif
}

/// C ← α·op(A)·op(B) + β·C for row-major views with row strides, as the column-major BLAS sees
/// them: a row-major X is Xᵀ column-major with the same leading dimension, so C = op(A)·op(B) is
/// computed as Cᵀ = op(B)ᵀ·op(A)ᵀ, swapping the operands and keeping their transpose flags.
/// Shapes were checked by the caller; m, n, k ≥ 1.
template <class S>
void blas_gemm([[maybe_unused]] bool trans_a, [[maybe_unused]] bool trans_b, [[maybe_unused]] index_t m,
               [[maybe_unused]] index_t n, [[maybe_unused]] index_t k, [[maybe_unused]] S alpha,
               [[maybe_unused]] MatrixView<const S, Cpu> a, [[maybe_unused]] MatrixView<const S, Cpu> b,
               [[maybe_unused]] S beta, [[maybe_unused]] MatrixView<S, Cpu> c) {
#if defined(MVAE_USE_BLAS)
#if defined(MVAE_USE_OPENBLAS)
    // The BLAS runs on the calling thread only: Backend<Cpu>::gemm splits a product across the
    // OpenMP threads itself, so BLAS threads never compete with OpenMP threads for the cores.
    [[maybe_unused]] static const bool single_threaded = (openblas_set_num_threads(1), true);
#endif
    const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
    const int im = int(m), in = int(n), ik = int(k);
    // A leading dimension is at least 1 and at least the stored row length.
    const int lda = int(a.rows() <= 1 ? std::max<index_t>(a.cols(), 1) : a.stride());
    const int ldb = int(b.rows() <= 1 ? std::max<index_t>(b.cols(), 1) : b.stride());
    const int ldc = int(c.rows() <= 1 ? std::max<index_t>(c.cols(), 1) : c.stride());
    if constexpr (std::is_same_v<S, float>)
        sgemm_(&tb, &ta, &in, &im, &ik, &alpha, b.data(), &ldb, a.data(), &lda, &beta, c.data(), &ldc);
    else
        dgemm_(&tb, &ta, &in, &im, &ik, &alpha, b.data(), &ldb, a.data(), &lda, &beta, c.data(), &ldc);
#endif
}

}  // namespace mvae::detail
