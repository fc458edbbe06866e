// The model-level pieces of MVAE on Yelp's shape (12,704 users × 9,244 items, 252,151 uniform random
// pairs, duplicates merged; batch 1500, hidden 320, latent 80, rank 50): one DualVAE training step under each
// schedule, and the completion (MatrixCompleter with RandomizedSvd or WeightedAls). Each has a tiny
// variant (300 × 200, 3,000 pairs, hidden 32, latent 8, rank 8, batch 64) that CI runs once.
//
//   build/.../benchmarks/mvae_bench_model --benchmark_filter=yelp
// Rates are over wall-clock time (the work runs on OpenMP threads). The data are uniform random
// pairs (benchmarks/epoch_gemms.hpp), whose timings do not depend on which pairs they are; the
// epoch as a whole, on the real Yelp split, is mvae_bench_epoch.
//
// BM_dual_step: one step = one uVAE train_step on a full batch of 1500 user rows of R′ + one iVAE
//   train_step on a full batch of 1500 item rows of R′ᵀ, through DualTrainer's per-side trainers
//   (batch built from the rank-50 factors, masked at ρ = 4%, ε drawn, forward, backward, gradient
//   guard, Adam), as DualTrainer::train_epoch runs them. The schedules run the same steps and
//   differ in which batches meet: independent walks each side's epoch order on its own, paired
//   walks the grid (user batch × item batch, item batches inner). The per-step cost should not
//   depend on the schedule; an epoch's does, through its step count, reported as the plain
//   counters user_steps_per_epoch and item_steps_per_epoch (paired: one step of each side per
//   grid cell). Only full batches are used, so every iteration does the same work.
//   items/s = rows trained on (2 · 1500 per step); GFLOP/s = the step's GEMMs: per side of
//   `cols` columns and B rows, the batch of R′ (2·B·cols·k) and the VAE's 7 Dense layers
//   (forward, weight gradient, and input gradient except for the first layer: 2·B·(3F − cols·h1)
//   with F = 2·cols·h1 + 2·h1·h2 + 3·h2·latent multiply-adds per row). Element-wise work is not
//   counted.
// BM_completion: MatrixCompleter::complete(R), i.e. the policy's fit (R′ itself is never formed).
//   items/s = interactions of R per fit. GFLOP/s is approximate (dense and sparse products and
//   factorisations; O(l³)-per-matrix terms and element-wise work left out), with n users,
//   m items, z = nnz(R):
//     RandomizedSvd (k, oversampling p, q power iterations, l = min(k + p, n, m)):
//       (2q + 2)·2·z·l              the sparse products R·X and Rᵀ·X
//     + (q + 1)·6·(n + m)·l²        per n × l and m × l sketch, Householder QR (2·rows·l²) and its
//                                   thin Q formed explicitly (4·rows·l²)
//     + 2·(n + m)·l·k               the factors Q_Y·Ũ and Q_B·W̃
//     WeightedAls (k, t iterations), t times:
//       2·(n + m)·k²                the Gram matrices QᵀQ and PᵀP of the half-steps
//     + 2·2·z·k²                    the per-row Gram terms X_rᵀX_r (every interaction, once per side)
//     + (n + m)·(k³/3 + 2k²)        one k × k Cholesky and solve per user and per item
//     + 2·z·k + 2·(n + m)·k²        the objective (observed dot products, two Gram matrices)
//     with cg_steps = N, the per-row Gram terms and the Cholesky replaced by N + 1 products
//     A·v per row (the first for the residual): (N + 1)·((n + m)·2k² + 2·2·z·k)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mvae/completion/completed_row_source.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/model/dual_vae.hpp"
#include "mvae/recommender/mvae_options.hpp"
#include "mvae/training/batch_iterator.hpp"
#include "mvae/training/dual_trainer.hpp"

#include "epoch_gemms.hpp"

