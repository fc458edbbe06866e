// Models by name (ModelRegistry, builtin_models) and their settings by name (overrides), the
// Recommender adapter, and choosing the number of epochs on validation (select_epochs) with a
// model whose validation curve is known.
#include <catch2/catch.hpp>

#include <algorithm>
#include <any>
#include <cmath>
#include <vector>

#include "mvae/data/random_split.hpp"
#include "mvae/data/synthetic.hpp"
#include "mvae/recommender/epoch_selection.hpp"
#include "mvae/recommender/model_registry.hpp"

using mvae::Cpu;
using mvae::index_t;

namespace {

const mvae::InteractionMatrix& small_matrix() {
    static const mvae::InteractionMatrix m = [] {
        mvae::SyntheticConfig c;
        c.n_users = 90;
        c.n_items = 70;
        c.exposures_per_user = 25;
        c.seed = 3;
        return mvae::generate_synthetic(c).clicks;
    }();
    return m;
}

// An "iterative model" whose validation NDCG is known: after e epochs it ranks each user's
// held-out items first exactly when e == good_epoch, and last otherwise.
struct ScriptedModel {
    const mvae::InteractionMatrix* heldout;
    index_t good_epoch;
    index_t epochs = 0;
    void prepare(const mvae::InteractionMatrix&) { epochs = 0; }
    void fit(const mvae::InteractionMatrix& m) { prepare(m); }
    void train_epoch() { ++epochs; }
    index_t epochs_done() const { return epochs; }
    void score(index_t first, index_t count, mvae::MatrixView<float, Cpu> out) const {
        for (index_t r = 0; r < count; ++r)
            for (index_t i = 0; i < out.cols(); ++i) {
                const bool held = heldout->contains(first + r, i);
                out(r, i) = (held == (epochs == good_epoch)) ? 1.0f : 0.0f;
            }
    }
};

}  // namespace

TEST_CASE("the registry builds every model by name; unknown names list the known ones", "[model][registry]") {
    const mvae::ModelRegistry r = mvae::builtin_models();
    const std::vector<std::string> expected{"mvae", "uvae", "ivae", "jova", "multvae", "ease", "bpr", "puresvd", "wals", "pop"};
    REQUIRE(r.names() == expected);
    REQUIRE_THROWS_WITH(r.find("svdpp"), Catch::Contains("unknown model 'svdpp'") && Catch::Contains("known: mvae, uvae"));
    mvae::ModelRegistry copy = r;
    REQUIRE_THROWS_WITH(copy.add(r.find("pop")), Catch::Contains("'pop' is already registered"));
    // JoVA's epochs are paired: one is worth ⌈#items / 1500⌉ MVAE epochs.
    REQUIRE(r.find("jova").scale_on(small_matrix()) == 1.0);
    REQUIRE(r.find("mvae").scale_on(small_matrix()) == 1.0);
    REQUIRE(r.find("ease").variants.size() >= 3);
    REQUIRE_FALSE(r.find("ease").seeded);

    const auto& m = small_matrix();
    for (const std::string& name : r.names()) {
        INFO(name);
        auto model = r.find(name).make({.seed = 2});
        model->start(m);
        if (model->iterative()) {
            model->train_epochs(1);
            REQUIRE(model->epochs_done() == 1);
        } else {
            REQUIRE(model->epochs_done() == 0);
        }
        mvae::Matrix<float, Cpu> out(5, m.n_items());
        model->score(10, 5, out.view());
        for (std::size_t k = 0; k < out.size(); ++k) REQUIRE(std::isfinite(out.data()[k]));
    }
    REQUIRE(r.find("mvae").make({})->iterative());
    REQUIRE_FALSE(r.find("ease").make({})->iterative());
}

TEST_CASE("select_epochs finds the epoch a known validation curve peaks at", "[eval][selection]") {
    mvae::RandomSplitOptions o;
    o.seed = 4;
    const mvae::SplitData split = mvae::random_split(small_matrix(), o);
    mvae::RecommenderAdapter<ScriptedModel> model(ScriptedModel{&split.test, 10});
    mvae::EpochSelectionOptions grid;
    grid.max_epochs = 30;
    grid.every = 5;
    std::vector<index_t> seen;
    const mvae::EpochSelection s =
        mvae::select_epochs(model, split.train, split.test, grid, [&](index_t e, double) { seen.push_back(e); });
    REQUIRE(s.epochs == 10);
    REQUIRE(s.validation_ndcg == Approx(1.0));
    REQUIRE(s.tried == std::vector<index_t>{5, 10, 15, 20, 25, 30});
    REQUIRE(seen == s.tried);
    REQUIRE(s.curve[0] < 0.5);
    // Patience 2: two evaluations without a new best end the search.
    grid.patience = 2;
    mvae::RecommenderAdapter<ScriptedModel> again(ScriptedModel{&split.test, 10});
    REQUIRE(mvae::select_epochs(again, split.train, split.test, grid).tried == std::vector<index_t>{5, 10, 15, 20});
    grid.every = 0;
    REQUIRE_THROWS_WITH(mvae::select_epochs(again, split.train, split.test, grid), Catch::Contains("every"));
}

