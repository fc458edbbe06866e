// The MVAE pipeline end to end: it learns past popularity on planted data, its recommender API
// keeps its promises, and its saved files round-trip and refuse damage.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <thread>
#include <type_traits>
#include <vector>

#include "mvae/data/random_split.hpp"
#include "mvae/data/synthetic.hpp"
#include "mvae/io/mvae_model_file.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/recommender/mvae_loader.hpp"
#include "mvae/recommender/mvae_model.hpp"
#include "mvae/recommender/popularity.hpp"

#include "support/temp_dir.hpp"
#include "support/thread_guard.hpp"

using mvae::Cpu;
using mvae::index_t;

namespace {

struct World {
    mvae::SyntheticData data;
    mvae::SplitData split;
};

const World& world() {
    static const World w = [] {
        mvae::SyntheticConfig c;
        c.n_users = 2000;
        c.n_items = 400;
        c.exposures_per_user = 80;
        c.taste_noise = 0.3;
        c.preference_sharpness = 8;
        c.seed = 11;
        World out{mvae::generate_synthetic(c), {}};
        mvae::RandomSplitOptions s;
        s.seed = 12;
        out.split = mvae::random_split(out.data.clicks, s);
        return out;
    }();
    return w;
}

mvae::MvaeOptions small_options() {
    mvae::MvaeOptions o;
    o.rank = 16;
    o.vae.hidden1 = o.vae.hidden2 = 48;
    o.vae.latent = 12;
    o.batch_size = 200;
    o.epochs = 12;
    o.mask_ratio = 0.5;
    o.seed = 3;
    return o;
}

mvae::EvalReport evaluate(mvae::Mvae& model) {
    mvae::EvalOptions e;
    e.ks = {10};
    return mvae::evaluate_ranking<float>(
        world().split.train, world().split.test,
        [&](index_t first, index_t count, mvae::MatrixView<float, Cpu> out) { model.score(first, count, out); }, e);
}

double popularity_ndcg() {
    mvae::Popularity pop;
    pop.fit(world().split.train);
    mvae::EvalOptions e;
    e.ks = {10};
    return mvae::evaluate_ranking<float>(
               world().split.train, world().split.test,
               [&](index_t first, index_t count, mvae::MatrixView<float, Cpu> out) { pop.score(first, count, out); }, e)
        .ndcg[0];
}

}  // namespace

TEST_CASE("MVAE trained on planted data beats popularity, under both schedules", "[model][mvae][learning]") {
    const double pop = popularity_ndcg();
    REQUIRE(pop > 0.05);
    for (mvae::Schedule schedule : {mvae::Schedule::Independent, mvae::Schedule::Paired}) {
        INFO("schedule " << mvae::to_string(schedule));
        mvae::MvaeOptions o = small_options();
        o.schedule = schedule;
        if (schedule == mvae::Schedule::Paired) o.epochs = 3;  // 6 x 2 blocks: 6x more steps per epoch
        mvae::Mvae model(o);
        std::vector<double> losses;
        model.fit(world().split.train, [&](const mvae::DualEpochReport& r) { losses.push_back(r.loss()); });
        REQUIRE(losses.size() == std::size_t(o.epochs));
        REQUIRE(losses.back() < losses.front());
        const double ndcg = evaluate(model).ndcg[0];
        INFO("NDCG@10: MVAE " << ndcg << ", popularity " << pop);
        REQUIRE(ndcg > 1.3 * pop);
    }
}

TEST_CASE("recommend excludes seen items; a new user's history is folded in", "[model][mvae]") {
    mvae::MvaeOptions o = small_options();
    o.epochs = 2;
    mvae::Mvae model(o);
    REQUIRE_THROWS_WITH(model.recommend(0, 5), Catch::Contains("not been fitted"));
    model.fit(world().split.train);
    const auto& train = world().split.train;
    for (index_t u : {0, 17, 1999}) {
        const auto top = model.recommend(u, 10);
        REQUIRE(top.size() == 10);
        for (index_t i : top) REQUIRE_FALSE(train.contains(u, i));
        // Sorted by score: the scores of the list are non-increasing.
        mvae::Matrix<float, Cpu> s(1, train.n_items());
        model.score(u, 1, s.view());
        for (std::size_t r = 1; r < top.size(); ++r) REQUIRE(s(0, top[r - 1]) >= s(0, top[r]));
    }
    // All items but 3 seen: only those 3 can come back.
    std::vector<index_t> history;
    for (index_t i = 3; i < train.n_items(); ++i) history.push_back(i);
    auto rest = model.recommend_for_history(history, 10);
    std::sort(rest.begin(), rest.end());
    REQUIRE(rest == std::vector<index_t>{0, 1, 2});
    // A training user's own history gives a list that overlaps the user's recommendations.
    const auto items = train.items_of(5);
    const auto cold = model.recommend_for_history(std::vector<index_t>(items.begin(), items.end()), 10);
    const auto warm = model.recommend(5, 10);
    int shared = 0;
    for (index_t i : cold) shared += int(std::count(warm.begin(), warm.end(), i));
    REQUIRE(shared >= 5);
    REQUIRE_THROWS_WITH(model.recommend_for_history(std::vector<index_t>{1, 400}, 5), Catch::Contains("item 400"));
    REQUIRE_THROWS_WITH(model.recommend(2000, 5), Catch::Contains("user 2000"));
    mvae::MvaeOptions item_only = o;
    item_only.sides = mvae::DualSides::ItemOnly;
    mvae::Mvae ivae(item_only);
    ivae.fit(world().split.train);
    REQUIRE_THROWS_WITH(ivae.recommend_for_history(std::vector<index_t>{1, 2}, 5), Catch::Contains("no user-side VAE"));
}

