// All-user top-K evaluation (the Table II protocol) on a dense score matrix.
//
//   build/.../benchmarks/mvae_bench_eval --benchmark_filter=yelp
// The Yelp shape is 12,704 users × 9,244 items, top-10, with ~20 training items excluded per user.
// Counters (rates over wall-clock time: users are ranked on OpenMP threads): items/s = scores ranked
// (users with test items × items: the protocol never reads the rows of users without test items),
// users/s = all users of the matrix. Ranking is comparisons, not arithmetic: no GFLOP/s.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/data/synthetic.hpp"
#include "mvae/eval/evaluator.hpp"

namespace {

using mvae::index_t;

struct EvalFixture {
    mvae::InteractionMatrix train, test;
    mvae::Matrix<float, mvae::Cpu> scores;
};

EvalFixture make_fixture(index_t users, index_t items, double train_per_user, double test_per_user) {
    auto draw = [&](double per_user, std::uint64_t seed) {
        mvae::SyntheticConfig c;
        c.n_users = users;
        c.n_items = items;
        c.exposures_per_user = per_user / c.mean_preference;
        c.seed = seed;
        return mvae::generate_synthetic(c).clicks;
    };
    EvalFixture f{draw(train_per_user, 1), draw(test_per_user, 2), mvae::Matrix<float, mvae::Cpu>(users, items)};
    mvae::Backend<mvae::Cpu>().fill_uniform(f.scores.view(), mvae::RandomStream(3, 4));
    return f;
}

void BM_evaluate_all_users(benchmark::State& state) {
    const auto users = index_t(state.range(0)), items = index_t(state.range(1));
    static std::vector<std::unique_ptr<EvalFixture>> cache;  // generating data is not what is measured
    cache.push_back(std::make_unique<EvalFixture>(make_fixture(users, items, 20.0, 4.4)));
    const EvalFixture& f = *cache.back();
    mvae::EvalOptions options;
    options.ks = {1, 5, 10};
    for (auto _ : state) {
        auto report = mvae::evaluate_scores<float>(f.train, f.test, f.scores.cview(), options);
        benchmark::DoNotOptimize(report.ndcg.data());
    }
    index_t ranked = 0;
    for (index_t u = 0; u < users; ++u) ranked += f.test.user_degree(u) > 0 ? 1 : 0;
    state.SetItemsProcessed(int64_t(state.iterations()) * ranked * items);
    state.counters["users/s"] = benchmark::Counter(double(users), benchmark::Counter::kIsIterationInvariantRate);
    cache.clear();
}

BENCHMARK(BM_evaluate_all_users)
    ->Name("BM_evaluate_all_users/yelp")
    ->Args({12704, 9244})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_evaluate_all_users)
    ->Name("BM_evaluate_all_users/tiny")
    ->Args({200, 100})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
