// `mvae recommend`: top items of a saved model for a training user, or for a new user's history.
//
//   mvae recommend --model FILE --user U [--k 10]          (U: the 1-based user id of the CSVs)
//   mvae recommend --model FILE --history 3,17,42 [--k 10] (1-based item ids of a new user)
// Prints one JSON object: {"user":U,"items":[…1-based ids…]} (history: "history").
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ranks.hpp"
#include "options.hpp"
#include "mvae/recommender/mvae_loader.hpp"

namespace mvae_cli {

struct RecommendArgs {
    std::string model, history;
    int user = 0, k = 10, threads = 0;
};

inline void run_recommend(const RecommendArgs& args) {
    require_one_rank("recommend");
    apply_threads(args.threads);
    mvae::require_argument((args.user > 0) != !args.history.empty(), "give exactly one of --user and --history");
    const auto model = mvae::load_mvae_recommender(args.model);
    nlohmann::ordered_json out;
    std::vector<mvae::index_t> items;
    if (args.user > 0) {
        mvae::require_argument(args.user <= model->n_users(), "--user ", args.user, " is not in 1..", model->n_users(),
                               " (the users of ", args.model, ")");
        out["user"] = args.user;
        items = model->recommend(args.user - 1, args.k);
    } else {
        out["history"] = args.history;
        items = model->recommend_for_history(parse_int_list(args.history, "--history", /*minus_one=*/true), args.k);
    }
    nlohmann::ordered_json ids = nlohmann::ordered_json::array();
    for (mvae::index_t i : items) ids.push_back(i + 1);
    out["items"] = ids;
    std::printf("%s\n", out.dump().c_str());
}

inline void add_recommend_command(CLI::App& app) {
    auto args = std::make_shared<RecommendArgs>();
    CLI::App* cmd = app.add_subcommand("recommend", "Top-K items of a saved model for a user or a new user's history");
    cmd->add_option("--model", args->model, "A model saved by mvae train --save")->required()->check(CLI::ExistingFile);
    cmd->add_option("--user", args->user, "1-based user id of the training data")->check(CLI::PositiveNumber);
    cmd->add_option("--history", args->history, "Comma-separated 1-based item ids of a user not in training");
    cmd->add_option("--k", args->k, "How many items")->check(CLI::PositiveNumber)->capture_default_str();
    add_threads_option(*cmd, args->threads);
    cmd->callback([args] { run_recommend(*args); });
}

}  // namespace mvae_cli
