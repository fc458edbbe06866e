// DualVAE scoring against a direct computation, and the schedules' visit counts.
#include <catch2/catch.hpp>

#include <cmath>
#include <type_traits>
#include <vector>

#include "mvae/model/dual_vae.hpp"
#include "mvae/training/dual_trainer.hpp"

using mvae::Cpu;
using mvae::index_t;

namespace {

const mvae::Backend<Cpu> be;

mvae::Matrix<float, Cpu> pattern(index_t rows, index_t cols, int salt) {
    mvae::Matrix<float, Cpu> m(rows, cols);
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < cols; ++j) m(i, j) = ((i * 5 + j * 3 + salt) % 7) < 3 ? 1.0f : 0.0f;
    return m;
}

mvae::Matrix<float, Cpu> transpose(const mvae::Matrix<float, Cpu>& m) {
    mvae::Matrix<float, Cpu> t(m.cols(), m.rows());
    for (index_t i = 0; i < m.rows(); ++i)
        for (index_t j = 0; j < m.cols(); ++j) t(j, i) = m(i, j);
    return t;
}

mvae::DualVaeConfig tiny_config(mvae::DualSides sides) {
    mvae::DualVaeConfig c;
    for (auto* v : {&c.user, &c.item}) {
        v->hidden1 = 6;
        v->hidden2 = 5;
        v->latent = 3;
    }
    c.user.seed = 1;
    c.item.seed = 2;
    c.alpha = 0.3;
    c.sides = sides;
    return c;
}

// A row source that counts how often each row is filled.
struct CountingSource {
    mvae::DenseRowSource<float> inner;
    mutable std::vector<int> visits;
    explicit CountingSource(mvae::MatrixView<const float, Cpu> m) : inner(m), visits(std::size_t(m.rows()), 0) {}
    index_t rows() const { return inner.rows(); }
    index_t cols() const { return inner.cols(); }
    void fill(const mvae::Backend<Cpu>& b, std::span<const index_t> rows, mvae::MatrixView<float, Cpu> out) const {
        for (index_t r : rows) ++visits[std::size_t(r)];
        inner.fill(b, rows, out);
    }
    std::vector<double> column_frequencies() const { return inner.column_frequencies(); }
};

}  // namespace

TEST_CASE("DualVAE scores are alpha-blended sigmoids of both sides, block by block", "[model][dual]") {
    const index_t n = 9, m = 7;
    const auto r = pattern(n, m, 0);
    const auto rt = transpose(r);
    const mvae::DenseRowSource<float> users(r.cview()), items(rt.cview());

    mvae::DualVAE<float, Cpu> model(n, m, tiny_config(mvae::DualSides::Both));
    REQUIRE(model.user_vae().input_dim() == m);
    REQUIRE(model.item_vae().input_dim() == n);
    // Direct computation: all users' uVAE logits and all items' iVAE logits.
    mvae::Matrix<float, Cpu> ul(n, m), il(m, n);
    model.user_vae().predict_logits(r.cview(), ul.view());
    model.item_vae().predict_logits(rt.cview(), il.view());

    mvae::Matrix<float, Cpu> out(4, m);
    REQUIRE_THROWS_WITH(model.score(users, 0, 4, out.view()), Catch::Contains("prepare_scoring"));
    model.prepare_scoring(items, /*batch=*/3);
    model.score(users, 5, 4, out.view());
    auto sig = [](float x) { return 1.0f / (1.0f + std::exp(-x)); };
    for (index_t b = 0; b < 4; ++b)
        for (index_t i = 0; i < m; ++i) {
            const float expected = 0.3f * sig(ul(5 + b, i)) + 0.7f * sig(il(i, 5 + b));
            REQUIRE(out(b, i) == Approx(expected).margin(1e-6));
        }
    REQUIRE_THROWS_AS(model.score(users, 6, 4, out.view()), mvae::ShapeError);

    SECTION("one side alone") {
        mvae::DualVAE<float, Cpu> user_only(n, m, tiny_config(mvae::DualSides::UserOnly));
        mvae::DualVAE<float, Cpu> item_only(n, m, tiny_config(mvae::DualSides::ItemOnly));
        REQUIRE_FALSE(user_only.has_item_side());
        REQUIRE_THROWS_WITH(user_only.item_vae(), Catch::Contains("no item side"));
        user_only.prepare_scoring(items);
        item_only.prepare_scoring(items);
        mvae::Matrix<float, Cpu> a(2, m), b(2, m), il2(m, n);
        user_only.score(users, 0, 2, a.view());
        item_only.score(users, 0, 2, b.view());
        mvae::Matrix<float, Cpu> ul2(n, m);
        user_only.user_vae().predict_logits(r.cview(), ul2.view());
        item_only.item_vae().predict_logits(rt.cview(), il2.view());
        REQUIRE(a(1, 3) == Approx(sig(ul2(1, 3))).margin(1e-6));
        REQUIRE(b(1, 3) == Approx(sig(il2(3, 1))).margin(1e-6));
    }
}

