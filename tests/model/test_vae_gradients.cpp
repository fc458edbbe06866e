// The whole VAE loss against finite differences in double, with ε fixed; and the float
// instantiation against the double one.
#include <catch2/catch.hpp>

#include <cmath>
#include <type_traits>
#include <vector>

#include "mvae/model/variational_autoencoder.hpp"

#include "support/gradient_fixtures.hpp"

using mvae::Activation;
using mvae::index_t;
using mvae::testing::check_gradient;
using namespace mvae_test;

namespace {

const mvae::Backend<Cpu> be;

mvae::VaeConfig small_config() {
    mvae::VaeConfig c;
    c.input_dim = 11;
    c.hidden1 = 7;
    c.hidden2 = 6;
    c.latent = 3;
    c.seed = 5;
    return c;
}

// A masked 0/1 input and a soft target, as MVAE feeds them.
struct Batch {
    MatD input, target, noise;
};

Batch make_batch(const mvae::VaeConfig& c, index_t rows) {
    Batch b{normal_matrix(rows, c.input_dim, 20), normal_matrix(rows, c.input_dim, 21), normal_matrix(rows, c.latent, 22)};
    be.map(b.target.view(), [](double v) { return v > 0.5 ? 1.0 : (v < -0.8 ? 0.35 : 0.0); }, b.target.cview());
    be.map(b.input.view(), [](double v, double t) { return v > 1.2 ? 0.0 : t; }, b.input.cview(), b.target.cview());
    return b;
}

}  // namespace

namespace {

struct Variant {
    const char* name;
    Activation enc2;
    Activation dec1;
    mvae::KlConvention kl;
    bool normalize_input = false;
};

// Every parameter gradient of a VariationalAutoencoder<double, Cpu, Likelihood> against finite differences.
template <class Likelihood>
void check_every_gradient(const Variant& v) {
    INFO(v.name << " (" << Likelihood::name << " likelihood)");
    mvae::VaeConfig c = small_config();
    c.encoder2 = v.enc2;
    c.decoder1 = v.dec1;
    c.kl_convention = v.kl;
    c.normalize_input = v.normalize_input;
    mvae::VariationalAutoencoder<double, Cpu, Likelihood> vae(c);
    // Non-zero output biases, as MVAE initialises them, so every bias gradient is exercised.
    std::vector<double> frequency(std::size_t(c.input_dim));
    for (std::size_t j = 0; j < frequency.size(); ++j) frequency[j] = 0.05 + 0.08 * double(j);
    vae.set_output_bias_log_odds(frequency);
    const Batch b = make_batch(c, 5);

    be.fill(vae.parameters().grads(), std::nan(""));  // forward_backward must ASSIGN every gradient
    const mvae::VaeLoss loss = vae.forward_backward(b.input.cview(), b.target.cview(), b.noise.cview());
    REQUIRE(std::isfinite(loss.total));
    REQUIRE(loss.total == Approx(loss.reconstruction + c.kl_weight() * loss.kl));
    REQUIRE(loss.kl > 0);
    const std::vector<double> analytic(flat_grads(vae.parameters()).begin(), flat_grads(vae.parameters()).end());
    REQUIRE(nontrivial(analytic));

    const auto objective = [&] { return vae.loss(b.input.cview(), b.target.cview(), b.noise.cview()).total; };
    const auto r = check_gradient(flat_values(vae.parameters()), analytic, objective);
    INFO("worst: parameter " << r.worst_index << ", analytic " << r.worst_analytic << ", numeric "
                             << r.worst_numeric);
    REQUIRE(r.checked == vae.parameters().size());
    REQUIRE(r.max_relative_error < 1e-6);
}

}  // namespace

