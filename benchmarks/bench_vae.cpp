// One VAE training step (forward, backward, Adam) and one masking pass, on Yelp's shapes: the
// uVAE sees batches of 1500 users over 9,244 items, the iVAE batches of 1500 items over 12,704
// users; hidden 320, latent 80.
//
//   build/.../benchmarks/mvae_bench_vae --benchmark_filter=yelp
// Counters (rates over wall-clock time: the work runs on OpenMP threads):
//   BM_vae_step: items/s = batch rows; GFLOP/s = the step's GEMMs, 2 FLOPs per multiply-add: the
//     7 Dense layers' forward X·W (F = 2·in·h1 + 2·h1·h2 + 3·h2·latent multiply-adds per row),
//     weight gradients Xᵀ·δ (F again) and input gradients δ·Wᵀ (F less the first layer's in·h1,
//     which needs none): 2·B·(3F − in·h1). Element-wise passes and Adam are not counted.
//   BM_mask: items/s = batch entries (the masker does no floating-point arithmetic: no GFLOP/s).
#include <benchmark/benchmark.h>

#include "mvae/masking/stochastic_masker.hpp"
#include "mvae/model/variational_autoencoder.hpp"
#include "mvae/optim/adam.hpp"

namespace {

using mvae::Cpu;
using mvae::index_t;

double step_flops(const mvae::VaeConfig& c, index_t batch) {
    const double n = c.input_dim, h1 = c.hidden1, h2 = c.hidden2, latent = c.latent;
    const double forward = 2 * n * h1 + 2 * h1 * h2 + 3 * h2 * latent;  // multiply-adds per row
    return 2.0 * double(batch) * (3 * forward - n * h1);                 // + backward, less the first layer's δ·Wᵀ
}

void BM_vae_step(benchmark::State& state) {
    mvae::VaeConfig c;
    c.input_dim = index_t(state.range(0));
    const auto batch = index_t(state.range(1));
    if (state.range(2) != 0) c.hidden1 = c.hidden2 = index_t(state.range(2)), c.latent = 8;
    mvae::VariationalAutoencoder<float, Cpu> vae(c);
    vae.reserve(batch);
    mvae::Adam<float, Cpu> adam(vae.parameters().size());
    const mvae::Backend<Cpu> be;
    mvae::Matrix<float, Cpu> x(batch, c.input_dim), noise(batch, c.latent);
    be.fill_uniform(x.view(), mvae::RandomStream(1, 1));
    be.map(x.view(), [](float u) { return u < 0.003f ? 1.0f : 0.0f; }, x.cview());
    vae.draw_noise(noise.view(), mvae::RandomStream(1, 2));
    for (auto _ : state) {
        auto loss = vae.forward_backward(x.cview(), x.cview(), noise.cview());
        adam.step(be, vae.parameters().values(), vae.parameters().grads());
        benchmark::DoNotOptimize(loss.total);
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * batch);
    state.counters["GFLOP/s"] =
        benchmark::Counter(step_flops(c, batch) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_mask(benchmark::State& state) {
    const auto rows = index_t(state.range(0)), cols = index_t(state.range(1));
    mvae::Matrix<float, Cpu> x(rows, cols);
    const mvae::Backend<Cpu> be;
    be.fill(x.view(), 1.0f);
    mvae::StochasticMasker<float, Cpu> masker(0.04, 3);
    std::uint64_t key = 0;
    for (auto _ : state) {
        masker.apply(be, x.view(), key++);
        benchmark::DoNotOptimize(x.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * rows * cols);
}

BENCHMARK(BM_vae_step)->Name("BM_vae_step/yelp_uvae")->Args({9244, 1500, 0})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_vae_step)->Name("BM_vae_step/yelp_ivae")->Args({12704, 1500, 0})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mask)->Name("BM_mask/yelp")->Args({1500, 9244})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mask)->Name("BM_mask/yelp_ivae")->Args({1500, 12704})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_vae_step)->Name("BM_vae_step/tiny")->Args({64, 16, 16})->UseRealTime();
BENCHMARK(BM_mask)->Name("BM_mask/tiny")->Args({16, 64})->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
