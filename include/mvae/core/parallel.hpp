// mvae/core/parallel.hpp — the thread count and a deterministic parallel loop for host code.
//
// The only header that looks at OpenMP. Work is split into contiguous static chunks, and every
// algorithm that reduces across threads writes per-index partial results first and sums them in
// index order, so results depend on the seed and on nothing else.
#pragma once

#include <algorithm>

#include <Eigen/Core>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace mvae {

/// The number of threads host kernels use (OpenMP's, or 1 without OpenMP).
[[nodiscard]] inline int num_threads() noexcept {
#if defined(_OPENMP)
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/// Sets the threads used by host kernels and by the products (Eigen's, or the BLAS's, which
/// Backend<Cpu>::gemm splits across these threads). `threads` must be ≥ 1.
inline void set_num_threads(int threads) {
    require_argument(threads >= 1, "threads must be at least 1, got ", threads);
#if defined(_OPENMP)
    omp_set_num_threads(threads);
#endif
    Eigen::setNbThreads(threads);
}

/// Calls f(i) for every i in [begin, end), in parallel over static contiguous chunks.
/// f must not throw (exceptions cannot cross an OpenMP region): collect errors and report after.
template <class F>
void parallel_for(index_t begin, index_t end, F&& f) {
#if defined(_OPENMP)
    if (end - begin > 1 && num_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(static)
        for (index_t i = begin; i < end; ++i) f(i);
        return;
    }
#endif
    for (index_t i = begin; i < end; ++i) f(i);
}

/// Like parallel_for, but with dynamic scheduling in chunks of `grain`, for uneven work per index.
template <class F>
void parallel_for_dynamic(index_t begin, index_t end, index_t grain, F&& f) {
#if defined(_OPENMP)
    if (end - begin > 1 && num_threads() > 1 && !omp_in_parallel()) {
        grain = std::max<index_t>(grain, 1);
#pragma omp parallel for schedule(dynamic, grain)
        for (index_t i = begin; i < end; ++i) f(i);
        return;
    }
#endif
    (void)grain;
    for (index_t i = begin; i < end; ++i) f(i);
}

}  // namespace mvae
