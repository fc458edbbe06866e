// run_training: the protocol of `mvae train` as library API — plain training, selection on
// validation with a restored snapshot, refit on all of train, non-iterative models — checked
// against the same steps done by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "mvae/data/set_difference.hpp"
#include "mvae/recommender/model_registry.hpp"
#include "mvae/recommender/training_run.hpp"

#include "support/synthetic_split.hpp"

using mvae::index_t;

namespace {

const mvae::SplitData& split() {
    static const mvae::SplitData s = mvae_test::synthetic_jca_split(300, 120, 30, 5);
    return s;
}

mvae::ModelSettings tiny() {
    return {.options = {{"epochs", "4"}, {"batch_size", "64"}, {"hidden", "16"}, {"latent", "4"}, {"rank", "6"}, {"seed", "3"}}};
}

mvae::TrainingProtocol protocol(index_t epochs) {
    mvae::TrainingProtocol p;
    p.epochs = epochs;
    p.eval.ks = {5, 10};
    return p;
}

}  // namespace

TEST_CASE("run_training without selection equals training and testing by hand", "[recommender][training]") {
    const auto entry = mvae::builtin_models().find("mvae");
    std::vector<std::string> lines;
    const mvae::TrainingOutcome out =
        mvae::run_training([&] { return entry.make(tiny()); }, split(), protocol(4), [&](const std::string& l) { lines.push_back(l); });
    REQUIRE(out.history.size() == 4);
    REQUIRE(out.history.back().log.epoch == 4);
    REQUIRE(lines.size() == 4);
    REQUIRE(lines[0].find("epoch 1/4  user_loss") == 0);
    REQUIRE_FALSE(out.selected);
    REQUIRE(out.selected_epoch == 0);

    auto by_hand = entry.make(tiny());
    by_hand->start(split().train);
    by_hand->train_epochs(4);
    const mvae::EvalReport want = by_hand->evaluate(split().train, split().test, protocol(4).eval);
    REQUIRE(out.headline.ndcg == want.ndcg);
    REQUIRE(out.last.recall == want.recall);
    REQUIRE(out.model->epochs_done() == 4);
}

TEST_CASE("run_training selects on validation, restores the best epoch and refits on all of train",
          "[recommender][training]") {
    const auto entry = mvae::builtin_models().find("mvae");
    mvae::TrainingProtocol p = protocol(4);
    p.eval_every = 1;
    p.select_on_validation = true;
    p.retrain_full = true;
    p.select_parts = false;  // the whole model's epochs, at its own mix (the next test: by parts)
    p.choose_mix = false;
    const mvae::TrainingOutcome out = mvae::run_training([&] { return entry.make(tiny()); }, split(), p);
    REQUIRE(out.history.size() == 4);
    for (const auto& r : out.history) REQUIRE((r.test && r.validation));
    // The chosen epoch is the first of the best validation NDCG@10 (the last cut-off).
    double best = -1;
    index_t best_epoch = 0;
    for (const auto& r : out.history)
        if (r.validation->ndcg.back() > best) best = r.validation->ndcg.back(), best_epoch = r.log.epoch;
    REQUIRE(out.selected_epoch == best_epoch);
    REQUIRE(out.selected_validation == best);
    // The restored snapshot scores as the model did after that epoch.
    REQUIRE(out.selected->ndcg == out.history[std::size_t(best_epoch - 1)].test->ndcg);
    // The headline is a fresh model trained on all of train for the chosen number of epochs.
    auto by_hand = entry.make(tiny());
    by_hand->start(split().train);
    by_hand->train_epochs(best_epoch);
    REQUIRE(out.retrained->ndcg == by_hand->evaluate(split().train, split().test, p.eval).ndcg);
    REQUIRE(out.headline.ndcg == out.retrained->ndcg);
    REQUIRE(out.model->epochs_done() == best_epoch);
}

