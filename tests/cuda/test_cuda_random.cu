// The counter-based stream draws the same numbers in a CUDA kernel as on the host.
#include <catch2/catch.hpp>

#include <vector>

#include "mvae/backend/cuda/cuda_check.cuh"
#include "mvae/random/random_stream.hpp"

namespace {

template <class S>
__global__ void draw_normals(mvae::RandomStream stream, S* out, int n) {
    const int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k < n) out[k] = stream.normal<S>(static_cast<std::uint64_t>(k));
}

}  // namespace

TEMPLATE_TEST_CASE("RandomStream gives the host's numbers on the GPU", "[cuda][random]", float, double) {
    using S = TestType;
    constexpr int n = 4099;
    const mvae::RandomStream stream(2024, mvae::stream_id(1, 2));
    S* device = nullptr;
    MVAE_CUDA_CHECK(cudaMalloc(&device, n * sizeof(S)));
    draw_normals<S><<<(n + 255) / 256, 256>>>(stream, device, n);
    MVAE_CUDA_CHECK(cudaGetLastError());
    std::vector<S> host(n);
    MVAE_CUDA_CHECK(cudaMemcpy(host.data(), device, n * sizeof(S), cudaMemcpyDeviceToHost));
    MVAE_CUDA_CHECK(cudaFree(device));
    double norm = 0;
    for (int k = 0; k < n; ++k) {
        norm += double(host[k]) * double(host[k]);
        // sqrt/log/sin/cos may differ in the last ulps between host libm and CUDA's.
        REQUIRE(double(host[k]) == Approx(double(stream.normal<S>(std::uint64_t(k)))).margin(1e-5));
    }
    REQUIRE(norm > 0.5 * n);  // non-trivial data
}
