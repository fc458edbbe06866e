// Whole MVAE epochs on the CPU beside the time their GEMMs alone take in the same process
// (the machine's GEMM ceiling on the epoch's own shapes), and the pieces of an epoch that are not
// GEMMs: building batches of R′ and the all-user evaluation (the completers are in bench_model.cpp).
//
//   MVAE_BENCH_DATA=../shared/data/yelp build/.../benchmarks/mvae_bench_epoch --benchmark_filter=yelp/independent
//
// With MVAE_BENCH_DATA (a JCA split folder) the epochs run on its train.csv, else on uniform random
// pairs of Yelp's shape. Counters (medians over the epochs): epoch_s, gemm_s (the same epoch's
// GEMMs alone), vs_gemm = epoch_s ÷ gemm_s, GFLOP/s (GEMM FLOPs ÷ epoch_s), peak_rss_mib (the
// process's high-water mark: run one benchmark per process to read it per configuration).
// benchmarks/compare_cpu.sh runs these beside the PyTorch peer.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "mvae/completion/completed_row_source.hpp"
#include "mvae/core/memory_usage.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/eval/device_ranking.hpp"
#include "mvae/recommender/mvae_model.hpp"

#include "epoch_gemms.hpp"

namespace {

using mvae::Cpu;
using mvae::index_t;

/// The data of a benchmark: Yelp's training matrix (from MVAE_BENCH_DATA, or random pairs of its
/// shape), random pairs of Pinterest's shape and density (55,187 × 9,911, 1,220,101 pairs: the
/// memory case), or `tiny` (300 × 200).
enum class Shape { Yelp, Pinterest, Tiny };


mvae::InteractionMatrix training_matrix(Shape shape) {
    switch (shape) {
        case Shape::Yelp:
            if (const char* dir = std::getenv("MVAE_BENCH_DATA")) return mvae::load_jca_split(dir).train;
            return mvae_bench::random_pairs(12'704, 9'244, 252'151);
        case Shape::Pinterest: return mvae_bench::random_pairs(55'187, 9'911, 1'220'101);
        case Shape::Tiny: break;
    }
    return mvae_bench::random_pairs(300, 200, 3'000);
}
mvae::InteractionMatrix training_matrix(bool tiny) { return training_matrix(tiny ? Shape::Tiny : Shape::Yelp); }

mvae::MvaeOptions bench_options(bool tiny, mvae::Schedule schedule) {
    mvae::MvaeOptions o;
    o.schedule = schedule;
    if (tiny) o.vae.hidden1 = o.vae.hidden2 = 32, o.vae.latent = 8, o.rank = 8, o.batch_size = 64;
    // MVAE_BENCH_WORKSPACE_MIB: each side's step workspace budget (MvaeOptions::workspace_mib), to
    // measure what processing a batch in several passes costs.
    if (const char* mib = std::getenv("MVAE_BENCH_WORKSPACE_MIB")) o.workspace_mib = std::atof(mib);
    // MVAE_BENCH_LOW_RANK=1: the encoders read the low-rank-plus-sparse input (MvaeOptions::low_rank_input);
    // the GEMM replay stays the dense epoch's, the reference the ratio is taken against.
    if (const char* lr = std::getenv("MVAE_BENCH_LOW_RANK")) o.low_rank_input = std::string(lr) == "1";
    return o;
}

void BM_epoch(benchmark::State& state, Shape shape, mvae::Schedule schedule) {
    const auto train = training_matrix(shape);
    const auto o = bench_options(shape == Shape::Tiny, schedule);
    mvae::Mvae model(o);
    model.prepare(train);
    std::vector<double> epochs;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto report = model.train_epoch();
        epochs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        benchmark::DoNotOptimize(report.user.loss);
    }
    const double peak = mvae::peak_resident_mib();  // before the GEMM replay's own workspaces
    mvae_bench::EpochGemms<Cpu> gemms(train.n_users(), train.n_items(), o);
    std::vector<double> replays;
    for (std::size_t r = 0; r < epochs.size(); ++r) replays.push_back(gemms.run());
    const double epoch_s = mvae_bench::median(epochs), gemm_s = mvae_bench::median(replays);
    state.counters["epoch_s"] = epoch_s;
    state.counters["gemm_s"] = gemm_s;
    state.counters["vs_gemm"] = epoch_s / gemm_s;
    state.counters["GFLOP/s"] = gemms.flops() * 1e-9 / epoch_s;
    state.counters["gemm_GFLOP/s"] = gemms.flops() * 1e-9 / gemm_s;
    state.counters["peak_rss_mib"] = peak;
    // items/s: rows trained per second. Independent: every user row and item row once per epoch;
    // paired: each user batch once per item batch and vice versa.
    const std::int64_t users = train.n_users(), items = train.n_items(), b = o.batch_size;
    const std::int64_t rows = schedule == mvae::Schedule::Paired ? users * ((items + b - 1) / b) + items * ((users + b - 1) / b)
                                                                 : users + items;
    state.SetItemsProcessed(std::int64_t(state.iterations()) * rows);
}

/// All-user top-10 evaluation as `mvae train` runs it: the model's scores for every user (both VAEs,
/// blocks of 1024 users) ranked with the training items excluded, metrics at K = 1, 5, 10. With
/// MVAE_BENCH_DATA the test split is the data's test.csv, else a random 4.4 items per user. The
/// model is untrained: scoring costs the same for any weights. items/s = users × items scored.
void BM_evaluate(benchmark::State& state, bool tiny) {
    mvae::InteractionMatrix train, test;
    const char* dir = tiny ? nullptr : std::getenv("MVAE_BENCH_DATA");
    if (dir) {
        auto split = mvae::load_jca_split(dir);
        train = std::move(split.train), test = std::move(split.test);
    } else {
        train = training_matrix(tiny);
        test = tiny ? mvae_bench::random_pairs(300, 200, 600) : mvae_bench::random_pairs(12'704, 9'244, 55'000);
    }
    auto o = bench_options(tiny, mvae::Schedule::Independent);
    o.epochs = 0;
    mvae::Mvae model(o);
    model.fit(train);
    mvae::EvalOptions eval;
    eval.ks = {1, 5, 10};
    const mvae::Backend<Cpu> be;
    for (auto _ : state) {
        const auto report = mvae::evaluate_ranking_on<float, Cpu>(
            be, train, test,
            [&](index_t first, index_t count, mvae::MatrixView<float, Cpu> out) { model.score_on_device(first, count, out); },
            eval);
        benchmark::DoNotOptimize(report.ndcg.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * train.n_users() * train.n_items());
}

/// One batch of 1500 rows of R′ (users) or R′ᵀ (items) from rank-50 factors.
void BM_completed_rows(benchmark::State& state, bool tiny, mvae::RowsOf side) {
    const auto train = training_matrix(tiny);
    const auto o = bench_options(tiny, mvae::Schedule::Independent);
    const auto completed = mvae::SvdCompleter(mvae::RandomizedSvd({.rank = o.rank})).complete(train);
    const mvae::CompletedRowSource<float> source(completed, side);
    const index_t batch = std::min(o.batch_size, source.rows());
    std::vector<index_t> rows(static_cast<std::size_t>(batch));
    for (index_t b = 0; b < batch; ++b) rows[std::size_t(b)] = (b * 7919) % source.rows();
    mvae::Matrix<float, Cpu> out(batch, source.cols());
    for (auto _ : state) {
        source.fill(mvae::Backend<Cpu>(), rows, out.view());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * batch * source.cols());
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * batch * source.cols() * o.rank * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
    // Pinterest's shape: one independent epoch, for its time and its peak memory (issue #6: ≤ 1 GB).
    benchmark::RegisterBenchmark("BM_epoch/pinterest/independent", BM_epoch, Shape::Pinterest,
                                 mvae::Schedule::Independent)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kSecond);
    for (bool tiny : {false, true}) {
        const std::string data = tiny ? "tiny" : "yelp";
        for (auto schedule : {mvae::Schedule::Independent, mvae::Schedule::Paired})
            benchmark::RegisterBenchmark(("BM_epoch/" + data + "/" + mvae::to_string(schedule)).c_str(), BM_epoch,
                                         tiny ? Shape::Tiny : Shape::Yelp, schedule)
                ->Iterations(tiny ? 1 : (schedule == mvae::Schedule::Paired ? 2 : 4))
                ->UseRealTime()
                ->Unit(benchmark::kSecond);
        for (auto side : {mvae::RowsOf::Users, mvae::RowsOf::Items})
            benchmark::RegisterBenchmark(
                ("BM_completed_rows/" + data + (side == mvae::RowsOf::Users ? "/users" : "/items")).c_str(),
                BM_completed_rows, tiny, side)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("BM_evaluate/" + data).c_str(), BM_evaluate, tiny)
            ->Iterations(tiny ? 1 : 5)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
