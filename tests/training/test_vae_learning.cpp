// Proof that the VAE learns: it overfits a tiny matrix, and on data with planted structure it
// beats the popularity ranking by a clear margin on held-out interactions.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "mvae/data/random_split.hpp"
#include "mvae/data/synthetic.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/recommender/popularity.hpp"
#include "mvae/model/variational_autoencoder.hpp"
#include "mvae/training/vae_trainer.hpp"

using mvae::Cpu;
using mvae::index_t;

TEST_CASE("a VAE overfits a tiny matrix to near-zero reconstruction loss", "[training][vae][learning]") {
    // 8 users x 12 items with distinct rows.
    std::vector<mvae::Interaction> pairs;
    for (index_t u = 0; u < 8; ++u)
        for (index_t i = 0; i < 12; ++i)
            if ((u * 7 + i * 3) % 5 < 2 || i == u) pairs.push_back({u, i});
    const mvae::InteractionMatrix r(8, 12, pairs);

    mvae::VaeConfig config;
    config.input_dim = 12;
    config.hidden1 = 32;
    config.hidden2 = 16;
    config.latent = 4;
    config.beta = 0.0;  // no prior pull: the model may memorise
    config.seed = 3;
    mvae::VariationalAutoencoder<float, Cpu> vae(config);
    mvae::VaeTrainOptions options;
    options.epochs = 1500;
    options.batch_size = 8;
    options.adam.learning_rate = 0.01;
    options.seed = 4;
    mvae::VaeTrainer<float, Cpu> trainer(vae, options);
    const mvae::SparseRowSource<float> rows(r);
    const auto reports = trainer.fit(rows);

    REQUIRE(reports.size() == 1500);
    REQUIRE(reports.front().reconstruction > 5.0);  // ~ 12 · log 2 at the start
    INFO("final reconstruction loss per row: " << reports.back().reconstruction);
    REQUIRE(reports.back().reconstruction < 0.05);
    // And it reproduces the matrix: every 1 scores above every 0.
    mvae::Matrix<float, Cpu> x(8, 12), scores(8, 12);
    std::vector<index_t> all{0, 1, 2, 3, 4, 5, 6, 7};
    rows.fill(mvae::Backend<Cpu>(), all, x.view());
    vae.predict(x.cview(), scores.view());
    for (index_t u = 0; u < 8; ++u)
        for (index_t i = 0; i < 12; ++i) REQUIRE((scores(u, i) > 0.5f) == r.contains(u, i));
}

TEST_CASE("a uVAE trained on planted structure beats popularity on held-out interactions",
          "[training][vae][learning]") {
    // Popularity-skewed exposure (the default bias) over 8 planted tastes: the best possible
    // ranking of held-out clicks (true preference x exposure) reaches NDCG@10 0.29 here,
    // popularity 0.17 and item-item cosine kNN 0.22.
    mvae::SyntheticConfig world;
    world.n_users = 2000;
    world.n_items = 400;
    world.exposures_per_user = 80;
    world.taste_noise = 0.3;
    world.preference_sharpness = 8;
    world.seed = 11;
    const mvae::SyntheticData data = mvae::generate_synthetic(world);
    mvae::RandomSplitOptions split_options;
    split_options.seed = 12;
    const mvae::SplitData split = mvae::random_split(data.clicks, split_options);

    mvae::VaeConfig config;
    config.input_dim = world.n_items;
    config.hidden1 = 64;
    config.hidden2 = 32;
    config.latent = 16;
    config.seed = 13;
    mvae::VariationalAutoencoder<float, Cpu> vae(config);
    mvae::VaeTrainOptions options;
    options.epochs = 20;
    options.batch_size = 100;
    options.mask_ratio = 0.5;  // masking as a denoiser: measured 0.27 vs 0.22 for ρ = 0.04 at 20 epochs
    options.seed = 14;
    mvae::VaeTrainer<float, Cpu> trainer(vae, options);
    const mvae::SparseRowSource<float> rows(split.train);
    const auto reports = trainer.fit(rows);
    REQUIRE(reports.back().loss < reports.front().loss);

    mvae::EvalOptions eval;
    eval.ks = {10};
    mvae::Matrix<float, Cpu> input;
    std::vector<index_t> users;
    const auto vae_report = mvae::evaluate_ranking<float>(
        split.train, split.test,
        [&](index_t first, index_t count, mvae::MatrixView<float, Cpu> out) {
            input.resize(count, world.n_items);
            users.resize(std::size_t(count));
            for (index_t b = 0; b < count; ++b) users[std::size_t(b)] = first + b;
            rows.fill(mvae::Backend<Cpu>(), users, input.view());
            vae.predict(input.cview(), out);
        },
        eval);
    mvae::Popularity popularity;
    popularity.fit(split.train);
    const auto pop_report = mvae::evaluate_ranking<float>(
        split.train, split.test,
        [&](index_t first, index_t count, mvae::MatrixView<float, Cpu> out) { popularity.score(first, count, out); },
        eval);
    INFO("NDCG@10: VAE " << vae_report.ndcg[0] << ", popularity " << pop_report.ndcg[0]);
    INFO("recall@10: VAE " << vae_report.recall[0] << ", popularity " << pop_report.recall[0]);
    REQUIRE(pop_report.ndcg[0] > 0.01);  // a real baseline, not a degenerate one
    REQUIRE(vae_report.ndcg[0] > 1.4 * pop_report.ndcg[0]);
    REQUIRE(vae_report.recall[0] > 1.3 * pop_report.recall[0]);
}
