// Mult-VAE and JoVA-Hinge, the VAE baselines built from the pipeline's policies: they learn past
// popularity on planted data, the hinge path reduces to the plain paired schedule at weight 0,
// and their settings survive save/load.
#include <catch2/catch.hpp>

#include <vector>

#include "mvae/data/random_split.hpp"
#include "mvae/data/synthetic.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/recommender/jova.hpp"
#include "mvae/recommender/mult_vae.hpp"
#include "mvae/recommender/popularity.hpp"

#include "support/temp_dir.hpp"

using mvae::Cpu;
using mvae::index_t;

namespace {

const mvae::SplitData& split() {
    static const mvae::SplitData s = [] {
        mvae::SyntheticConfig c;
        c.n_users = 2000;
        c.n_items = 400;
        c.exposures_per_user = 80;
        c.taste_noise = 0.3;
        c.preference_sharpness = 8;
        c.seed = 11;
        mvae::RandomSplitOptions o;
        o.seed = 12;
        return mvae::random_split(mvae::generate_synthetic(c).clicks, o);
    }();
    return s;
}

template <class Model>
double ndcg10(Model& model) {
    mvae::EvalOptions e;
    e.ks = {10};
    return mvae::evaluate_ranking<float>(
               split().train, split().test,
               [&](index_t first, index_t count, mvae::MatrixView<float, Cpu> out) { model.score(first, count, out); }, e)
        .ndcg[0];
}

double popularity_ndcg10() {
    mvae::Popularity pop;
    pop.fit(split().train);
    return ndcg10(pop);
}

}  // namespace

TEST_CASE("Mult-VAE learns past popularity; its loss falls as beta anneals", "[model][multvae][learning]") {
    mvae::MultVaeOptions o;
    o.hidden = 48;
    o.latent = 12;
    o.batch_size = 150;
    o.epochs = 40;
    o.anneal_steps = 500;
    o.learning_rate = 3e-3;
    o.seed = 4;
    mvae::MultVae<> model(o);
    STATIC_REQUIRE(std::is_same_v<mvae::MultVae<>::likelihood_type, mvae::MultinomialLikelihood>);
    std::vector<double> recon;
    model.fit(split().train, [&](const mvae::DualEpochReport& r) {
        REQUIRE(r.item.steps == 0);  // the user side only
        recon.push_back(r.user.reconstruction);
    });
    REQUIRE(recon.back() < recon.front());
    const double pop = popularity_ndcg10(), ours = ndcg10(model);
    INFO("NDCG@10: Mult-VAE " << ours << ", popularity " << pop);
    REQUIRE(ours > 1.3 * pop);
}

TEST_CASE("JoVA-Hinge learns past popularity; the hinge term is active and reported", "[model][jova][learning]") {
    mvae::JovaOptions o;
    o.hidden = 48;
    o.latent = 12;
    o.batch_size = 150;
    o.epochs = 4;
    o.seed = 5;
    mvae::Jova<> model(o);
    std::vector<mvae::DualEpochReport> reports;
    model.fit(split().train, [&](const mvae::DualEpochReport& r) { reports.push_back(r); });
    for (const auto& r : reports) {
        REQUIRE(r.hinge > 0);
        REQUIRE(r.hinge_active > 0);
        REQUIRE(r.hinge_active <= 1);
        REQUIRE(r.loss() == Approx(r.user.loss + r.item.loss + r.hinge));
    }
    REQUIRE(reports.back().hinge < reports.front().hinge);
    const double pop = popularity_ndcg10(), ours = ndcg10(model);
    INFO("NDCG@10: JoVA " << ours << ", popularity " << pop);
    REQUIRE(ours > 1.3 * pop);
}

TEST_CASE("the hinge path at weight 0 is the plain paired schedule, bit for bit", "[training][dual][hinge]") {
    const auto& train = split().train;
    const auto train_t = train.transposed();
    const mvae::SparseRowSource<float> users(train), items(train_t);
    mvae::DualVaeConfig c;
    for (auto* v : {&c.user, &c.item}) {
        v->hidden1 = v->hidden2 = 16;
        v->latent = 4;
    }
    c.user.seed = 1;
    c.item.seed = 2;
    mvae::VaeTrainOptions t;
    t.batch_size = 400;
    t.mask_ratio = 0.2;
    t.seed = 9;
    mvae::DualVAE<float, Cpu> plain(train.n_users(), train.n_items(), c), hinged(train.n_users(), train.n_items(), c);
    mvae::DualTrainer<float, Cpu> plain_trainer(plain, t, mvae::Schedule::Paired);
    mvae::DualTrainer<float, Cpu> hinged_trainer(hinged, t, mvae::Schedule::Paired);
    hinged_trainer.enable_hinge(train, {.margin = 0.15, .weight = 0.0});
    const mvae::DualSources src{users, users, items, items};
    plain_trainer.train_epoch(src);
    hinged_trainer.train_epoch(src);
    const auto& a = plain.user_vae().parameters();
    const auto& b = hinged.user_vae().parameters();
    REQUIRE(std::equal(a.values().data(), a.values().data() + a.size(), b.values().data()));
    const auto& ai = plain.item_vae().parameters();
    const auto& bi = hinged.item_vae().parameters();
    REQUIRE(std::equal(ai.values().data(), ai.values().data() + ai.size(), bi.values().data()));
    // The hinge needs both sides and the paired schedule.
    mvae::DualTrainer<float, Cpu> independent(plain, t, mvae::Schedule::Independent);
    REQUIRE_THROWS_WITH(independent.enable_hinge(train, {}), Catch::Contains("paired"));
}

TEST_CASE("Mult-VAE and JoVA settings survive save and load", "[model][multvae][jova][io]") {
    const mvae_test::TempDir dir;
    // Fits one epoch, saves, loads back as the same type: the same scores, and the options it returns.
    const auto round_trip = [&]<class Model>(Model& model, const char* file) {
        model.fit(split().train);
        model.save(dir.path() / file);
        Model back = Model::load(dir.path() / file);
        mvae::Matrix<float, Cpu> a(20, split().train.n_items()), b(20, split().train.n_items());
        model.score(10, 20, a.view());
        back.score(10, 20, b.view());
        REQUIRE(std::equal(a.data(), a.data() + a.size(), b.data()));
        return back.options();
    };
    mvae::MultVaeOptions m;
    m.hidden = 16;
    m.latent = 4;
    m.epochs = 1;
    mvae::MultVae<> mult(m);
    const mvae::MvaeOptions mo = round_trip(mult, "mult.mvae");
    STATIC_REQUIRE(std::is_same_v<mvae::MultVae<>::completion_type, mvae::NoCompletion>);
    REQUIRE(mo.vae.normalize_input);
    REQUIRE(mo.kl_anneal_steps == m.anneal_steps);

    mvae::JovaOptions j;
    j.hidden = 16;
    j.latent = 4;
    j.epochs = 1;
    j.batch_size = 700;
    j.hinge_weight = 0.5;
    mvae::Jova<> jova(j);
    const mvae::MvaeOptions jo = round_trip(jova, "jova.mvae");
    REQUIRE(jo.hinge_weight == 0.5);
    REQUIRE(jo.hinge_margin == 0.15);
    REQUIRE(jo.schedule == mvae::Schedule::Paired);
}
