// `mvae train --device cuda`: the registry's models on one GPU. Compiled by nvcc when the build has
// CUDA; train_cuda_stub.cpp stands in otherwise.
#include <cstdio>

#include "cmd_train.hpp"
#include "mvae/cuda.cuh"

namespace mvae_cli {

mvae::ModelRegistry cuda_models(mvae::GemmPrecision precision) {
    mvae::require_argument(mvae::cuda_device_count() > 0, "--device cuda: no CUDA device is visible to this process");
    auto& context = mvae::CudaContext::default_context();
    context.set_precision(precision);
    std::fprintf(stderr, "device: %s, %s GEMMs\n", mvae::cuda_device_description(context.device()).c_str(),
                 mvae::to_string(precision));
    return mvae::builtin_models<mvae::Cuda>();
}

void release_devices() noexcept { mvae::CudaContext::release_default(); }

}  // namespace mvae_cli
