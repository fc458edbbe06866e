// examples/cli/json_report.hpp — the JSON forms of the library's reports, as the mvae commands
// print and write them.
//
//   evaluation: {"users_evaluated":N,"precision":{"1":…,"5":…},"recall":{…},"f1":{…},"ndcg":{…}}
// (keys of the per-metric objects are the cut-offs as strings, in the order of the report).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mvae/core/memory_usage.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/eval/metrics.hpp"
#include "mvae/recommender/training_run.hpp"

namespace mvae_cli {

using json = nlohmann::ordered_json;

/// The report as an insertion-ordered JSON object (see the file comment for the layout).
[[nodiscard]] inline json to_json(const mvae::EvalReport& report) {
    json out;
    out["users_evaluated"] = report.users_evaluated;
    const auto per_k = [&](const std::vector<double>& values) {
        json obj = json::object();
        for (std::size_t j = 0; j < report.ks.size() && j < values.size(); ++j) obj[std::to_string(report.ks[j])] = values[j];
        return obj;
    };
    out["precision"] = per_k(report.precision);
    out["recall"] = per_k(report.recall);
    out["f1"] = per_k(report.f1);
    out["ndcg"] = per_k(report.ndcg);
    return out;
}

template <class T>
[[nodiscard]] json to_json(const std::optional<T>& v) {
    return v ? to_json(*v) : json();
}

/// A training run: settings, the chosen epoch, every test report, timings and the epochs' logs.
[[nodiscard]] inline json history_json(const std::string& data, const std::string& model, bool selecting,
                                      const mvae::TrainingOutcome& o) {
    json epochs = json::array();
    for (const auto& r : o.history) {
        json e{{"epoch", r.log.epoch}, {"seconds", r.log.seconds}};
        for (const auto& [name, value] : r.log.values) e[name] = value;
        if (r.test) e["test"] = to_json(*r.test);
        if (r.validation) e["validation"] = to_json(*r.validation);
        if (!r.part_validation.empty()) e["part_validation_ndcg"] = r.part_validation;
        epochs.push_back(std::move(e));
    }
    json parts = json::array();
    for (const auto& r : o.part_tests) parts.push_back(to_json(r));
    json mix;
    if (o.mix) mix = json{{"alpha", o.mix->alpha}, {"fusion", mvae::to_string(o.mix->fusion)}};
    return json{{"data", data}, {"model", model}, {"options", o.model->describe()}, {"selected_on_validation", selecting},
                {"selected_epoch", o.selected_epoch > 0 ? json(o.selected_epoch) : json()},
                {"part_epochs", o.part_epochs.empty() ? json() : json(o.part_epochs)}, {"mix", mix},
                {"selected_validation_ndcg", o.selected_epoch > 0 ? json(o.selected_validation) : json()},
                {"validation", to_json(o.validation)},
                {"test_selected", to_json(o.selected)}, {"test_retrained_full", to_json(o.retrained)},
                {"test_last_epoch", to_json(o.last)},
                {"test_parts_alone", o.part_tests.empty() ? json() : parts}, {"train_seconds", o.train_seconds}, {"total_seconds", o.total_seconds},
                {"peak_rss_mib", mvae::peak_resident_mib()}, {"threads", mvae::num_threads()}, {"epochs", epochs}};
}

}  // namespace mvae_cli
