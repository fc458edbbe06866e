// Backend<Cpu> primitives against naive reference loops, for float and double.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <tuple>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/core/parallel.hpp"

#include "support/thread_guard.hpp"

using mvae::Cpu;
using mvae::index_t;
using mvae::Op;

namespace {

template <class S>
mvae::Matrix<S, Cpu> random_matrix(index_t rows, index_t cols, std::uint64_t stream) {
    mvae::Matrix<S, Cpu> m(rows, cols);
    mvae::Backend<Cpu>().fill_normal(m.view(), mvae::RandomStream(123, stream));
    return m;
}

template <class S>
S tolerance() {
    return std::is_same_v<S, float> ? S(1e-4) : S(1e-12);
}

// The data under test must not be trivially zero, or every comparison passes.
template <class S>
void require_nontrivial(const mvae::Matrix<S, Cpu>& m) {
    S norm = 0;
    for (std::size_t k = 0; k < m.size(); ++k) norm += std::abs(m.data()[k]);
    REQUIRE(norm > S(0.1) * S(m.size()));
}

}  // namespace

TEMPLATE_TEST_CASE("gemm matches a naive triple loop for every transpose combination", "[backend][cpu][gemm]", float,
                   double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    const mvae_test::ThreadGuard guard;
    mvae::set_num_threads(2);
    // A small product, and two large enough to be split across threads (by rows of C, by columns).
    const auto [m, k, n] = GENERATE(std::tuple<index_t, index_t, index_t>{7, 5, 6},
                                    std::tuple<index_t, index_t, index_t>{301, 97, 131},
                                    std::tuple<index_t, index_t, index_t>{131, 97, 301});
    CAPTURE(m, k, n);
    for (Op op_a : {Op::N, Op::T}) {
        for (Op op_b : {Op::N, Op::T}) {
            auto a = op_a == Op::N ? random_matrix<S>(m, k, 1) : random_matrix<S>(k, m, 1);
            auto b = op_b == Op::N ? random_matrix<S>(k, n, 2) : random_matrix<S>(n, k, 2);
            auto c = random_matrix<S>(m, n, 3);
            require_nontrivial(a);
            require_nontrivial(b);
            const auto c0 = c;
            const S alpha = S(0.7), beta = S(-1.3);
            be.gemm(op_a, op_b, alpha, a.cview(), b.cview(), beta, c.view());
            for (index_t i = 0; i < m; ++i) {
                for (index_t j = 0; j < n; ++j) {
                    S ref = 0;
                    for (index_t p = 0; p < k; ++p) {
                        const S av = op_a == Op::N ? a(i, p) : a(p, i);
                        const S bv = op_b == Op::N ? b(p, j) : b(j, p);
                        ref += av * bv;
                    }
                    ref = alpha * ref + beta * c0(i, j);
                    REQUIRE(c(i, j) == Approx(ref).margin(tolerance<S>() * S(k)));
                }
            }
        }
    }
}

TEMPLATE_TEST_CASE("gemm with beta = 0 ignores C, works on strided blocks and checks shapes", "[backend][cpu][gemm]",
                   float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    auto big_a = random_matrix<S>(10, 12, 4);
    auto big_b = random_matrix<S>(12, 9, 5);
    mvae::Matrix<S, Cpu> c(3, 4);
    be.fill(c.view(), std::numeric_limits<S>::quiet_NaN());
    auto a = big_a.cview().row_block(2, 3).col_block(1, 5);  // 3 x 5, stride 12
    auto b = big_b.cview().row_block(4, 5).col_block(3, 4);  // 5 x 4, stride 9
    be.gemm(Op::N, Op::N, S(1), a, b, S(0), c.view());
    for (index_t i = 0; i < 3; ++i)
        for (index_t j = 0; j < 4; ++j) {
            S ref = 0;
            for (index_t p = 0; p < 5; ++p) ref += a(i, p) * b(p, j);
            REQUIRE(c(i, j) == Approx(ref).margin(tolerance<S>()));
        }
    mvae::Matrix<S, Cpu> wrong(4, 4);
    REQUIRE_THROWS_AS(be.gemm(Op::N, Op::N, S(1), a, b, S(0), wrong.view()), mvae::ShapeError);
    REQUIRE_THROWS_WITH(be.gemm(Op::T, Op::N, S(1), a, b, S(0), c.view()),
                        Catch::Contains("op(A) is 5 x 3") && Catch::Contains("op(B) is 5 x 4"));
}