template <class Completion>
void check_save_and_load(const mvae_test::TempDir& dir) {
    using Model = mvae::MvaeModel<float, Cpu, Completion>;
    INFO("completion " << Completion::name);
    mvae::MvaeOptions o = small_options();
    o.epochs = 2;
    Model model(o);
    model.fit(world().split.train);
    const auto file = dir.path() / "model.mvae";
    model.save(file);
    Model loaded = Model::load(file);
    REQUIRE(loaded.epochs_done() == 2);
    REQUIRE(loaded.options().rank == 16);
    REQUIRE(loaded.train().nnz() == world().split.train.nnz());
    REQUIRE(mvae::to_text(loaded.options()) == mvae::to_text(model.options()));
    mvae::Matrix<float, Cpu> a(50, 400), b(50, 400);
    model.score(100, 50, a.view());
    loaded.score(100, 50, b.view());
    REQUIRE(std::equal(a.data(), a.data() + a.size(), b.data()));
    REQUIRE(loaded.recommend(7, 10) == model.recommend(7, 10));
    // Without knowing the type: the file names its completion and likelihood.
    const auto any = mvae::load_mvae_recommender(file);
    REQUIRE(any->recommend(7, 10) == model.recommend(7, 10));
    REQUIRE(any->describe().find("completion=" + std::string(Completion::name)) == 0);
    // Another completion type refuses the file, naming both.
    using Other = std::conditional_t<std::is_same_v<Completion, mvae::NoCompletion>, mvae::WeightedAls, mvae::NoCompletion>;
    using OtherModel = mvae::MvaeModel<float, Cpu, Other>;
    REQUIRE_THROWS_WITH(OtherModel::load(file),
                        Catch::Contains("model.mvae") && Catch::Contains(std::string(Completion::name)) &&
                            Catch::Contains(std::string(Other::name)));
}

TEST_CASE("a saved model loads back with identical scores", "[model][mvae][io]") {
    const mvae_test::TempDir dir;
    check_save_and_load<mvae::RandomizedSvd>(dir);
    check_save_and_load<mvae::NoCompletion>(dir);
}

TEST_CASE("a corrupted or truncated model file is refused with a clear error", "[model][mvae][io]") {
    const mvae_test::TempDir dir;
    mvae::MvaeOptions o = small_options();
    o.epochs = 1;
    mvae::Mvae model(o);
    model.fit(world().split.train);
    const auto file = dir.path() / "model.mvae";
    model.save(file);
    std::vector<char> bytes(std::filesystem::file_size(file));
    std::ifstream(file, std::ios::binary).read(bytes.data(), std::streamsize(bytes.size()));

    const auto damaged = dir.path() / "damaged.mvae";
    auto write = [&](const std::vector<char>& b) {
        std::ofstream(damaged, std::ios::binary | std::ios::trunc).write(b.data(), std::streamsize(b.size()));
    };
    std::vector<char> flipped = bytes;
    flipped[flipped.size() / 2] ^= 0x40;  // a byte inside the parameters
    write(flipped);
    REQUIRE_THROWS_WITH(mvae::Mvae::load(damaged), Catch::Contains("damaged.mvae") && Catch::Contains("corrupted"));
    write(std::vector<char>(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 3)));
    REQUIRE_THROWS_WITH(mvae::Mvae::load(damaged), Catch::Contains("truncated"));
    write(std::vector<char>{'n', 'o', 't', ' ', 'a', ' ', 'm', 'o', 'd', 'e', 'l'});
    REQUIRE_THROWS_AS(mvae::Mvae::load(damaged), mvae::ParseError);
    REQUIRE_THROWS_AS(mvae::Mvae::load(dir.path() / "missing.mvae"), mvae::IoError);
    // A failed save over an existing model leaves it intact.
    REQUIRE_THROWS_AS(model.save(dir.path() / "no-such-dir" / "m.mvae"), mvae::IoError);
    mvae::Mvae reloaded = mvae::Mvae::load(file);
    REQUIRE(reloaded.n_users() == 2000);
}

