// `mvae train --device cuda`: the registry's models on one GPU. Compiled by nvcc when the build has
// CUDA; train_cuda_stub.cpp stands in otherwise.
#include <cstdio>

#include "cmd_train.hpp"
#include "mvae/cuda.cuh"

namespace mvae_cli {

mvae::ModelRegistry cuda_models(bool tf32) {
    mvae::require_argument(mvae::cuda_device_count() > 0, "--device cuda: no CUDA device is visible to this process");
    mvae::CudaContext::default_context().set_tf32(tf32);
    std::fprintf(stderr, "device: %s%s\n", mvae::cuda_device_description(mvae::CudaContext::default_context().device()).c_str(),
                 tf32 ? ", TF32 GEMMs" : "");
    return mvae::builtin_models<mvae::Cuda>();
}

}  // namespace mvae_cli
