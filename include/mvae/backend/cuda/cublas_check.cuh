// mvae/backend/cuda/cublas_check.cuh — every cuBLAS call is checked like the runtime's: a failure
// becomes an mvae::Error naming the call, the status and where it happened. nvcc only.
#pragma once

#include <cublas_v2.h>

#include "mvae/backend/cuda/cuda_check.cuh"

namespace mvae::detail {

inline void cublas_check(cublasStatus_t status, const char* call, const char* file, int line) {
    if (status != CUBLAS_STATUS_SUCCESS)
        throw Error(error_message(call, " failed at ", file, ":", line, ": ", cublasGetStatusName(status), " (",
                                  cublasGetStatusString(status), ")"));
}

}  // namespace mvae::detail

/// Checks a cuBLAS call: MVAE_CUBLAS_CHECK(cublasSgemm(...)).
#define MVAE_CUBLAS_CHECK(call) ::mvae::detail::cublas_check((call), #call, __FILE__, __LINE__)