namespace {

using mvae::Cpu;
using mvae::index_t;

/// Random pairs of Yelp's shape, or of the tiny one.
mvae::InteractionMatrix training_matrix(bool tiny) {
    return tiny ? mvae_bench::random_pairs(300, 200, 3'000) : mvae_bench::random_pairs(12'704, 9'244, 252'151);
}

/// The pipeline's defaults (the paper's shape, ρ = 4%, batch 1500, rank 50), shrunk when tiny.
mvae::MvaeOptions bench_options(bool tiny, mvae::Schedule schedule) {
    mvae::MvaeOptions o;
    o.schedule = schedule;
    if (tiny) o.vae.hidden1 = o.vae.hidden2 = 32, o.vae.latent = 8, o.rank = 8, o.batch_size = 64;
    return o;
}

/// GEMM FLOPs of one VAE train_step on `batch` rows of `cols` columns built from rank-`rank`
/// factors (the file comment has the formula).
double side_step_flops(const mvae::VaeConfig& c, index_t cols, index_t rank, index_t batch) {
    const double n = cols, h1 = c.hidden1, h2 = c.hidden2, latent = c.latent;
    const double forward = 2 * n * h1 + 2 * h1 * h2 + 3 * h2 * latent;  // multiply-adds per row
    const double step = 3 * forward - n * h1;                            // + backward, less the first layer's δ·Wᵀ
    return 2.0 * double(batch) * (step + n * double(rank));
}

/// The (user batch, item batch) of each step, in a schedule's order, full batches only (a side
/// with fewer rows than a batch uses its one partial batch).
class StepOrder {
public:
    StepOrder(index_t n_users, index_t n_items, index_t batch, mvae::Schedule schedule)
        : users_(n_users, batch, 11), items_(n_items, batch, 12), full_users_(std::max<index_t>(1, n_users / batch)),
          full_items_(std::max<index_t>(1, n_items / batch)), paired_(schedule == mvae::Schedule::Paired) {}

    [[nodiscard]] std::span<const index_t> user_batch() const { return users_.batch(bu_); }
    [[nodiscard]] std::span<const index_t> item_batch() const { return items_.batch(bi_); }

