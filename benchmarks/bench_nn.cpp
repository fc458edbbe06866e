// The neural-network pieces of a VAE step on their own, on Yelp's shapes (batches of 1500 rows;
// the uVAE's layers span 9,244 items, the iVAE's 12,704 users; hidden 320): one Dense layer's
// forward and backward (mvae/nn/dense.hpp), and the fused BCE loss-and-gradient pass over the
// logits (mvae/nn/bce_with_logits.hpp). Each has a tiny variant that CI runs once as a smoke test.
//
//   build/.../benchmarks/mvae_bench_nn --benchmark_filter=yelp
// Counters (rates over wall-clock time: the work runs on OpenMP threads):
//   Dense: items/s = batch rows; GFLOP/s = 2·B·in·out per GEMM (forward: X·W; backward: Xᵀ·δ, and
//     δ·Wᵀ except for the first layer, which needs no input gradient) + B·out for the bias add
//     (forward) or the bias-gradient sum (backward); activations are not counted as FLOPs.
//   BCE: items/s = B·n logits; GFLOP/s = kBceFlopsPerEntry (below) per logit.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/nn/bce_with_logits.hpp"
#include "mvae/nn/dense.hpp"
#include "mvae/nn/parameter_set.hpp"

namespace {

using mvae::Cpu;
using mvae::index_t;
using Backend = mvae::Backend<Cpu>;

/// N(0, σ²) entries: small enough that tanh does not saturate and no value is denormal.
void fill_scaled_normal(mvae::MatrixView<float, Cpu> m, float sigma, std::uint64_t stream) {
    const Backend be;
    be.fill_normal(m, mvae::RandomStream(1, stream));
    be.map(m, [sigma](float v) { return sigma * v; }, mvae::MatrixView<const float, Cpu>(m));
}

/// A Dense layer in → out with its parameters, a B × in input and a B × out output.
struct DenseFixture {
    mvae::ParameterSet<float, Cpu> params;
    mvae::Dense<float, Cpu> layer;
    mvae::Matrix<float, Cpu> x, y;

