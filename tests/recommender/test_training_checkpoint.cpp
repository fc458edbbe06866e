// Checkpoints and resumption of run_training: a run stopped at any epoch of either phase and
// resumed from its checkpoint ends with the same reports, history and model, bit for bit, as the
// uninterrupted run; a checkpoint is refused for another protocol, other data, other settings or
// a model that cannot take one.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mvae/recommender/model_registry.hpp"
#include "mvae/recommender/training_run.hpp"
#include "support/synthetic_split.hpp"
#include "support/temp_dir.hpp"

using mvae::index_t;

namespace {

const mvae::SplitData& split() {
    static const mvae::SplitData s = mvae_test::synthetic_jca_split(240, 100, 25, 11);
    return s;
}

mvae::ModelSettings tiny(const std::string& seed = "3") {
    return {.options = {{"batch_size", "64"}, {"hidden", "16"}, {"latent", "4"}, {"rank", "6"}, {"seed", seed}}};
}

mvae::TrainingProtocol selecting_protocol() {
    mvae::TrainingProtocol p;
    p.epochs = 5;
    p.eval_every = 1;
    p.select_on_validation = true;
    p.retrain_full = true;
    p.eval.ks = {5, 10};
    return p;
}

std::string bytes_of(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Everything of an outcome that must not depend on an interruption (timings excluded).
void require_same(const mvae::TrainingOutcome& a, const mvae::TrainingOutcome& b) {
    REQUIRE(a.headline.ndcg == b.headline.ndcg);
    REQUIRE(a.headline.recall == b.headline.recall);
    REQUIRE(a.last.ndcg == b.last.ndcg);
    REQUIRE(a.selected.has_value() == b.selected.has_value());
    if (a.selected) REQUIRE(a.selected->ndcg == b.selected->ndcg);
    REQUIRE(a.retrained.has_value() == b.retrained.has_value());
    if (a.retrained) REQUIRE(a.retrained->precision == b.retrained->precision);
    REQUIRE(a.selected_epoch == b.selected_epoch);
    REQUIRE(a.selected_validation == b.selected_validation);
    REQUIRE(a.history.size() == b.history.size());
    for (std::size_t e = 0; e < a.history.size(); ++e) {
        REQUIRE(a.history[e].log.epoch == b.history[e].log.epoch);
        REQUIRE(a.history[e].log.values == b.history[e].log.values);
        REQUIRE(a.history[e].validation.has_value() == b.history[e].validation.has_value());
        if (a.history[e].validation) REQUIRE(a.history[e].validation->ndcg == b.history[e].validation->ndcg);
        if (a.history[e].test) REQUIRE(a.history[e].test->f1 == b.history[e].test->f1);
    }
}

}  // namespace

TEST_CASE("a run stopped at any epoch and resumed from its checkpoint equals the uninterrupted run",
          "[recommender][training][checkpoint]") {
    const auto entry = mvae::builtin_models().find("mvae");
    const auto make = [&] { return entry.make(tiny()); };
    const mvae::TrainingProtocol p = selecting_protocol();
    mvae_test::TempDir dir;
    const mvae::TrainingOutcome whole = mvae::run_training(make, split(), p);
    whole.model->save(dir.path() / "whole.mvae");
    REQUIRE(whole.retrained);

    // Train phase: epochs 0..5; retrain phase: the selected count (stop counts lines of progress).
    const index_t stops = p.epochs + 1 + whole.selected_epoch + 1;
    for (index_t stop_at = 0; stop_at < stops; ++stop_at) {
        CAPTURE(stop_at);
        const auto checkpoint = dir.path() / "run.ckpt";
        std::atomic<bool> stop{false};
        index_t lines = 0;
        mvae::TrainingControl control{.checkpoint = checkpoint, .checkpoint_every = 2, .stop = &stop};
        // A stop requested by the progress callback is seen after that epoch (or after start()).
        const auto progress = [&](const std::string& line) {
            if (line.find("epoch") != std::string::npos && ++lines >= stop_at) stop = true;
        };
        if (stop_at == 0) stop = true;
        const mvae::TrainingOutcome first = mvae::run_training(make, split(), p, progress, control);
        REQUIRE(first.stopped);
        REQUIRE(first.checkpoint_written);
        REQUIRE(std::filesystem::exists(checkpoint));

        const mvae::TrainingControl resume{.checkpoint = checkpoint, .checkpoint_every = 2, .resume = checkpoint};
        const mvae::TrainingOutcome rest = mvae::run_training(make, split(), p, {}, resume);
        REQUIRE_FALSE(rest.stopped);
        require_same(rest, whole);
        rest.model->save(dir.path() / "resumed.mvae");
        REQUIRE(bytes_of(dir.path() / "resumed.mvae") == bytes_of(dir.path() / "whole.mvae"));
    }
}

TEST_CASE("a run without selection resumes from a periodic checkpoint", "[recommender][training][checkpoint]") {
    const auto entry = mvae::builtin_models().find("uvae");
    const auto make = [&] { return entry.make(tiny()); };
    mvae::TrainingProtocol p;
    p.epochs = 6;
    p.eval_every = 3;
    p.eval.ks = {10};
    mvae_test::TempDir dir;
    const mvae::TrainingOutcome whole = mvae::run_training(make, split(), p);
    // Checkpoints after epochs 2 and 4, never stopped: the one after 4 is what the file holds.
    const auto checkpoint = dir.path() / "run.ckpt";
    (void)mvae::run_training(make, split(), p, {}, {.checkpoint = checkpoint, .checkpoint_every = 4});
    std::vector<std::string> lines;
    const mvae::TrainingOutcome rest = mvae::run_training(
        make, split(), p, [&](const std::string& l) { lines.push_back(l); }, {.resume = checkpoint});
    REQUIRE(lines.front().find("resumed from") == 0);
    REQUIRE(lines.front().find("after epoch 4") != std::string::npos);
    REQUIRE(rest.history.size() == 6);
    require_same(rest, whole);
}

TEST_CASE("a checkpoint is refused for another protocol, other data, other settings or a model without one",
          "[recommender][training][checkpoint]") {
    const auto entry = mvae::builtin_models().find("mvae");
    mvae_test::TempDir dir;
    const auto checkpoint = dir.path() / "run.ckpt";
    std::atomic<bool> stop{true};
    const mvae::TrainingProtocol p = selecting_protocol();
    (void)mvae::run_training([&] { return entry.make(tiny()); }, split(), p, {}, {.checkpoint = checkpoint, .stop = &stop});
    const mvae::TrainingControl resume{.resume = checkpoint};

    mvae::TrainingProtocol other = p;
    other.epochs = 7;
    REQUIRE_THROWS_WITH(mvae::run_training([&] { return entry.make(tiny()); }, split(), other, {}, resume),
                        Catch::Contains("run.ckpt") && Catch::Contains("another protocol") && Catch::Contains("epochs=5"));

    mvae::SplitData moved = split();
    moved.test = moved.validation;
    REQUIRE_THROWS_WITH(mvae::run_training([&] { return entry.make(tiny()); }, moved, p, {}, resume),
                        Catch::Contains("other data"));

    REQUIRE_THROWS_WITH(mvae::run_training([&] { return entry.make(tiny("4")); }, split(), p, {}, resume),
                        Catch::Contains("other options") && Catch::Contains("seed=3") && Catch::Contains("seed=4"));

    REQUIRE_THROWS_WITH(mvae::run_training([] { return mvae::builtin_models().find("ease").make({}); }, split(), p, {},
                                           {.checkpoint = checkpoint}),
                        Catch::Contains("cannot be checkpointed"));

    // Not a checkpoint: a model file.
    auto model = entry.make(tiny());
    model->start(split().train);
    model->save(dir.path() / "model.mvae");
    REQUIRE_THROWS_WITH(mvae::run_training([&] { return entry.make(tiny()); }, split(), p, {},
                                           {.resume = dir.path() / "model.mvae"}),
                        Catch::Contains("model.mvae") && Catch::Contains("mvae.checkpoint"));
}