TEST_CASE("select_epochs chooses each part's epochs and the fusion; train_selected refits each part to its count",
          "[eval][selection][fusion]") {
    mvae::RandomSplitOptions o;
    o.seed = 4;
    const mvae::SplitData split = mvae::random_split(small_matrix(), o);
    const auto entry = mvae::builtin_models().find("mvae");
    const mvae::ModelSettings settings{.options = {{"batch_size", "32"}, {"hidden", "16"}, {"latent", "4"}, {"rank", "6"},
                                                   {"learning_rate", "0.01"}}};
    mvae::EpochSelectionOptions grid;
    grid.max_epochs = 8;
    grid.every = 1;
    auto model = entry.make(settings);
    const mvae::EpochSelection s = mvae::select_epochs(*model, split.train, split.test, grid);
    REQUIRE(s.part_epochs.size() == 2);
    REQUIRE(s.part_curves.size() == 2);
    for (std::size_t p = 0; p < 2; ++p) {
        const auto& c = s.part_curves[p];
        REQUIRE(c.size() == s.tried.size());
        const auto first_best = std::max_element(c.begin(), c.end()) - c.begin();
        REQUIRE(s.part_epochs[p] == s.tried[std::size_t(first_best)]);
    }
    REQUIRE(s.epochs == std::max(s.part_epochs[0], s.part_epochs[1]));
    // The model is left as selected, scoring what the selection reports.
    REQUIRE(s.mix.has_value());
    REQUIRE(model->mix() == s.mix);
    REQUIRE(model->evaluate(split.train, split.test, {.ks = {10}}).ndcg[0] == s.validation_ndcg);

    auto refit = entry.make(settings);
    refit->start(split.train);
    mvae::train_selected(*refit, s);
    REQUIRE(refit->mix() == s.mix);
    const auto parameters = [](const mvae::Recommender& m) { return std::any_cast<std::vector<std::vector<float>>>(m.snapshot()); };
    for (std::size_t p = 0; p < 2; ++p) {
        auto alone = entry.make(settings);
        alone->start(split.train);
        alone->train_epochs(s.part_epochs[p]);
        REQUIRE(parameters(*refit)[p] == parameters(*alone)[p]);
    }
}

TEST_CASE("registry settings are overridden by name; a wrong key or value names the model", "[model][registry]") {
    const mvae::ModelRegistry r = mvae::builtin_models();
    const auto make = [&](const char* name, mvae::OptionOverrides o) { return r.find(name).make({.options = std::move(o)}); };
    // The completion picks the MvaeModel instantiation; other keys go through the option table.
    const auto svd = make("mvae", {{"completion", "svd"}, {"rank", "7"}, {"epochs", "3"}, {"hidden", "24"}});
    REQUIRE(svd->describe().rfind("completion=svd\nlikelihood=bernoulli\n", 0) == 0);
    REQUIRE(svd->describe().find("\nrank=7\n") != std::string::npos);
    REQUIRE(svd->describe().find("\nhidden1=24\nhidden2=24\n") != std::string::npos);
    REQUIRE(make("mvae", {})->describe().rfind("completion=als\n", 0) == 0);
    REQUIRE(make("multvae", {})->describe().rfind("completion=none\nlikelihood=multinomial\n", 0) == 0);
    // A preset's weights follow its data seed unless vae_seed is given.
    REQUIRE(make("jova", {{"seed", "5"}})->describe().find("\nvae_seed=5\n") != std::string::npos);
    REQUIRE(make("mvae", {{"seed", "5"}})->describe().find("\nvae_seed=0\n") != std::string::npos);
    REQUIRE_THROWS_WITH(make("mvae", {{"completion", "pca"}}), Catch::Contains("unknown completion 'pca'"));
    REQUIRE_THROWS_WITH(make("mvae", {{"rnak", "7"}}), Catch::Contains("model 'mvae'") && Catch::Contains("unknown option 'rnak'"));
    REQUIRE_THROWS_WITH(make("mvae", {{"rank", "seven"}}), Catch::Contains("rank") && Catch::Contains("'seven'"));
    REQUIRE_THROWS_WITH(make("mvae", {{"mask_ratio", "1.5"}}), Catch::Contains("mask ratio") && Catch::Contains("1.5"));
    REQUIRE_THROWS_WITH(make("jova", {{"completion", "svd"}}), Catch::Contains("model 'jova'") && Catch::Contains("completion"));
    REQUIRE_THROWS_WITH(make("puresvd", {{"epochs", "3"}}),
                        Catch::Contains("model 'puresvd' has no option 'epochs'") && Catch::Contains("rank"));
    REQUIRE_THROWS_WITH(make("ease", {{"ease_lambda", "-1"}}), Catch::Contains("lambda"));
    // Deterministic models accept a seed (one command line serves every model) and nothing else.
    REQUIRE_NOTHROW(make("pop", {{"seed", "3"}}));
    REQUIRE_THROWS_WITH(make("pop", {{"rank", "3"}}), Catch::Contains("model 'pop'"));
    // The factor models score p_u . q_i of their completion.
    const auto& m = small_matrix();
    auto wals = make("wals", {{"rank", "4"}, {"seed", "2"}});
    wals->start(m);
    mvae::Matrix<float, Cpu> out(1, m.n_items());
    wals->score(3, 1, out.view());
    const mvae::LowRankFactors f = mvae::WeightedAls({.rank = 4, .seed = 3}).fit(m);
    REQUIRE(out(0, 5) == Approx(f.p.row(3).dot(f.q.row(5))).epsilon(1e-5));
}
