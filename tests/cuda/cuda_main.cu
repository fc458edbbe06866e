// Catch2 main of the GPU tests: without a usable GPU, running reports "skipped" (exit MVAE_SKIP_CODE);
// listing (ctest's discovery) always works so the tests are known to ctest either way.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include "mvae/backend/cuda/cuda_context.cuh"
#include "mvae/backend/cuda/device_info.cuh"

int main(int argc, char* argv[]) {
    bool listing = false;
    for (int i = 1; i < argc; ++i) listing = listing || std::strncmp(argv[i], "--list", 6) == 0;
    if (!listing) {
        if (mvae::cuda_device_count() == 0) {
            std::printf("skipped: no CUDA device\n");
            return MVAE_SKIP_CODE;
        }
        std::printf("GPU: %s\n", mvae::cuda_device_description(0).c_str());
    }
    const int failed = Catch::Session().run(argc, argv);
    // Every device allocation is returned before exit: compute-sanitizer's leak check reports none.
    mvae::CudaContext::release_default();
    return failed;
}
