// `mvae compare`: several models on one data set under one protocol (mvae::run_comparison; its
// header says how the data's kind decides the protocol), over seeds; writes PREFIX.md (mean ± std
// over seeds) and PREFIX.json; scripts/compare_chart.py draws PREFIX.png.
//
//   mvae compare --data DIR|synthetic --models mvae,uvae,ivae,jova,multvae,ease,bpr,pop [--seeds 3] --out PREFIX
//                [--set mvae,uvae,ivae.rank=400 ...]
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ranks.hpp"
#include "json_report.hpp"
#include "options.hpp"
#include "mvae/recommender/comparison.hpp"

namespace mvae_cli {

struct CompareArgs {
    mvae::ComparisonOptions options;
    std::string models = "mvae,uvae,ivae,jova,multvae,ease,bpr,pop", exposure_bias = "0,1,2,3", k, out = "compare";
    std::vector<std::string> settings;  ///< --set MODELS.KEY=VALUE
    int threads = 0;
};

inline std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string item; std::getline(s, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

/// Adds one `--set MODELS.KEY=VALUE` (MODELS: comma-separated names) to `overrides`.
inline void add_setting(const std::string& text, std::map<std::string, mvae::OptionOverrides>& overrides) {
    const auto dot = text.find('.');
    const auto eq = text.find('=', dot == std::string::npos ? 0 : dot);
    mvae::require_argument(dot != std::string::npos && dot > 0 && eq != std::string::npos && eq > dot + 1, "--set: '", text,
                           "' is not MODELS.KEY=VALUE (e.g. mvae,uvae,ivae.rank=400)");
    const std::string key = text.substr(dot + 1, eq - dot - 1), value = text.substr(eq + 1);
    for (const auto& model : split_list(text.substr(0, dot))) overrides[model].emplace_back(key, value);
}

/// The comparison's JSON: settings, then per task and model the variant chosen and every run.
inline json comparison_json(const mvae::ComparisonResult& r) {
    json j{{"data", r.data}, {"kind", r.kind}, {"seeds", r.seeds}, {"ks", r.ks},
           {"selection", {{"max_epochs", r.selection.max_epochs}, {"every", r.selection.every},
                          {"patience", r.selection.patience}, {"k", r.selection.k}}}};
    if (r.kind == "synthetic") {
        const auto& c = r.options.synthetic;
        j["synthetic"] = {{"users", c.n_users}, {"items", c.n_items}, {"exposures_per_user", c.exposures_per_user},
                          {"popularity_skew", c.popularity_skew}, {"seed", c.seed}, {"candidates", r.options.candidates}};
    }
    for (const auto& task : r.tasks) {
        json jt{{"name", task.name}, {"protocols", task.protocols}};
        for (const auto& m : task.models) {
            json jm{{"name", m.name}, {"description", m.description}};
            for (const auto& [key, value] : m.overrides) jm["overrides"][key] = value;
            for (const auto& [label, ndcg] : m.variant_validation) jm["variant_validation"][label] = ndcg;
            if (m.variant) jm["variant"] = *m.variant;
            for (const auto& run : m.runs) {
                json jr{{"seed", run.seed}};
                if (run.selection) {
                    jr["epochs"] = run.selection->epochs;
                    jr["validation_ndcg"] = run.selection->validation_ndcg;
                    jr["validation_curve"] = {{"epochs", run.selection->tried}, {"ndcg", run.selection->curve}};
                    if (!run.selection->part_epochs.empty()) {
                        jr["part_epochs"] = run.selection->part_epochs;
                        jr["part_validation_curves"] = run.selection->part_curves;
                    }
                    if (run.selection->mix)
                        jr["mix"] = {{"alpha", run.selection->mix->alpha}, {"fusion", mvae::to_string(run.selection->mix->fusion)}};
                }
                jr["seconds"] = run.seconds;
                for (std::size_t p = 0; p < task.protocols.size(); ++p) jr["metrics"][task.protocols[p]] = to_json(run.metrics[p]);
                jm["runs"].push_back(jr);
            }
            jt["models"].push_back(jm);
        }
        j["tasks"].push_back(jt);
    }
    return j;
}

inline void run_compare(CompareArgs args) {
    require_one_rank("compare");
    apply_threads(args.threads);
    args.options.models = split_list(args.models);
    for (const auto& setting : args.settings) add_setting(setting, args.options.overrides);
    if (!args.k.empty()) args.options.ks = parse_int_list(args.k, "--k");
    args.options.exposure_bias.clear();
    for (const auto& field : split_list(args.exposure_bias)) {
        std::size_t used = 0;
        try { args.options.exposure_bias.push_back(std::stod(field, &used)); } catch (const std::exception&) { used = 0; }
        mvae::require_argument(used == field.size() && used > 0, "--exposure-bias: '", field, "' is not a number");
    }
    const auto log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    const mvae::ComparisonResult result = mvae::run_comparison(mvae::builtin_models(), args.options, log);
    const std::string md = mvae::comparison_markdown(result);
    write_text_file(args.out + ".json", comparison_json(result).dump(1));
    write_text_file(args.out + ".md", md);
    std::printf("%s\n", md.c_str());
    std::fprintf(stderr, "wrote %s.md and %s.json (chart: python3 scripts/compare_chart.py %s.json)\n", args.out.c_str(),
                 args.out.c_str(), args.out.c_str());
}

inline void add_compare_command(CLI::App& app) {
    auto a = std::make_shared<CompareArgs>();
    auto& o = a->options;
    CLI::App* cmd = app.add_subcommand("compare", "Train several models on one data set and write a comparison table");
    cmd->add_option("--data", o.data, "A JCA split folder, a Coat folder (train.ascii), or 'synthetic'")->required();
    std::string names;
    for (const auto& n : mvae::builtin_models().names()) names += (names.empty() ? "" : ",") + n;
    cmd->add_option("--models", a->models, "Comma-separated models: " + names)->capture_default_str();
    cmd->add_option("--seeds", o.seeds, "Seeds 1..N per model")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--out", a->out, "Output prefix: writes PREFIX.md and PREFIX.json")->capture_default_str();
    cmd->add_option("--k", a->k, "Cut-offs K (default 1,5,10 for JCA splits, 5,10 otherwise)");
    cmd->add_option("--max-epochs", o.max_epochs, "Largest epoch count tried (0: 40 for JCA splits, 200 otherwise)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--eval-every", o.eval_every, "Validation every N epochs (0: 5 for JCA splits, 10 otherwise)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--patience", o.patience, "Stop after N validations without a new best (0: never)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--exposure-bias", a->exposure_bias, "synthetic: the strengths beta, comma-separated")->capture_default_str();
    cmd->add_option("--users", o.synthetic.n_users, "synthetic: users")->capture_default_str();
    cmd->add_option("--items", o.synthetic.n_items, "synthetic: items")->capture_default_str();
    cmd->add_option("--exposures", o.synthetic.exposures_per_user, "synthetic: mean exposures per user")->capture_default_str();
    cmd->add_option("--popularity-skew", o.synthetic.popularity_skew, "synthetic: Zipf exponent of popularity")->capture_default_str();
    cmd->add_option("--synthetic-seed", o.synthetic.seed, "synthetic: seed of the generated world")->capture_default_str();
    cmd->add_option("--candidates", o.candidates, "synthetic: unexposed items ranked per user")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--set", a->settings,
                    "MODELS.KEY=VALUE: a setting of the named models (comma-separated), e.g. mvae,uvae,ivae.rank=400; "
                    "repeatable; keys as in model files (rank, als_lambda, epochs, …)");
    add_threads_option(*cmd, a->threads);
    cmd->callback([a] { run_compare(*a); });
}

}  // namespace mvae_cli
