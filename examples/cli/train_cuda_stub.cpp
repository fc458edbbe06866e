// `mvae train --device cuda` in a build without CUDA: a clear error instead of a missing symbol.
#include "train_mvae.hpp"

namespace mvae_cli {

void run_train_mvae_cuda(const TrainArgs&, const mvae::SplitData&, const mvae::EvalOptions&) {
    throw mvae::ArgumentError(
        "--device cuda: this mvae was built without CUDA (configure with -DMVAE_ENABLE_CUDA=ON on a machine with nvcc)");
}

}  // namespace mvae_cli
