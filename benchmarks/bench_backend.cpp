// Backend<Cpu> primitives on the shapes an MVAE step uses (Yelp: 1500-row batches over 9,244 items,
// hidden width 320), plus a tiny variant of each that CI runs once as a smoke test.
//
//   build/.../benchmarks/mvae_bench_backend --benchmark_filter=yelp
// Counters (rates over wall-clock time: the kernels run on OpenMP threads): GEMMs report GFLOP/s
// (2·m·n·k per product) and items/s = entries of C; element-wise kernels report items/s = elements,
// and GFLOP/s where they do arithmetic (reduce_cols: one add per element; tanh and the normal
// draws are not counted as FLOPs).
#include <benchmark/benchmark.h>

#include "mvae/backend/cpu/cpu_backend.hpp"

namespace {

using mvae::Cpu;
using mvae::index_t;
using mvae::Op;
using Backend = mvae::Backend<Cpu>;

template <class S>
mvae::Matrix<S, Cpu> normal_matrix(index_t rows, index_t cols, std::uint64_t stream) {
    mvae::Matrix<S, Cpu> m(rows, cols);
    Backend().fill_normal(m.view(), mvae::RandomStream(1, stream));
    return m;
}

// C(m x n) = op(A) op(B) with inner dimension k; the op pair picks which MVAE product it is:
// N,N = forward (X·W), T,N = weight gradient (Xᵀ·δ), N,T = input gradient (δ·Wᵀ).
template <class S>
void BM_gemm(benchmark::State& state, Op op_a, Op op_b) {
    const auto m = index_t(state.range(0)), n = index_t(state.range(1)), k = index_t(state.range(2));
    auto a = op_a == Op::N ? normal_matrix<S>(m, k, 1) : normal_matrix<S>(k, m, 1);
    auto b = op_b == Op::N ? normal_matrix<S>(k, n, 2) : normal_matrix<S>(n, k, 2);
    mvae::Matrix<S, Cpu> c(m, n);
    const Backend be;
    for (auto _ : state) {
        be.gemm(op_a, op_b, S(1), a.cview(), b.cview(), S(0), c.view());
        benchmark::DoNotOptimize(c.data());
    }
    const double flops = 2.0 * double(m) * double(n) * double(k);
    state.SetItemsProcessed(int64_t(state.iterations()) * m * n);
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_sgemm(benchmark::State& state, Op op_a, Op op_b) { BM_gemm<float>(state, op_a, op_b); }
void BM_dgemm(benchmark::State& state, Op op_a, Op op_b) { BM_gemm<double>(state, op_a, op_b); }

template <class S>
void BM_map_tanh(benchmark::State& state) {
    const auto rows = index_t(state.range(0)), cols = index_t(state.range(1));
    auto x = normal_matrix<S>(rows, cols, 3);
    mvae::Matrix<S, Cpu> y(rows, cols);
    const Backend be;
    for (auto _ : state) {
        be.map(y.view(), [](S v) { return std::tanh(v); }, x.cview());
        benchmark::DoNotOptimize(y.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * rows * cols);
}

template <class S>
void BM_fill_normal(benchmark::State& state) {
    const auto rows = index_t(state.range(0)), cols = index_t(state.range(1));
    mvae::Matrix<S, Cpu> x(rows, cols);
    const Backend be;
    std::uint64_t step = 0;
    for (auto _ : state) {
        be.fill_normal(x.view(), mvae::RandomStream(7, step++));
        benchmark::DoNotOptimize(x.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * rows * cols);
}

template <class S>
void BM_reduce_cols(benchmark::State& state) {
    const auto rows = index_t(state.range(0)), cols = index_t(state.range(1));
    auto x = normal_matrix<S>(rows, cols, 4);
    mvae::Vector<S, Cpu> out(cols);
    const Backend be;
    for (auto _ : state) {
        be.reduce_cols(out.view(), [](S v) { return v; }, x.cview());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * rows * cols);
    state.counters["GFLOP/s"] =
        benchmark::Counter(double(rows) * double(cols) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Yelp shapes: batch 1500, 9,244 items, hidden 320.
BENCHMARK_CAPTURE(BM_sgemm, yelp_forward, Op::N, Op::N)->Args({1500, 320, 9244})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_sgemm, yelp_weight_grad, Op::T, Op::N)->Args({9244, 320, 1500})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_sgemm, yelp_input_grad, Op::N, Op::T)->Args({1500, 9244, 320})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_map_tanh<float>)->Name("BM_map_tanh/yelp")->Args({1500, 9244})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fill_normal<float>)->Name("BM_fill_normal/yelp")->Args({1500, 9244})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_reduce_cols<float>)->Name("BM_reduce_cols/yelp")->Args({1500, 9244})->UseRealTime()->Unit(benchmark::kMillisecond);

// Tiny variants: CI runs these once (--benchmark_filter=tiny) to show the suite builds and runs.
BENCHMARK_CAPTURE(BM_sgemm, tiny_forward, Op::N, Op::N)->Args({32, 16, 64})->UseRealTime();
BENCHMARK_CAPTURE(BM_dgemm, tiny_weight_grad, Op::T, Op::N)->Args({64, 16, 32})->UseRealTime();
BENCHMARK_CAPTURE(BM_sgemm, tiny_input_grad, Op::N, Op::T)->Args({32, 64, 16})->UseRealTime();
BENCHMARK(BM_map_tanh<float>)->Name("BM_map_tanh/tiny")->Args({32, 64})->UseRealTime();
BENCHMARK(BM_fill_normal<float>)->Name("BM_fill_normal/tiny")->Args({32, 64})->UseRealTime();
BENCHMARK(BM_reduce_cols<float>)->Name("BM_reduce_cols/tiny")->Args({32, 64})->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
