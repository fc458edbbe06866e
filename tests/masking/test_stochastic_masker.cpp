// StochasticMasker: exact mask counts, uniformity of the masked subset (chi-square), the
// hypergeometric row counts, reproducibility, thread independence and the apply/mask contracts.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/masking/stochastic_masker.hpp"

#include "support/thread_guard.hpp"

using mvae::Cpu;
using mvae::index_t;
using mvae::offset_t;

namespace {

// Chi-square quantiles (lower 0.001, upper 0.999), from the regularised incomplete gamma function
// solved by bisection; they agree with published tables (e.g. df 7: 0.598, 24.322).
struct Chi2Bounds {
    double lower;
    double upper;
};
constexpr Chi2Bounds chi2_df4{0.0908, 18.4668};
constexpr Chi2Bounds chi2_df5{0.2102, 20.5150};
constexpr Chi2Bounds chi2_df7{0.5985, 24.3219};
constexpr Chi2Bounds chi2_df10{1.4787, 29.5883};
constexpr Chi2Bounds chi2_df14{3.0407, 36.1233};
constexpr Chi2Bounds chi2_df19{5.4068, 43.8202};

template <class S>
std::vector<S> to_vector(const mvae::Matrix<S, Cpu>& m) {
    return std::vector<S>(m.data(), m.data() + m.size());
}

template <class S>
offset_t count_zeros(const mvae::Matrix<S, Cpu>& m) {
    offset_t zeros = 0;
    for (std::size_t k = 0; k < m.size(); ++k) zeros += m.data()[k] == S(0) ? 1 : 0;
    return zeros;
}

// Exact hypergeometric pmf for small arguments (binomials exact in double below 2^53).
double choose(std::int64_t n, std::int64_t k) {
    if (k < 0 || k > n) return 0.0;
    double c = 1.0;
    for (std::int64_t i = 1; i <= k; ++i) c = c * double(n - k + i) / double(i);
    return std::round(c);
}
double hypergeometric_pmf(std::int64_t population, std::int64_t successes, std::int64_t draws, std::int64_t k) {
    return choose(successes, k) * choose(population - successes, draws - k) / choose(population, draws);
}

}  // namespace

TEST_CASE("StochasticMasker validates the mask ratio", "[masking]") {
    REQUIRE_THROWS_AS((mvae::StochasticMasker<float, Cpu>(-0.1, 1)), mvae::ArgumentError);
    REQUIRE_THROWS_WITH((mvae::StochasticMasker<float, Cpu>(1.5, 1)),
                        Catch::Contains("mask ratio") && Catch::Contains("1.5"));
    REQUIRE_THROWS_WITH((mvae::StochasticMasker<double, Cpu>(-0.25, 1)),
                        Catch::Contains("mask ratio") && Catch::Contains("-0.25"));
    REQUIRE_THROWS_AS((mvae::StochasticMasker<double, Cpu>(std::numeric_limits<double>::quiet_NaN(), 1)),
                      mvae::ArgumentError);
    REQUIRE_NOTHROW(mvae::StochasticMasker<float, Cpu>(0.0, 1));
    REQUIRE_NOTHROW(mvae::StochasticMasker<float, Cpu>(1.0, 1));

    const mvae::StochasticMasker<float, Cpu> masker(0.5, 1);
    REQUIRE_THROWS_WITH(masker.masked_count(-1, 3), Catch::Contains("rows"));
    std::vector<index_t> counts(2);
    REQUIRE_THROWS_AS(masker.row_counts(3, 4, 0, counts), mvae::ShapeError);
}

TEST_CASE("masked_count rounds rho * rows * cols to the nearest integer, halves away from zero", "[masking]") {
    auto k = [](double rho, index_t rows, index_t cols) {
        return mvae::StochasticMasker<float, Cpu>(rho, 0).masked_count(rows, cols);
    };
    CHECK(k(0.04, 25, 4) == 4);
    CHECK(k(0.04, 1500, 1500) == 90000);
    CHECK(k(0.96, 10, 10) == 96);
    CHECK(k(0.5, 3, 1) == 2);      // 1.5 → 2
    CHECK(k(0.25, 1, 2) == 1);     // 0.5 → 1
    CHECK(k(0.125, 1, 2) == 0);    // 0.25 → 0
    CHECK(k(0.3, 1, 5) == 2);      // 0.3 · 5 rounds to 1.5 in double → 2
    CHECK(k(0.1, 1, 7) == 1);      // 0.7 → 1
    CHECK(k(0.0, 40, 50) == 0);
    CHECK(k(1.0, 40, 50) == 2000);
    CHECK(k(0.5, 0, 50) == 0);
    CHECK(k(0.5, 50, 0) == 0);
}