TEST_CASE("pipeline options are validated and round-trip through text", "[model][mvae]") {
    mvae::MvaeOptions o;
    o.mask_ratio = 1.2;
    REQUIRE_THROWS_WITH(mvae::Mvae(o), Catch::Contains("mask ratio") && Catch::Contains("1.2"));
    o = mvae::MvaeOptions{};
    o.schedule = mvae::Schedule::Paired;  // not the defaults, so the round trip is tested
    o.vae.encoder2 = mvae::Activation::Sigmoid;
    o.vae.kl_convention = mvae::KlConvention::JoVA;
    o.alpha = 0.25;
    const auto back = mvae::mvae_options_from_text(mvae::to_text(o), "test");
    REQUIRE(back.schedule == mvae::Schedule::Paired);
    REQUIRE(back.vae.encoder2 == mvae::Activation::Sigmoid);
    REQUIRE(back.vae.kl_convention == mvae::KlConvention::JoVA);
    REQUIRE(back.alpha == 0.25);
    REQUIRE_THROWS_WITH(mvae::mvae_options_from_text("rank=abc\n", "f"), Catch::Contains("f:1") && Catch::Contains("rank"));
}

TEST_CASE("a model file written before the completion had a section of its own still loads", "[model][mvae][io]") {
    const mvae_test::TempDir dir;
    using SvdMvae = mvae::MvaeModel<float, Cpu, mvae::RandomizedSvd>;
    mvae::MvaeOptions o = small_options();
    o.epochs = 1;
    SvdMvae model(o);
    model.fit(world().split.train);
    const auto file = dir.path() / "new.mvae";
    model.save(file);
    // The layout of earlier versions: "completion=…" and "likelihood=…" inside the options text.
    const auto f = mvae::load_mvae_model_file<float>(file);
    mvae::ModelWriter w(mvae::mvae_model_kind);
    w.add_text("options", "completion=svd\n" + f.options + "likelihood=bernoulli\n");
    mvae::add_mvae_model_arrays(w, f);
    const auto legacy = dir.path() / "legacy.mvae";
    w.save(legacy);
    SvdMvae loaded = SvdMvae::load(legacy);
    REQUIRE(mvae::to_text(loaded.options()) == mvae::to_text(model.options()));
    REQUIRE(loaded.recommend(3, 10) == model.recommend(3, 10));
    REQUIRE_THROWS_WITH(mvae::Mvae::load(legacy), Catch::Contains("legacy.mvae") && Catch::Contains("'svd'"));
}

TEST_CASE("a model file whose options and parameters disagree is refused", "[model][mvae][io]") {
    const mvae_test::TempDir dir;
    mvae::MvaeOptions o = small_options();
    o.epochs = 1;
    mvae::Mvae model(o);
    model.fit(world().split.train);
    const auto file = dir.path() / "m.mvae";
    model.save(file);
    auto f = mvae::load_mvae_model_file<float>(file);
    f.options += "hidden1=99\n";  // a wider VAE than the parameters hold
    mvae::save_mvae_model_file(dir.path() / "wide.mvae", f);
    REQUIRE_THROWS_WITH(mvae::Mvae::load(dir.path() / "wide.mvae"),
                        Catch::Contains("wide.mvae") && Catch::Contains("user_vae.parameters"));
    f = mvae::load_mvae_model_file<float>(file);
    f.options += "schedule=sometimes\n";
    mvae::save_mvae_model_file(dir.path() / "bad.mvae", f);
    REQUIRE_THROWS_WITH(mvae::Mvae::load(dir.path() / "bad.mvae"),
                        Catch::Contains("bad.mvae") && Catch::Contains("sometimes"));
    f = mvae::load_mvae_model_file<float>(file);
    f.items[0] = std::int32_t(f.n_items);  // an item id out of range
    mvae::save_mvae_model_file(dir.path() / "csr.mvae", f);
    REQUIRE_THROWS_WITH(mvae::Mvae::load(dir.path() / "csr.mvae"), Catch::Contains("train.items"));
}

