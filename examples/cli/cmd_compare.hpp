// `mvae compare`: train several models on one data set under one protocol and write a table.
//
//   mvae compare --data DIR|synthetic --models mvae,uvae,ivae,jova,multvae,ease,bpr,pop [--seeds 3] --out PREFIX
//
// The data's kind decides the protocol:
//   - a JCA/JoVA split folder (train.csv, test.csv, vali.csv; Yelp): rank all items but the
//     user's training items, against test.csv (the paper's protocol).
//   - a Coat folder (train.ascii, test.ascii): train on the self-selected (exposure-biased)
//     ratings ≥ 4; rank each user's 16 randomly exposed test coats (random-exposure protocol),
//     and, as a second view, all coats but the training ones against the test positives.
//   - `synthetic`: the generator with known truth, once per exposure-bias strength β
//     (--exposure-bias); train on every click, rank a sample of each user's UNEXPOSED items
//     against whether the user would click them (the true preferences).
// Iterative models (the VAEs) choose their number of epochs on a validation holdout (JCA: vali.csv;
// otherwise a random 10 % of each user's training items) and are retrained on all training data
// for that many epochs; the others are fitted once. Nothing looks at the test data before the end.
// Writes PREFIX.md (mean ± std over seeds) and PREFIX.json; scripts/compare_chart.py draws PREFIX.png.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "json_report.hpp"
#include "options.hpp"
#include "train_mvae.hpp"
#include "mvae/data/coat.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/data/random_split.hpp"
#include "mvae/data/synthetic.hpp"
#include "mvae/eval/candidate_ranking.hpp"
#include "mvae/eval/epoch_selection.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/model/model_registry.hpp"