TEMPLATE_TEST_CASE("the masker zeroes exactly K entries for every shape and ratio", "[masking]", float, double) {
    using S = TestType;
    mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);  // thousands of tiny launches: spare them the fork (masks do not depend on it)
    const mvae::Backend<Cpu> be;
    for (double rho : {0.0, 0.04, 0.1, 1.0 / 3.0, 0.5, 0.75, 0.96, 1.0}) {
        mvae::StochasticMasker<S, Cpu> masker(rho, 2024);
        for (index_t rows = 0; rows <= 6; ++rows) {
            for (index_t cols = 0; cols <= 9; ++cols) {
                const offset_t expected = masker.masked_count(rows, cols);
                REQUIRE(expected == std::llround(rho * double(rows * cols)));
                for (std::uint64_t key = 0; key < 3; ++key) {
                    mvae::Matrix<S, Cpu> mask(rows, cols);
                    masker.draw_mask(be, mask.view(), key);
                    REQUIRE(count_zeros(mask) == expected);
                    for (std::size_t e = 0; e < mask.size(); ++e)
                        REQUIRE((mask.data()[e] == S(0) || mask.data()[e] == S(1)));
                    // The counts it reports are the mask's per-row zeros.
                    std::vector<index_t> counts(static_cast<std::size_t>(rows));
                    masker.row_counts(rows, cols, key, counts);
                    for (index_t r = 0; r < rows; ++r) {
                        index_t zeros = 0;
                        for (index_t j = 0; j < cols; ++j) zeros += mask(r, j) == S(0) ? 1 : 0;
                        REQUIRE(zeros == counts[std::size_t(r)]);
                    }
                    // apply on a batch without zeros masks the same number.
                    mvae::Matrix<S, Cpu> batch(rows, cols);
                    be.fill(batch.view(), S(2));
                    masker.apply(be, batch.view(), key);
                    REQUIRE(count_zeros(batch) == expected);
                }
            }
        }
    }
    // A larger, non-square batch: round(0.04 · 37 · 211 = 312.28) = 312.
    mvae::StochasticMasker<S, Cpu> masker(0.04, 5);
    mvae::Matrix<S, Cpu> batch(37, 211);
    be.fill(batch.view(), S(1));
    masker.apply(be, batch.view(), 17);
    REQUIRE(count_zeros(batch) == 312);
}

TEST_CASE("the masked set is a uniformly random K-subset (chi-square over all subsets)", "[masking][statistics]") {
    mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);  // thousands of tiny launches: spare them the fork (masks do not depend on it)
    // 2 × 3 batch, K = round(6 / 3) = 2: all 15 two-element subsets must be equally likely.
    const mvae::Backend<Cpu> be;
    mvae::StochasticMasker<double, Cpu> masker(1.0 / 3.0, 77);
    REQUIRE(masker.masked_count(2, 3) == 2);
    std::map<unsigned, int> frequency;
    mvae::Matrix<double, Cpu> mask(2, 3);
    const int draws = 15000;
    for (int key = 0; key < draws; ++key) {
        masker.draw_mask(be, mask.view(), std::uint64_t(key));
        unsigned subset = 0;
        for (unsigned e = 0; e < 6; ++e) subset |= mask.data()[e] == 0.0 ? (1u << e) : 0u;
        ++frequency[subset];
    }
    REQUIRE(frequency.size() == 15);  // every subset occurs, and only 2-subsets
    const double expected = draws / 15.0;
    double chi2 = 0;
    for (const auto& [subset, observed] : frequency) {
        REQUIRE(std::popcount(subset) == 2);
        chi2 += (observed - expected) * (observed - expected) / expected;
    }
    CHECK(chi2 > chi2_df14.lower);
    CHECK(chi2 < chi2_df14.upper);
}

