// mvae/recommender/model_registry.hpp — models by name: how `mvae train`, `mvae compare` and any
// caller that picks models from a string build them. Adding a model is one class and one add()
// line in builtin_models(); its settings are overridden by name through the option table of its
// options struct (ModelSettings::options).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mvae/completion/matrix_completer.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/option_table.hpp"
#include "mvae/recommender/bpr.hpp"
#include "mvae/recommender/ease.hpp"
#include "mvae/recommender/factor_model.hpp"
#include "mvae/recommender/jova.hpp"
#include "mvae/recommender/mult_vae.hpp"
#include "mvae/recommender/mvae_model.hpp"
#include "mvae/recommender/popularity.hpp"
#include "mvae/recommender/recommender.hpp"

namespace mvae {

/// Settings by name: (key, value) pairs applied in order through a model's option table.
using OptionOverrides = std::vector<std::pair<std::string, std::string>>;

/// What a registry entry may take from the caller when it builds a model.
struct ModelSettings {
    std::uint64_t seed = 0;  ///< seed of every random draw of the model (its weights' too)
    /// Which of the entry's `variants` (hyperparameter values) to build; none: the model's defaults.
    std::optional<std::size_t> variant = std::nullopt;
    /// Overrides applied last, e.g. {"epochs", "40"}, {"completion", "svd"}: keys of the model's
    /// option table (MVAE family: mvae_option_table() and "completion"); an unknown key or value
    /// is an ArgumentError naming the model.
    OptionOverrides options = {};
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

/// Applies `overrides` to `options` through `table`: keys in `skip` are the caller's; with a
/// non-empty `allowed`, only those keys are options of this model.
template <class T>
void apply_overrides(const OptionTable<T>& table, T& options, const OptionOverrides& overrides, std::string_view model,
                     std::initializer_list<std::string_view> skip = {},
                     std::initializer_list<std::string_view> allowed = {}) {
    for (const auto& [key, value] : overrides) {
        if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
        if (allowed.size() > 0 && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string known;
            for (auto k : allowed) known += (known.empty() ? "" : ", ") + std::string(k);
            throw ArgumentError(error_message("model '", model, "' has no option '", key, "' (its options: ", known, ")"));
        }
        try {
            table.set(options, key, value);
        } catch (const ArgumentError& e) {
            throw ArgumentError(error_message("model '", model, "': ", e.what()));
        }
    }
}

[[nodiscard]] inline bool overrides_key(const OptionOverrides& overrides, std::string_view key) {
    return std::any_of(overrides.begin(), overrides.end(), [&](const auto& kv) { return kv.first == key; });
}

/// Calls f.template operator()<C>() with the built-in completion policy called `name`.
template <class F>
decltype(auto) with_completion(std::string_view name, F&& f) {
    if (name == WeightedAls::name) return f.template operator()<WeightedAls>();
    if (name == RandomizedSvd::name) return f.template operator()<RandomizedSvd>();
    if (name == NoCompletion::name) return f.template operator()<NoCompletion>();
    throw ArgumentError(error_message("unknown completion '", name, "' (expected als, svd or none)"));
}

/// Calls f.template operator()<L>() with the built-in likelihood policy called `name`.
template <class F>
decltype(auto) with_likelihood(std::string_view name, F&& f) {
    if (name == BernoulliLikelihood::name) return f.template operator()<BernoulliLikelihood>();
    if (name == MultinomialLikelihood::name) return f.template operator()<MultinomialLikelihood>();
    throw ArgumentError(error_message("unknown likelihood '", name, "' (expected bernoulli or multinomial)"));
}

/// The MVAE pipeline on device D: `options` with the overrides applied, the completion chosen by
/// the "completion" override (default ALS). A preset (`preset_seeds`) keeps its weights' seed equal
/// to its data seed unless "vae_seed" is given.
template <Device D, class Likelihood = BernoulliLikelihood>
[[nodiscard]] std::unique_ptr<Recommender> make_mvae_family(MvaeOptions options, const ModelSettings& s,
                                                            std::string_view model, bool choose_completion,
                                                            bool preset_seeds, std::string_view completion = "als") {
    apply_overrides(mvae_option_table(), options, s.options, model, choose_completion ? std::initializer_list<std::string_view>{"completion"}
                                                                                         : std::initializer_list<std::string_view>{});
    if (preset_seeds && !overrides_key(s.options, "vae_seed")) options.vae.seed = options.seed;
    options.validate();
    for (const auto& [key, value] : s.options)
        if (choose_completion && key == "completion") completion = value;
    return with_completion(completion, [&]<class C>() { return make_recommender<MvaeModel<float, D, C, Likelihood>>(options); });
}

/// The settings of a model that has none: a "seed" is accepted and has no effect (the model draws
/// nothing at random), so one command line serves every model.
struct NoOptions {};

[[nodiscard]] inline const OptionTable<NoOptions>& no_option_table() {
    static const OptionTable<NoOptions> table = [] {
        OptionTable<NoOptions> t;
        t.alias("seed", "", [](NoOptions&, std::string_view) {}, "unused: the model is deterministic");
        return t;
    }();
    return table;
}

/// The MVAE pipeline's defaults with one side chosen and every seed set to `seed`.
[[nodiscard]] inline MvaeOptions mvae_with(DualSides sides, std::uint64_t seed) {
    MvaeOptions o;
    o.sides = sides;
    o.seed = seed;
    o.vae.seed = seed;
    return o;
}

/// The completion policy's factors (PureSVD, WALS) with the completion settings overridden.
template <CompletionPolicy C>
[[nodiscard]] std::unique_ptr<Recommender> make_factor_model(const ModelSettings& s, std::string_view model) {
    MvaeOptions o;
    o.seed = s.seed;
    apply_overrides(mvae_option_table(), o, s.options, model, {},
                    {"rank", "svd_power_iterations", "als_lambda", "als_unobserved_weight", "als_iterations", "als_cg_steps", "seed"});
    o.validate();
    return make_recommender<FactorModel<C>>(o);
}

}  // namespace detail

/**
 * The library's models on device D (the VAE family trains there; the other models are host code),
 * with the settings `mvae compare` uses: the paper's for the VAE family (MVAE and its single
 * sides; Mult-VAE and JoVA with their authors' settings); for EASE a grid of λ and for BPR (64
 * factors, learning rate 0.05, the best on Yelp's validation split) a grid of its L2 weight, to be
 * chosen on validation (variants); PureSVD and WALS, the completions' own factors.
 */
template <Device D = Cpu>
[[nodiscard]] ModelRegistry builtin_models() {
    using S = const ModelSettings&;
    ModelRegistry r;
    r.add({"mvae", "MVAE (ALS completion, masks, uVAE + iVAE)", [](S s) { return detail::make_mvae_family<D>(detail::mvae_with(DualSides::Both, s.seed), s, "mvae", true, false); }});
    r.add({"uvae", "MVAE's user-side VAE alone", [](S s) { return detail::make_mvae_family<D>(detail::mvae_with(DualSides::UserOnly, s.seed), s, "uvae", true, false); }});
    r.add({"ivae", "MVAE's item-side VAE alone", [](S s) { return detail::make_mvae_family<D>(detail::mvae_with(DualSides::ItemOnly, s.seed), s, "ivae", true, false); }});
    r.add({"jova", "JoVA-Hinge (paired blocks, hinge margin 0.15)", [](S s) { return detail::make_mvae_family<D>(JovaOptions{.seed = s.seed}.pipeline(), s, "jova", false, true, "none"); },
           {}, [](const InteractionMatrix& t) { return 1.0 / double((t.n_items() + JovaOptions{}.batch_size - 1) / JovaOptions{}.batch_size); }});
    r.add({"multvae", "Mult-VAE (multinomial, dropout 0.5, KL annealing)", [](S s) { return detail::make_mvae_family<D, MultinomialLikelihood>(MultVaeOptions{.seed = s.seed}.pipeline(), s, "multvae", false, true, "none"); }});
    r.add({"ease", "EASE (lambda chosen on validation)", [](S s) {
               EaseOptions o;
               if (s.variant) o.lambda = detail::ease_lambdas[*s.variant];
               detail::apply_overrides(ease_option_table(), o, s.options, "ease");
               return make_recommender<Ease>(o); },
           detail::grid_labels("lambda", detail::ease_lambdas), {}, /*seeded=*/false});
    r.add({"bpr", "BPR-MF (64 factors, lambda chosen on validation)", [](S s) {
               BprOptions o{.seed = s.seed};
               if (s.variant) o.lambda = detail::bpr_lambdas[*s.variant];
               detail::apply_overrides(bpr_option_table(), o, s.options, "bpr");
               return make_recommender<Bpr>(o); },
           detail::grid_labels("lambda", detail::bpr_lambdas)});
    r.add({"puresvd", "PureSVD: the randomized SVD's factors", [](S s) { return detail::make_factor_model<RandomizedSvd>(s, "puresvd"); }});
    r.add({"wals", "WALS: the weighted ALS factors (the completion alone)", [](S s) { return detail::make_factor_model<WeightedAls>(s, "wals"); }});
    r.add({"pop", "item popularity", [](S s) {
               detail::NoOptions none;
               detail::apply_overrides(detail::no_option_table(), none, s.options, "pop");
               return make_recommender<Popularity>(); }, {}, {}, /*seeded=*/false});
    return r;
}

}  // namespace mvae