TEST_CASE("VAE: every parameter gradient matches finite differences of the loss", "[model][vae][gradient]") {
    const Variant bernoulli[] = {
        {"paper: tanh everywhere, standard KL", Activation::Tanh, Activation::Tanh, mvae::KlConvention::Standard},
        {"JoVA: sigmoid second encoder layer, JoVA KL", Activation::Sigmoid, Activation::Tanh, mvae::KlConvention::JoVA},
        {"identity decoder layer", Activation::Tanh, Activation::Identity, mvae::KlConvention::Standard},
    };
    for (const Variant& v : bernoulli) check_every_gradient<mvae::BernoulliLikelihood>(v);
    check_every_gradient<mvae::MultinomialLikelihood>({"Mult-VAE: multinomial likelihood, L2-normalised input",
                                                       Activation::Tanh, Activation::Tanh,
                                                       mvae::KlConvention::Standard, true});
}

TEST_CASE("VAE: the likelihood policy is the reconstruction term", "[model][vae]") {
    static_assert(std::is_same_v<mvae::VariationalAutoencoder<float, Cpu>::likelihood_type, mvae::BernoulliLikelihood>);
    static_assert(std::is_same_v<mvae::VariationalAutoencoder<double, Cpu, mvae::MultinomialLikelihood>::likelihood_type,
                                 mvae::MultinomialLikelihood>);
    // Every parameter 0: every logit is 0. A row of n ones then costs n · log 2 under the Bernoulli
    // likelihood (σ(0) = ½ per entry) and n · log n under the multinomial (softmax uniform, N = n).
    const mvae::VaeConfig c = small_config();
    const double n = double(c.input_dim);
    MatD ones(1, c.input_dim), noise(1, c.latent);
    be.fill(ones.view(), 1.0);
    be.fill(noise.view(), 0.0);
    mvae::VariationalAutoencoder<double, Cpu> bernoulli(c);
    mvae::VariationalAutoencoder<double, Cpu, mvae::MultinomialLikelihood> multinomial(c);
    be.fill(bernoulli.parameters().values(), 0.0);
    be.fill(multinomial.parameters().values(), 0.0);
    REQUIRE(bernoulli.loss(ones.cview(), ones.cview(), noise.cview()).reconstruction == Approx(n * std::log(2.0)));
    REQUIRE(multinomial.loss(ones.cview(), ones.cview(), noise.cview()).reconstruction == Approx(n * std::log(n)));
    REQUIRE(multinomial.forward_backward(ones.cview(), ones.cview(), noise.cview()).reconstruction ==
            Approx(n * std::log(n)));
}

TEST_CASE("VAE: the loss terms are the per-row means of BCE and KL", "[model][vae]") {
    mvae::VaeConfig c = small_config();
    c.beta = 0.0;
    mvae::VariationalAutoencoder<double, Cpu> vae(c);
    const Batch b = make_batch(c, 4);
    const auto all = vae.loss(b.input.cview(), b.target.cview(), b.noise.cview());
    REQUIRE(all.batch == 4);
    REQUIRE(all.total == Approx(all.reconstruction));  // β = 0
    // The batch mean is the mean of single-row losses.
    double sum = 0;
    for (index_t i = 0; i < 4; ++i)
        sum += vae.loss(b.input.cview().row_block(i, 1), b.target.cview().row_block(i, 1),
                        b.noise.cview().row_block(i, 1))
                   .reconstruction;
    REQUIRE(all.reconstruction == Approx(sum / 4));
    // With the output bias at the log-odds of p and no other signal, the BCE of a row is near
    // the entropy of the targets under p: a known answer for the whole network.
    mvae::VariationalAutoencoder<double, Cpu> quiet(c);
    be.fill(quiet.parameters().values(), 0.0);
    std::vector<double> p(std::size_t(c.input_dim), 0.25);
    quiet.set_output_bias_log_odds(p);
    MatD ones(1, c.input_dim);
    be.fill(ones.view(), 1.0);
    const auto one_row = quiet.loss(ones.cview(), ones.cview(), b.noise.cview().row_block(0, 1));
    REQUIRE(one_row.reconstruction == Approx(-double(c.input_dim) * std::log(0.25)));
    REQUIRE(one_row.kl == Approx(0.0).margin(1e-15));  // μ = 0, log σ² = 0
}

