// mvae/model/model_registry.hpp — models by name: how `mvae compare` (and any caller that picks
// models from a string) builds them. Adding a model is one class and one add() line in
// builtin_models().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/model/bpr.hpp"
#include "mvae/model/ease.hpp"
#include "mvae/model/jova.hpp"
#include "mvae/model/mult_vae.hpp"
#include "mvae/model/mvae_model.hpp"
#include "mvae/model/popularity.hpp"
#include "mvae/model/recommender.hpp"

namespace mvae {

/// What a registry entry may take from the caller when it builds a model.
struct ModelSettings {
    std::uint64_t seed = 0;  ///< seed of every random draw of the model
    std::size_t variant = 0; ///< which of the entry's `variants` (hyperparameter values) to build
};

/// One named model.
struct ModelEntry {
    std::string name;         ///< the key (`--models` lists these)
    std::string description;  ///< one line, for tables and --help
    std::function<std::unique_ptr<Recommender>(const ModelSettings&)> make;
    /// Labels of the hyperparameter values make() can build (ModelSettings::variant indexes
    /// them), for choosing on validation; empty: one setting.
    std::vector<std::string> variants = {};
    /// Epochs of this model worth one MVAE epoch (independent schedule) on `train`, for scaling
    /// epoch-selection grids; empty: 1. A paired model's epoch visits each user row
    /// ⌈#items / batch⌉ times, so its scale is the inverse of that.
    std::function<double(const InteractionMatrix& train)> epoch_scale = {};

    /// Whether the model depends on ModelSettings::seed (false: one fit serves every seed).
    bool seeded = true;

    [[nodiscard]] double scale_on(const InteractionMatrix& train) const { return epoch_scale ? epoch_scale(train) : 1.0; }
};

/// Entries by name, in the order they were added.
class ModelRegistry {
public:
    /// Adds an entry; throws ArgumentError for an empty or repeated name or a missing factory.
    ModelRegistry& add(ModelEntry entry) {
        require_argument(!entry.name.empty() && entry.make != nullptr, "ModelRegistry::add: an entry needs a name and a factory");
        require_argument(find_or_null(entry.name) == nullptr, "ModelRegistry::add: '", entry.name, "' is already registered");
        entries_.push_back(std::move(entry));
        return *this;
    }

    /// The entry called `name`; throws ArgumentError listing the known names otherwise.
    [[nodiscard]] const ModelEntry& find(const std::string& name) const {
        if (const ModelEntry* e = find_or_null(name)) return *e;
        std::string known;
        for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
        throw ArgumentError(detail::error_message("unknown model '", name, "' (known: ", known, ")"));
    }

    [[nodiscard]] std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : entries_) out.push_back(e.name);
        return out;
    }

private:
    [[nodiscard]] const ModelEntry* find_or_null(const std::string& name) const {
        for (const auto& e : entries_)
            if (e.name == name) return &e;
        return nullptr;
    }

    std::vector<ModelEntry> entries_;
};

namespace detail {

/// "name=value" labels of a grid.
[[nodiscard]] inline std::vector<std::string> grid_labels(const char* name, std::span<const double> values) {
    std::vector<std::string> out;
    for (double v : values) out.push_back(error_message(name, "=", v));
    return out;
}

inline constexpr double ease_lambdas[] = {10, 30, 100, 300, 1000, 3000};
inline constexpr double bpr_lambdas[] = {1e-4, 1e-3, 1e-2};

/// The MVAE pipeline's defaults with one side chosen and the seed set.
[[nodiscard]] inline MvaeOptions mvae_with(DualSides sides, std::uint64_t seed) {
    MvaeOptions o;
    o.sides = sides;
    o.seed = seed;
    o.vae.seed = seed;
    return o;
}

}  // namespace detail

/**
 * The library's models with the settings `mvae compare` uses: the paper's for the VAE family
 * (MVAE and its single sides; Mult-VAE and JoVA with their authors' settings); for EASE a grid of
 * λ and for BPR (64 factors, learning rate 0.05, the best on Yelp's validation split) a grid of
 * its L2 weight, to be chosen on validation (variants).
 */
[[nodiscard]] inline ModelRegistry builtin_models() {
    using S = const ModelSettings&;
    ModelRegistry r;
    r.add({"mvae", "MVAE (ALS completion, masks, uVAE + iVAE)", [](S s) { return make_recommender<Mvae>(detail::mvae_with(DualSides::Both, s.seed)); }});
    r.add({"uvae", "MVAE's user-side VAE alone", [](S s) { return make_recommender<Mvae>(detail::mvae_with(DualSides::UserOnly, s.seed)); }});
    r.add({"ivae", "MVAE's item-side VAE alone", [](S s) { return make_recommender<Mvae>(detail::mvae_with(DualSides::ItemOnly, s.seed)); }});
    r.add({"jova", "JoVA-Hinge (paired blocks, hinge margin 0.15)", [](S s) { return make_recommender<Jova<>>(JovaOptions{.seed = s.seed}); },
           {}, [](const InteractionMatrix& t) { return 1.0 / double((t.n_items() + JovaOptions{}.batch_size - 1) / JovaOptions{}.batch_size); }});
    r.add({"multvae", "Mult-VAE (multinomial, dropout 0.5, KL annealing)", [](S s) { return make_recommender<MultVae<>>(MultVaeOptions{.seed = s.seed}); }});
    r.add({"ease", "EASE (lambda chosen on validation)", [](S s) { return make_recommender<Ease>(EaseOptions{.lambda = detail::ease_lambdas[s.variant]}); },
           detail::grid_labels("lambda", detail::ease_lambdas), {}, /*seeded=*/false});
    r.add({"bpr", "BPR-MF (64 factors, lambda chosen on validation)", [](S s) { return make_recommender<Bpr>(BprOptions{.learning_rate = 0.05, .lambda = detail::bpr_lambdas[s.variant], .seed = s.seed}); },
           detail::grid_labels("lambda", detail::bpr_lambdas)});
    r.add({"pop", "item popularity", [](S) { return make_recommender<Popularity>(); }, {}, {}, /*seeded=*/false});
    return r;
}

}  // namespace mvae
