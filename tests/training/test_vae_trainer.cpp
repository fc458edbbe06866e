// The training loop: reproducible, source-agnostic, and it refuses to continue past a NaN.
#include <catch2/catch.hpp>

#include <cmath>
#include <type_traits>
#include <vector>

#include "mvae/model/variational_autoencoder.hpp"
#include "mvae/training/vae_trainer.hpp"

#include "support/thread_guard.hpp"

using mvae::Cpu;
using mvae::index_t;

namespace {

mvae::InteractionMatrix small_matrix() {
    std::vector<mvae::Interaction> pairs;
    for (index_t u = 0; u < 50; ++u)
        for (index_t i = 0; i < 30; ++i)
            if ((u * 13 + i * 7) % 11 < 3) pairs.push_back({u, i});
    return mvae::InteractionMatrix(50, 30, pairs);
}

mvae::VaeConfig small_config() {
    mvae::VaeConfig c;
    c.input_dim = 30;
    c.hidden1 = 16;
    c.hidden2 = 8;
    c.latent = 4;
    c.seed = 1;
    return c;
}

mvae::VaeTrainOptions small_options() {
    mvae::VaeTrainOptions o;
    o.epochs = 3;
    o.batch_size = 16;
    o.mask_ratio = 0.2;
    o.seed = 9;
    return o;
}

std::vector<float> train_and_get_parameters(const mvae::InteractionMatrix& r) {
    mvae::VariationalAutoencoder<float, Cpu> vae(small_config());
    mvae::VaeTrainer<float, Cpu> trainer(vae, small_options());
    trainer.fit(mvae::SparseRowSource<float>(r));
    const auto v = vae.parameters().values();
    return {v.data(), v.data() + v.size()};
}

}  // namespace

TEST_CASE("training is reproducible for a seed, whatever the thread count", "[training][determinism]") {
    const mvae::InteractionMatrix r = small_matrix();
    const mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);
    const auto one = train_and_get_parameters(r);
    const auto again = train_and_get_parameters(r);
    mvae::set_num_threads(2);
    const auto two = train_and_get_parameters(r);
    REQUIRE(one == again);
    REQUIRE(one == two);
    mvae::VariationalAutoencoder<float, Cpu> untrained(small_config());
    REQUIRE_FALSE(std::equal(one.begin(), one.end(), untrained.parameters().values().data()));
}

TEST_CASE("a VAE trains under the likelihood policy it is instantiated with", "[training][likelihood]") {
    const mvae::InteractionMatrix r = small_matrix();
    const mvae::SparseRowSource<float> rows(r);
    mvae::VaeConfig config = small_config();
    config.normalize_input = true;  // Mult-VAE's encoder input
    mvae::VaeTrainOptions options = small_options();
    options.epochs = 25;
    using MultVae = mvae::VariationalAutoencoder<float, Cpu, mvae::MultinomialLikelihood>;
    MultVae vae(config);
    mvae::VaeTrainer<float, Cpu, mvae::MultinomialLikelihood> trainer(vae, options);
    static_assert(std::is_same_v<decltype(trainer)::Vae, MultVae>);
    const auto reports = trainer.fit(rows);
    REQUIRE(reports.size() == 25);
    for (const auto& report : reports) REQUIRE(std::isfinite(report.loss));
    REQUIRE(reports.back().reconstruction < reports.front().reconstruction);
    // The same start under the Bernoulli likelihood reports another reconstruction term.
    mvae::VariationalAutoencoder<float, Cpu> bernoulli(config);
    options.epochs = 1;
    const auto bernoulli_reports = mvae::VaeTrainer<float, Cpu>(bernoulli, options).fit(rows);
    REQUIRE(bernoulli_reports.front().reconstruction != Approx(reports.front().reconstruction));
}

TEST_CASE("dense and sparse sources of the same rows train identically", "[training]") {
    const mvae::InteractionMatrix r = small_matrix();
    mvae::Matrix<float, Cpu> dense(50, 30);
    mvae::Backend<Cpu>().fill(dense.view(), 0.0f);
    for (index_t u = 0; u < 50; ++u)
        for (index_t i : r.items_of(u)) dense(u, i) = 1.0f;

    mvae::VariationalAutoencoder<float, Cpu> a(small_config()), b(small_config());
    mvae::VaeTrainer<float, Cpu> ta(a, small_options()), tb(b, small_options());
    std::vector<mvae::EpochReport> seen;
    const auto ra = ta.fit(mvae::SparseRowSource<float>(r), [&](const mvae::EpochReport& e) { seen.push_back(e); });
    const auto rb = tb.fit(mvae::DenseRowSource<float>(dense.cview()));
    REQUIRE(ra.size() == 3);
    REQUIRE(seen.size() == 3);  // the callback saw every epoch
    REQUIRE(seen[2].epoch == 3);
    REQUIRE(ra[0].steps == 4);  // 50 rows in batches of 16: 16, 16, 16, 2
    REQUIRE(ta.steps() == 12);
    for (std::size_t e = 0; e < 3; ++e) {
        REQUIRE(ra[e].loss == rb[e].loss);
        REQUIRE(ra[e].kl == rb[e].kl);
        REQUIRE(ra[e].gradient_norm > 0);
    }
}

