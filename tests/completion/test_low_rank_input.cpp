// The low-rank input path (issue #6 item 5): CompletedRowSource::fill_low_rank equals the dense
// masked, unclamped batch; the first layer's products with it equal the dense GEMMs; a VAE step on
// it equals the dense step; training with VaeTrainOptions::low_rank_input equals dense training on
// the unclamped R′ (same masks and noise); the MVAE pipeline trains, scores and round-trips.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <span>
#include <vector>

#include "mvae/completion/completed_row_source.hpp"
#include "mvae/completion/low_rank_batch.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/masking/stochastic_masker.hpp"
#include "mvae/recommender/mvae_model.hpp"
#include "mvae/model/variational_autoencoder.hpp"
#include "mvae/nn/low_rank_input.hpp"
#include "mvae/random/random_cursor.hpp"
#include "mvae/training/vae_trainer.hpp"

#include "support/random_matrices.hpp"
#include "support/thread_guard.hpp"

using mvae::CompletedMatrix;
using mvae::CompletedRowSource;
using mvae::Cpu;
using mvae::index_t;
using mvae::InteractionMatrix;
using mvae::LowRankFactors;
using mvae::RowsOf;

static_assert(mvae::LowRankRowSource<CompletedRowSource<float>, float, Cpu>);

namespace {

/// The dense n × cols matrix a low-rank-plus-sparse view stands for.
template <class S>
mvae::Matrix<S, Cpu> densify(const mvae::LowRankSparseRows<S, Cpu>& x) {
    mvae::Matrix<S, Cpu> d(x.rows(), x.cols());
    for (index_t r = 0; r < x.rows(); ++r) {
        for (index_t j = 0; j < x.cols(); ++j) {
            S v = 0;
            for (index_t t = 0; t < x.rank(); ++t) v += x.a(r, t) * x.c(j, t);
            d(r, j) = v;
        }
        for (auto e = x.offsets[r]; e < x.offsets[r] + x.lengths[r]; ++e) {
            if (e > x.offsets[r]) REQUIRE(x.indices[e - 1] < x.indices[e]);  // rows sorted, no duplicates
            d(r, x.indices[e]) += x.values[e];
        }
    }
    return d;
}

struct Fixture {
    InteractionMatrix r = mvae_test::skewed_random(41, 29, 1.5, 4);
    LowRankFactors f = mvae::RandomizedSvd({.rank = 5, .oversampling = 4, .power_iterations = 3, .seed = 3}).fit(r);
};

}  // namespace

TEMPLATE_TEST_CASE("fill_low_rank equals the dense masked batch of the unclamped R′, users and items",
                   "[completion][low_rank]", float, double) {
    using S = TestType;
    const Fixture fx;
    const mvae::Backend<Cpu> be;
    const CompletedMatrix clamped(fx.r, fx.f, /*clamp=*/true);
    for (RowsOf side : {RowsOf::Users, RowsOf::Items}) {
        // The dense reference reads the unclamped R′: Clamping::Off on a clamped matrix.
        const CompletedRowSource<S> source(clamped, side, be, mvae::Clamping::Off);
        REQUIRE_FALSE(source.clamped());
        const std::vector<index_t> rows = side == RowsOf::Users ? std::vector<index_t>{40, 0, 7, 7, 13, 2}
                                                                : std::vector<index_t>{28, 0, 9, 3, 3};
        const auto n = index_t(rows.size());
        for (double ratio : {0.0, 0.2, 0.9}) {
            CAPTURE(ratio);
            mvae::StochasticMasker<S, Cpu> masker(ratio, 17);
            mvae::Matrix<S, Cpu> dense(n, source.cols());
            source.fill(be, rows, dense.view());
            // Rows 2.. of a batch of n + 3 rows: the part's mask rows are the batch's rows 2, 3, ….
            masker.apply_rows(be, dense.view(), 5, 2, n + 3);
            mvae::LowRankBatch<S, Cpu> batch;
            const auto masked = masker.masked_rows(be, n, source.cols(), 5, 2, n + 3);
            const auto x = source.fill_low_rank(be, rows, masked, masker.host_counts(), batch);
            REQUIRE(x.rows() == n);
            REQUIRE(x.cols() == source.cols());
            const auto got = densify(x);
            for (index_t b = 0; b < n; ++b)
                for (index_t j = 0; j < source.cols(); ++j)
                    REQUIRE(double(got(b, j)) == Approx(double(dense(b, j))).margin(std::is_same_v<S, float> ? 1e-5 : 1e-12));
        }
    }
}