TEST_CASE("run_training selects each part's epochs and the fusion on validation, and refits each part to its count",
          "[recommender][training]") {
    const auto entry = mvae::builtin_models().find("mvae");
    const mvae::ModelSettings settings{
        .options = {{"batch_size", "64"}, {"hidden", "16"}, {"latent", "4"}, {"rank", "6"}, {"seed", "2"}, {"learning_rate", "0.03"}}};
    const auto make = [&] { return entry.make(settings); };
    mvae::TrainingProtocol p = protocol(8);
    p.eval_every = 1;
    p.select_on_validation = true;
    p.retrain_full = true;
    std::vector<std::string> lines;
    const mvae::TrainingOutcome out = mvae::run_training(make, split(), p, [&](const std::string& l) { lines.push_back(l); });

    // Each part's epochs: the first best of its own validation curve (the part scored alone).
    REQUIRE(out.part_epochs.size() == 2);
    std::vector<double> best(2, -1.0);
    std::vector<index_t> best_epoch(2, 0);
    for (const auto& r : out.history) {
        REQUIRE(r.part_validation.size() == 2);
        for (std::size_t k = 0; k < 2; ++k)
            if (r.part_validation[k] > best[k]) best[k] = r.part_validation[k], best_epoch[k] = r.log.epoch;
    }
    REQUIRE(out.part_epochs == best_epoch);
    REQUIRE(out.selected_epoch == std::max(best_epoch[0], best_epoch[1]));
    // This run's two sides peak at different epochs, so the test means something.
    REQUIRE(best_epoch[0] != best_epoch[1]);

    // The fusion: the best of the grid on validation, scored by hand on the selected model
    // (restored here from the parts' epochs: a fresh run on train minus validation).
    REQUIRE(out.mix.has_value());
    const mvae::InteractionMatrix fit_part = mvae::without(split().train, split().validation);
    auto selected = make();
    selected->start(fit_part);
    selected->train_epochs(best_epoch[0]);
    const std::any at_first = selected->snapshot();
    selected->train_epochs(std::max(best_epoch[0], best_epoch[1]) - best_epoch[0]);
    if (best_epoch[0] < best_epoch[1]) selected->restore_part(0, at_first);
    else selected->restore_part(1, at_first);
    const auto validation = [&](mvae::Recommender& m, const mvae::ScoreMix& mix) {
        m.set_mix(mix);
        return m.evaluate(fit_part, split().validation, p.eval).ndcg.back();
    };
    REQUIRE(validation(*selected, {1.0, mvae::Fusion::Probability}) == best[0]);
    REQUIRE(validation(*selected, {0.0, mvae::Fusion::Probability}) == best[1]);
    double best_mix = validation(*selected, {0.5, mvae::Fusion::Probability});  // the model's own, first
    for (const mvae::ScoreMix& m : p.mixes) best_mix = std::max(best_mix, validation(*selected, m));
    REQUIRE(out.selected_validation == best_mix);
    REQUIRE(validation(*selected, *out.mix) == best_mix);
    REQUIRE(out.selected->ndcg == selected->evaluate(split().train, split().test, p.eval).ndcg);

    // The refit: each part of the saved model is that part of a fresh model trained on all of
    // train for the part's own count (the sides' training never reads the other side).
    const auto parameters = [](const mvae::Recommender& m) { return std::any_cast<std::vector<std::vector<float>>>(m.snapshot()); };
    for (std::size_t k = 0; k < 2; ++k) {
        auto alone = make();
        alone->start(split().train);
        alone->train_epochs(best_epoch[k]);
        REQUIRE(parameters(*out.model)[k] == parameters(*alone)[k]);
    }
    REQUIRE(out.model->mix() == out.mix);
    REQUIRE(out.headline.ndcg == out.retrained->ndcg);
    REQUIRE(std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.find("chosen fusion: ") == 0; }) !=
            lines.end());
}

TEST_CASE("run_training selects a paired MVAE's epochs as a whole and still chooses its fusion", "[recommender][training]") {
    const auto entry = mvae::builtin_models().find("mvae");
    mvae::ModelSettings settings = tiny();
    settings.options.push_back({"schedule", "paired"});
    mvae::TrainingProtocol p = protocol(3);
    p.eval_every = 1;
    p.select_on_validation = true;
    const mvae::TrainingOutcome out = mvae::run_training([&] { return entry.make(settings); }, split(), p);
    REQUIRE(out.part_epochs.empty());
    for (const auto& r : out.history) REQUIRE(r.part_validation.empty());
    REQUIRE(out.selected_epoch >= 1);
    REQUIRE(out.mix.has_value());
    REQUIRE(out.model->mix() == out.mix);
    REQUIRE(out.selected_validation >= out.history[std::size_t(out.selected_epoch - 1)].validation->ndcg.back());
}

