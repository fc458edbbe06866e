// The library's algorithms on the GPU against the same algorithms on the CPU: one VAE step, the
// masker, Adam, and the whole MVAE pipeline (train on the GPU, save, load on the CPU).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "cuda_parity.cuh"
#include "mvae/data/random_split.hpp"
#include "mvae/eval/device_ranking.hpp"
#include "support/temp_dir.hpp"

using mvae::Backend;
using mvae::Cpu;
using mvae::Cuda;
using mvae::index_t;
using namespace mvae_test;

namespace {

template <class S, class D>
std::vector<S> host_copy(mvae::VectorView<const S, D> v, const Backend<D>& be) {
    std::vector<S> out(std::size_t(v.size()));
    be.download(v, out.data());
    return out;
}

mvae::VaeConfig vae_config() {
    mvae::VaeConfig c;
    c.input_dim = 300;
    c.hidden1 = c.hidden2 = 64;
    c.latent = 16;
    c.seed = 9;
    return c;
}

mvae::InteractionMatrix planted_clicks() {
    mvae::SyntheticConfig c;
    c.n_users = 600;
    c.n_items = 250;
    c.exposures_per_user = 60;
    c.seed = 4;
    return mvae::generate_synthetic(c).clicks;
}

mvae::MvaeOptions small_options() {
    mvae::MvaeOptions o;
    o.rank = 8;
    o.vae.hidden1 = o.vae.hidden2 = 32;
    o.vae.latent = 8;
    o.batch_size = 128;
    o.epochs = 2;
    o.seed = 5;
    return o;
}

}  // namespace

namespace {

// One VAE step under likelihood L on both devices from the same seeded start: the same loss,
// gradients and scores.
template <class S, class L>
void check_vae_step(const mvae::VaeConfig& c) {
    mvae::VariationalAutoencoder<S, Cpu, L> cpu(c);
    mvae::VariationalAutoencoder<S, Cuda, L> gpu(c);
    // The same seeded Glorot draw on both devices: the uniform fill is bit-identical.
    const auto p_cpu = host_copy<S>(mvae::VectorView<const S, Cpu>(cpu.parameters().values()), cpu.backend());
    const auto p_gpu = host_copy<S>(mvae::VectorView<const S, Cuda>(gpu.parameters().values()), gpu.backend());
    REQUIRE(p_cpu == p_gpu);

    const index_t batch = 50;
    auto input = random_host<S>(batch, c.input_dim, 1), target = random_host<S>(batch, c.input_dim, 2);
    Backend<Cpu>().map(target.view(), [](S v) { return v > S(0.3) ? S(1) : S(0); }, target.cview());
    Backend<Cpu>().map(input.view(), [](S v, S t) { return v > S(0.8) ? S(0) : t; }, input.cview(), target.cview());
    HostMatrix<S> noise(batch, c.latent);
    cpu.draw_noise(noise.view(), mvae::RandomStream(3, 0));  // host-drawn ε fed to both
    const auto d_input = to_device(input), d_target = to_device(target), d_noise = to_device(noise);

    const auto l_cpu = cpu.forward_backward(input.cview(), target.cview(), noise.cview());
    const auto l_gpu = gpu.forward_backward(d_input.cview(), d_target.cview(), d_noise.cview());
    REQUIRE(l_gpu.reconstruction == Approx(l_cpu.reconstruction).epsilon(1e-5));
    REQUIRE(l_gpu.kl == Approx(l_cpu.kl).epsilon(1e-4).margin(1e-6));
    const auto g_cpu = host_copy<S>(mvae::VectorView<const S, Cpu>(cpu.parameters().grads()), cpu.backend());
    const auto g_gpu = host_copy<S>(mvae::VectorView<const S, Cuda>(gpu.parameters().grads()), gpu.backend());
    REQUIRE(max_scaled_difference(g_gpu.data(), g_cpu.data(), g_cpu.size()) < 50 * parity_tolerance<S>);

    HostMatrix<S> s_cpu(batch, c.input_dim), s_gpu(batch, c.input_dim);
    DeviceMatrix<S> d_scores(batch, c.input_dim);
    cpu.predict(input.cview(), s_cpu.view());
    gpu.predict(d_input.cview(), d_scores.view());
    REQUIRE(max_scaled_difference(to_host(d_scores), s_cpu) < 10 * parity_tolerance<S>);
}

}  // namespace

