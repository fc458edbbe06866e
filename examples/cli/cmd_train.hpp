// `mvae train`: fit a model on a JCA/JoVA split folder and print its test metrics as JSON.
//
// Models available so far: pop (item popularity). The MVAE models join in later releases.
#pragma once

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "json_report.hpp"
#include "metrics_table.hpp"
#include "options.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/io/atomic_file.hpp"
#include "mvae/model/popularity.hpp"

namespace mvae_cli {

struct TrainArgs {
    std::string data;
    std::string model = "pop";
    std::string k = "1,5,10";
    std::string metrics_json;
    int threads = 0;
};

inline void write_text_file(const std::string& path, const std::string& text) {
    mvae::write_file_atomically(path, [&](std::ofstream& out) { out << text << '\n'; });
}

inline void run_train(const TrainArgs& args) {
    apply_threads(args.threads);
    mvae::EvalOptions eval_options;
    eval_options.ks = parse_k_list(args.k);

    const auto t0 = std::chrono::steady_clock::now();
    const mvae::SplitData data = mvae::load_jca_split(args.data);
    std::fprintf(stderr, "data: %d users, %d items, %lld train / %lld validation / %lld test pairs\n",
                 int(data.n_users()), int(data.n_items()), static_cast<long long>(data.train.nnz()),
                 static_cast<long long>(data.validation.nnz()), static_cast<long long>(data.test.nnz()));

    mvae::Popularity model;
    model.fit(data.train);
    const mvae::EvalReport report = mvae::evaluate_ranking<float>(
        data.train, data.test,
        [&](mvae::index_t first, mvae::index_t count, mvae::MatrixView<float, mvae::Cpu> out) {
            model.score(first, count, out);
        },
        eval_options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::fprintf(stderr, "model: %s, %.2f s\n", args.model.c_str(), seconds);
    print_metrics_table(stderr, report);
    const std::string json = to_json(report).dump();
    std::printf("%s\n", json.c_str());
    if (!args.metrics_json.empty()) write_text_file(args.metrics_json, json);
}

inline void add_train_command(CLI::App& app) {
    auto args = std::make_shared<TrainArgs>();
    CLI::App* cmd = app.add_subcommand("train", "Train a model on DIR/train.csv and print its test metrics as JSON");
    cmd->add_option("--data", args->data, "Split folder with train.csv, test.csv and optionally vali.csv")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--model", args->model, "Model to train")->check(CLI::IsMember({"pop"}))->capture_default_str();
    cmd->add_option("--k", args->k, "Cut-offs K of the metrics, comma-separated")->capture_default_str();
    cmd->add_option("--metrics-json", args->metrics_json, "Also write the metrics JSON to this file");
    add_threads_option(*cmd, args->threads);
    cmd->callback([args] { run_train(*args); });
}

}  // namespace mvae_cli
