// CompletedMatrix, MatrixCompleter and CompletedRowSource: hand-computed values of R′, batches equal
// to the naive dense R′ (users and items, clamped and unclamped, float and double, strided output),
// rank 0 equal to R, column means equal to naive means (including the blocked clamped pass),
// determinism for any thread count, and argument / shape errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "mvae/completion/completed_matrix.hpp"
#include "mvae/completion/completed_row_source.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/random/random_stream.hpp"
#include "mvae/data/row_source.hpp"

#include "support/random_matrices.hpp"

#include "support/thread_guard.hpp"

using mvae::CompletedMatrix;
using mvae::CompletedRowSource;
using mvae::Cpu;
using mvae::EigenRowMajor;
using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;
using mvae::LowRankFactors;
using mvae::RowsOf;

static_assert(mvae::RowSource<CompletedRowSource<float>, float, Cpu>);
static_assert(mvae::CompletionPolicy<mvae::RandomizedSvd>);
static_assert(mvae::CompletionPolicy<mvae::WeightedAls>);
static_assert(mvae::CompletionPolicy<mvae::NoCompletion>);

using mvae_test::skewed_random;

namespace {


/// R′ in full, naively: 1 where observed, else the (clamped) dot product of the factors.
Eigen::MatrixXd naive_completed(const InteractionMatrix& r, const LowRankFactors& f, bool clamp) {
    Eigen::MatrixXd d(r.n_users(), r.n_items());
    for (index_t u = 0; u < r.n_users(); ++u) {
        for (index_t i = 0; i < r.n_items(); ++i) {
            double x = 0;
            for (index_t j = 0; j < f.rank(); ++j) x += f.p(u, j) * f.q(i, j);
            if (clamp) x = std::min(1.0, std::max(0.0, x));
            d(u, i) = r.contains(u, i) ? 1.0 : x;
        }
    }
    return d;
}

template <class S>
double tolerance() {
    return std::is_same_v<S, float> ? 1e-5 : 1e-12;
}

template <class S>
std::vector<S> fill_rows(const CompletedRowSource<S>& src, std::span<const index_t> rows) {
    mvae::Matrix<S, Cpu> out(index_t(rows.size()), src.cols());
    src.fill(mvae::Backend<Cpu>(), rows, out.view());
    return std::vector<S>(out.data(), out.data() + out.size());
}

}  // namespace