TEMPLATE_TEST_CASE("map, map_broadcast_row and the reductions match naive loops", "[backend][cpu]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    // Large enough to take the parallel path (more than parallel_threshold elements).
    const index_t rows = 300, cols = 211;
    auto x = random_matrix<S>(rows, cols, 6);
    auto y = random_matrix<S>(rows, cols, 7);
    require_nontrivial(x);
    mvae::Matrix<S, Cpu> out(rows, cols);
    be.map(out.view(), [](S a, S b) { return a * b + S(1); }, x.cview(), y.cview());
    REQUIRE(out(17, 33) == Approx(x(17, 33) * y(17, 33) + 1));
    REQUIRE(out(rows - 1, cols - 1) == Approx(x(rows - 1, cols - 1) * y(rows - 1, cols - 1) + 1));

    // In place, arity 1, and arity 0 (fill).
    be.map(out.view(), [](S a) { return S(2) * a; }, out.cview());
    REQUIRE(out(17, 33) == Approx(2 * (x(17, 33) * y(17, 33) + 1)));
    be.map(out.view(), []() { return S(3); });
    REQUIRE(out(5, 5) == S(3));

    mvae::Vector<S, Cpu> bias(cols);
    for (index_t j = 0; j < cols; ++j) bias[j] = S(j);
    be.map_broadcast_row(out.view(), [](S a, S b) { return a + b; }, x.cview(), bias.cview());
    REQUIRE(out(9, 100) == Approx(x(9, 100) + 100));

    mvae::Vector<S, Cpu> row_sums(rows), col_sums(cols);
    be.reduce_rows(row_sums.view(), [](S a, S b) { return a * b; }, x.cview(), y.cview());
    be.reduce_cols(col_sums.view(), [](S a) { return a * a; }, x.cview());
    for (index_t i : {0, 150, rows - 1}) {
        S ref = 0;
        for (index_t j = 0; j < cols; ++j) ref += x(i, j) * y(i, j);
        REQUIRE(row_sums[i] == Approx(ref).margin(tolerance<S>() * 100));
    }
    for (index_t j : {0, 100, cols - 1}) {
        S ref = 0;
        for (index_t i = 0; i < rows; ++i) ref += x(i, j) * x(i, j);
        REQUIRE(col_sums[j] == Approx(ref).epsilon(tolerance<S>() * 10));
    }
    // accumulate_cols adds the same column sums to what the output holds.
    mvae::Vector<S, Cpu> acc(cols);
    for (index_t j = 0; j < cols; ++j) acc[j] = S(j);
    be.accumulate_cols(acc.view(), [](S a) { return a * a; }, x.cview());
    for (index_t j : {0, 100, cols - 1}) REQUIRE(acc[j] == Approx(col_sums[j] + S(j)).epsilon(tolerance<S>() * 10));
    mvae::Vector<S, Cpu> wrong(rows + 1);
    REQUIRE_THROWS_AS(be.reduce_rows(wrong.view(), [](S a) { return a; }, x.cview()), mvae::ShapeError);
    REQUIRE_THROWS_AS(be.accumulate_cols(wrong.view(), [](S a) { return a; }, x.cview()), mvae::ShapeError);
    mvae::Matrix<S, Cpu> small(2, 2);
    REQUIRE_THROWS_AS(be.map(small.view(), [](S a) { return a; }, x.cview()), mvae::ShapeError);
}