TEMPLATE_TEST_CASE("one VAE step gives the CPU's loss and gradients", "[cuda][model][vae]", float, double) {
    using S = TestType;
    // MVAE's Bernoulli decoder, and Mult-VAE's multinomial one over L2-normalised input.
    auto c = vae_config();
    const bool multinomial = GENERATE(false, true);
    INFO("multinomial " << multinomial);
    if (multinomial) {
        c.normalize_input = true;
        check_vae_step<S, mvae::MultinomialLikelihood>(c);
    } else {
        check_vae_step<S, mvae::BernoulliLikelihood>(c);
    }
}

TEST_CASE("a VAE step with BF16 GEMM inputs stays close to the FP32 step", "[cuda][model][precision]") {
    struct RestorePrecision {
        ~RestorePrecision() { mvae::CudaContext::default_context().set_precision(mvae::GemmPrecision::Fp32); }
    } restore;
    const auto c = vae_config();
    const index_t batch = 50;
    auto input = random_host<float>(batch, c.input_dim, 1), target = random_host<float>(batch, c.input_dim, 2);
    Backend<Cpu>().map(target.view(), [](float v) { return v > 0.3f ? 1.0f : 0.0f; }, target.cview());
    Backend<Cpu>().map(input.view(), [](float v, float t) { return v > 0.8f ? 0.0f : t; }, input.cview(), target.cview());
    HostMatrix<float> noise(batch, c.latent);
    mvae::VariationalAutoencoder<float, Cpu>(c).draw_noise(noise.view(), mvae::RandomStream(3, 0));
    const auto d_input = to_device(input), d_target = to_device(target), d_noise = to_device(noise);
    const auto step = [&](mvae::GemmPrecision p) {  // a fresh VAE (same seed: same weights), one step
        mvae::CudaContext::default_context().set_precision(p);
        mvae::VariationalAutoencoder<float, Cuda> vae(c);
        const auto loss = vae.forward_backward(d_input.cview(), d_target.cview(), d_noise.cview());
        return std::pair(loss, host_copy<float>(mvae::VectorView<const float, Cuda>(vae.parameters().grads()), vae.backend()));
    };
    const auto [l32, g32] = step(mvae::GemmPrecision::Fp32);
    const auto [l16, g16] = step(mvae::GemmPrecision::Bf16);
    CAPTURE(l32.reconstruction, l16.reconstruction, l32.kl, l16.kl);
    REQUIRE(l16.reconstruction == Approx(l32.reconstruction).epsilon(1e-2));
    REQUIRE(l16.kl == Approx(l32.kl).epsilon(5e-2).margin(1e-3));
    const double gradient_error = max_scaled_difference(g16.data(), g32.data(), g32.size());
    CAPTURE(gradient_error);
    REQUIRE(gradient_error > 0.0);   // the mode took effect
    REQUIRE(gradient_error < 5e-2);  // and stays a rounding of the FP32 step
}

