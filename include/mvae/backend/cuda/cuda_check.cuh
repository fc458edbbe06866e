// mvae/backend/cuda/cuda_check.cuh — every CUDA runtime call is checked; a failure becomes an
// mvae::Error that names the call, the error and where it happened. nvcc only.
#pragma once

#if !defined(__CUDACC__)
#error "mvae/backend/cuda/*.cuh must be compiled by nvcc (a .cu file); host-only code includes mvae/mvae.hpp"
#endif

#include <cuda_runtime.h>

#include "mvae/core/error.hpp"

namespace mvae::detail {

inline void cuda_check(cudaError_t status, const char* call, const char* file, int line) {
    if (status != cudaSuccess)
        throw Error(error_message(call, " failed at ", file, ":", line, ": ", cudaGetErrorName(status), " (",
                                  cudaGetErrorString(status), ")"));
}

}  // namespace mvae::detail

/// Checks a CUDA runtime call: MVAE_CUDA_CHECK(cudaMalloc(&p, n)).
#define MVAE_CUDA_CHECK(call) ::mvae::detail::cuda_check((call), #call, __FILE__, __LINE__)