TEST_CASE("VAE: float and double instantiations agree", "[model][vae]") {
    const mvae::VaeConfig c = small_config();
    mvae::VariationalAutoencoder<double, Cpu> vd(c);
    mvae::VariationalAutoencoder<float, Cpu> vf(c);
    for (index_t k = 0; k < vd.parameters().size(); ++k) vf.parameters().values()[k] = float(vd.parameters().values()[k]);
    const Batch b = make_batch(c, 6);
    mvae::Matrix<float, Cpu> in(6, c.input_dim), tg(6, c.input_dim), ns(6, c.latent);
    std::transform(b.input.data(), b.input.data() + b.input.size(), in.data(), [](double v) { return float(v); });
    std::transform(b.target.data(), b.target.data() + b.target.size(), tg.data(), [](double v) { return float(v); });
    std::transform(b.noise.data(), b.noise.data() + b.noise.size(), ns.data(), [](double v) { return float(v); });
    const auto ld = vd.forward_backward(b.input.cview(), b.target.cview(), b.noise.cview());
    const auto lf = vf.forward_backward(in.cview(), tg.cview(), ns.cview());
    REQUIRE(lf.total == Approx(ld.total).epsilon(1e-5));
    for (index_t k = 0; k < vd.parameters().size(); ++k)
        REQUIRE(double(vf.parameters().grads()[k]) == Approx(vd.parameters().grads()[k]).margin(1e-5));
    mvae::Matrix<float, Cpu> sf(6, c.input_dim);
    MatD sd(6, c.input_dim);
    vf.predict(in.cview(), sf.view());
    vd.predict(b.input.cview(), sd.view());
    REQUIRE(double(sf(5, 10)) == Approx(sd(5, 10)).epsilon(1e-5));
    REQUIRE(sd(5, 10) > 0.0);
    REQUIRE(sd(5, 10) < 1.0);
}

TEST_CASE("VAE: configuration and shape errors name what is wrong", "[model][vae]") {
    mvae::VaeConfig c = small_config();
    c.latent = 0;
    using FloatVae = mvae::VariationalAutoencoder<float, Cpu>;
    REQUIRE_THROWS_WITH(FloatVae(c), Catch::Contains("latent") && Catch::Contains("0"));
    c = small_config();
    c.beta = -1;
    REQUIRE_THROWS_AS(FloatVae(c), mvae::ArgumentError);
    mvae::VariationalAutoencoder<double, Cpu> vae(small_config());
    const Batch b = make_batch(small_config(), 3);
    MatD wrong(3, 5);
    REQUIRE_THROWS_WITH(vae.forward_backward(wrong.cview(), b.target.cview(), b.noise.cview()),
                        Catch::Contains("input is 3 x 5") && Catch::Contains("x 11"));
    REQUIRE_THROWS_AS(vae.forward_backward(b.input.cview(), b.target.cview(), wrong.cview()), mvae::ShapeError);
    REQUIRE_THROWS_AS(vae.set_output_bias_log_odds(std::vector<double>(3, 0.5)), mvae::ShapeError);
    REQUIRE_THROWS_AS(vae.set_output_bias_log_odds(std::vector<double>(11, 1.5)), mvae::ArgumentError);
}

TEST_CASE("VAE: Glorot initialisation is seeded and bounded", "[model][vae]") {
    mvae::VariationalAutoencoder<float, Cpu> a(small_config()), b(small_config());
    mvae::VaeConfig other = small_config();
    other.seed = 6;
    mvae::VariationalAutoencoder<float, Cpu> c(other);
    const auto& pa = a.parameters();
    REQUIRE(std::equal(pa.values().data(), pa.values().data() + pa.size(), b.parameters().values().data()));
    REQUIRE_FALSE(std::equal(pa.values().data(), pa.values().data() + pa.size(), c.parameters().values().data()));
    const auto& info = pa.info(a.output_layer().weight());  // 7 x 11: bound √(6/18)
    const float bound = float(std::sqrt(6.0 / 18.0));
    float largest = 0;
    for (index_t k = 0; k < info.size(); ++k) largest = std::max(largest, std::abs(pa.values()[info.offset + k]));
    REQUIRE(largest <= bound);
    REQUIRE(largest > 0.8f * bound);
    REQUIRE(pa.value(a.output_layer().bias())(0, 3) == 0.0f);
}