TEST_CASE("R′ by hand: observed ones kept, the rest clamped or not", "[completion][completed]") {
    // R = [0 1; 0 0], p = [1; 0.5], q = [2; −1]: predictions [2 −1; 1 −0.5].
    const InteractionMatrix r(2, 2, std::vector<Interaction>{{0, 1}});
    LowRankFactors f;
    f.p.resize(2, 1);
    f.p << 1.0, 0.5;
    f.q.resize(2, 1);
    f.q << 2.0, -1.0;
    const CompletedMatrix clamped(r, f);
    REQUIRE(clamped.clamped());
    REQUIRE(clamped.rank() == 1);
    CHECK(clamped.value(0, 0) == 1.0);  // 2 → 1
    CHECK(clamped.value(0, 1) == 1.0);  // observed (prediction −1)
    CHECK(clamped.value(1, 0) == 1.0);  // exactly 1
    CHECK(clamped.value(1, 1) == 0.0);  // −0.5 → 0
    const CompletedMatrix raw(r, f, false);
    CHECK(raw.value(0, 0) == 2.0);
    CHECK(raw.value(0, 1) == 1.0);
    CHECK(raw.value(1, 1) == -0.5);
    CHECK(f.predict(0, 1) == -1.0);

    const CompletedMatrix none = CompletedMatrix::uncompleted(r);
    CHECK(none.rank() == 0);
    CHECK(none.value(0, 1) == 1.0);
    CHECK(none.value(1, 0) == 0.0);

    REQUIRE_THROWS_AS(clamped.value(2, 0), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(clamped.value(0, -1), Catch::Contains("(0, -1) is outside the 2 x 2 matrix"));
    REQUIRE_THROWS_AS(f.predict(0, 2), mvae::ArgumentError);
    LowRankFactors wrong = f;
    wrong.q.resize(3, 1);
    REQUIRE_THROWS_WITH(CompletedMatrix(r, wrong), Catch::Contains("R is 2 x 2"));
    wrong = f;
    wrong.q.resize(2, 2);
    REQUIRE_THROWS_AS(CompletedMatrix(r, wrong), mvae::ShapeError);
}

TEST_CASE("MatrixCompleter wraps the policy's factors with R", "[completion][completed]") {
    const InteractionMatrix r = skewed_random(30, 20, 1.5, 1);
    const mvae::SvdCompleter svd(mvae::RandomizedSvd({.rank = 4, .power_iterations = 3}));
    const CompletedMatrix a = svd.complete(r);
    CHECK(a.rank() == 4);
    CHECK(a.clamped());
    CHECK(&a.observed() == &r);
    CHECK(a.factors().p == mvae::RandomizedSvd({.rank = 4, .power_iterations = 3}).fit(r).p);
    CHECK(svd.policy().options().rank == 4);

    const mvae::AlsCompleter als(mvae::WeightedAls({.rank = 3, .iterations = 2}), false);
    const CompletedMatrix b = als.complete(r);
    CHECK(b.rank() == 3);
    CHECK_FALSE(b.clamped());

    const CompletedMatrix c = mvae::IdentityCompleter().complete(r);
    CHECK(c.rank() == 0);
    CHECK(c.factors().n_users() == 30);
    CHECK(c.factors().n_items() == 20);
    CHECK(mvae::SvdCompleter().policy().options().rank == 50);
}

TEMPLATE_TEST_CASE("fill() equals the rows of the naive dense R′ and R′ᵀ", "[completion][rows]", float, double) {
    using S = TestType;
    const InteractionMatrix r = skewed_random(37, 23, 1.5, 2);
    const LowRankFactors f = mvae::RandomizedSvd({.rank = 5, .oversampling = 4, .power_iterations = 3, .seed = 3}).fit(r);
    const std::vector<index_t> user_rows{36, 0, 5, 5, 17, 2, 30};
    const std::vector<index_t> item_rows{22, 0, 9, 3, 3, 11};

    for (bool clamp : {true, false}) {
        CAPTURE(clamp);
        const CompletedMatrix completed(r, f, clamp);
        const Eigen::MatrixXd expected = naive_completed(r, f, clamp);
        // The data must exercise every branch: ones, values strictly inside (0, 1), and (unclamped) outside it.
        REQUIRE((expected.array() == 1.0).count() == r.nnz());
        REQUIRE((expected.array() > 0.05 && expected.array() < 0.95).count() > 50);
        if (!clamp) REQUIRE((expected.array() < -0.01).count() > 5);

        // users: rows of R′
        const CompletedRowSource<S> users(completed);
        REQUIRE(users.rows() == 37);
        REQUIRE(users.cols() == 23);
        const auto got_users = fill_rows(users, user_rows);
        for (std::size_t b = 0; b < user_rows.size(); ++b)
            for (index_t j = 0; j < 23; ++j)
                REQUIRE(double(got_users[b * 23 + std::size_t(j)]) ==
                        Approx(expected(user_rows[b], j)).margin(tolerance<S>()));

        // items: rows of R′ᵀ
        const CompletedRowSource<S> items(completed, RowsOf::Items);
        REQUIRE(items.rows() == 23);
        REQUIRE(items.cols() == 37);
        REQUIRE(items.rows_of() == RowsOf::Items);
        const auto got_items = fill_rows(items, item_rows);
        for (std::size_t b = 0; b < item_rows.size(); ++b)
            for (index_t j = 0; j < 37; ++j)
                REQUIRE(double(got_items[b * 37 + std::size_t(j)]) ==
                        Approx(expected(j, item_rows[b])).margin(tolerance<S>()));

        // a strided output, filled twice (the second, smaller batch reuses the workspace)
        mvae::Matrix<S, Cpu> wide(index_t(user_rows.size()), 30);
        mvae::Backend<Cpu>().fill(wide.view(), S(-7));
        const auto view = wide.view().col_block(2, 23);
        users.fill(mvae::Backend<Cpu>(), user_rows, view);
        users.fill(mvae::Backend<Cpu>(), std::span<const index_t>(user_rows).first(2), view.row_block(0, 2));
        for (std::size_t b = 0; b < user_rows.size(); ++b) {
            CHECK(wide(index_t(b), 0) == S(-7));
            CHECK(wide(index_t(b), 25) == S(-7));
            for (index_t j = 0; j < 23; ++j)
                REQUIRE(double(view(index_t(b), j)) == Approx(expected(user_rows[b], j)).margin(tolerance<S>()));
        }
    }
}

TEST_CASE("rank 0: the rows of R itself, like SparseRowSource", "[completion][rows]") {
    const InteractionMatrix r = skewed_random(20, 15, 1.5, 4);
    const CompletedMatrix none = CompletedMatrix::uncompleted(r);
    const std::vector<index_t> rows{3, 19, 0, 7};
    const auto got = fill_rows(CompletedRowSource<float>(none), rows);
    const CompletedMatrix unclamped_none(r, LowRankFactors::zero_rank(20, 15), false);
    const auto expected = fill_rows(CompletedRowSource<float>(unclamped_none), rows);
    mvae::Matrix<float, Cpu> sparse(4, 15);
    mvae::SparseRowSource<float>(r).fill(mvae::Backend<Cpu>(), rows, sparse.view());
    REQUIRE(std::count(got.begin(), got.end(), 1.0f) > 5);
    CHECK(std::equal(got.begin(), got.end(), sparse.data()));
    CHECK(got == expected);
    CHECK(CompletedRowSource<double>(none).column_frequencies() == mvae::SparseRowSource<double>(r).column_frequencies());
}

TEST_CASE("column means and frequencies equal the naive column means", "[completion][rows]") {
    const InteractionMatrix r = skewed_random(37, 23, 1.5, 5);
    const LowRankFactors f = mvae::RandomizedSvd({.rank = 5, .oversampling = 4, .power_iterations = 3, .seed = 3}).fit(r);
    for (bool clamp : {true, false}) {
        CAPTURE(clamp);
        const CompletedMatrix completed(r, f, clamp);
        const Eigen::MatrixXd d = naive_completed(r, f, clamp);
        const Eigen::VectorXd item_means = d.colwise().mean().transpose();
        const Eigen::VectorXd user_means = d.rowwise().mean();
        REQUIRE(item_means.maxCoeff() > 0.1);

        const auto users = CompletedRowSource<float>(completed).column_means();
        const auto items = CompletedRowSource<float>(completed, RowsOf::Items).column_means();
        REQUIRE(users.size() == 23);
        REQUIRE(items.size() == 37);
        for (index_t i = 0; i < 23; ++i) CHECK(users[std::size_t(i)] == Approx(item_means(i)).margin(1e-12));
        for (index_t u = 0; u < 37; ++u) CHECK(items[std::size_t(u)] == Approx(user_means(u)).margin(1e-12));

        const auto freq = CompletedRowSource<double>(completed, RowsOf::Items).column_frequencies();
        for (index_t u = 0; u < 37; ++u)
            CHECK(freq[std::size_t(u)] == Approx(std::clamp(user_means(u), 0.0, 1.0)).margin(1e-12));
    }
}

TEST_CASE("clamped column means over several row blocks", "[completion][rows]") {
    // 2^21 / 2000 = 1048 rows per block: 1100 users take two blocks.
    const InteractionMatrix r = skewed_random(1100, 2000, 0.3, 6);
    const LowRankFactors f = mvae::RandomizedSvd({.rank = 4, .power_iterations = 1, .seed = 1}).fit(r);
    const CompletedMatrix completed(r, f);
    const Eigen::MatrixXd means = naive_completed(r, f, true).colwise().mean().transpose();
    REQUIRE(means.maxCoeff() > 0.05);
    const mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);
    const auto one = CompletedRowSource<float>(completed).column_means();
    mvae::set_num_threads(2);
    const auto two = CompletedRowSource<float>(completed).column_means();
    REQUIRE(one == two);
    for (index_t i = 0; i < 2000; ++i) REQUIRE(one[std::size_t(i)] == Approx(means(i)).margin(1e-12));
}

