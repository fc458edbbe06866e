// mvae/core/macros.hpp — the one host/device annotation, for functors shared by CPU loops and CUDA
// kernels. It is the only place the library looks at __CUDACC__ outside the CUDA backend.
#pragma once

#if defined(__CUDACC__)
#define MVAE_HOST_DEVICE __host__ __device__
#else
#define MVAE_HOST_DEVICE
#endif

#define MVAE_FORCE_INLINE inline __attribute__((always_inline))

// A loop whose iterations are independent and may run in SIMD lanes (OpenMP's simd construct when
// OpenMP is on; GCC's ivdep hint otherwise). The reduction form sums `acc` per lane, then the
// lanes: a fixed order for a given build, whatever the thread count.
#if defined(_OPENMP)
#define MVAE_SIMD _Pragma("omp simd")
#define MVAE_SIMD_REDUCTION(...) _Pragma(MVAE_STRINGIFY(omp simd reduction(__VA_ARGS__)))
#else
#define MVAE_SIMD _Pragma("GCC ivdep")
#define MVAE_SIMD_REDUCTION(...) _Pragma("GCC ivdep")
#endif
#define MVAE_STRINGIFY(x) #x