    DenseFixture(index_t batch, index_t in, index_t out) : x(batch, in), y(batch, out) {
        layer = mvae::Dense<float, Cpu>(params, "layer", in, out);
        params.allocate();
        fill_scaled_normal(params.value(layer.weight()), 0.05f, 1);
        fill_scaled_normal(params.value(layer.bias()), 0.05f, 2);
        fill_scaled_normal(x.view(), 1.0f, 3);
    }
};

double gflop(double flops) { return flops * 1e-9; }

/// Args: batch, in, out, activation (0 = identity: the output layer's logits; 1 = tanh).
void BM_dense_forward(benchmark::State& state) {
    const auto batch = index_t(state.range(0)), in = index_t(state.range(1)), out = index_t(state.range(2));
    const auto f = state.range(3) != 0 ? mvae::Activation::Tanh : mvae::Activation::Identity;
    DenseFixture d(batch, in, out);
    const Backend be;
    for (auto _ : state) {
        d.layer.forward(be, d.params, d.x.cview(), d.y.view(), f);
        benchmark::DoNotOptimize(d.y.data());
    }
    const double flops = 2.0 * double(batch) * double(in) * double(out) + double(batch) * double(out);
    state.SetItemsProcessed(std::int64_t(state.iterations()) * batch);
    state.counters["GFLOP/s"] = benchmark::Counter(gflop(flops), benchmark::Counter::kIsIterationInvariantRate);
}

/// Args: batch, in, out, input gradient (0: the first layer, which skips δ·Wᵀ; 1: any other layer).
void BM_dense_backward(benchmark::State& state) {
    const auto batch = index_t(state.range(0)), in = index_t(state.range(1)), out = index_t(state.range(2));
    const bool with_dx = state.range(3) != 0;
    DenseFixture d(batch, in, out);
    mvae::Matrix<float, Cpu> delta(batch, out), dx(with_dx ? batch : 0, with_dx ? in : 0);
    fill_scaled_normal(delta.view(), 1e-3f, 4);  // the size of a BCE gradient scaled by 1/B
    const Backend be;
    for (auto _ : state) {
        d.layer.backward(be, d.params, d.x.cview(), delta.cview(), dx.view());
        benchmark::DoNotOptimize(d.params.grads().data());
        benchmark::DoNotOptimize(dx.data());
    }
    const double gemm = 2.0 * double(batch) * double(in) * double(out);
    const double flops = gemm * (with_dx ? 2.0 : 1.0) + double(batch) * double(out);
    state.SetItemsProcessed(std::int64_t(state.iterations()) * batch);
    state.counters["GFLOP/s"] = benchmark::Counter(gflop(flops), benchmark::Counter::kIsIterationInvariantRate);
}

// The float operations of one entry of detail::BceWithLogitsLossAndGrad, counting every add,
// multiply, divide, compare-select and floor: |l| 1; fast::exp_nonpositive 21 (clamp 1, reduction 7,
// degree-6 Horner 12, scale 1); σ 4 (1 + e, 1/·, e·inv, select); the loss 4 + fast::log1p_unit 21
// (s = e/(2 + e) 2, s² 1, degree-8 Horner 16, 2·s·p 2); the gradient 2; the row sum 1. A nominal
// count, kept fixed so GFLOP/s stays comparable when the kernel changes (items/s is the measure).
constexpr double kBceFlopsPerEntry = 54;

/// Args: batch, n (the logits' columns: #items for the uVAE, #users for the iVAE).
void BM_bce_forward_backward(benchmark::State& state) {
    const auto batch = index_t(state.range(0)), n = index_t(state.range(1));
    mvae::Matrix<float, Cpu> logits(batch, n), target(batch, n), grad(batch, n);
    mvae::Vector<float, Cpu> row_loss(batch);
    fill_scaled_normal(logits.view(), 3.0f, 5);
    // Soft targets in [0, 1], as rows of the completed matrix R′ are.
    const Backend be;
    be.fill_uniform(target.view(), mvae::RandomStream(1, 6));
    const float scale = 1.0f / float(batch);
    for (auto _ : state) {
        mvae::bce_with_logits_forward_backward<float, Cpu>(be, logits.cview(), target.cview(), scale, row_loss.view(),
                                                           grad.view());
        benchmark::DoNotOptimize(grad.data());
        benchmark::DoNotOptimize(row_loss.data());
    }
    const double entries = double(batch) * double(n);
    state.SetItemsProcessed(std::int64_t(state.iterations()) * batch * n);
    state.counters["GFLOP/s"] =
        benchmark::Counter(gflop(kBceFlopsPerEntry * entries), benchmark::Counter::kIsIterationInvariantRate);
}

/// One shape of a benchmark: its name suffix and its arguments (see each benchmark's Args).
struct Case {
    const char* name;
    std::vector<std::int64_t> args;
};

void register_cases(const char* family, void (*fn)(benchmark::State&), const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        const std::string name = std::string(family) + "/" + c.name;
        auto* b = benchmark::RegisterBenchmark(name.c_str(), fn)->Args(c.args)->UseRealTime();
        if (!std::string_view(c.name).starts_with("tiny")) b->Unit(benchmark::kMillisecond);
    }
}

void register_all() {
    // Yelp shapes, batch 1500: the first encoder layer and the output layer of each VAE (the layers
    // whose GEMMs dominate a step) and one 320 × 320 hidden layer. Tiny variants: CI runs these
    // once (--benchmark_filter=tiny) to show the suite builds and runs.
    register_cases("BM_dense_forward", BM_dense_forward,
                   {{"yelp_uvae_encoder1", {1500, 9244, 320, 1}},
                    {"yelp_uvae_output", {1500, 320, 9244, 0}},
                    {"yelp_ivae_encoder1", {1500, 12704, 320, 1}},
                    {"yelp_ivae_output", {1500, 320, 12704, 0}},
                    {"yelp_hidden", {1500, 320, 320, 1}},
                    {"tiny_encoder1", {16, 64, 16, 1}},
                    {"tiny_output", {16, 16, 64, 0}}});
    register_cases("BM_dense_backward", BM_dense_backward,
                   {{"yelp_uvae_encoder1", {1500, 9244, 320, 0}},
                    {"yelp_uvae_output", {1500, 320, 9244, 1}},
                    {"yelp_ivae_encoder1", {1500, 12704, 320, 0}},
                    {"yelp_ivae_output", {1500, 320, 12704, 1}},
                    {"yelp_hidden", {1500, 320, 320, 1}},
                    {"tiny_encoder1", {16, 64, 16, 0}},
                    {"tiny_output", {16, 16, 64, 1}}});
    register_cases("BM_bce_forward_backward", BM_bce_forward_backward,
                   {{"yelp_uvae", {1500, 9244}}, {"yelp_ivae", {1500, 12704}}, {"tiny", {16, 64}}});
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
