// mvae/model/fusion.hpp — how a model of two separately trained parts (MVAE's uVAE and iVAE) fuses
// their scores: the weight α of the first part and the fusion rule.
//
// probability: R̂ = α σ(u) + (1 − α) σ(i), the paper's Eq. 7.
// zscore:      R̂ = σ(α z(u) + (1 − α) z(i)), where z standardises a user's logits over the items
//              (mean 0, variance 1, per side). Only each side's ranking of the items and its spread
//              count, not its scale: a side whose logits are wide (confident) cannot drown the
//              other. σ keeps the scores in (0, 1); it does not change the ranking.
// α = 1 or 0 gives one part alone under either rule.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mvae/core/error.hpp"

namespace mvae {

enum class Fusion { Probability, ZScore };

[[nodiscard]] inline const char* to_string(Fusion f) noexcept { return f == Fusion::ZScore ? "zscore" : "probability"; }

[[nodiscard]] inline Fusion parse_fusion(std::string_view name) {
    if (name == "probability") return Fusion::Probability;
    if (name == "zscore") return Fusion::ZScore;
    throw ArgumentError(detail::error_message("unknown fusion '", name, "' (expected probability or zscore)"));
}

/// The weight of the first part and the fusion rule.
struct ScoreMix {
    double alpha = 0.5;  ///< weight of the first part (MVAE: the uVAE), in [0, 1]
    Fusion fusion = Fusion::Probability;

    void validate() const {
        require_argument(alpha >= 0.0 && alpha <= 1.0, "ScoreMix::alpha must be in [0, 1], got ", alpha);
    }
    friend bool operator==(const ScoreMix&, const ScoreMix&) = default;
};

/// The fusions a selection tries: α ∈ {0, ¼, ½, ¾, 1} with the probability rule and α ∈ {¼, ½, ¾}
/// with the z-score rule (α = 0 and 1 rank alike under both).
[[nodiscard]] inline std::vector<ScoreMix> default_score_mixes() {
    std::vector<ScoreMix> m;
    for (const double a : {0.0, 0.25, 0.5, 0.75, 1.0}) m.push_back({a, Fusion::Probability});
    for (const double a : {0.25, 0.5, 0.75}) m.push_back({a, Fusion::ZScore});
    return m;
}

}  // namespace mvae