TEST_CASE("every position is masked with probability K / N (chi-square over positions)", "[masking][statistics]") {
    mvae_test::ThreadGuard guard;
    mvae::set_num_threads(1);  // thousands of tiny launches: spare them the fork (masks do not depend on it)
    // 4 × 5 batch, K = 6. Position counts O_i over M draws have mean M·p and, as K positions are
    // drawn without replacement, covariance M·p(1−p)·N/(N−1)·(I − 11ᵀ/N): so
    // Σ (O_i − M·p)² / (M·p(1−p)·N/(N−1)) follows χ² with N − 1 = 19 degrees of freedom.
    const mvae::Backend<Cpu> be;
    mvae::StochasticMasker<float, Cpu> masker(0.3, 31337);
    const index_t rows = 4, cols = 5, n = rows * cols;
    REQUIRE(masker.masked_count(rows, cols) == 6);
    const double p = 6.0 / n;
    const int draws = 20000;
    std::vector<int> observed(std::size_t(n), 0);
    mvae::Matrix<float, Cpu> mask(rows, cols);
    for (int key = 0; key < draws; ++key) {
        masker.draw_mask(be, mask.view(), std::uint64_t(key));
        for (index_t e = 0; e < n; ++e) observed[std::size_t(e)] += mask.data()[e] == 0.0f ? 1 : 0;
    }
    const double scale = draws * p * (1 - p) * n / (n - 1.0);
    double chi2 = 0;
    for (int o : observed) chi2 += (o - draws * p) * (o - draws * p) / scale;
    CHECK(chi2 > chi2_df19.lower);
    CHECK(chi2 < chi2_df19.upper);
}

TEST_CASE("row counts have the hypergeometric mean, variance and covariance", "[masking][statistics]") {
    // 5 × 8 batch, N = 40, K = 10: each row's count is Hypergeometric(40, 10, 8) with
    // mean 8·10/40 = 2 and variance 8·(1/4)(3/4)·32/39 = 16/13; two rows' counts have covariance
    // −8²·(1/4)(3/4)/39 = −4/13; the counts sum to K.
    const mvae::StochasticMasker<double, Cpu> masker(0.25, 99);
    const index_t rows = 5, cols = 8;
    const int draws = 20000;
    std::vector<double> sum(rows, 0), sum_sq(rows, 0);
    double sum_cross = 0;
    std::vector<index_t> counts(rows);
    for (int key = 0; key < draws; ++key) {
        masker.row_counts(rows, cols, std::uint64_t(key), counts);
        index_t total = 0;
        for (index_t r = 0; r < rows; ++r) {
            sum[std::size_t(r)] += counts[std::size_t(r)];
            sum_sq[std::size_t(r)] += double(counts[std::size_t(r)]) * counts[std::size_t(r)];
            total += counts[std::size_t(r)];
        }
        REQUIRE(total == 10);
        sum_cross += double(counts[0]) * counts[4];
    }
    for (index_t r = 0; r < rows; ++r) {
        const double mean = sum[std::size_t(r)] / draws;
        const double variance = sum_sq[std::size_t(r)] / draws - mean * mean;
        CHECK(mean == Approx(2.0).margin(0.04));              // ~5 standard errors (0.0078)
        CHECK(variance == Approx(16.0 / 13.0).margin(0.06));  // ~5 standard errors (~0.012)
    }
    const double covariance = sum_cross / draws - (sum[0] / draws) * (sum[4] / draws);
    CHECK(covariance == Approx(-4.0 / 13.0).margin(0.05));
}

TEST_CASE("row counts of a paper-sized 1500 x 1500 block have the hypergeometric spread", "[masking][statistics]") {
    // ρ = 0.04: K = 90000; each row ~ Hypergeometric(2.25e6, 90000, 1500), variance
    // 1500·0.04·0.96·(N − 1500)/(N − 1) ≈ 57.56. Since the counts sum to K, the sample variance
    // over the rows of one draw has expectation rows·σ²/(rows − 1) ≈ 57.6 and a standard deviation
    // of about σ²·√(2/rows) ≈ 2.1; the mean over 8 keys is within ±0.75 (1 s.d.) of it.
    const mvae::StochasticMasker<float, Cpu> masker(0.04, 3);
    const index_t n = 1500;
    const double population = double(n) * n;
    const double sigma2 = 1500 * 0.04 * 0.96 * (population - n) / (population - 1);
    std::vector<index_t> counts(n);
    double mean_variance = 0;
    for (std::uint64_t key = 0; key < 8; ++key) {
        masker.row_counts(n, n, key, counts);
        double ss = 0;
        offset_t total = 0;
        for (index_t c : counts) {
            ss += (c - 60.0) * (c - 60.0);
            total += c;
        }
        REQUIRE(total == 90000);
        mean_variance += ss / (n - 1) / 8;
    }
    CHECK(mean_variance == Approx(sigma2 * n / (n - 1)).margin(3.0));  // 4 standard deviations
}

