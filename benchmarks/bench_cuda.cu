// GPU benchmarks: one MVAE epoch on the Yelp, ML-1M and Pinterest shapes (batch 1500, paired and
// independent schedules, strict FP32 and TF32) beside the time cuBLAS alone needs for the same
// epoch's GEMMs, measured in the same process right after the epochs.
//
//   build/.../benchmarks/mvae_bench_cuda --benchmark_filter=pinterest --benchmark_format=json
//
// Counters (medians): epoch_s (seconds per epoch), gemm_s (seconds of the same epoch's GEMMs alone),
// vs_gemm (epoch_s ÷ gemm_s: 1 would mean every non-GEMM kernel and transfer is free), TFLOP/s
// (the epoch's GEMM FLOPs over epoch_s).
// The data are uniform random pairs of the real data sets' sizes: speed does not depend on which
// pairs they are. Without a GPU the program prints "skipped" and exits 0.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mvae/cuda.cuh"

#include "epoch_gemms.hpp"

namespace {

using mvae::Backend;
using mvae::Cuda;
using mvae::index_t;
using mvae::offset_t;

struct Shape {
    const char* name;
    index_t users, items;
    offset_t pairs;
};
// Training pairs of the paper's splits, as in benchmarks/peers/mvae_torch.py: Yelp's train.csv;
// ML-1M's and Pinterest's interactions minus the rows of their published test.csv.
constexpr Shape kShapes[] = {{"yelp", 12'704, 9'244, 252'151},
                             {"ml-1m", 6'027, 3'062, 462'847},
                             {"pinterest", 55'187, 9'911, 1'220'101},
                             {"tiny", 300, 200, 3'000}};

void BM_mvae_epoch(benchmark::State& state, Shape shape, mvae::Schedule schedule, mvae::GemmPrecision precision) {
    mvae::CudaContext::default_context().set_precision(precision);
    mvae::MvaeOptions o;
    o.schedule = schedule;
    o.epochs = 1;
    if (shape.users < 1000) o.vae.hidden1 = o.vae.hidden2 = 32, o.vae.latent = 8, o.rank = 8, o.batch_size = 64;
    const auto train = mvae_bench::random_pairs(shape.users, shape.items, std::size_t(shape.pairs));
    mvae::MvaeModel<float, Cuda> model(o);
    model.prepare(train);
    model.train_epoch();  // warm-up: first-touch allocations, cuBLAS heuristics
    Backend<Cuda>().synchronize();
    std::vector<double> epochs;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto report = model.train_epoch();
        Backend<Cuda>().synchronize();
        epochs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        benchmark::DoNotOptimize(report.user.loss);
    }
    mvae_bench::EpochGemms<Cuda> gemms(shape.users, shape.items, o);
    gemms.run();  // warm-up, and the FLOP count
    std::vector<double> replays;
    for (int r = 0; r < 3; ++r) replays.push_back(gemms.run());
    const double epoch_s = mvae_bench::median(epochs), gemm_s = mvae_bench::median(replays);
    state.counters["epoch_s"] = epoch_s;
    state.counters["gemm_s"] = gemm_s;
    state.counters["vs_gemm"] = epoch_s / gemm_s;
    state.counters["TFLOP/s"] = gemms.flops() * 1e-12 / epoch_s;
    mvae::CudaContext::default_context().set_precision(mvae::GemmPrecision::Fp32);
}

void register_all() {
    // Timed epochs per row (after one warm-up): MVAE_BENCH_EPOCHS, default 3 (gpu-check.sh uses 2).
    const char* env = std::getenv("MVAE_BENCH_EPOCHS");
    const int epochs = env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : 3;
    for (const Shape& s : kShapes)
        for (auto schedule : {mvae::Schedule::Paired, mvae::Schedule::Independent})
            for (auto precision : {mvae::GemmPrecision::Fp32, mvae::GemmPrecision::Tf32, mvae::GemmPrecision::Bf16}) {
                const std::string name = std::string("BM_mvae_epoch/") + s.name + "/" + mvae::to_string(schedule) + "/" +
                                         mvae::to_string(precision);
                benchmark::RegisterBenchmark(name.c_str(), BM_mvae_epoch, s, schedule, precision)
                    ->Iterations(std::string(s.name) == "tiny" ? 1 : epochs)
                    ->UseRealTime()
                    ->Unit(benchmark::kMillisecond);
            }
}

}  // namespace

int main(int argc, char** argv) {
    if (mvae::cuda_device_count() == 0) {
        std::printf("skipped: no CUDA device\n");
        return 0;
    }
    std::printf("GPU: %s\n", mvae::cuda_device_description(0).c_str());
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