TEMPLATE_TEST_CASE("the first layer's products with a low-rank input equal the dense GEMMs", "[nn][low_rank]", float,
                   double) {
    using S = TestType;
    const Fixture fx;
    const mvae::Backend<Cpu> be;
    const CompletedMatrix completed(fx.r, fx.f, false);
    const CompletedRowSource<S> source(completed, RowsOf::Users);
    const std::vector<index_t> rows{3, 9, 40, 11};
    mvae::StochasticMasker<S, Cpu> masker(0.3, 2);
    mvae::LowRankBatch<S, Cpu> batch;
    const auto masked = masker.masked_rows(be, 4, 29, 1, 0, 4);
    const auto x = source.fill_low_rank(be, rows, masked, masker.host_counts(), batch);
    const auto dense = densify(x);
    const index_t h = 70;  // more than one block of the transposed product's 64 columns is not needed: 29 < 64
    mvae::Matrix<S, Cpu> w(29, h), delta(4, h), y(4, h), y_ref(4, h), dw(29, h), dw_ref(29, h), scratch(5, h);
    be.fill_normal(w.view(), mvae::RandomStream(1, 1));
    be.fill_normal(delta.view(), mvae::RandomStream(1, 2));
    mvae::low_rank_times<S, Cpu>(be, x, w.cview(), y.view(), scratch.view());
    be.gemm(mvae::Op::N, mvae::Op::N, S(1), dense.cview(), w.cview(), S(0), y_ref.view());
    be.fill(dw.view(), S(0.5));
    mvae::low_rank_transpose_times<S, Cpu>(be, x, delta.cview(), dw.view(), /*accumulate=*/true, scratch.view());
    be.gemm(mvae::Op::T, mvae::Op::N, S(1), dense.cview(), delta.cview(), S(0), dw_ref.view());
    const double tol = std::is_same_v<S, float> ? 1e-4 : 1e-11;
    for (index_t i = 0; i < 4; ++i)
        for (index_t j = 0; j < h; ++j) REQUIRE(double(y(i, j)) == Approx(double(y_ref(i, j))).margin(tol));
    for (index_t i = 0; i < 29; ++i)
        for (index_t j = 0; j < h; ++j) REQUIRE(double(dw(i, j)) == Approx(double(dw_ref(i, j)) + 0.5).margin(tol));
    mvae::low_rank_transpose_times<S, Cpu>(be, x, delta.cview(), dw.view(), /*accumulate=*/false, scratch.view());
    for (index_t i = 0; i < 29; ++i)
        for (index_t j = 0; j < h; ++j) REQUIRE(double(dw(i, j)) == Approx(double(dw_ref(i, j))).margin(tol));
    mvae::Matrix<S, Cpu> wrong(4, h + 1);
    REQUIRE_THROWS_AS(mvae::low_rank_times<S>(be, x, w.cview(), wrong.view(), scratch.view()), mvae::ShapeError);
}

TEST_CASE("the blocked sparse products cover several row groups and column blocks, for any thread count",
          "[nn][low_rank]") {
    // 600 rows × 700 columns: three row groups and three column blocks of the kernels' 256, with
    // rows of 0 to 40 sparse entries and a rank-3 part.
    using S = double;
    const mvae::Backend<Cpu> be;
    const index_t n = 600, cols = 700, k = 3, h = 19;
    mvae::Matrix<S, Cpu> a(n, k), c(cols, k), w(cols, h), delta(n, h), scratch(k, h);
    be.fill_normal(a.view(), mvae::RandomStream(2, 1));
    be.fill_normal(c.view(), mvae::RandomStream(2, 2));
    be.fill_normal(w.view(), mvae::RandomStream(2, 3));
    be.fill_normal(delta.view(), mvae::RandomStream(2, 4));
    std::vector<mvae::offset_t> offsets;
    std::vector<index_t> lengths, indices;
    std::vector<S> values;
    mvae::RandomCursor cursor(mvae::RandomStream(2, 5));
    for (index_t r = 0; r < n; ++r) {
        offsets.push_back(mvae::offset_t(indices.size()));
        const index_t count = index_t(cursor.below(41));
        for (index_t j = 0; j < cols && index_t(indices.size()) - index_t(offsets.back()) < count; ++j)
            if (cursor.below(cols) < std::uint32_t(count)) indices.push_back(j), values.push_back(S(cursor.below(100)) / 50 - 1);
        lengths.push_back(index_t(indices.size()) - index_t(offsets.back()));
    }
    const mvae::LowRankSparseRows<S, Cpu> x{a.cview(), c.cview(), offsets.data(), lengths.data(), indices.data(),
                                            values.data()};
    const auto dense = densify(x);
    mvae::Matrix<S, Cpu> y_ref(n, h), dw_ref(cols, h);
    be.gemm(mvae::Op::N, mvae::Op::N, S(1), dense.cview(), w.cview(), S(0), y_ref.view());
    be.gemm(mvae::Op::T, mvae::Op::N, S(1), dense.cview(), delta.cview(), S(0), dw_ref.view());
    const mvae_test::ThreadGuard guard;
    std::vector<S> first_y, first_dw;
    for (int threads : {1, 2}) {
        mvae::set_num_threads(threads);
        mvae::Matrix<S, Cpu> y(n, h), dw(cols, h);
        mvae::low_rank_times<S, Cpu>(be, x, w.cview(), y.view(), scratch.view());
        mvae::low_rank_transpose_times<S, Cpu>(be, x, delta.cview(), dw.view(), false, scratch.view());
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < h; ++j) REQUIRE(y(i, j) == Approx(y_ref(i, j)).margin(1e-10));
        for (index_t i = 0; i < cols; ++i)
            for (index_t j = 0; j < h; ++j) REQUIRE(dw(i, j) == Approx(dw_ref(i, j)).margin(1e-10));
        if (threads == 1) {
            first_y.assign(y.data(), y.data() + y.size());
            first_dw.assign(dw.data(), dw.data() + dw.size());
        } else {
            REQUIRE(std::equal(first_y.begin(), first_y.end(), y.data()));
            REQUIRE(std::equal(first_dw.begin(), first_dw.end(), dw.data()));
        }
    }
}