TEST_CASE("fill() is deterministic and independent of the thread count", "[completion][rows][determinism]") {
    const InteractionMatrix r = skewed_random(300, 400, 0.8, 7);
    const LowRankFactors f = mvae::RandomizedSvd({.rank = 16, .seed = 5}).fit(r);
    const CompletedMatrix completed(r, f);
    std::vector<index_t> rows(250);
    for (index_t b = 0; b < 250; ++b) rows[std::size_t(b)] = (b * 37) % 300;
    std::vector<index_t> item_rows(rows.begin(), rows.end());

    const mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);
    const CompletedRowSource<float> users(completed), items(completed, RowsOf::Items);
    const auto u1 = fill_rows(users, rows), i1 = fill_rows(items, item_rows);
    const auto u1_again = fill_rows(users, rows);
    mvae::set_num_threads(2);
    const auto u2 = fill_rows(users, rows), i2 = fill_rows(items, item_rows);
    REQUIRE(std::count_if(u1.begin(), u1.end(), [](float x) { return x > 0.01f && x < 0.99f; }) > 1000);
    REQUIRE(u1 == u1_again);
    REQUIRE(u1 == u2);
    REQUIRE(i1 == i2);
}

TEST_CASE("CompletedRowSource argument and shape errors", "[completion][rows][errors]") {
    const InteractionMatrix r = skewed_random(10, 8, 1.5, 8);
    const CompletedMatrix completed(r, mvae::RandomizedSvd({.rank = 2}).fit(r));
    const CompletedRowSource<float> users(completed);
    const CompletedRowSource<float> items(completed, RowsOf::Items);
    const std::vector<index_t> rows{1, 2};
    mvae::Matrix<float, Cpu> out(2, 8);
    mvae::Matrix<float, Cpu> item_out(2, 10);
    const mvae::Backend<Cpu> be;
    REQUIRE_NOTHROW(users.fill(be, rows, out.view()));
    REQUIRE_NOTHROW(items.fill(be, rows, item_out.view()));
    REQUIRE_THROWS_AS(users.fill(be, rows, item_out.view()), mvae::ShapeError);
    REQUIRE_THROWS_WITH(items.fill(be, rows, out.view()), Catch::Contains("CompletedRowSource::fill") &&
                                                              Catch::Contains("needs a 2 x 10 output, got 2 x 8"));
    const std::vector<index_t> outside{1, 10};
    mvae::Matrix<float, Cpu> out10(2, 10);
    REQUIRE_NOTHROW(items.fill(be, std::vector<index_t>{1, 7}, out10.view()));
    REQUIRE_THROWS_AS(users.fill(be, outside, out.view()), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(items.fill(be, std::vector<index_t>{1, 8}, out10.view()),
                        Catch::Contains("row 8 is outside [0, 8)"));
    REQUIRE_THROWS_AS(users.fill(be, std::vector<index_t>{-1, 0}, out.view()), mvae::ArgumentError);
    mvae::Matrix<float, Cpu> empty(0, 8);
    REQUIRE_NOTHROW(users.fill(be, std::span<const index_t>(), empty.view()));
}
