// examples/cli/cmd_evaluate.hpp — `mvae evaluate`: the paper's Table II protocol applied to a score
// matrix saved as .npy (docs/evaluation.md).
//
//   mvae evaluate --train train.csv --test test.csv --scores scores.npy [--k 1,5,10]
//                 [--f1 of-averages|per-user] [--threads N]
//
// The .npy file's shape (users × items, float32 or float64, C order) fixes the matrix shape; the CSVs
// (JCA format: header userId,itemId, 1-based ids) must fit inside it. Prints one line of JSON (see
// json_report.hpp) to stdout. Failures are thrown as mvae::Error for main to report.
#pragma once

#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "ranks.hpp"
#include "json_report.hpp"
#include "mvae/core/error.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/eval/metrics.hpp"
#include "mvae/io/npy.hpp"
#include "options.hpp"

namespace mvae_cli {

/// The values of `mvae evaluate`'s options.
struct EvaluateArgs {
    std::string train;
    std::string test;
    std::string scores;
    std::string k = "1,5,10";
    std::string f1 = "of-averages";
    int threads = 0;  // 0: leave the default (all cores)
};

/// Runs the evaluation with scores of type S and prints the JSON line.
template <mvae::Real S>
void run_evaluate_as(const EvaluateArgs& args, const mvae::EvalOptions& options) {
    const mvae::Matrix<S, mvae::Cpu> scores = mvae::read_npy_matrix<S>(args.scores);
    // load_jca_csv reads a shape of 0 as "infer from the file", so an empty matrix is refused here.
    mvae::require_argument(scores.rows() > 0 && scores.cols() > 0, "--scores: ", args.scores, " holds a ",
                           scores.rows(), " x ", scores.cols(), " matrix; at least one user and one item are needed");
    const mvae::InteractionMatrix train = mvae::load_jca_csv(args.train, scores.rows(), scores.cols());
    const mvae::InteractionMatrix test = mvae::load_jca_csv(args.test, scores.rows(), scores.cols());
    const mvae::EvalReport report = mvae::evaluate_scores(train, test, scores.cview(), options);
    std::cout << to_json(report).dump() << '\n' << std::flush;
}

/// The body of `mvae evaluate`.
inline void run_evaluate(const EvaluateArgs& args) {
    require_one_rank("evaluate");
    mvae::EvalOptions options;
    options.ks = parse_int_list(args.k, "--k");
    mvae::validate_eval_options(options);  // also refuses a repeated K, before any file is read
    if (args.f1 == "of-averages") {
        options.f1_mode = mvae::EvalOptions::F1Mode::OfAverages;
    } else if (args.f1 == "per-user") {
        options.f1_mode = mvae::EvalOptions::F1Mode::PerUser;
    } else {
        throw mvae::ArgumentError("--f1: '" + args.f1 + "' is not one of of-averages, per-user");
    }
    apply_threads(args.threads);

    // Dispatch on the file's dtype: scores are never converted (see mvae/io/npy.hpp). Any other
    // dtype goes to the float reader, which names it in its error.
    if (mvae::read_npy_header(args.scores).dtype == mvae::npy_dtype<double>()) {
        run_evaluate_as<double>(args, options);
    } else {
        run_evaluate_as<float>(args, options);
    }
}

/// Registers the `evaluate` subcommand on `app`; its callback runs the evaluation.
inline void add_evaluate_command(CLI::App& app) {
    auto args = std::make_shared<EvaluateArgs>();
    CLI::App* cmd = app.add_subcommand(
        "evaluate",
        "Evaluate a users x items score matrix (.npy) with the paper's protocol: rank all items not in the "
        "user's training set, report Precision/Recall/F1/NDCG@K averaged over users with test items");
    cmd->add_option("--train", args->train, "Training interactions (CSV userId,itemId, 1-based): excluded from ranking")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--test", args->test, "Test interactions (CSV userId,itemId, 1-based): the relevant items")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--scores", args->scores,
                    "Score matrix, users x items, float32 or float64 .npy in C order (row u = user id u+1)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--k", args->k, "Cut-offs K, comma-separated")
        ->capture_default_str()
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                try {
                    mvae::EvalOptions o;
                    o.ks = parse_int_list(value, "--k");
                    mvae::validate_eval_options(o);
                    return {};
                } catch (const mvae::Error& e) {
                    // CLI11 prefixes the option's name itself.
                    const std::string_view what = e.what();
                    return std::string(what.substr(what.rfind("--k: ", 0) == 0 ? 5 : 0));
                }
            },
            "K[,K...]", "positive integers"));
    cmd->add_option("--f1", args->f1, "F1 from the averaged P and R (as JCA/JoVA and the paper) or averaged per user")
        ->capture_default_str()
        ->check(CLI::IsMember({"of-averages", "per-user"}));
    add_threads_option(*cmd, args->threads);
    cmd->callback([args] { run_evaluate(*args); });
}

}  // namespace mvae_cli
