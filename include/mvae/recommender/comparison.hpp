// mvae/recommender/comparison.hpp — several models on one data set under one protocol, over seeds,
// with their table: the method behind `mvae compare` and docs/results.md's comparisons, as API.
//
// The data's kind decides the protocol (load_comparison_tasks):
//   - a JCA/JoVA split folder (train.csv, test.csv, vali.csv; Yelp): rank all items but the user's
//     training items against test.csv (the paper's protocol);
//   - a Coat folder (train.ascii, test.ascii): train on the self-selected ratings ≥ 4; rank each
//     user's 16 randomly exposed test coats (random-exposure protocol) and, as a second view, all
//     coats but the training ones against the test positives;
//   - "synthetic": the generator with known truth, once per exposure-bias strength β; train on
//     every click, rank a sample of each user's UNEXPOSED items against the true preferences.
// Hyperparameter grids (registry variants) are decided once, with seed 1, on validation. Iterative
// models choose their epochs on a validation holdout (JCA: vali.csv; otherwise a random 10 % of
// each user's training items) and are retrained on all training data for that many epochs; the
// others are fitted once per seed (once in all when they ignore the seed). Nothing looks at the
// test data before the end.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/coat.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/data/random_split.hpp"
#include "mvae/data/set_difference.hpp"
#include "mvae/data/synthetic.hpp"
#include "mvae/eval/candidate_ranking.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/recommender/epoch_selection.hpp"
#include "mvae/recommender/model_registry.hpp"
#include "mvae/recommender/training_run.hpp"