TEST_CASE("training gives the same parameters with any thread count", "[model][mvae][determinism]") {
    // What lets the thread count follow the load (docs/reliability.md): with the BLAS GEMM every
    // kernel's result is independent of the threads. (Eigen's own product is not.)
    if (!mvae::detail::cpu_gemm_uses_blas) return;
    const mvae_test::ThreadGuard guard;
    auto train = [](int threads) {
        mvae::set_num_threads(threads);
        mvae::MvaeOptions o = small_options();
        o.epochs = 2;
        mvae::Mvae model(o);
        model.fit(world().split.train);
        return model.snapshot();
    };
    const auto one = train(1), two = train(2);
    REQUIRE(one.size() == 2);
    REQUIRE(one == two);
}

TEST_CASE("a model's fusion is set, scored and saved; a part is restored alone", "[model][mvae][fusion]") {
    const mvae_test::TempDir dir;
    mvae::MvaeOptions o = small_options();
    o.epochs = 1;
    mvae::Mvae model(o);
    model.fit(world().split.train);
    REQUIRE(model.parts() == 2);
    REQUIRE(model.fuses());
    const auto one_epoch = model.snapshot();
    (void)model.train_epoch();
    const auto two_epochs = model.snapshot();
    REQUIRE(one_epoch[0] != two_epochs[0]);
    REQUIRE(one_epoch[1] != two_epochs[1]);
    // Part 1 (the iVAE) back at epoch 1; the uVAE stays at epoch 2.
    model.restore_part(1, one_epoch);
    REQUIRE(model.snapshot()[0] == two_epochs[0]);
    REQUIRE(model.snapshot()[1] == one_epoch[1]);
    REQUIRE_THROWS_WITH(model.restore_part(2, one_epoch), Catch::Contains("part 2"));

    mvae::Matrix<float, Cpu> before(20, 400), after(20, 400);
    model.score(10, 20, before.view());
    model.set_mix({0.75, mvae::Fusion::ZScore});
    REQUIRE(model.options().alpha == 0.75);
    REQUIRE(model.options().fusion == mvae::Fusion::ZScore);
    model.score(10, 20, after.view());
    REQUIRE_FALSE(std::equal(before.data(), before.data() + before.size(), after.data()));
    const auto file = dir.path() / "mixed.mvae";
    model.save(file);
    mvae::Mvae loaded = mvae::Mvae::load(file);
    REQUIRE(loaded.mix() == mvae::ScoreMix{0.75, mvae::Fusion::ZScore});
    mvae::Matrix<float, Cpu> reloaded(20, 400);
    loaded.score(10, 20, reloaded.view());
    REQUIRE(std::equal(after.data(), after.data() + after.size(), reloaded.data()));

    // The paired schedule couples the sides: one part. One side alone fuses nothing.
    o.schedule = mvae::Schedule::Paired;
    REQUIRE(mvae::Mvae(o).parts() == 1);
    o.schedule = mvae::Schedule::Independent;
    o.sides = mvae::DualSides::UserOnly;
    REQUIRE(mvae::Mvae(o).parts() == 1);
    REQUIRE_FALSE(mvae::Mvae(o).fuses());
}

TEST_CASE("recommend and score may be called from 8 threads at once", "[model][mvae][threads]") {
    mvae::MvaeOptions o = small_options();
    o.epochs = 1;
    mvae::Mvae model(o);
    model.fit(world().split.train);
    const index_t users = 64;
    std::vector<std::vector<index_t>> expected(users), cold(users);
    for (index_t u = 0; u < users; ++u) {
        expected[std::size_t(u)] = model.recommend(u, 10);
        cold[std::size_t(u)] = model.recommend_for_history(std::vector<index_t>{u, index_t(u + 1), index_t(2 * u)}, 5);
    }
    mvae::Matrix<float, Cpu> block(4, 400);
    model.score(8, 4, block.view());
    std::vector<std::vector<index_t>> got(users), got_cold(users);
    std::vector<int> scores_equal(8, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (index_t u = t; u < users; u += 8) {
                got[std::size_t(u)] = model.recommend(u, 10);
                got_cold[std::size_t(u)] = model.recommend_for_history(std::vector<index_t>{u, index_t(u + 1), index_t(2 * u)}, 5);
            }
            mvae::Matrix<float, Cpu> mine(4, 400);
            model.score(8, 4, mine.view());
            scores_equal[std::size_t(t)] = std::equal(mine.data(), mine.data() + mine.size(), block.data());
        });
    for (auto& thread : threads) thread.join();
    REQUIRE(got == expected);
    REQUIRE(got_cold == cold);
    REQUIRE(std::all_of(scores_equal.begin(), scores_equal.end(), [](int e) { return e == 1; }));
}