TEST_CASE("the hypergeometric sampler matches the exact pmf", "[masking][statistics]") {
    struct Case {
        std::int64_t population, successes, draws;
        Chi2Bounds bounds;
    };
    // Supports: 0..7, 3..7, 0..10; every expected cell count ≥ 9 at 20000 draws.
    const Case cases[] = {{20, 7, 9, chi2_df7}, {12, 8, 7, chi2_df4}, {1000, 500, 10, chi2_df10}};
    const mvae::RandomStream stream(2024, mvae::stream_id(12345));
    const int draws = 20000;
    for (const Case& c : cases) {
        const std::int64_t lo = std::max<std::int64_t>(0, c.draws - (c.population - c.successes));
        const std::int64_t hi = std::min(c.draws, c.successes);
        std::vector<int> observed(std::size_t(hi + 1), 0);
        for (int i = 0; i < draws; ++i) {
            const auto block = stream.block(std::uint64_t(i) + std::uint64_t(c.population) * 100000);
            const double u = mvae::detail::uniform53(block.v[0], block.v[1]);
            const std::int64_t k = mvae::detail::hypergeometric_from_uniform(c.population, c.successes, c.draws, u);
            REQUIRE(k >= lo);
            REQUIRE(k <= hi);
            ++observed[std::size_t(k)];
        }
        double chi2 = 0;
        for (std::int64_t k = lo; k <= hi; ++k) {
            const double expected = draws * hypergeometric_pmf(c.population, c.successes, c.draws, k);
            chi2 += (observed[std::size_t(k)] - expected) * (observed[std::size_t(k)] - expected) / expected;
        }
        INFO("population " << c.population << ", successes " << c.successes << ", draws " << c.draws);
        CHECK(chi2 > c.bounds.lower);
        CHECK(chi2 < c.bounds.upper);
    }
}

TEST_CASE("the hypergeometric sampler inverts in the documented order and handles degenerate cases",
          "[masking]") {
    using mvae::detail::hypergeometric_from_uniform;
    // Degenerate laws are answered exactly, whatever u.
    for (double u : {1e-12, 0.5, 1 - 1e-12}) {
        CHECK(hypergeometric_from_uniform(10, 0, 4, u) == 0);   // no successes
        CHECK(hypergeometric_from_uniform(10, 10, 4, u) == 4);  // all successes
        CHECK(hypergeometric_from_uniform(10, 3, 0, u) == 0);   // no draws
        CHECK(hypergeometric_from_uniform(10, 3, 10, u) == 3);  // every cell drawn
        CHECK(hypergeometric_from_uniform(10, 8, 5, u) >= 3);   // lower end forced by 2 failures
        CHECK(hypergeometric_from_uniform(0, 0, 0, u) == 0);
    }
    // Hypergeometric(20, 7, 9): mode 3 first (P = 0.3576), then 2, 1, 0, then 4, 5, 6, 7.
    const double p3 = hypergeometric_pmf(20, 7, 9, 3);
    const double p_low = p3 + hypergeometric_pmf(20, 7, 9, 2) + hypergeometric_pmf(20, 7, 9, 1) +
                         hypergeometric_pmf(20, 7, 9, 0);
    CHECK(hypergeometric_from_uniform(20, 7, 9, 1e-15) == 3);
    CHECK(hypergeometric_from_uniform(20, 7, 9, p3 - 1e-9) == 3);
    CHECK(hypergeometric_from_uniform(20, 7, 9, p3 + 1e-9) == 2);
    CHECK(hypergeometric_from_uniform(20, 7, 9, p_low - 1e-9) == 0);
    CHECK(hypergeometric_from_uniform(20, 7, 9, p_low + 1e-9) == 4);
    CHECK(hypergeometric_from_uniform(20, 7, 9, 1 - 1e-9) == 7);  // P(7) = 4.6e-4 is the last slice
    CHECK(hypergeometric_from_uniform(20, 7, 9, 1 - 1e-16) == 7);
}