namespace mvae {

/// What to compare and how; 0 / empty fields take the data kind's defaults.
struct ComparisonOptions {
    std::string data;                  ///< a JCA split folder, a Coat folder, or "synthetic"
    std::vector<std::string> models = {"mvae", "uvae", "ivae", "jova", "multvae", "ease", "bpr", "pop"};
    int seeds = 3;                     ///< seeds 1..seeds per model, ≥ 1
    index_t max_epochs = 0;            ///< 0: 40 for JCA splits, 200 otherwise
    index_t eval_every = 0;            ///< 0: 5 for JCA splits, 10 otherwise
    index_t patience = 3;              ///< stop after N validations without a new best (0: never)
    std::vector<index_t> ks;           ///< empty: 1, 5, 10 for JCA splits; 5, 10 otherwise
    std::vector<double> exposure_bias = {0, 1, 2, 3};  ///< synthetic: one world per β
    SyntheticConfig synthetic;         ///< synthetic: the world (exposure_bias is set per task)
    index_t candidates = 100;          ///< synthetic: unexposed items ranked per user
    /// Settings per model name, applied last through its option table (ModelSettings::options),
    /// e.g. {"mvae", {{"rank", "400"}}}; a name not in `models`, an unknown key or a bad value
    /// fails before any training.
    std::map<std::string, OptionOverrides> overrides;
};

/// One way of scoring a trained model.
struct ComparisonProtocol {
    std::string name;
    std::function<EvalReport(Recommender&)> evaluate;
};

/// One data set prepared for the comparison.
struct ComparisonTask {
    std::string name;
    InteractionMatrix train;       ///< what the final models are fitted on
    InteractionMatrix fit_part;    ///< train minus the validation holdout
    InteractionMatrix validation;  ///< the holdout epochs are chosen on
    std::vector<ComparisonProtocol> protocols;
};

/// The data kind of options.data: "synthetic", "coat" (a train.ascii) or "jca".
[[nodiscard]] inline std::string comparison_kind(const std::string& data) {
    if (data == "synthetic") return "synthetic";
    return std::filesystem::exists(std::filesystem::path(data) / "train.ascii") ? "coat" : "jca";
}

namespace detail {

inline auto score_fn(Recommender& model) {
    return [&model](index_t first, index_t count, MatrixView<float, Cpu> out) { model.score(first, count, out); };
}

/// A random 10 % of each user's items as the validation holdout.
inline void holdout(ComparisonTask& task, std::uint64_t seed) {
    RandomSplitOptions o;
    o.test_fraction = 0.1;
    o.seed = seed;
    SplitData s = random_split(task.train, o);
    task.fit_part = std::move(s.train);
    task.validation = std::move(s.test);
}

}  // namespace detail

/// The tasks and protocols of options.data (see the file comment), evaluated at `eval`'s cut-offs.
[[nodiscard]] inline std::vector<ComparisonTask> load_comparison_tasks(const ComparisonOptions& options,
                                                                       const EvalOptions& eval) {
    std::vector<ComparisonTask> tasks;
    const std::string kind = comparison_kind(options.data);
    if (kind == "synthetic") {
        require_argument(!options.exposure_bias.empty(), "comparison: an empty list of exposure-bias strengths");
        for (double beta : options.exposure_bias) {
            SyntheticConfig c = options.synthetic;
            c.exposure_bias = beta;
            c.validate();
            auto world = std::make_shared<const SyntheticData>(generate_synthetic(c));
            auto test = std::make_shared<const UnbiasedTest>(world->sample_unbiased_test(options.candidates, c.seed + 1));
            std::ostringstream name;
            name << "exposure bias " << beta;
            ComparisonTask t{name.str(), world->clicks, {}, {}, {}};
            detail::holdout(t, c.seed + 2);
            t.protocols.push_back({"unexposed items vs. true preference", [test, eval](Recommender& m) {
                                       return evaluate_candidates<float>(test->candidates, test->positives,
                                                                         detail::score_fn(m), eval);
                                   }});
            tasks.push_back(std::move(t));
        }
        return tasks;
    }
    const std::filesystem::path dir(options.data);
    if (kind == "coat") {
        auto coat = std::make_shared<const CoatData>(load_coat(dir));
        ComparisonTask t{"coat", coat->train, {}, {}, {}};
        detail::holdout(t, 7);
        t.protocols.push_back({"random exposure (16 test items)", [coat, eval](Recommender& m) {
                                   return evaluate_candidates<float>(coat->test_candidates, coat->test_positives,
                                                                     detail::score_fn(m), eval);
                               }});
        auto truth = std::make_shared<const InteractionMatrix>(without(coat->test_positives, coat->train));
        t.protocols.push_back({"all items", [coat, truth, eval](Recommender& m) {
                                   return evaluate_ranking<float>(coat->train, *truth, detail::score_fn(m), eval);
                               }});
        tasks.push_back(std::move(t));
        return tasks;
    }
    auto split = std::make_shared<const SplitData>(load_jca_split(dir));
    require_argument(split->validation.nnz() > 0, "comparison: ", options.data,
                     " has no vali.csv (or it is empty): the VAEs' epochs are chosen on it");
    ComparisonTask t{dir.filename().string(), split->train, without(split->train, split->validation), split->validation, {}};
    t.protocols.push_back({"test (all items)", [split, eval](Recommender& m) {
                               return evaluate_ranking<float>(split->train, split->test, detail::score_fn(m), eval);
                           }});
    tasks.push_back(std::move(t));
    return tasks;
}

/// One fitted model of a comparison.
struct ComparisonRun {
    int seed = 1;
    std::optional<EpochSelection> selection;  ///< iterative models: what validation chose
    double seconds = 0;
    std::vector<EvalReport> metrics;          ///< one per protocol
};

/// One model over the seeds.
struct ComparisonModel {
    std::string name, description;
    std::string label;                        ///< name, its overrides and the chosen variant, for tables
    OptionOverrides overrides;                ///< the settings given for it (ComparisonOptions::overrides)
    std::optional<std::string> variant;       ///< the chosen hyperparameter value
    std::vector<std::pair<std::string, double>> variant_validation;  ///< each variant's validation NDCG
    std::vector<ComparisonRun> runs;
};

struct ComparisonTaskResult {
    std::string name;
    std::vector<std::string> protocols;
    std::vector<ComparisonModel> models;
};

/// Everything a comparison measured, for tables (comparison_markdown) and JSON.
struct ComparisonResult {
    std::string data, kind;
    int seeds = 0;
    std::vector<index_t> ks;
    EpochSelectionOptions selection;
    ComparisonOptions options;
    std::vector<ComparisonTaskResult> tasks;
};

/**
 * Runs the comparison of `options` with the models of `registry` (see the file comment).
 * Unknown model names and bad overrides fail before any training. `progress` gets one line per
 * evaluation and fit.
 */
[[nodiscard]] inline ComparisonResult run_comparison(const ModelRegistry& registry, const ComparisonOptions& options,
                                                     const ProgressFn& progress = {}) {
    require_argument(!options.models.empty(), "comparison: an empty list of models");
    for (const auto& [name, kv] : options.overrides)
        require_argument(std::find(options.models.begin(), options.models.end(), name) != options.models.end(),
                         "comparison: settings given for '", name, "', which is not among the models compared");
    const auto overrides_of = [&](const std::string& name) {
        const auto it = options.overrides.find(name);
        return it == options.overrides.end() ? OptionOverrides{} : it->second;
    };
    for (const auto& m : options.models) (void)registry.find(m).make({.seed = 1, .options = overrides_of(m)});  // cheap: nothing is fitted
    require_argument(options.seeds >= 1, "comparison: seeds must be >= 1, got ", options.seeds);
    const auto say = [&](const std::string& line) {
        if (progress) progress(line);
    };
    ComparisonResult result;
    result.options = options;
    result.data = options.data;
    result.kind = comparison_kind(options.data);
    result.seeds = options.seeds;
    const bool jca = result.kind == "jca";
    EvalOptions eval;
    eval.ks = !options.ks.empty() ? options.ks : jca ? std::vector<index_t>{1, 5, 10} : std::vector<index_t>{5, 10};
    result.ks = eval.ks;
    EpochSelectionOptions& grid = result.selection;
    grid.max_epochs = options.max_epochs > 0 ? options.max_epochs : (jca ? 40 : 200);
    grid.every = options.eval_every > 0 ? options.eval_every : (jca ? 5 : 10);
    grid.patience = options.patience;
    grid.validate();

    for (const ComparisonTask& task : load_comparison_tasks(options, eval)) {
        say(detail::error_message("== ", task.name, ": ", task.train.n_users(), " users x ", task.train.n_items(), " items, ",
                                  task.train.nnz(), " training pairs (", task.fit_part.nnz(), " for selection, ",
                                  task.validation.nnz(), " validation)"));
        ComparisonTaskResult tr;
        tr.name = task.name;
        for (const auto& p : task.protocols) tr.protocols.push_back(p.name);
        for (const std::string& name : options.models) {
            const ModelEntry& entry = registry.find(name);
            ComparisonModel cm{entry.name, entry.description, entry.name, overrides_of(name), std::nullopt, {}, {}};
            if (!cm.overrides.empty()) {
                std::string list;
                for (const auto& [key, value] : cm.overrides) list += (list.empty() ? "" : ", ") + key + "=" + value;
                cm.label += " [" + list + "]";
            }
            const double scale = entry.scale_on(task.train);
            EpochSelectionOptions model_grid = grid;
            model_grid.max_epochs = std::max<index_t>(1, index_t(std::ceil(double(grid.max_epochs) * scale)));
            model_grid.every = std::max<index_t>(1, index_t(std::ceil(double(grid.every) * scale)));
            std::optional<std::size_t> variant;
            if (!entry.variants.empty()) {  // decided once, with seed 1, on validation
                double best = -1;
                for (std::size_t v = 0; v < entry.variants.size(); ++v) {
                    auto probe = entry.make({.seed = 1, .variant = v, .options = cm.overrides});
                    const double ndcg = select_epochs(*probe, task.fit_part, task.validation, model_grid).validation_ndcg;
                    say(detail::error_message("  ", entry.name, " ", entry.variants[v], ": validation NDCG@", model_grid.k, " ", ndcg));
                    cm.variant_validation.emplace_back(entry.variants[v], ndcg);
                    if (ndcg > best) best = ndcg, variant = v;
                }
                cm.variant = entry.variants[*variant];
                cm.label += " (" + *cm.variant + ")";
            }
            const int seeds = entry.seeded ? options.seeds : 1;
            for (int seed = 1; seed <= seeds; ++seed) {
                const auto t0 = std::chrono::steady_clock::now();
                const ModelSettings settings{.seed = std::uint64_t(seed), .variant = variant, .options = cm.overrides};
                ComparisonRun run;
                run.seed = seed;
                std::unique_ptr<Recommender> model = entry.make(settings);
                if (model->iterative()) {
                    run.selection = select_epochs(*model, task.fit_part, task.validation, model_grid, [&](index_t e, double v) {
                        say(detail::error_message("  ", entry.name, " seed ", seed, ": epoch ", e, ", validation NDCG@",
                                                  model_grid.k, " ", v));
                    });
                    model = entry.make(settings);  // a fresh model on all training data
                    model->start(task.train);
                    train_selected(*model, *run.selection);
                } else {
                    model->start(task.train);
                }
                run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                for (const auto& protocol : task.protocols) run.metrics.push_back(protocol.evaluate(*model));
                say(detail::error_message("  ", entry.name, " seed ", seed, ": ", task.protocols[0].name, " NDCG@",
                                          run.metrics[0].ks.back(), " ", run.metrics[0].ndcg.back(), " (", run.seconds, " s)"));
                cm.runs.push_back(std::move(run));
            }
            tr.models.push_back(std::move(cm));
        }
        result.tasks.push_back(std::move(tr));
    }
    return result;
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

/// The comparison as Markdown: per task and protocol, F1 (JCA) or recall, and NDCG at every K,
/// mean ± standard deviation over seeds.
[[nodiscard]] inline std::string comparison_markdown(const ComparisonResult& r) {
    const bool jca = r.kind == "jca";
    std::ostringstream md;
    md << "# mvae compare: " << r.data << " (" << r.kind << ")\n\n"
       << "Seeds 1.." << r.seeds << "; mean ± standard deviation over seeds (models that do not depend on the "
       << "seed are fitted once). Hyperparameter grids (in parentheses: the value chosen) are decided on validation "
       << "with seed 1. Iterative models: epochs chosen on "
       << "validation NDCG@" << r.selection.k << " every " << r.selection.every << " epochs up to " << r.selection.max_epochs
       << " (patience " << r.selection.patience << "), then retrained on all training data.\n";
    for (const auto& task : r.tasks) {
        md << "\n## " << task.name << "\n\n";
        for (std::size_t pi = 0; pi < task.protocols.size(); ++pi) {
            md << "**" << task.protocols[pi] << "**\n\n| model |";
            const char* first_metric = jca ? "F1" : "Recall";
            for (auto k : r.ks) md << ' ' << first_metric << '@' << k << " |";
            for (auto k : r.ks) md << " NDCG@" << k << " |";
            md << "\n|---|";
            for (std::size_t j = 0; j < 2 * r.ks.size(); ++j) md << "---|";
            md << '\n';
            for (const auto& model : task.models) {
                md << "| " << model.label << " |";
                for (int metric = 0; metric < 2; ++metric)
                    for (std::size_t j = 0; j < r.ks.size(); ++j) {
                        std::vector<double> v;
                        for (const auto& run : model.runs) {
                            const EvalReport& e = run.metrics[pi];
                            v.push_back(metric == 0 ? (jca ? e.f1[j] : e.recall[j]) : e.ndcg[j]);
                        }
                        md << ' ' << detail::mean_std(v) << " |";
                    }
                md << '\n';
            }
            md << '\n';
        }
    }
    return md.str();
}

}  // namespace mvae
