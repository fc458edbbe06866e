// `mvae train --device cuda` in a build without CUDA: a clear error instead of a missing symbol.
#include "cmd_train.hpp"

namespace mvae_cli {

mvae::ModelRegistry cuda_models(mvae::GemmPrecision /*precision*/, int /*local_rank*/) {
    throw mvae::ArgumentError(
        "--device cuda: this mvae was built without CUDA (configure with -DMVAE_ENABLE_CUDA=ON on a machine with nvcc)");
}

std::shared_ptr<const mvae::Communicator> gpu_communicator(std::shared_ptr<const mvae::Communicator> host) {
    return host;
}

void release_devices() noexcept {}

}  // namespace mvae_cli