TEMPLATE_TEST_CASE("reductions and random fills do not depend on the thread count", "[backend][cpu][determinism]",
                   float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    const mvae_test::ThreadGuard guard;
    auto run = [&](int threads) {
        mvae::set_num_threads(threads);
        mvae::Matrix<S, Cpu> x(400, 300);
        be.fill_normal(x.view(), mvae::RandomStream(5, 6), 1000);
        mvae::Vector<S, Cpu> r(400), c(300);
        be.reduce_rows(r.view(), [](S a) { return a; }, x.cview());
        be.reduce_cols(c.view(), [](S a) { return a; }, x.cview());
        return std::tuple(x, r, c);
    };
    auto [x1, r1, c1] = run(1);
    auto [x2, r2, c2] = run(2);
    REQUIRE(std::equal(x1.data(), x1.data() + x1.size(), x2.data()));
    REQUIRE(std::equal(r1.data(), r1.data() + r1.size(), r2.data()));
    REQUIRE(std::equal(c1.data(), c1.data() + c1.size(), c2.data()));
}

TEMPLATE_TEST_CASE("a GEMM split across threads gives the same bits with any thread count", "[backend][cpu][gemm][determinism]",
                   float, double) {
    using S = TestType;
    // Eigen's own product (MVAE_CPU_GEMM=Eigen) chooses its blocking by the thread count.
    if (!mvae::detail::cpu_gemm_uses_blas) return;
    const mvae::Backend<Cpu> be;
    const mvae_test::ThreadGuard guard;
    // Both split directions (rows of op(A), columns of op(B)), both large enough to be split.
    for (const auto& [m, n, k] : {std::tuple<index_t, index_t, index_t>{1000, 96, 64}, {96, 1500, 80}}) {
        const auto a = random_matrix<S>(m, k, 1), b = random_matrix<S>(k, n, 2);
        auto run = [&](int threads) {
            mvae::set_num_threads(threads);
            auto c = random_matrix<S>(m, n, 3);
            be.gemm(Op::N, Op::N, S(1), a.cview(), b.cview(), S(0.5), c.view());
            return c;
        };
        const auto c1 = run(1), c2 = run(2), c3 = run(3);
        require_nontrivial(c1);
        REQUIRE(std::equal(c1.data(), c1.data() + c1.size(), c2.data()));
        REQUIRE(std::equal(c1.data(), c1.data() + c1.size(), c3.data()));
    }
}

TEMPLATE_TEST_CASE("random fills draw element (offset + i*cols + j) of the stream", "[backend][cpu][random]", float,
                   double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    const mvae::RandomStream stream(77, mvae::stream_id(3, 4));
    mvae::Matrix<S, Cpu> u(5, 9), z(5, 9);
    be.fill_uniform(u.view(), stream, 13);
    be.fill_normal(z.view(), stream, 13);
    for (index_t i = 0; i < 5; ++i)
        for (index_t j = 0; j < 9; ++j) {
            const auto k = std::uint64_t(13 + i * 9 + j);
            REQUIRE(u(i, j) == stream.uniform<S>(k));
            REQUIRE(z(i, j) == stream.normal<S>(k));
            REQUIRE(u(i, j) > S(0));
            REQUIRE(u(i, j) < S(1));
        }
    // A block of rows drawn with the matching offset equals the same rows of the whole fill.
    mvae::Matrix<S, Cpu> part(2, 9);
    be.fill_normal(part.view(), stream, 13 + 3 * 9);
    REQUIRE(part(1, 8) == z(4, 8));
}

TEMPLATE_TEST_CASE("copy handles strided views and vectors", "[backend][cpu]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    auto src = random_matrix<S>(6, 8, 11);
    mvae::Matrix<S, Cpu> dst(3, 4);
    be.copy(src.cview().row_block(2, 3).col_block(3, 4), dst.view());
    REQUIRE(dst(2, 3) == src(4, 6));
    std::vector<S> host(dst.size());
    be.download(dst.cview(), host.data());
    REQUIRE(host[11] == src(4, 6));
    be.fill(dst.view(), S(0));
    be.upload(host.data(), dst.view());
    REQUIRE(dst(2, 3) == src(4, 6));
    REQUIRE_THROWS_AS(be.copy(src.cview(), dst.view()), mvae::ShapeError);
}
