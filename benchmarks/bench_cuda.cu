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
#include <string>
#include <vector>

#include "mvae/cuda.cuh"

namespace {

using mvae::Backend;
using mvae::Cuda;
using mvae::index_t;
using mvae::offset_t;
using mvae::Op;

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

mvae::InteractionMatrix random_pairs(const Shape& s) {
    const mvae::RandomStream stream(2024, 1);
    std::vector<mvae::Interaction> pairs(std::size_t(s.pairs));
    for (std::size_t e = 0; e < pairs.size(); ++e)
        pairs[e] = {index_t(stream.bits(2 * e) % std::uint32_t(s.users)), index_t(stream.bits(2 * e + 1) % std::uint32_t(s.items))};
    return mvae::InteractionMatrix(s.users, s.items, pairs);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

/// The batch sizes of one epoch's steps of each side (every row once; last batch the remainder).
std::vector<index_t> batches(index_t rows, index_t batch) {
    std::vector<index_t> out;
    for (index_t first = 0; first < rows; first += batch) out.push_back(std::min(batch, rows - first));
    return out;
}

/// The GEMMs of one epoch, replayed alone (on workspaces of constant values): per step, the completion's
/// B × k × cols product, and per Dense layer (in → out) the forward X·W, the weight gradient Xᵀ·δ
/// and, except for the first layer, the input gradient δ·Wᵀ (nn/dense.hpp).
class EpochGemms {
public:
    EpochGemms(const Shape& s, const mvae::MvaeOptions& o) : shape_(s), o_(o) {
        const index_t widest = std::max(s.users, s.items);
        const index_t b = o.batch_size;
        const index_t h = std::max({o.vae.hidden1, o.vae.hidden2, o.vae.latent, o.rank});
        x_.resize(b, widest), y_.resize(b, widest), w_.resize(widest, h), dw_.resize(widest, h);
        factors_.resize(widest, o.rank);
        for (auto* m : {&x_, &y_, &w_, &dw_, &factors_}) be_.fill(m->view(), 0.01f);
    }

    /// Runs them and returns the seconds they took.
    double run() {
        const auto users = batches(shape_.users, o_.batch_size), items = batches(shape_.items, o_.batch_size);
        cudaEvent_t start, stop;
        MVAE_CUDA_CHECK(cudaEventCreate(&start));
        MVAE_CUDA_CHECK(cudaEventCreate(&stop));
        MVAE_CUDA_CHECK(cudaEventRecord(start, be_.stream()));
        if (o_.schedule == mvae::Schedule::Paired) {
            for (index_t bu : users)
                for (index_t bi : items) step(bu, shape_.items), step(bi, shape_.users);
        } else {
            for (index_t bu : users) step(bu, shape_.items);
            for (index_t bi : items) step(bi, shape_.users);
        }
        MVAE_CUDA_CHECK(cudaEventRecord(stop, be_.stream()));
        MVAE_CUDA_CHECK(cudaEventSynchronize(stop));
        float ms = 0;
        MVAE_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
        (void)cudaEventDestroy(start), (void)cudaEventDestroy(stop);
        return ms * 1e-3;
    }

    [[nodiscard]] double flops() const { return flops_; }
    /// Counts the FLOPs of the first run only.
    void stop_counting() { counting_ = false; }

private:
    void gemm(Op op_a, Op op_b, index_t m, index_t n, index_t k) {
        const auto a = op_a == Op::N ? x_.cview().row_block(0, m).col_block(0, k) : x_.cview().row_block(0, k).col_block(0, m);
        const auto b = op_b == Op::N ? w_.cview().row_block(0, k).col_block(0, n) : w_.cview().row_block(0, n).col_block(0, k);
        be_.gemm(op_a, op_b, 1.0f, a, b, 0.0f, y_.view().row_block(0, m).col_block(0, n));
        if (counting_) flops_ += 2.0 * double(m) * double(n) * double(k);
    }
    void step(index_t batch, index_t cols) {
        gemm(Op::N, Op::T, batch, cols, o_.rank);  // the completed rows: gather · factorsᵀ
        const auto& c = o_.vae;
        const index_t layers[7][2] = {{cols, c.hidden1}, {c.hidden1, c.hidden2}, {c.hidden2, c.latent}, {c.hidden2, c.latent},
                                      {c.latent, c.hidden2}, {c.hidden2, c.hidden1}, {c.hidden1, cols}};
        for (int l = 0; l < 7; ++l) {
            const index_t in = layers[l][0], out = layers[l][1];
            gemm(Op::N, Op::N, batch, out, in);       // forward
            gemm(Op::T, Op::N, in, out, batch);       // weight gradient
            if (l != 0) gemm(Op::N, Op::T, batch, in, out);  // input gradient
        }
    }

    Shape shape_;
    mvae::MvaeOptions o_;
    Backend<Cuda> be_;
    mvae::Matrix<float, Cuda> x_, y_, w_, dw_, factors_;
    double flops_ = 0;
    bool counting_ = true;
};

void BM_mvae_epoch(benchmark::State& state, Shape shape, mvae::Schedule schedule, bool tf32) {
    mvae::CudaContext::default_context().set_tf32(tf32);
    mvae::MvaeOptions o;
    o.schedule = schedule;
    o.epochs = 1;
    if (shape.users < 1000) o.vae.hidden1 = o.vae.hidden2 = 32, o.vae.latent = 8, o.rank = 8, o.batch_size = 64;
    const auto train = random_pairs(shape);
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
    EpochGemms gemms(shape, o);
    gemms.run();  // warm-up, and the FLOP count
    gemms.stop_counting();
    std::vector<double> replays;
    for (int r = 0; r < 3; ++r) replays.push_back(gemms.run());
    const double epoch_s = median(epochs), gemm_s = median(replays);
    state.counters["epoch_s"] = epoch_s;
    state.counters["gemm_s"] = gemm_s;
    state.counters["vs_gemm"] = epoch_s / gemm_s;
    state.counters["TFLOP/s"] = gemms.flops() * 1e-12 / epoch_s;
    mvae::CudaContext::default_context().set_tf32(false);
}

void register_all() {
    for (const Shape& s : kShapes)
        for (auto schedule : {mvae::Schedule::Paired, mvae::Schedule::Independent})
            for (bool tf32 : {false, true}) {
                const std::string name = std::string("BM_mvae_epoch/") + s.name + "/" + mvae::to_string(schedule) +
                                         (tf32 ? "/tf32" : "/fp32");
                benchmark::RegisterBenchmark(name.c_str(), BM_mvae_epoch, s, schedule, tf32)
                    ->Iterations(std::string(s.name) == "tiny" ? 1 : 3)
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
