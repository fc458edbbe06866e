// mvae/core/macros.hpp — the one host/device annotation, for functors shared by CPU loops and CUDA
// kernels. It is the only place the library looks at __CUDACC__ outside the CUDA backend.
#pragma once

#if defined(__CUDACC__)
#define MVAE_HOST_DEVICE __host__ __device__
#else
#define MVAE_HOST_DEVICE
#endif

#define MVAE_FORCE_INLINE inline __attribute__((always_inline))