    void next() {
        if (paired_) {
            if (++bi_ < full_items_) return;
            bi_ = 0;
            if (++bu_ < full_users_) return;
            bu_ = 0;
            users_.start_epoch(++user_epoch_);
            items_.start_epoch(++item_epoch_);
            return;
        }
        if (++bu_ == full_users_) bu_ = 0, users_.start_epoch(++user_epoch_);
        if (++bi_ == full_items_) bi_ = 0, items_.start_epoch(++item_epoch_);
    }

private:
    mvae::BatchIterator users_, items_;
    index_t full_users_, full_items_;
    bool paired_;
    index_t bu_ = 0, bi_ = 0;
    std::uint64_t user_epoch_ = 0, item_epoch_ = 0;
};

void BM_dual_step(benchmark::State& state, bool tiny, mvae::Schedule schedule) {
    const auto train = training_matrix(tiny);
    const auto o = bench_options(tiny, schedule);
    const index_t n_users = train.n_users(), n_items = train.n_items(), batch = o.batch_size;
    // The model's defaults complete by weighted ALS; the step does not depend on how the factors
    // were found, and the SVD is the faster setup.
    const auto completed = mvae::SvdCompleter(mvae::RandomizedSvd({.rank = o.rank})).complete(train);
    const mvae::CompletedRowSource<float> user_rows(completed, mvae::RowsOf::Users);
    const mvae::CompletedRowSource<float> item_rows(completed, mvae::RowsOf::Items);
    mvae::DualVAE<float, Cpu> model(n_users, n_items, o.dual_config());
    mvae::DualTrainer<float, Cpu> trainer(model, o.train_options(), schedule);
    // R′ in and R′ out (ReconstructionTarget::Completed, the default), as MvaeModel passes them.
    trainer.initialize_output_biases(mvae::DualSources{user_rows, user_rows, item_rows, item_rows});
    auto& user = *trainer.user_trainer();
    auto& item = *trainer.item_trainer();
    StepOrder order(n_users, n_items, batch, schedule);
    // One untimed step first: the first batch sizes the trainers' and the VAEs' workspaces.
    user.train_step(user_rows, user_rows, order.user_batch());
    item.train_step(item_rows, item_rows, order.item_batch());
    order.next();
    for (auto _ : state) {
        const auto user_loss = user.train_step(user_rows, user_rows, order.user_batch());
        const auto item_loss = item.train_step(item_rows, item_rows, order.item_batch());
        const auto total = user_loss.total + item_loss.total;
        benchmark::DoNotOptimize(total);
        order.next();
    }
    const double flops =
        side_step_flops(o.vae, n_items, o.rank, batch) + side_step_flops(o.vae, n_users, o.rank, batch);
    state.SetItemsProcessed(std::int64_t(state.iterations()) * 2 * batch);
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    const double user_batches = double(mvae::BatchIterator(n_users, batch, 0).batch_count());
    const double item_batches = double(mvae::BatchIterator(n_items, batch, 0).batch_count());
    const bool paired = schedule == mvae::Schedule::Paired;
    state.counters["user_steps_per_epoch"] = paired ? user_batches * item_batches : user_batches;
    state.counters["item_steps_per_epoch"] = paired ? user_batches * item_batches : item_batches;
}

/// Approximate FLOPs of RandomizedSvd::fit (the file comment has the formula).
double fit_flops(const mvae::RandomizedSvd& svd, const mvae::InteractionMatrix& r) {
    const auto& o = svd.options();
    const double n = r.n_users(), m = r.n_items(), z = double(r.nnz()), k = o.rank, q = o.power_iterations;
    const double l = std::min({k + double(o.oversampling), n, m});
    return (2 * q + 2) * 2 * z * l + (q + 1) * 6 * (n + m) * l * l + 2 * (n + m) * l * k;
}

/// Approximate FLOPs of WeightedAls::fit (the file comment has the formula).
double fit_flops(const mvae::WeightedAls& als, const mvae::InteractionMatrix& r) {
    const auto& o = als.options();
    const double n = r.n_users(), m = r.n_items(), z = double(r.nnz()), k = o.rank;
    const double grams_and_objective = 2 * (n + m) * k * k + 2 * z * k + 2 * (n + m) * k * k;
    const double solves = o.cg_steps == 0 ? 2 * 2 * z * k * k + (n + m) * (k * k * k / 3 + 2 * k * k)
                                          : double(o.cg_steps + 1) * ((n + m) * 2 * k * k + 2 * 2 * z * k);
    return double(o.iterations) * (grams_and_objective + solves);
}

/// The completion's fit; `rank` 0: the model's rank (50, tiny 8); `cg_steps`: WeightedAls only.
template <class Policy>
void BM_completion(benchmark::State& state, bool tiny, index_t rank, index_t cg_steps) {
    const auto train = training_matrix(tiny);
    const auto o = bench_options(tiny, mvae::Schedule::Independent);
    typename Policy::Options options;  // the library's defaults (SVD: 2 power iterations; ALS: 10 iterations)
    options.rank = rank > 0 ? rank : o.rank;
    if constexpr (requires { options.cg_steps; }) options.cg_steps = cg_steps;
    const mvae::MatrixCompleter<Policy> completer{Policy(options)};
    for (auto _ : state) {
        const auto completed = completer.complete(train);
        benchmark::DoNotOptimize(completed.factors().p.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(train.nnz()));
    state.counters["GFLOP/s"] = benchmark::Counter(fit_flops(completer.policy(), train) * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
    for (bool tiny : {false, true}) {
        const std::string data = tiny ? "tiny" : "yelp";
        for (auto schedule : {mvae::Schedule::Independent, mvae::Schedule::Paired})
            benchmark::RegisterBenchmark(("BM_dual_step/" + data + "/" + mvae::to_string(schedule)).c_str(),
                                         BM_dual_step, tiny, schedule)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("BM_completion/" + data + "/svd").c_str(), BM_completion<mvae::RandomizedSvd>,
                                     tiny, 0, 0)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        // Exact solves, and 3 conjugate-gradient steps per row; on Yelp's shape also at the rank
        // the main job uses (400), where the exact solves' k³ dominates.
        const std::vector<index_t> ranks = tiny ? std::vector<index_t>{0} : std::vector<index_t>{0, 400};
        for (index_t rank : ranks)
            for (index_t cg : {0, 3})
                benchmark::RegisterBenchmark(("BM_completion/" + data + "/als" + (rank ? "-r" + std::to_string(rank) : "") +
                                              (cg ? "-cg" + std::to_string(cg) : ""))
                                                 .c_str(),
                                             BM_completion<mvae::WeightedAls>, tiny, rank, cg)
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