TEST_CASE("completed rows and columns are built on the GPU as on the CPU", "[cuda][completion]") {
    const auto clicks = planted_clicks();
    const auto completed = mvae::SvdCompleter(mvae::RandomizedSvd({.rank = 8})).complete(clicks);
    const std::vector<index_t> rows{5, 0, 599, 17, 17, 3};  // repeats allowed
    for (auto side : {mvae::RowsOf::Users, mvae::RowsOf::Items}) {
        const mvae::CompletedRowSource<float, Cpu> cpu(completed, side);
        const mvae::CompletedRowSource<float, Cuda> gpu(completed, side);
        const index_t n = index_t(rows.size()) - (side == mvae::RowsOf::Items ? 1 : 0);  // items: ids < 250
        const std::span<const index_t> batch(rows.data() + (side == mvae::RowsOf::Items ? 1 : 0), std::size_t(n));
        std::vector<index_t> ids(batch.begin(), batch.end());
        if (side == mvae::RowsOf::Items) std::replace(ids.begin(), ids.end(), index_t(599), index_t(249));
        HostMatrix<float> expected(n, cpu.cols());
        DeviceMatrix<float> got(n, gpu.cols());
        cpu.fill(Backend<Cpu>(), ids, expected.view());
        gpu.fill(Backend<Cuda>(), ids, got.view());
        REQUIRE(max_scaled_difference(to_host(got), expected) < 1e-5);
    }
}

TEST_CASE("masks are the same bits on the GPU", "[cuda][masking]") {
    mvae::StochasticMasker<float, Cpu> cpu(0.3, 17);
    mvae::StochasticMasker<float, Cuda> gpu(0.3, 17);
    HostMatrix<float> m(97, 501);
    DeviceMatrix<float> dm(97, 501);
    for (std::uint64_t key : {std::uint64_t(0), std::uint64_t(5), mvae::stream_id(3, 4)}) {
        cpu.draw_mask(Backend<Cpu>(), m.view(), key);
        gpu.draw_mask(Backend<Cuda>(), dm.view(), key);
        REQUIRE(max_scaled_difference(to_host(dm), m) == 0.0);
        auto batch = random_host<float>(97, 501, key);
        auto d_batch = to_device(batch);
        cpu.apply(Backend<Cpu>(), batch.view(), key);
        gpu.apply(Backend<Cuda>(), d_batch.view(), key);
        REQUIRE(max_scaled_difference(to_host(d_batch), batch) == 0.0);
    }
}

TEMPLATE_TEST_CASE("Adam steps match the CPU", "[cuda][optim]", float, double) {
    using S = TestType;
    const index_t n = 10'007;
    auto p = random_host<S>(1, n, 1);
    const auto g = random_host<S>(1, n, 2);
    auto dp = to_device(p);
    const auto dg = to_device(g);
    mvae::Adam<S, Cpu> cpu(n, {.learning_rate = 0.01});
    mvae::Adam<S, Cuda> gpu(n, {.learning_rate = 0.01});
    for (int step = 0; step < 3; ++step) {
        cpu.step(Backend<Cpu>(), mvae::VectorView<S, Cpu>(p.data(), n), mvae::VectorView<const S, Cpu>(g.data(), n));
        gpu.step(Backend<Cuda>(), mvae::VectorView<S, Cuda>(dp.data(), n), mvae::VectorView<const S, Cuda>(dg.data(), n));
    }
    REQUIRE(max_scaled_difference(to_host(dp), p) < parity_tolerance<S>);
}

TEST_CASE("MVAE trained on the GPU scores like the CPU and loads on the CPU", "[cuda][model][mvae]") {
    const auto clicks = planted_clicks();
    for (auto schedule : {mvae::Schedule::Independent, mvae::Schedule::Paired}) {
        auto o = small_options();
        o.schedule = schedule;
        mvae::MvaeModel<float, Cuda> gpu(o);
        mvae::MvaeModel<float, Cpu> cpu(o);
        gpu.fit(clicks);
        cpu.fit(clicks);
        HostMatrix<float> s_gpu(100, clicks.n_items()), s_cpu(100, clicks.n_items());
        gpu.score(50, 100, s_gpu.view());
        cpu.score(50, 100, s_cpu.view());
        // Two epochs of different summation orders: close, not bit-equal.
        REQUIRE(max_scaled_difference(s_gpu, s_cpu) < 2e-3);

        const mvae_test::TempDir dir;
        gpu.save(dir.path() / "gpu.mvae");
        auto loaded = mvae::Mvae::load(dir.path() / "gpu.mvae");
        HostMatrix<float> s_loaded(100, clicks.n_items());
        loaded.score(50, 100, s_loaded.view());
        REQUIRE(max_scaled_difference(s_loaded, s_gpu) < 1e-5);
        REQUIRE(loaded.epochs_done() == 2);
        auto back = mvae::MvaeModel<float, Cuda>::load(dir.path() / "gpu.mvae");
        HostMatrix<float> s_back(100, clicks.n_items());
        back.score(50, 100, s_back.view());
        REQUIRE(max_scaled_difference(s_back, s_gpu) == 0.0);
        REQUIRE(back.recommend(3, 10) == gpu.recommend(3, 10));
        REQUIRE(gpu.recommend_for_history(std::vector<index_t>{1, 2, 3}, 5).size() == 5);
    }
}