TEST_CASE("fit starts the output bias at the log-odds of the column frequencies", "[training]") {
    const mvae::InteractionMatrix r = small_matrix();
    mvae::VariationalAutoencoder<float, Cpu> vae(small_config());
    mvae::VaeTrainOptions options = small_options();
    options.epochs = 0;
    mvae::VaeTrainer<float, Cpu> trainer(vae, options);
    trainer.fit(mvae::SparseRowSource<float>(r));
    const auto bias = vae.parameters().value(vae.output_layer().bias());
    for (index_t i : {0, 7, 29}) {
        const double p = double(r.item_degree(i)) / 50.0;
        REQUIRE(p > 0.0);
        REQUIRE(double(bias(0, i)) == Approx(std::log(p / (1 - p))).epsilon(1e-6));
    }
    options.output_bias_from_data = false;
    mvae::VariationalAutoencoder<float, Cpu> plain(small_config());
    mvae::VaeTrainer<float, Cpu>(plain, options).fit(mvae::SparseRowSource<float>(r));
    REQUIRE(plain.parameters().value(plain.output_layer().bias())(0, 7) == 0.0f);
}

TEST_CASE("training stops with a NumericalError naming the step when it diverges", "[training][errors]") {
    const mvae::InteractionMatrix r = small_matrix();
    mvae::VariationalAutoencoder<float, Cpu> vae(small_config());
    mvae::VaeTrainOptions options = small_options();
    options.adam.learning_rate = 1e30;  // the first update blows every weight up
    mvae::VaeTrainer<float, Cpu> trainer(vae, options);
    REQUIRE_THROWS_AS(trainer.fit(mvae::SparseRowSource<float>(r)), mvae::NumericalError);
    mvae::VariationalAutoencoder<float, Cpu> vae2(small_config());
    mvae::VaeTrainer<float, Cpu> trainer2(vae2, options);
    REQUIRE_THROWS_WITH(trainer2.fit(mvae::SparseRowSource<float>(r)), Catch::Contains("step "));
}

TEST_CASE("a batch processed in several passes trains like one pass (same masks, noise, summed gradients)",
          "[training][passes]") {
    const mvae::InteractionMatrix r = small_matrix();
    auto train = [&](index_t pass_rows, std::vector<double>* losses) {
        mvae::VaeConfig config = small_config();
        mvae::VariationalAutoencoder<double, Cpu> vae(config);
        mvae::VaeTrainOptions options = small_options();
        options.pass_rows = pass_rows;
        mvae::VaeTrainer<double, Cpu> trainer(vae, options);
        for (const auto& report : trainer.fit(mvae::SparseRowSource<double>(r))) losses->push_back(report.loss);
        const auto v = vae.parameters().values();
        return std::vector<double>(v.data(), v.data() + v.size());
    };
    std::vector<double> whole_losses, part_losses, one_row_losses;
    const auto whole = train(0, &whole_losses);    // 16 rows in one pass
    const auto parts = train(5, &part_losses);     // passes of 5, 5, 5 and 1 rows
    const auto single = train(1, &one_row_losses);  // one row per pass
    REQUIRE(whole.size() == parts.size());
    for (std::size_t k = 0; k < whole.size(); ++k) {
        REQUIRE(parts[k] == Approx(whole[k]).margin(1e-9));
        REQUIRE(single[k] == Approx(whole[k]).margin(1e-9));
    }
    for (std::size_t e = 0; e < whole_losses.size(); ++e) {
        CHECK(part_losses[e] == Approx(whole_losses[e]).epsilon(1e-12));
        CHECK(one_row_losses[e] == Approx(whole_losses[e]).epsilon(1e-12));
    }
    // The rule for pass_rows = 0: three rows × cols workspaces within workspace_mib.
    mvae::VaeTrainOptions o;
    CHECK(o.rows_per_pass(1500, 9244, sizeof(float)) == 604);    // 64 MiB / (3 · 9244 · 4 B)
    CHECK(o.rows_per_pass(1500, 55187, sizeof(float)) == 101);
    CHECK(o.rows_per_pass(10, 100, sizeof(float)) == 10);        // never more than the batch
    o.workspace_mib = 1e-9;
    CHECK(o.rows_per_pass(1500, 55187, sizeof(float)) == 1);     // never fewer than one row
    o.pass_rows = 700;
    CHECK(o.rows_per_pass(1500, 55187, sizeof(float)) == 700);
    CHECK(o.rows_per_pass(300, 55187, sizeof(float)) == 300);
}

TEST_CASE("trainer options and sources are validated", "[training][errors]") {
    mvae::VariationalAutoencoder<float, Cpu> vae(small_config());
    mvae::VaeTrainOptions options = small_options();
    options.mask_ratio = 1.5;
    using Trainer = mvae::VaeTrainer<float, Cpu>;
    REQUIRE_THROWS_WITH(Trainer(vae, options), Catch::Contains("mask_ratio") && Catch::Contains("1.5"));
    options = small_options();
    options.batch_size = 0;
    REQUIRE_THROWS_AS(Trainer(vae, options), mvae::ArgumentError);
    options = small_options();
    options.pass_rows = -2;
    REQUIRE_THROWS_WITH(Trainer(vae, options), Catch::Contains("pass_rows") && Catch::Contains("-2"));
    options = small_options();
    options.workspace_mib = 0;
    REQUIRE_THROWS_WITH(Trainer(vae, options), Catch::Contains("workspace_mib"));
    Trainer trainer(vae, small_options());
    const mvae::InteractionMatrix wrong(5, 7, std::vector<mvae::Interaction>{{0, 1}});
    REQUIRE_THROWS_WITH(trainer.fit(mvae::SparseRowSource<float>(wrong)),
                        Catch::Contains("7 columns") && Catch::Contains("30"));
}