TEST_CASE("masks are reproducible per (seed, key) and differ between keys and seeds", "[masking]") {
    const mvae::Backend<Cpu> be;
    mvae::StochasticMasker<float, Cpu> a(0.1, 42), b(0.1, 42), other_seed(0.1, 43);
    mvae::Matrix<float, Cpu> m1(16, 40), m2(16, 40), m3(16, 40), m4(16, 40);
    a.draw_mask(be, m1.view(), 7);
    a.draw_mask(be, m3.view(), 8);  // the workspace is reused between calls…
    a.draw_mask(be, m2.view(), 7);  // …without changing a later mask
    REQUIRE(count_zeros(m1) == 64);
    CHECK(to_vector(m1) == to_vector(m2));
    b.draw_mask(be, m2.view(), 7);
    CHECK(to_vector(m1) == to_vector(m2));
    CHECK(to_vector(m1) != to_vector(m3));
    other_seed.draw_mask(be, m4.view(), 7);
    CHECK(to_vector(m1) != to_vector(m4));

    // Golden mask (a regression guard on the stream layout and on the row selection, Floyd's
    // algorithm since issue #6): seed 7, key 1, ρ = 0.25, 3 × 4.
    mvae::StochasticMasker<double, Cpu> golden(0.25, 7);
    mvae::Matrix<double, Cpu> g(3, 4);
    golden.draw_mask(be, g.view(), 1);
    const std::vector<double> expected_golden{1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1};
    CHECK(to_vector(g) == expected_golden);
}

TEMPLATE_TEST_CASE("a batch masked in parts with apply_rows gets the whole batch's mask", "[masking]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    for (double ratio : {0.04, 0.5, 0.96}) {
        CAPTURE(ratio);
        mvae::StochasticMasker<S, Cpu> whole(ratio, 5), parts(ratio, 5);
        mvae::Matrix<S, Cpu> a(37, 130), b(37, 130);
        be.fill(a.view(), S(1));
        be.fill(b.view(), S(1));
        whole.apply(be, a.view(), 9);
        for (index_t first : {0, 10, 11, 30})  // parts of 10, 1, 19 and 7 rows
            parts.apply_rows(be, b.view().row_block(first, (first == 0 ? 10 : first == 10 ? 1 : first == 11 ? 19 : 7)),
                             9, first, 37);
        REQUIRE(count_zeros(a) == whole.masked_count(37, 130));
        CHECK(to_vector(a) == to_vector(b));
    }
    mvae::StochasticMasker<S, Cpu> m(0.1, 1);
    mvae::Matrix<S, Cpu> part(5, 10);
    REQUIRE_THROWS_AS(m.apply_rows(be, part.view(), 0, 8, 12), mvae::ShapeError);
}

TEST_CASE("float and double masks choose the same positions", "[masking]") {
    const mvae::Backend<Cpu> be;
    mvae::StochasticMasker<float, Cpu> mf(0.2, 11);
    mvae::StochasticMasker<double, Cpu> md(0.2, 11);
    mvae::Matrix<float, Cpu> f(9, 13);
    mvae::Matrix<double, Cpu> d(9, 13);
    mf.draw_mask(be, f.view(), 5);
    md.draw_mask(be, d.view(), 5);
    REQUIRE(count_zeros(f) == 23);  // round(0.2 · 117 = 23.4)
    for (std::size_t e = 0; e < f.size(); ++e) REQUIRE(double(f.data()[e]) == d.data()[e]);
}

TEST_CASE("masks do not depend on the thread count", "[masking][threads]") {
    mvae_test::ThreadGuard guard;
    const mvae::Backend<Cpu> be;
    mvae::StochasticMasker<float, Cpu> masker(0.3, 8);
    mvae::Matrix<float, Cpu> one(64, 500), two(64, 500), batch(64, 500);
    mvae::set_num_threads(1);
    masker.draw_mask(be, one.view(), 3);
    mvae::set_num_threads(2);
    masker.draw_mask(be, two.view(), 3);
    REQUIRE(count_zeros(one) == 9600);
    CHECK(to_vector(one) == to_vector(two));
    be.fill(batch.view(), 1.0f);
    masker.apply(be, batch.view(), 3);
    CHECK(to_vector(batch) == to_vector(one));
}