TEST_CASE("DualVAE's z-score fusion blends each user's standardised logits of both sides", "[model][dual][fusion]") {
    const index_t n = 9, m = 7;
    const auto r = pattern(n, m, 1);
    const auto rt = transpose(r);
    const mvae::DenseRowSource<float> users(r.cview()), items(rt.cview());
    mvae::DualVAE<float, Cpu> model(n, m, tiny_config(mvae::DualSides::Both));
    REQUIRE(model.mix() == mvae::ScoreMix{0.3, mvae::Fusion::Probability});
    model.set_mix({0.6, mvae::Fusion::ZScore});
    REQUIRE(model.config().fusion == mvae::Fusion::ZScore);
    REQUIRE_THROWS_WITH(model.set_mix({1.5, mvae::Fusion::ZScore}), Catch::Contains("alpha") && Catch::Contains("1.5"));

    mvae::Matrix<float, Cpu> ul(n, m), il(m, n);
    model.user_vae().predict_logits(r.cview(), ul.view());
    model.item_vae().predict_logits(rt.cview(), il.view());
    // z of a user's logits over the items, in double.
    auto standardised = [&](auto logit, index_t u) {
        double mean = 0, sq = 0;
        for (index_t i = 0; i < m; ++i) mean += logit(u, i);
        mean /= double(m);
        for (index_t i = 0; i < m; ++i) sq += (logit(u, i) - mean) * (logit(u, i) - mean);
        const double inv_std = 1.0 / std::sqrt(sq / double(m));
        std::vector<double> z(static_cast<std::size_t>(m));
        for (index_t i = 0; i < m; ++i) z[std::size_t(i)] = (logit(u, i) - mean) * inv_std;
        return z;
    };
    model.prepare_scoring(items);
    mvae::Matrix<float, Cpu> out(3, m);
    model.score(users, 2, 3, out.view());
    for (index_t b = 0; b < 3; ++b) {
        const auto zu = standardised([&](index_t u, index_t i) { return double(ul(u, i)); }, 2 + b);
        const auto zi = standardised([&](index_t u, index_t i) { return double(il(i, u)); }, 2 + b);
        for (index_t i = 0; i < m; ++i) {
            const double x = 0.6 * zu[std::size_t(i)] + 0.4 * zi[std::size_t(i)];
            REQUIRE(out(b, i) == Approx(1.0 / (1.0 + std::exp(-x))).margin(1e-5));
        }
    }
    // α = 1 ranks as the uVAE alone.
    model.set_mix({1.0, mvae::Fusion::ZScore});
    model.score(users, 2, 3, out.view());
    for (index_t b = 0; b < 3; ++b)
        for (index_t i = 1; i < m; ++i)
            REQUIRE((out(b, i) < out(b, 0)) == (ul(2 + b, i) < ul(2 + b, 0)));
}

