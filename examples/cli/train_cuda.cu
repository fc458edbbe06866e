// `mvae train --device cuda`: the training loop of train_mvae.hpp instantiated for one GPU.
// Compiled by nvcc when the build has CUDA; train_cuda_stub.cpp stands in otherwise.
#include "train_mvae.hpp"

#include "mvae/cuda.cuh"

namespace mvae_cli {

void run_train_mvae_cuda(const TrainArgs& args, const mvae::SplitData& data, const mvae::EvalOptions& eval_options) {
    mvae::require_argument(mvae::cuda_device_count() > 0, "--device cuda: no CUDA device is visible to this process");
    mvae::CudaContext::default_context().set_tf32(args.tf32);
    std::fprintf(stderr, "device: %s%s\n", mvae::cuda_device_description(mvae::CudaContext::default_context().device()).c_str(),
                 args.tf32 ? ", TF32 GEMMs" : "");
    run_train_mvae<mvae::Cuda>(args, data, eval_options);
}

}  // namespace mvae_cli