TEMPLATE_TEST_CASE("apply equals multiplying by draw_mask's mask, also on strided views", "[masking]", float,
                   double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    mvae::StochasticMasker<S, Cpu> masker(0.4, 123);
    mvae::Matrix<S, Cpu> wide(20, 50);
    be.fill_normal(wide.view(), mvae::RandomStream(1, 2));
    for (index_t j = 0; j < 50; j += 7) wide(3, j) = S(0);  // zeros already in the data
    const auto original = wide;

    // The block of columns 10 … 39: rows of stride 50.
    auto block = wide.view().col_block(10, 30);
    masker.apply(be, block, 99);
    mvae::Matrix<S, Cpu> mask(20, 30);
    masker.draw_mask(be, mask.view(), 99);
    REQUIRE(count_zeros(mask) == 240);  // 0.4 · 600
    offset_t newly_zero = 0;
    for (index_t i = 0; i < 20; ++i) {
        for (index_t j = 0; j < 50; ++j) {
            if (j < 10 || j >= 40) {
                REQUIRE(wide(i, j) == original(i, j));  // outside the block: untouched
            } else {
                REQUIRE(wide(i, j) == original(i, j) * mask(i, j - 10));
                newly_zero += (wide(i, j) == S(0) && original(i, j) != S(0)) ? 1 : 0;
            }
        }
    }
    REQUIRE(newly_zero > 200);  // non-trivial: most masked entries were non-zero before

    // apply_mask with that mask on the original block gives the same.
    auto replay = original;
    mvae::StochasticMasker<S, Cpu>::apply_mask(be, replay.view().col_block(10, 30), mask.cview());
    REQUIRE(to_vector(replay) == to_vector(wide));
}

TEMPLATE_TEST_CASE("apply_mask multiplies by a given mask and checks shapes", "[masking]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    mvae::Matrix<S, Cpu> batch(2, 3), mask(2, 3);
    const S values[] = {1, 2, 3, 4, 5, 6};
    const S keep[] = {1, 0, 1, 0, 0, 1};
    std::copy(values, values + 6, batch.data());
    std::copy(keep, keep + 6, mask.data());
    mvae::StochasticMasker<S, Cpu>::apply_mask(be, batch.view(), mask.cview());
    CHECK(to_vector(batch) == std::vector<S>{1, 0, 3, 0, 0, 6});
    mvae::Matrix<S, Cpu> wrong(3, 2);
    using Masker = mvae::StochasticMasker<S, Cpu>;
    REQUIRE_THROWS_AS(Masker::apply_mask(be, batch.view(), wrong.cview()), mvae::ShapeError);
}

TEMPLATE_TEST_CASE("ratios 0 and 1 leave the batch unchanged or zero it entirely", "[masking]", float, double) {
    using S = TestType;
    const mvae::Backend<Cpu> be;
    mvae::Matrix<S, Cpu> batch(6, 7);
    be.fill_uniform(batch.view(), mvae::RandomStream(3, 4));
    const auto original = batch;
    mvae::StochasticMasker<S, Cpu> none(0.0, 1), all(1.0, 1);
    none.apply(be, batch.view(), 0);
    CHECK(to_vector(batch) == to_vector(original));
    all.apply(be, batch.view(), 0);
    CHECK(count_zeros(batch) == 42);
}

TEST_CASE("RandomCursor::below is exactly uniform on small ranges", "[masking][statistics]") {
    // n = 6 over 12000 draws: χ² with 5 degrees of freedom.
    mvae::RandomCursor cursor(mvae::RandomStream(5, 6));
    std::vector<int> observed(6, 0);
    for (int i = 0; i < 12000; ++i) {
        const std::uint32_t v = cursor.below(6);
        REQUIRE(v < 6u);
        ++observed[v];
    }
    double chi2 = 0;
    for (int o : observed) chi2 += (o - 2000.0) * (o - 2000.0) / 2000.0;
    CHECK(chi2 > chi2_df5.lower);
    CHECK(chi2 < chi2_df5.upper);
    CHECK(cursor.below(1) == 0u);
}