TEST_CASE("schedules visit every row and column the expected number of times", "[training][dual]") {
    const index_t n = 23, m = 10, batch = 4;  // 6 user batches (last of 3), 3 item batches (last of 2)
    const auto r = pattern(n, m, 1);
    const auto rt = transpose(r);
    mvae::VaeTrainOptions options;
    options.batch_size = batch;
    options.seed = 5;

    SECTION("independent: each user row and each item column once per epoch") {
        CountingSource users(r.cview()), items(rt.cview());
        mvae::DualVAE<float, Cpu> model(n, m, tiny_config(mvae::DualSides::Both));
        mvae::DualTrainer<float, Cpu> trainer(model, options, mvae::Schedule::Independent);
        const mvae::DualSources src{users, users, items, items};
        const auto report = trainer.train_epoch(src);
        trainer.train_epoch(src);
        REQUIRE(report.user.steps == 6);
        REQUIRE(report.item.steps == 3);
        for (int v : users.visits) REQUIRE(v == 2);
        for (int v : items.visits) REQUIRE(v == 2);
    }
    SECTION("paired: a user batch per item batch and vice versa") {
        CountingSource users(r.cview()), items(rt.cview());
        mvae::DualVAE<float, Cpu> model(n, m, tiny_config(mvae::DualSides::Both));
        mvae::DualTrainer<float, Cpu> trainer(model, options, mvae::Schedule::Paired);
        const mvae::DualSources src{users, users, items, items};
        const auto report = trainer.train_epoch(src);
        REQUIRE(report.user.steps == 6 * 3);
        REQUIRE(report.item.steps == 6 * 3);
        for (int v : users.visits) REQUIRE(v == 3);  // every user batch meets all 3 item batches
        for (int v : items.visits) REQUIRE(v == 6);  // every item batch meets all 6 user batches
        REQUIRE(trainer.user_trainer()->epochs_done() == 1);
        REQUIRE(report.loss() == Approx(report.user.loss + report.item.loss));
    }
    SECTION("a one-sided model trains only its side") {
        CountingSource users(r.cview()), items(rt.cview());
        mvae::DualVAE<float, Cpu> model(n, m, tiny_config(mvae::DualSides::UserOnly));
        mvae::DualTrainer<float, Cpu> trainer(model, options, mvae::Schedule::Paired);
        const auto report = trainer.train_epoch(mvae::DualSources{users, users, items, items});
        REQUIRE(report.item.steps == 0);
        REQUIRE(report.user.steps == 18);
        for (int v : items.visits) REQUIRE(v == 0);
    }
    REQUIRE(mvae::parse_schedule("paired") == mvae::Schedule::Paired);
    REQUIRE_THROWS_WITH(mvae::parse_schedule("alternate"), Catch::Contains("unknown schedule 'alternate'"));
}

TEST_CASE("a DualVAE and its trainer carry the likelihood policy to both sides", "[training][dual][likelihood]") {
    const index_t n = 11, m = 9;
    const auto r = pattern(n, m, 2);
    const auto rt = transpose(r);
    const mvae::DenseRowSource<float> users(r.cview()), items(rt.cview());
    using Model = mvae::DualVAE<float, Cpu, mvae::MultinomialLikelihood>;
    using Trainer = mvae::DualTrainer<float, Cpu, mvae::MultinomialLikelihood>;
    static_assert(std::is_same_v<Model::Vae, mvae::VariationalAutoencoder<float, Cpu, mvae::MultinomialLikelihood>>);
    static_assert(std::is_same_v<Trainer::Trainer, mvae::VaeTrainer<float, Cpu, mvae::MultinomialLikelihood>>);
    static_assert(std::is_same_v<mvae::DualVAE<float, Cpu>::likelihood_type, mvae::BernoulliLikelihood>);

    Model model(n, m, tiny_config(mvae::DualSides::Both));
    mvae::VaeTrainOptions options;
    options.batch_size = 4;
    options.seed = 3;
    Trainer trainer(model, options, mvae::Schedule::Paired);
    const auto report = trainer.train_epoch(mvae::DualSources{users, users, items, items});
    REQUIRE(std::isfinite(report.loss()));
    REQUIRE(report.user.steps == 3 * 3);

    // With ε = 0 the loss's reconstruction term is the multinomial NLL of the inference logits.
    for (auto* side : {&model.user_vae(), &model.item_vae()}) {
        const auto& x = side == &model.user_vae() ? r : rt;
        mvae::Matrix<float, Cpu> logits(x.rows(), x.cols()), noise(x.rows(), side->latent_dim());
        be.fill(noise.view(), 0.0f);
        side->predict_logits(x.cview(), logits.view());
        mvae::Vector<float, Cpu> nll(x.rows());
        mvae::multinomial_nll_forward<float, Cpu>(be, logits.cview(), x.cview(), nll.view());
        double mean = 0;
        for (index_t i = 0; i < x.rows(); ++i) mean += double(nll[i]) / double(x.rows());
        REQUIRE(side->loss(x.cview(), x.cview(), noise.cview()).reconstruction == Approx(mean).epsilon(1e-5));
    }
}
