// mvae/backend/cuda/device_info.cuh — how many GPUs this process sees, and what they are. nvcc only.
#pragma once

#include <string>

#include "mvae/backend/cuda/cuda_check.cuh"

namespace mvae {

/// The number of usable CUDA devices; 0 when there is no driver or no device (never throws for that).
[[nodiscard]] inline int cuda_device_count() noexcept {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        (void)cudaGetLastError();  // clear the sticky "no device" status
        return 0;
    }
    return count;
}

/// "NAME (sm_XY, N MiB)" of device `device`.
[[nodiscard]] inline std::string cuda_device_description(int device) {
    cudaDeviceProp prop{};
    MVAE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    return detail::error_message(prop.name, " (sm_", prop.major, prop.minor, ", ", prop.totalGlobalMem >> 20, " MiB)");
}

}  // namespace mvae