TEST_CASE("run_training fits a non-iterative model on train minus validation, then on train", "[recommender][training]") {
    const auto entry = mvae::builtin_models().find("pop");
    mvae::TrainingProtocol p = protocol(0);
    p.select_on_validation = true;
    const mvae::TrainingOutcome out = mvae::run_training([&] { return entry.make({}); }, split(), p);
    REQUIRE(out.history.empty());
    REQUIRE(out.validation);
    auto on_fit_part = entry.make({});
    const mvae::InteractionMatrix fit_part = mvae::without(split().train, split().validation);
    on_fit_part->start(fit_part);
    REQUIRE(out.validation->ndcg == on_fit_part->evaluate(fit_part, split().validation, p.eval).ndcg);
    auto on_train = entry.make({});
    on_train->start(split().train);
    REQUIRE(out.headline.ndcg == on_train->evaluate(split().train, split().test, p.eval).ndcg);
}

TEST_CASE("run_training refuses a protocol it cannot follow", "[recommender][training]") {
    const auto entry = mvae::builtin_models().find("mvae");
    const auto make = [&] { return entry.make(tiny()); };
    mvae::TrainingProtocol p = protocol(2);
    p.select_on_validation = true;  // eval_every = 0: nothing to select from
    REQUIRE_THROWS_WITH(mvae::run_training(make, split(), p), Catch::Contains("eval_every"));
    mvae::SplitData no_validation{split().train, mvae::InteractionMatrix(split().train.n_users(), split().train.n_items(), {}),
                                  split().test};
    p.eval_every = 1;
    REQUIRE_THROWS_WITH(mvae::run_training(make, no_validation, p), Catch::Contains("no validation pairs"));
    p = protocol(2);
    p.retrain_full = true;
    REQUIRE_THROWS_WITH(mvae::run_training(make, split(), p), Catch::Contains("retrain_full needs select_on_validation"));
}

TEST_CASE("empty training data is an error, not a model", "[recommender][training][errors]") {
    const index_t n = split().train.n_users(), m = split().train.n_items();
    const mvae::InteractionMatrix empty(n, m, {});
    const mvae::SplitData nothing{empty, empty, split().test};
    const auto make = [] { return mvae::builtin_models().find("pop").make({}); };
    REQUIRE_THROWS_WITH(mvae::run_training(make, nothing, protocol(0)), Catch::Contains("no interactions"));
    // Every pair of train is a validation pair: nothing is left to select with.
    const mvae::SplitData all_held_out{split().validation, split().validation, split().test};
    mvae::TrainingProtocol p = protocol(0);
    p.select_on_validation = true;
    REQUIRE_THROWS_WITH(mvae::run_training(make, all_held_out, p), Catch::Contains("nothing is left"));
    // And each model refuses to fit on nothing.
    for (const char* name : {"mvae", "pop", "ease", "puresvd", "wals", "bpr"}) {
        INFO(name);
        auto model = mvae::builtin_models().find(name).make({});
        REQUIRE_THROWS_AS(model->start(empty), mvae::ArgumentError);
    }
}

TEST_CASE("without() drops the pairs of a holdout and keeps repeated interactions", "[data][split]") {
    const std::vector<mvae::Interaction> a_pairs{{0, 1}, {0, 1}, {0, 2}, {1, 0}, {2, 3}};
    const std::vector<mvae::Interaction> b_pairs{{0, 2}, {2, 3}, {1, 1}};
    const mvae::InteractionMatrix a(3, 4, a_pairs), b(3, 4, b_pairs);
    const mvae::InteractionMatrix d = mvae::without(a, b);
    REQUIRE(d.nnz() == 2);
    REQUIRE(d.contains(0, 1));
    REQUIRE(d.contains(1, 0));
    REQUIRE_FALSE(d.contains(0, 2));
    REQUIRE(d.item_counts_of(0)[0] == 2);
    REQUIRE_THROWS_AS(mvae::without(a, mvae::InteractionMatrix(3, 5, b_pairs)), mvae::ShapeError);
}
