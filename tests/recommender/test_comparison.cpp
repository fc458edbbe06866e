// run_comparison and comparison_markdown: the comparison method as library API, on a small
// simulated world (the CLI test cli.compare covers Coat-shaped folders and the files).
#include <catch2/catch.hpp>

#include <string>

#include "mvae/recommender/comparison.hpp"

TEST_CASE("run_comparison fits every model per seed and tables the results", "[recommender][comparison]") {
    mvae::ComparisonOptions o;
    o.data = "synthetic";
    o.models = {"pop", "puresvd", "mvae"};
    o.seeds = 2;
    o.max_epochs = 2;
    o.eval_every = 1;
    o.exposure_bias = {1.0};
    o.synthetic.n_users = 200;
    o.synthetic.n_items = 80;
    o.synthetic.exposures_per_user = 25;
    o.candidates = 20;
    mvae::ModelRegistry registry = mvae::builtin_models();
    // A small MVAE, registered as any user model would be.
    registry.add({"tiny-mvae", "a small MVAE", [](const mvae::ModelSettings& s) {
                      mvae::ModelSettings small = s;
                      small.options = {{"hidden", "16"}, {"latent", "4"}, {"rank", "4"}, {"batch_size", "64"}};
                      return mvae::builtin_models().find("mvae").make(small);
                  }});
    o.models = {"pop", "puresvd", "tiny-mvae"};
    int lines = 0;
    const mvae::ComparisonResult r = mvae::run_comparison(registry, o, [&](const std::string&) { ++lines; });
    REQUIRE(lines > 0);
    REQUIRE(r.kind == "synthetic");
    REQUIRE(r.ks == std::vector<mvae::index_t>{5, 10});
    REQUIRE(r.tasks.size() == 1);
    const auto& task = r.tasks[0];
    REQUIRE(task.models.size() == 3);
    REQUIRE(task.models[0].runs.size() == 1);  // pop ignores the seed: fitted once
    REQUIRE(task.models[1].runs.size() == 2);
    const auto& mvae_runs = task.models[2].runs;
    REQUIRE(mvae_runs.size() == 2);
    REQUIRE(mvae_runs[0].selection);
    REQUIRE(mvae_runs[0].selection->tried == std::vector<mvae::index_t>{1, 2});
    REQUIRE(mvae_runs[0].metrics.size() == task.protocols.size());
    const std::string md = mvae::comparison_markdown(r);
    REQUIRE(md.find("## exposure bias 1") != std::string::npos);
    REQUIRE(md.find("| pop |") != std::string::npos);
    REQUIRE(md.find("| tiny-mvae |") != std::string::npos);
    REQUIRE(md.find(" ± ") != std::string::npos);

    o.models = {"pop", "nosuch"};
    REQUIRE_THROWS_WITH(mvae::run_comparison(registry, o), Catch::Contains("unknown model 'nosuch'"));
}

TEST_CASE("run_comparison applies per-model settings and refuses bad ones before training", "[recommender][comparison]") {
    mvae::ComparisonOptions o;
    o.data = "synthetic";
    o.models = {"puresvd"};
    o.seeds = 1;
    o.exposure_bias = {1.0};
    o.synthetic.n_users = 200;
    o.synthetic.n_items = 80;
    o.synthetic.exposures_per_user = 25;
    o.candidates = 20;
    const mvae::ModelRegistry registry = mvae::builtin_models();
    const auto ndcg_at_rank = [&](const char* rank) {
        o.overrides = {{"puresvd", {{"rank", rank}}}};
        const mvae::ComparisonResult r = mvae::run_comparison(registry, o);
        const auto& m = r.tasks.at(0).models.at(0);
        REQUIRE(m.label == std::string("puresvd [rank=") + rank + "]");
        REQUIRE(m.overrides == mvae::OptionOverrides{{"rank", rank}});
        return m.runs.at(0).metrics.at(0).ndcg.back();
    };
    REQUIRE(ndcg_at_rank("2") != ndcg_at_rank("20"));  // the setting reached the model

    int lines = 0;
    const auto count = [&](const std::string&) { ++lines; };
    o.overrides = {{"puresvd", {{"no_such_key", "1"}}}};
    REQUIRE_THROWS_WITH(mvae::run_comparison(registry, o, count), Catch::Contains("no_such_key"));
    o.overrides = {{"puresvd", {{"rank", "-3"}}}};
    REQUIRE_THROWS_WITH(mvae::run_comparison(registry, o, count), Catch::Contains("rank"));
    o.overrides = {{"ease", {{"lambda", "10"}}}};
    REQUIRE_THROWS_WITH(mvae::run_comparison(registry, o, count), Catch::Contains("'ease', which is not among the models"));
    REQUIRE(lines == 0);  // refused before any data was loaded or model fitted
}