namespace mvae_cli {

struct CompareArgs {
    std::string data;
    std::string models = "mvae,uvae,ivae,jova,multvae,ease,bpr,pop";
    std::string out;
    std::string k;
    int seeds = 3;
    int max_epochs = 0;  ///< 0: by the data's kind (JCA 40, otherwise 200)
    int eval_every = 0;  ///< 0: by the data's kind (JCA 5, otherwise 10)
    int patience = 3;
    std::string exposure_bias = "0,1,2,3";
    mvae::SyntheticConfig synthetic;
    int candidates = 100;  ///< synthetic: unexposed items sampled per user
    int threads = 0;
};

/// One way of scoring a trained model.
struct Protocol {
    std::string name;
    std::function<mvae::EvalReport(mvae::Recommender&)> evaluate;
};

/// One data set prepared for the comparison.
struct CompareTask {
    std::string name;
    mvae::InteractionMatrix train;       ///< what the final models are fitted on
    mvae::InteractionMatrix fit_part;    ///< train minus the validation holdout
    mvae::InteractionMatrix validation;  ///< the holdout epochs are chosen on
    std::vector<Protocol> protocols;
};

namespace detail {

inline std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string item; std::getline(s, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

inline std::vector<double> parse_double_list(const std::string& option, const std::string& text) {
    std::vector<double> out;
    for (const std::string& field : split_list(text)) {
        std::size_t used = 0;
        double v = 0;
        try {
            v = std::stod(field, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        mvae::require_argument(used == field.size() && used > 0, option, ": '", field, "' in '", text, "' is not a number");
        out.push_back(v);
    }
    mvae::require_argument(!out.empty(), option, ": an empty list");
    return out;
}

inline auto score_fn(mvae::Recommender& model) {
    return [&model](mvae::index_t first, mvae::index_t count, mvae::MatrixView<float, mvae::Cpu> out) {
        model.score(first, count, out);
    };
}

/// A random `fraction` of each user's items as the validation holdout.
inline void holdout(CompareTask& task, std::uint64_t seed) {
    mvae::RandomSplitOptions o;
    o.test_fraction = 0.1;
    o.seed = seed;
    mvae::SplitData s = mvae::random_split(task.train, o);
    task.fit_part = std::move(s.train);
    task.validation = std::move(s.test);
}

}  // namespace detail

/// The tasks of a data argument, and the kind's name ("jca", "coat", "synthetic").
inline std::vector<CompareTask> load_compare_tasks(const CompareArgs& args, const mvae::EvalOptions& eval,
                                                   std::string& kind) {
    namespace fs = std::filesystem;
    std::vector<CompareTask> tasks;
    if (args.data == "synthetic") {
        kind = "synthetic";
        for (double beta : detail::parse_double_list("--exposure-bias", args.exposure_bias)) {
            mvae::SyntheticConfig c = args.synthetic;
            c.exposure_bias = beta;
            c.validate();
            auto world = std::make_shared<const mvae::SyntheticData>(mvae::generate_synthetic(c));
            auto test = std::make_shared<const mvae::UnbiasedTest>(
                world->sample_unbiased_test(mvae::index_t(args.candidates), c.seed + 1));
            std::ostringstream name;
            name << "exposure bias " << beta;
            CompareTask t{name.str(), world->clicks, {}, {}, {}};
            detail::holdout(t, c.seed + 2);
            t.protocols.push_back({"unexposed items vs. true preference", [test, eval](mvae::Recommender& m) {
                                       return mvae::evaluate_candidates<float>(test->candidates, test->positives,
                                                                               detail::score_fn(m), eval);
                                   }});
            tasks.push_back(std::move(t));
        }
        return tasks;
    }
    const fs::path dir(args.data);
    if (fs::exists(dir / "train.ascii")) {
        kind = "coat";
        auto coat = std::make_shared<const mvae::CoatData>(mvae::load_coat(dir));
        CompareTask t{"coat", coat->train, {}, {}, {}};
        detail::holdout(t, 7);
        t.protocols.push_back({"random exposure (16 test items)", [coat, eval](mvae::Recommender& m) {
                                   return mvae::evaluate_candidates<float>(coat->test_candidates, coat->test_positives,
                                                                           detail::score_fn(m), eval);
                               }});
        auto truth = std::make_shared<const mvae::InteractionMatrix>(without(coat->test_positives, coat->train));
        t.protocols.push_back({"all items", [coat, truth, eval](mvae::Recommender& m) {
                                   return mvae::evaluate_ranking<float>(coat->train, *truth, detail::score_fn(m), eval);
                               }});
        tasks.push_back(std::move(t));
        return tasks;
    }
    kind = "jca";
    auto split = std::make_shared<const mvae::SplitData>(mvae::load_jca_split(dir));
    mvae::require_argument(split->validation.nnz() > 0, "mvae compare: ", args.data,
                           " has no vali.csv (or it is empty): the VAEs' epochs are chosen on it");
    CompareTask t{dir.filename().string(), split->train, without(split->train, split->validation), split->validation, {}};
    t.protocols.push_back({"test (all items)", [split, eval](mvae::Recommender& m) {
                               return mvae::evaluate_ranking<float>(split->train, split->test, detail::score_fn(m), eval);
                           }});
    tasks.push_back(std::move(t));
    return tasks;
}

namespace detail {

inline std::string mean_std(const std::vector<double>& v) {
    double mean = 0;
    for (double x : v) mean += x;
    mean /= double(v.size());
    char buf[64];
    if (v.size() < 2) {
        std::snprintf(buf, sizeof buf, "%.4f", mean);
        return buf;
    }
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    std::snprintf(buf, sizeof buf, "%.4f ± %.4f", mean, std::sqrt(var / double(v.size() - 1)));
    return buf;
}

}  // namespace detail

inline void run_compare(const CompareArgs& args) {
    apply_threads(args.threads);
    const mvae::ModelRegistry registry = mvae::builtin_models();
    const std::vector<std::string> models = detail::split_list(args.models);
    mvae::require_argument(!models.empty(), "--models: an empty list");
    for (const auto& m : models) (void)registry.find(m);  // unknown names fail before any training
    mvae::require_argument(args.seeds >= 1, "--seeds must be >= 1, got ", args.seeds);

    std::string kind;
    mvae::EvalOptions eval;
    // K: the paper's 1, 5, 10 on the JCA splits; 5 and 10 where 16 candidates are ranked.
    eval.ks = parse_k_list(args.k.empty() ? (args.data == "synthetic" || !std::filesystem::exists(
                                                                               std::filesystem::path(args.data) / "train.csv")
                                                 ? "5,10"
                                                 : "1,5,10")
                                          : args.k);
    const std::vector<CompareTask> tasks = load_compare_tasks(args, eval, kind);
    const bool jca = kind == "jca";
    mvae::EpochSelectionOptions grid;
    grid.max_epochs = args.max_epochs > 0 ? args.max_epochs : (jca ? 40 : 200);
    grid.every = args.eval_every > 0 ? args.eval_every : (jca ? 5 : 10);
    grid.patience = args.patience;

    nlohmann::ordered_json json;
    json["data"] = args.data;
    json["kind"] = kind;
    json["seeds"] = args.seeds;
    json["ks"] = eval.ks;
    json["selection"] = {{"max_epochs", grid.max_epochs}, {"every", grid.every}, {"patience", grid.patience}, {"k", grid.k}};
    if (kind == "synthetic") {
        const auto& c = args.synthetic;
        json["synthetic"] = {{"users", c.n_users}, {"items", c.n_items}, {"exposures_per_user", c.exposures_per_user},
                             {"popularity_skew", c.popularity_skew}, {"seed", c.seed}, {"candidates", args.candidates}};
    }
    std::ostringstream md;
    md << "# mvae compare: " << args.data << " (" << kind << ")\n\n"
       << "Seeds 1.." << args.seeds << "; mean ± standard deviation over seeds (models that do not depend on the "
       << "seed are fitted once). Hyperparameter grids (in parentheses: the value chosen) are decided on validation "
       << "with seed 1. Iterative models: epochs chosen on "
       << "validation NDCG@" << grid.k << " every " << grid.every << " epochs up to " << grid.max_epochs
       << " (patience " << grid.patience << "), then retrained on all training data.\n";

    for (const CompareTask& task : tasks) {
        std::fprintf(stderr, "== %s: %d users x %d items, %lld training pairs (%lld for selection, %lld validation)\n",
                     task.name.c_str(), int(task.train.n_users()), int(task.train.n_items()),
                     static_cast<long long>(task.train.nnz()), static_cast<long long>(task.fit_part.nnz()),
                     static_cast<long long>(task.validation.nnz()));
        nlohmann::ordered_json jtask;
        jtask["name"] = task.name;
        for (const auto& p : task.protocols) jtask["protocols"].push_back(p.name);
        // results[model][protocol] = reports over seeds
        std::vector<std::vector<std::vector<mvae::EvalReport>>> results(models.size());
        std::vector<std::string> labels = models;  // with the chosen hyperparameters
        for (std::size_t mi = 0; mi < models.size(); ++mi) {
            const mvae::ModelEntry& entry = registry.find(models[mi]);
            nlohmann::ordered_json jmodel{{"name", entry.name}, {"description", entry.description}};
            results[mi].resize(task.protocols.size());
            const double scale = entry.scale_on(task.train);
            mvae::EpochSelectionOptions model_grid = grid;
            model_grid.max_epochs = std::max<mvae::index_t>(1, mvae::index_t(std::ceil(grid.max_epochs * scale)));
            model_grid.every = std::max<mvae::index_t>(1, mvae::index_t(std::ceil(grid.every * scale)));
            // A hyperparameter grid is decided once, with seed 1, on validation.
            std::size_t variant = 0;
            if (!entry.variants.empty()) {
                double best = -1;
                for (std::size_t v = 0; v < entry.variants.size(); ++v) {
                    auto probe = entry.make({.seed = 1, .variant = v});
                    const double ndcg = mvae::select_epochs(*probe, task.fit_part, task.validation, model_grid).validation_ndcg;
                    std::fprintf(stderr, "  %s %s: validation NDCG@%d %.4f\n", entry.name.c_str(), entry.variants[v].c_str(),
                                 int(model_grid.k), ndcg);
                    jmodel["variant_validation"][entry.variants[v]] = ndcg;
                    if (ndcg > best) best = ndcg, variant = v;
                }
                jmodel["variant"] = entry.variants[variant];
                labels[mi] = entry.name + " (" + entry.variants[variant] + ")";
            }
            // A model that ignores the seed is fitted once (its spread over seeds is 0).
            const int seeds = entry.seeded ? args.seeds : 1;
            for (int seed = 1; seed <= seeds; ++seed) {
                const auto t0 = std::chrono::steady_clock::now();
                const mvae::ModelSettings settings{.seed = std::uint64_t(seed), .variant = variant};
                nlohmann::ordered_json run{{"seed", seed}};
                std::unique_ptr<mvae::Recommender> model = entry.make(settings);
                if (model->iterative()) {
                    const mvae::EpochSelection sel = mvae::select_epochs(
                        *model, task.fit_part, task.validation, model_grid, [&](mvae::index_t e, double v) {
                            std::fprintf(stderr, "  %s seed %d: epoch %d, validation NDCG@%d %.4f\n", entry.name.c_str(),
                                         seed, int(e), int(model_grid.k), v);
                        });
                    run["epochs"] = sel.epochs;
                    run["validation_ndcg"] = sel.validation_ndcg;
                    run["validation_curve"] = {{"epochs", sel.tried}, {"ndcg", sel.curve}};
                    model = entry.make(settings);  // a fresh model on all training data
                    model->start(task.train);
                    model->train_epochs(sel.epochs);
                } else {
                    model->start(task.train);
                }
                run["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                for (std::size_t pi = 0; pi < task.protocols.size(); ++pi) {
                    const mvae::EvalReport r = task.protocols[pi].evaluate(*model);
                    results[mi][pi].push_back(r);
                    run["metrics"][task.protocols[pi].name] = to_json(r);
                }
                const auto& first = results[mi][0].back();
                std::fprintf(stderr, "  %s seed %d: %s NDCG@%d %.4f (%.1f s)\n", entry.name.c_str(), seed,
                             task.protocols[0].name.c_str(), int(first.ks.back()), first.ndcg.back(),
                             run["seconds"].get<double>());
                jmodel["runs"].push_back(run);
            }
            jtask["models"].push_back(jmodel);
        }
        json["tasks"].push_back(jtask);

        // The Markdown table: per protocol, F1 and NDCG (JCA) or NDCG and recall, at every K.
        md << "\n## " << task.name << "\n\n";
        for (std::size_t pi = 0; pi < task.protocols.size(); ++pi) {
            md << "**" << task.protocols[pi].name << "**\n\n| model |";
            const char* first_metric = jca ? "F1" : "Recall";
            for (auto k : eval.ks) md << ' ' << first_metric << '@' << k << " |";
            for (auto k : eval.ks) md << " NDCG@" << k << " |";
            md << "\n|---|";
            for (std::size_t j = 0; j < 2 * eval.ks.size(); ++j) md << "---|";
            md << '\n';
            for (std::size_t mi = 0; mi < models.size(); ++mi) {
                md << "| " << labels[mi] << " |";
                const auto& reports = results[mi][pi];
                for (int metric = 0; metric < 2; ++metric)
                    for (std::size_t j = 0; j < eval.ks.size(); ++j) {
                        std::vector<double> v;
                        for (const auto& r : reports) v.push_back(metric == 0 ? (jca ? r.f1[j] : r.recall[j]) : r.ndcg[j]);
                        md << ' ' << detail::mean_std(v) << " |";
                    }
                md << '\n';
            }
            md << '\n';
        }
    }
    const std::string prefix = args.out.empty() ? "compare" : args.out;
    write_text_file(prefix + ".json", json.dump(1));
    write_text_file(prefix + ".md", md.str());
    std::printf("%s\n", md.str().c_str());  // as write_text_file writes it
    std::fprintf(stderr, "wrote %s.md and %s.json (chart: python3 scripts/compare_chart.py %s.json)\n", prefix.c_str(),
                 prefix.c_str(), prefix.c_str());
}

inline void add_compare_command(CLI::App& app) {
    auto args = std::make_shared<CompareArgs>();
    CLI::App* cmd = app.add_subcommand("compare", "Train several models on one data set and write a comparison table");
    cmd->add_option("--data", args->data, "A JCA split folder, a Coat folder (train.ascii), or 'synthetic'")->required();
    cmd->add_option("--models", args->models, "Comma-separated models: " + [] {
                        std::string s;
                        for (const auto& n : mvae::builtin_models().names()) s += (s.empty() ? "" : ",") + n;
                        return s;
                    }())
        ->capture_default_str();
    cmd->add_option("--seeds", args->seeds, "Seeds 1..N per model")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--out", args->out, "Output prefix: writes PREFIX.md and PREFIX.json (default ./compare)");
    cmd->add_option("--k", args->k, "Cut-offs K (default 1,5,10 for JCA splits, 5,10 otherwise)");
    cmd->add_option("--max-epochs", args->max_epochs, "Largest epoch count tried (0: 40 for JCA splits, 200 otherwise)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--eval-every", args->eval_every, "Validation every N epochs (0: 5 for JCA splits, 10 otherwise)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--patience", args->patience, "Stop after N validations without a new best (0: never)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--exposure-bias", args->exposure_bias, "synthetic: the strengths beta, comma-separated")
        ->capture_default_str();
    cmd->add_option("--users", args->synthetic.n_users, "synthetic: users")->capture_default_str();
    cmd->add_option("--items", args->synthetic.n_items, "synthetic: items")->capture_default_str();
    cmd->add_option("--exposures", args->synthetic.exposures_per_user, "synthetic: mean exposures per user")
        ->capture_default_str();
    cmd->add_option("--popularity-skew", args->synthetic.popularity_skew, "synthetic: Zipf exponent of popularity")
        ->capture_default_str();
    cmd->add_option("--synthetic-seed", args->synthetic.seed, "synthetic: seed of the generated world")->capture_default_str();
    cmd->add_option("--candidates", args->candidates, "synthetic: unexposed items ranked per user")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    add_threads_option(*cmd, args->threads);
    cmd->callback([args] { run_compare(*args); });
}

}  // namespace mvae_cli