TEST_CASE("training with low_rank_input equals dense training on the unclamped R′", "[training][low_rank]") {
    const Fixture fx;
    const mvae::Backend<Cpu> be;
    const CompletedMatrix completed(fx.r, fx.f, /*clamp=*/true);
    const CompletedRowSource<double> target(completed);                                      // clamped
    const CompletedRowSource<double> input(completed, RowsOf::Users, be, mvae::Clamping::Off);  // unclamped
    auto train = [&](bool low_rank, index_t pass_rows) {
        mvae::VaeConfig config;
        config.input_dim = 29, config.hidden1 = 12, config.hidden2 = 8, config.latent = 3, config.seed = 4;
        mvae::VariationalAutoencoder<double, Cpu> vae(config);
        mvae::VaeTrainOptions o;
        o.epochs = 3, o.batch_size = 16, o.mask_ratio = 0.1, o.seed = 5, o.low_rank_input = low_rank;
        o.pass_rows = pass_rows;
        mvae::VaeTrainer<double, Cpu> trainer(vae, o);
        std::vector<double> losses;
        for (index_t e = 0; e < o.epochs; ++e) losses.push_back(trainer.train_epoch(input, target).loss);
        const auto v = vae.parameters().values();
        return std::pair(std::vector<double>(v.data(), v.data() + v.size()), losses);
    };
    const auto [dense, dense_losses] = train(false, 0);
    const auto [low_rank, low_rank_losses] = train(true, 0);
    const auto [low_rank_parts, part_losses] = train(true, 6);
    for (std::size_t k = 0; k < dense.size(); ++k) {
        REQUIRE(low_rank[k] == Approx(dense[k]).margin(1e-9));
        REQUIRE(low_rank_parts[k] == Approx(dense[k]).margin(1e-9));
    }
    for (std::size_t e = 0; e < dense_losses.size(); ++e) CHECK(low_rank_losses[e] == Approx(dense_losses[e]).epsilon(1e-12));

    // A source without fill_low_rank cannot feed it.
    mvae::VaeConfig config;
    config.input_dim = 29;
    mvae::VariationalAutoencoder<double, Cpu> vae(config);
    mvae::VaeTrainOptions o;
    o.low_rank_input = true;
    mvae::VaeTrainer<double, Cpu> trainer(vae, o);
    const mvae::SparseRowSource<double> sparse(fx.r);
    const std::vector<index_t> rows{0, 1};
    REQUIRE_THROWS_WITH(trainer.train_step(sparse, rows), Catch::Contains("fill_low_rank"));
}

TEST_CASE("the MVAE pipeline with low_rank_input trains, scores, saves and loads", "[model][low_rank]") {
    const Fixture fx;
    mvae::MvaeOptions o;
    o.rank = 4, o.epochs = 2, o.batch_size = 16, o.low_rank_input = true;
    o.vae.hidden1 = o.vae.hidden2 = 16, o.vae.latent = 4;
    using SvdMvae = mvae::MvaeModel<float, Cpu, mvae::RandomizedSvd>;
    SvdMvae model(o);
    model.fit(fx.r);
    const auto top = model.recommend(3, 5);
    REQUIRE(top.size() == 5);
    const auto cold = model.recommend_for_history(std::vector<index_t>{1, 2}, 4);
    REQUIRE(cold.size() == 4);
    const auto path = std::filesystem::temp_directory_path() / "mvae_low_rank_model.mvae";
    model.save(path);
    SvdMvae loaded = SvdMvae::load(path);
    std::filesystem::remove(path);
    REQUIRE(loaded.options().low_rank_input);
    CHECK(loaded.recommend(3, 5) == top);
    CHECK(loaded.recommend_for_history(std::vector<index_t>{1, 2}, 4) == cold);
}
