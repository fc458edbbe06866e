// `mvae train --device cuda`: the registry's models on one GPU. Compiled by nvcc when the build has
// CUDA; train_cuda_stub.cpp stands in otherwise.
#include <cstdio>

#include "cmd_train.hpp"
#include "mvae/cuda.cuh"
#ifdef MVAE_CLI_WITH_NCCL
#include "mvae/backend/cuda/nccl_communicator.cuh"
#endif

namespace mvae_cli {

mvae::ModelRegistry cuda_models(mvae::GemmPrecision precision, int local_rank) {
    const int devices = mvae::cuda_device_count();
    mvae::require_argument(devices > 0, "--device cuda: no CUDA device is visible to this process");
    // One GPU per rank: before the default context exists, so that it is created on that GPU.
    if (local_rank >= 0) MVAE_CUDA_CHECK(cudaSetDevice(local_rank % devices));
    auto& context = mvae::CudaContext::default_context();
    context.set_precision(precision);
    std::fprintf(stderr, "device: %s, %s GEMMs\n", mvae::cuda_device_description(context.device()).c_str(),
                 mvae::to_string(precision));
    return mvae::builtin_models<mvae::Cuda>();
}

std::shared_ptr<const mvae::Communicator> gpu_communicator(std::shared_ptr<const mvae::Communicator> host) {
#ifdef MVAE_CLI_WITH_NCCL
    return std::make_shared<mvae::NcclCommunicator>(std::move(host), mvae::CudaContext::default_context().device());
#else
    return host;
#endif
}

void release_devices() noexcept { mvae::CudaContext::release_default(); }

}  // namespace mvae_cli
