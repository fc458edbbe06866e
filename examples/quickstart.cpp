// quickstart — the library in one page: make data with a known truth, split it the way the paper's
// data is split, rank with a baseline, and evaluate with the Table II protocol.
//
//   build/examples/mvae_quickstart
#include <cstdio>

#include <mvae/mvae.hpp>

int main() {
    try {
        // 1. Implicit feedback from a world whose true preferences are known, with exposure skewed
        //    towards popular items (docs/synthetic.md).
        mvae::SyntheticConfig world_config;
        world_config.n_users = 1500;
        world_config.n_items = 800;
        world_config.seed = 7;
        const mvae::SyntheticData world = mvae::generate_synthetic(world_config);

        // 2. Hold out 20% of each user's clicks for testing (seeded, thread-count independent).
        mvae::RandomSplitOptions split_options;
        split_options.seed = 7;
        const mvae::SplitData split = mvae::random_split(world.clicks, split_options);

        // 3. Rank items by popularity and evaluate top-K lists, training items excluded.
        mvae::Popularity popularity;
        popularity.fit(split.train);
        const mvae::EvalReport report = mvae::evaluate_ranking<float>(
            split.train, split.test,
            [&](mvae::index_t first_user, mvae::index_t count, mvae::MatrixView<float, mvae::Cpu> scores) {
                popularity.score(first_user, count, scores);
            });

        std::printf("%d users evaluated\n", int(report.users_evaluated));
        for (std::size_t n = 0; n < report.ks.size(); ++n)
            std::printf("K = %2d  precision %.4f  recall %.4f  F1 %.4f  NDCG %.4f\n", int(report.ks[n]),
                        report.precision[n], report.recall[n], report.f1[n], report.ndcg[n]);

        // 4. Top-5 for user 0, never recommending what the user already has.
        std::printf("user 0:");
        for (mvae::index_t item : popularity.recommend(0, 5, split.train)) std::printf(" %d", int(item));
        std::printf("\n");
    } catch (const mvae::Error& e) {
        std::fprintf(stderr, "quickstart: %s\n", e.what());
        return 1;
    }
    return 0;
}
