// examples/cli/json_report.hpp — the JSON form of an evaluation report, printed by `mvae evaluate`
// (and by `mvae train` after each evaluation).
//
//   {"users_evaluated":N,"precision":{"1":…,"5":…},"recall":{…},"f1":{…},"ndcg":{…}}
//
// Keys of the per-metric objects are the cut-offs as strings, in the order the report lists them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mvae/eval/metrics.hpp"

namespace mvae_cli {

/// The report as an insertion-ordered JSON object (see the file comment for the layout).
[[nodiscard]] inline nlohmann::ordered_json to_json(const mvae::EvalReport& report) {
    nlohmann::ordered_json out;
    out["users_evaluated"] = report.users_evaluated;
    const auto per_k = [&](const std::vector<double>& values) {
        nlohmann::ordered_json obj = nlohmann::ordered_json::object();
        for (std::size_t j = 0; j < report.ks.size() && j < values.size(); ++j)
            obj[std::to_string(report.ks[j])] = values[j];
        return obj;
    };
    out["precision"] = per_k(report.precision);
    out["recall"] = per_k(report.recall);
    out["f1"] = per_k(report.f1);
    out["ndcg"] = per_k(report.ndcg);
    return out;
}

}  // namespace mvae_cli
