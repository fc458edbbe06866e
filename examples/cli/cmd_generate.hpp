// `mvae generate`: write a synthetic data set with known truth as a JCA/JoVA split folder.
//
// The folder follows the paper's data convention, so `mvae train --data DIR` reads it like Yelp:
// test.csv holds a random share of each user's clicks; vali.csv a share of the rest; and train.csv
// every click not in test.csv, vali.csv included (in the JCA folders vali ⊂ train).
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ranks.hpp"
#include "options.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/data/random_split.hpp"
#include "mvae/data/synthetic.hpp"

namespace mvae_cli {

struct GenerateArgs {
    std::string out;
    mvae::SyntheticConfig config;
    double test_fraction = 0.2;
    double validation_fraction = 0.1;
    int threads = 0;
};

inline void run_generate(GenerateArgs args) {
    require_one_rank("generate");
    apply_threads(args.threads);
    args.config.validate();
    const mvae::SyntheticData world = mvae::generate_synthetic(args.config);

    mvae::RandomSplitOptions split_options;
    split_options.test_fraction = args.test_fraction;
    split_options.validation_fraction = args.validation_fraction;
    split_options.seed = args.config.seed;
    mvae::SplitData split = mvae::random_split(world.clicks, split_options);

    // JCA convention: train.csv also holds the validation pairs.
    std::vector<mvae::Interaction> train_pairs = split.train.pairs();
    const std::vector<mvae::Interaction> validation_pairs = split.validation.pairs();
    train_pairs.insert(train_pairs.end(), validation_pairs.begin(), validation_pairs.end());
    split.train = mvae::InteractionMatrix(world.n_users(), world.n_items(), train_pairs);

    mvae::save_jca_split(args.out, split);
    std::fprintf(stderr,
                 "generated %d users x %d items: %lld exposures, %lld clicks (density %.4f%%); wrote %s/{train,vali,test}.csv "
                 "(%lld / %lld / %lld pairs)\n",
                 int(world.n_users()), int(world.n_items()), static_cast<long long>(world.exposure.nnz()),
                 static_cast<long long>(world.clicks.nnz()), 100.0 * world.clicks.density(), args.out.c_str(),
                 static_cast<long long>(split.train.nnz()), static_cast<long long>(split.validation.nnz()),
                 static_cast<long long>(split.test.nnz()));
}

inline void add_generate_command(CLI::App& app) {
    auto args = std::make_shared<GenerateArgs>();
    CLI::App* cmd = app.add_subcommand(
        "generate", "Write a synthetic data set with known truth (latent tastes, popularity-skewed exposure) as a "
                    "train/vali/test split folder");
    auto& c = args->config;
    cmd->add_option("--out", args->out, "Folder to write train.csv, vali.csv and test.csv into")->required();
    cmd->add_option("--users", c.n_users, "Number of users")->capture_default_str();
    cmd->add_option("--items", c.n_items, "Number of items")->capture_default_str();
    cmd->add_option("--rank", c.rank, "Dimension of the true latent factors")->capture_default_str();
    cmd->add_option("--tastes", c.n_tastes, "Number of planted taste clusters")->capture_default_str();
    cmd->add_option("--mean-preference", c.mean_preference, "Mean true preference (click rate among exposures)")
        ->capture_default_str();
    cmd->add_option("--popularity-skew", c.popularity_skew, "Zipf exponent of item popularity")->capture_default_str();
    cmd->add_option("--exposure-bias", c.exposure_bias, "How strongly exposure follows popularity (0: at random)")
        ->capture_default_str();
    cmd->add_option("--exposures-per-user", c.exposures_per_user, "Mean number of items a user is exposed to")
        ->capture_default_str();
    cmd->add_option("--activity-spread", c.activity_spread, "Log-normal spread of user activity (0: equal)")
        ->capture_default_str();
    cmd->add_option("--seed", c.seed, "Seed of every random draw")->capture_default_str();
    cmd->add_option("--test-fraction", args->test_fraction, "Share of each user's clicks held out for test.csv")
        ->capture_default_str();
    cmd->add_option("--validation-fraction", args->validation_fraction,
                    "Share of the remaining clicks also listed in vali.csv")
        ->capture_default_str();
    add_threads_option(*cmd, args->threads);
    cmd->callback([args] { run_generate(*args); });
}

}  // namespace mvae_cli