namespace {

// A preset (MultVae, Jova) fitted on both devices from the same options: the hinge term and the
// scores agree.
template <class GpuModel, class CpuModel, class Options>
void check_preset_parity(const Options& options, const mvae::InteractionMatrix& clicks) {
    GpuModel gpu(options);
    CpuModel cpu(options);
    std::vector<double> hinge_gpu, hinge_cpu;
    gpu.fit(clicks, [&](const mvae::DualEpochReport& r) { hinge_gpu.push_back(r.hinge); });
    cpu.fit(clicks, [&](const mvae::DualEpochReport& r) { hinge_cpu.push_back(r.hinge); });
    REQUIRE(hinge_gpu.back() == Approx(hinge_cpu.back()).epsilon(1e-3).margin(1e-9));
    HostMatrix<float> s_gpu(100, clicks.n_items()), s_cpu(100, clicks.n_items());
    gpu.score(50, 100, s_gpu.view());
    cpu.score(50, 100, s_cpu.view());
    REQUIRE(max_scaled_difference(s_gpu, s_cpu) < 2e-3);
}

}  // namespace

TEST_CASE("Mult-VAE and JoVA-Hinge trained on the GPU score like the CPU", "[cuda][model][multvae][jova]") {
    const auto clicks = planted_clicks();
    mvae::MultVaeOptions m;
    m.hidden = 32;
    m.latent = 8;
    m.epochs = 2;
    m.batch_size = 128;
    check_preset_parity<mvae::MultVae<float, Cuda>, mvae::MultVae<float, Cpu>>(m, clicks);  // the multinomial likelihood, no completion
    mvae::JovaOptions j;
    j.hidden = 32;
    j.latent = 8;
    j.epochs = 1;
    j.batch_size = 128;  // 5 x 2 blocks, each with the hinge's gather and scatter on the device
    check_preset_parity<mvae::Jova<float, Cuda>, mvae::Jova<float, Cpu>>(j, clicks);
}

TEST_CASE("ranking on the GPU gives the host protocol's report exactly", "[cuda][eval]") {
    const auto clicks = planted_clicks();
    mvae::RandomSplitOptions split_options;
    split_options.seed = 8;
    const auto split = mvae::random_split(clicks, split_options);
    // Scores on 7 levels: many ties, which must break by the lower index on both devices.
    auto scores = random_host<float>(clicks.n_users(), clicks.n_items(), 41);
    Backend<Cpu>().map(scores.view(), [](float v) { return std::floor(v * 3.5f); }, scores.cview());
    const auto d_scores = to_device(scores);
    mvae::EvalOptions opt;
    opt.ks = {1, 5, 10};
    const auto host = mvae::evaluate_scores(split.train, split.test, scores.cview(), opt);
    const auto gpu = mvae::evaluate_ranking_on<float, Cuda>(
        Backend<Cuda>(), split.train, split.test,
        [&](index_t first, index_t count, mvae::MatrixView<float, Cuda> out) {
            Backend<Cuda>().copy(d_scores.cview().row_block(first, count), out);
        },
        opt, 128);
    REQUIRE(gpu.users_evaluated == host.users_evaluated);
    REQUIRE(gpu.precision == host.precision);
    REQUIRE(gpu.recall == host.recall);
    REQUIRE(gpu.ndcg == host.ndcg);
}
