// Tests of the synthetic implicit-feedback generator: validation, determinism (seed and thread
// count), the exposure sampler's exact probabilities, exposure skew, calibration of the true
// preference, the planted taste structure, and the missing-at-random test sampler.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "mvae/core/parallel.hpp"
#include "mvae/data/synthetic.hpp"

#include "support/thread_guard.hpp"

namespace {

using mvae::index_t;
using mvae::offset_t;

// 300 users × 200 items, 20 exposures each: small enough to generate in milliseconds.
mvae::SyntheticConfig small_config(double exposure_bias = 1.0, std::uint64_t seed = 42) {
    mvae::SyntheticConfig c;
    c.n_users = 300;
    c.n_items = 200;
    c.exposures_per_user = 20;
    c.exposure_bias = exposure_bias;
    c.seed = seed;
    return c;
}

void require_same(const mvae::SyntheticData& a, const mvae::SyntheticData& b) {
    REQUIRE(a.exposure.pairs() == b.exposure.pairs());
    REQUIRE(a.clicks.pairs() == b.clicks.pairs());
    REQUIRE(a.user_factors == b.user_factors);
    REQUIRE(a.item_factors == b.item_factors);
    REQUIRE(a.popularity_rank == b.popularity_rank);
    REQUIRE(a.preference_offset == b.preference_offset);
}

// Share of all exposures that go to the n_items / 10 most popular items.
double top_decile_share(const mvae::SyntheticData& d) {
    const index_t decile = d.n_items() / 10;
    double top = 0;
    for (index_t i = 0; i < d.n_items(); ++i)
        if (d.popularity_rank[std::size_t(i)] < decile) top += d.exposure.item_degree(i);
    return top / double(d.exposure.nnz());
}

// Pearson's chi-square of the per-item exposure counts against a uniform expectation.
double exposure_chi_square(const mvae::SyntheticData& d) {
    const double expected = double(d.exposure.nnz()) / d.n_items();
    double chi2 = 0;
    for (index_t i = 0; i < d.n_items(); ++i) {
        const double diff = d.exposure.item_degree(i) - expected;
        chi2 += diff * diff / expected;
    }
    return chi2;
}

// Mean over users (with both classes among their candidates) of the AUC of `score` at separating
// the positives of the unbiased test from its other candidates.
template <class Score>
double mean_auc(const mvae::UnbiasedTest& test, Score score) {
    double total = 0;
    int users = 0;
    for (index_t u = 0; u < test.candidates.n_users(); ++u) {
        const auto cand = test.candidates.items_of(u);
        const auto pos = test.positives.items_of(u);
        if (pos.empty() || pos.size() == cand.size()) continue;
        double wins = 0, pairs = 0;
        for (index_t i : pos)
            for (index_t j : cand) {
                if (test.positives.contains(u, j)) continue;
                const double si = score(u, i), sj = score(u, j);
                wins += si > sj ? 1.0 : (si == sj ? 0.5 : 0.0);
                pairs += 1;
            }
        total += wins / pairs;
        ++users;
    }
    return total / users;
}

}  // namespace

TEST_CASE("SyntheticConfig validation names the field and its value", "[synthetic]") {
    REQUIRE_NOTHROW(mvae::SyntheticConfig{}.validate());
    auto rejects = [](auto mutate, const char* field, const char* value) {
        mvae::SyntheticConfig c = small_config();
        mutate(c);
        REQUIRE_THROWS_AS(mvae::generate_synthetic(c), mvae::ArgumentError);
        REQUIRE_THROWS_WITH(mvae::generate_synthetic(c),
                            Catch::Contains(std::string("SyntheticConfig::") + field) &&
                                Catch::Contains(std::string("got ") + value));
    };
    rejects([](auto& c) { c.n_users = 0; }, "n_users", "0");
    rejects([](auto& c) { c.n_items = -3; }, "n_items", "-3");
    rejects([](auto& c) { c.rank = 0; }, "rank", "0");
    rejects([](auto& c) { c.rank = 2000; }, "rank", "2000");
    rejects([](auto& c) { c.n_tastes = 0; }, "n_tastes", "0");
    rejects([](auto& c) { c.taste_noise = -0.5; }, "taste_noise", "-0.5");
    rejects([](auto& c) { c.taste_noise = std::numeric_limits<double>::quiet_NaN(); }, "taste_noise", "nan");
    rejects([](auto& c) { c.preference_sharpness = -1; }, "preference_sharpness", "-1");
    rejects([](auto& c) { c.mean_preference = 0; }, "mean_preference", "0");
    rejects([](auto& c) { c.mean_preference = 1; }, "mean_preference", "1");
    rejects([](auto& c) { c.popularity_skew = 6; }, "popularity_skew", "6");
    rejects([](auto& c) { c.exposure_bias = -0.25; }, "exposure_bias", "-0.25");
    rejects([](auto& c) { c.exposure_bias = std::numeric_limits<double>::infinity(); }, "exposure_bias", "inf");
    rejects([](auto& c) { c.exposures_per_user = 0; }, "exposures_per_user", "0");
    rejects([](auto& c) { c.exposures_per_user = 201; }, "exposures_per_user", "201");
    rejects([](auto& c) { c.activity_spread = 4; }, "activity_spread", "4");
}

TEST_CASE("Synthetic data are a function of the seed", "[synthetic]") {
    const mvae::SyntheticData a = mvae::generate_synthetic(small_config(1.0, 7));
    const mvae::SyntheticData b = mvae::generate_synthetic(small_config(1.0, 7));
    require_same(a, b);
    REQUIRE(a.clicks.nnz() > 0);

    const mvae::SyntheticData c = mvae::generate_synthetic(small_config(1.0, 8));
    REQUIRE(a.exposure.pairs() != c.exposure.pairs());
    REQUIRE(a.clicks.pairs() != c.clicks.pairs());
    REQUIRE(a.user_factors != c.user_factors);
    REQUIRE(a.popularity_rank != c.popularity_rank);
}

TEST_CASE("Synthetic data do not depend on the thread count", "[synthetic]") {
    mvae_test::ThreadGuard guard;
    mvae::SyntheticConfig config = small_config();
    config.n_users = 700;  // several blocks of users
    config.activity_spread = 0.5;
    mvae::set_num_threads(1);
    const mvae::SyntheticData one = mvae::generate_synthetic(config);
    const mvae::UnbiasedTest test_one = one.sample_unbiased_test(15, 3);
    mvae::set_num_threads(2);
    const mvae::SyntheticData two = mvae::generate_synthetic(config);
    const mvae::UnbiasedTest test_two = two.sample_unbiased_test(15, 3);
    require_same(one, two);
    REQUIRE(test_one.candidates.pairs() == test_two.candidates.pairs());
    REQUIRE(test_one.positives.pairs() == test_two.positives.pairs());
}

TEST_CASE("Clicks are the exposed pairs the user would click", "[synthetic]") {
    const mvae::SyntheticData d = mvae::generate_synthetic(small_config());
    REQUIRE(d.clicks.n_users() == 300);
    REQUIRE(d.clicks.n_items() == 200);
    REQUIRE(d.exposure.nnz() == 300 * 20);
    for (const auto& p : d.clicks.pairs()) REQUIRE(d.exposure.contains(p.user, p.item));
    offset_t would = 0;
    for (const auto& p : d.exposure.pairs()) {
        const bool w = d.would_click(p.user, p.item);
        would += w ? 1 : 0;
        REQUIRE(d.clicks.contains(p.user, p.item) == w);
    }
    REQUIRE(would == d.clicks.nnz());
    // Preference is unrelated to popularity, so the click rate among exposures is ≈ μ = 0.27
    // (binomial s.d. over 6000 exposures ≈ 0.006, plus item-level variation).
    REQUIRE(double(d.clicks.nnz()) / double(d.exposure.nnz()) == Approx(0.27).margin(0.03));
}

TEST_CASE("Exposures per user follow the configuration", "[synthetic]") {
    SECTION("an integer mean and no spread: exactly m per user") {
        const mvae::SyntheticData d = mvae::generate_synthetic(small_config());
        for (index_t u = 0; u < d.n_users(); ++u) REQUIRE(d.exposure.user_degree(u) == 20);
    }
    SECTION("a fractional mean and no spread: floor or ceil, ceil with probability frac(m)") {
        mvae::SyntheticConfig c = small_config();
        c.n_users = 1000;
        c.exposures_per_user = 20.25;
        const mvae::SyntheticData d = mvae::generate_synthetic(c);
        int ceil_count = 0;
        for (index_t u = 0; u < d.n_users(); ++u) {
            const index_t n = d.exposure.user_degree(u);
            REQUIRE((n == 20 || n == 21));
            ceil_count += n == 21 ? 1 : 0;
        }
        // Binomial(1000, 0.25): mean 250, s.d. 13.7; 4 s.d. margin.
        REQUIRE(ceil_count == Approx(250).margin(55));
    }
    SECTION("a spread: log-normal counts with mean m (in distribution)") {
        mvae::SyntheticConfig c = small_config();
        c.n_users = 2000;
        c.activity_spread = 0.5;
        const mvae::SyntheticData d = mvae::generate_synthetic(c);
        index_t lo = 1000, hi = 0;
        for (index_t u = 0; u < d.n_users(); ++u) {
            lo = std::min(lo, d.exposure.user_degree(u));
            hi = std::max(hi, d.exposure.user_degree(u));
        }
        // Mean 20, per-user s.d. ≈ 20·sqrt(e^0.25 − 1) ≈ 10.7, so the mean of 2000 users has s.d. 0.24.
        REQUIRE(double(d.exposure.nnz()) / 2000.0 == Approx(20).margin(1.0));
        REQUIRE(lo <= 6);
        REQUIRE(hi >= 50);
    }
    SECTION("m = n_items exposes every item") {
        mvae::SyntheticConfig c = small_config();
        c.n_users = 5;
        c.n_items = 30;
        c.exposures_per_user = 30;
        const mvae::SyntheticData d = mvae::generate_synthetic(c);
        REQUIRE(d.exposure.nnz() == 5 * 30);
    }
}

TEST_CASE("Exposure follows successive sampling with probabilities proportional to w^beta", "[synthetic]") {
    // Three items with popularity weights ∝ 1, 1/2, 1/3 (s = 1) and β = 1.
    mvae::SyntheticConfig c;
    c.n_users = 20000;
    c.n_items = 3;
    c.popularity_skew = 1.0;
    c.exposure_bias = 1.0;
    c.seed = 5;
    const double n = c.n_users;
    auto frequency_of_rank = [](const mvae::SyntheticData& d, index_t rank) {
        for (index_t i = 0; i < 3; ++i)
            if (d.popularity_rank[std::size_t(i)] == rank) return d.exposure.item_degree(i) / double(d.n_users());
        return -1.0;
    };
    SECTION("one exposure: P(rank r) = v_r / Σv = 6/11, 3/11, 2/11") {
        c.exposures_per_user = 1;
        const mvae::SyntheticData d = mvae::generate_synthetic(c);
        const double p[3] = {6.0 / 11, 3.0 / 11, 2.0 / 11};
        for (index_t r = 0; r < 3; ++r)
            REQUIRE(frequency_of_rank(d, r) == Approx(p[r]).margin(4 * std::sqrt(p[r] * (1 - p[r]) / n)));
        // The normalised popularity weights themselves.
        for (index_t i = 0; i < 3; ++i)
            REQUIRE(d.item_popularity[std::size_t(i)] == Approx(p[d.popularity_rank[std::size_t(i)]]).epsilon(1e-12));
    }
    SECTION("two exposures: P(rank 2 included) = 2/11 + (6/11)(2/5) + (3/11)(1/4) = 0.468182") {
        c.exposures_per_user = 2;
        const mvae::SyntheticData d = mvae::generate_synthetic(c);
        // P(r included) = P(r first) + Σ_{a≠r} P(a first)·v_r / (Σv − v_a); the three sum to 2.
        const double p0 = 6.0 / 11 + (3.0 / 11) * (3.0 / 4) + (2.0 / 11) * (2.0 / 3);
        const double p1 = 3.0 / 11 + (6.0 / 11) * (3.0 / 5) + (2.0 / 11) * (1.0 / 3);
        const double p2 = 2.0 / 11 + (6.0 / 11) * (2.0 / 5) + (3.0 / 11) * (1.0 / 4);
        REQUIRE(p0 + p1 + p2 == Approx(2.0).epsilon(1e-12));
        REQUIRE(p2 == Approx(0.468182).margin(1e-6));
        REQUIRE(p0 == Approx(0.871212).margin(1e-6));
        const double p[3] = {p0, p1, p2};
        for (index_t r = 0; r < 3; ++r)
            REQUIRE(frequency_of_rank(d, r) == Approx(p[r]).margin(4 * std::sqrt(p[r] * (1 - p[r]) / n)));
    }
}

TEST_CASE("Exposure concentrates on popular items as exposure_bias grows", "[synthetic]") {
    const mvae::SyntheticData uniform = mvae::generate_synthetic(small_config(0.0));
    const mvae::SyntheticData biased = mvae::generate_synthetic(small_config(1.0));
    const mvae::SyntheticData strong = mvae::generate_synthetic(small_config(2.0));
    // Seed 42: shares 0.0988, 0.4617 and 0.7042. Without bias the top decile gets its 10 %; with
    // β = 1 it gets ≈ 4.7 times that (Zipf(1) mass of the top 20 of 200 items is 61 %, less the
    // saturation of drawing without replacement).
    const double s0 = top_decile_share(uniform), s1 = top_decile_share(biased), s2 = top_decile_share(strong);
    REQUIRE(s0 == Approx(0.10).margin(0.02));
    REQUIRE(s1 / s0 == Approx(4.67).margin(0.6));
    REQUIRE(s2 / s0 == Approx(7.13).margin(0.8));
    REQUIRE(s2 > s1);
    // Click rates stay ≈ μ whatever the exposure: the preference does not depend on popularity.
    REQUIRE(double(strong.clicks.nnz()) / double(strong.exposure.nnz()) == Approx(0.27).margin(0.03));
}

TEST_CASE("Without exposure bias every item is exposed about equally often", "[synthetic]") {
    // 6000 exposures over 200 items; chi-square with 199 degrees of freedom (sampling without
    // replacement makes it slightly smaller): seed 42 gives 163.3; the 99.9 % quantile is 260.
    const mvae::SyntheticData uniform = mvae::generate_synthetic(small_config(0.0));
    const double chi2 = exposure_chi_square(uniform);
    REQUIRE(chi2 < 260);
    REQUIRE(chi2 > 120);
    // The same statistic detects the popularity-driven exposure (seed 42: 13108).
    REQUIRE(exposure_chi_square(mvae::generate_synthetic(small_config(1.0))) > 5000);
    // No popularity differences (s = 0) mean uniform exposure whatever β.
    mvae::SyntheticConfig flat = small_config(3.0);
    flat.popularity_skew = 0;
    REQUIRE(exposure_chi_square(mvae::generate_synthetic(flat)) < 260);
}

TEST_CASE("True preference is the calibrated sigmoid of the factor affinity", "[synthetic]") {
    SECTION("exact calibration when users · items ≤ 65,536") {
        mvae::SyntheticConfig c = small_config();
        c.n_users = 200;
        c.n_items = 100;
        c.mean_preference = 0.1;
        const mvae::SyntheticData d = mvae::generate_synthetic(c);
        double mean = 0;
        for (index_t u = 0; u < 200; ++u)
            for (index_t i = 0; i < 100; ++i) mean += d.true_preference(u, i);
        REQUIRE(mean / 20000 == Approx(0.1).margin(1e-9));

        // π(u,i) = sigmoid(a·⟨p_u, q_i⟩ + b), recomputed from the stored truth.
        REQUIRE(d.preference_scale == 5.0);
        REQUIRE(d.user_factors.size() == 200u * 8u);
        REQUIRE(d.item_factors.size() == 100u * 8u);
        for (index_t u : {0, 77, 199})
            for (index_t i : {0, 31, 99}) {
                double dot = 0;
                for (std::size_t k = 0; k < 8; ++k)
                    dot += d.user_factors[std::size_t(u) * 8 + k] * d.item_factors[std::size_t(i) * 8 + k];
                const double logit = 5.0 * dot + d.preference_offset;
                REQUIRE(d.preference_logit(u, i) == Approx(logit).epsilon(1e-12));
                REQUIRE(d.true_preference(u, i) == Approx(1.0 / (1.0 + std::exp(-logit))).epsilon(1e-12));
            }
        REQUIRE_THROWS_AS(d.true_preference(200, 0), mvae::ArgumentError);
        REQUIRE_THROWS_AS(d.true_preference(0, -1), mvae::ArgumentError);
        REQUIRE_THROWS_AS(d.would_click(0, 100), mvae::ArgumentError);
    }
    SECTION("sampled calibration on larger shapes") {
        mvae::SyntheticConfig c = small_config();
        c.n_users = 500;
        c.n_items = 300;
        const mvae::SyntheticData d = mvae::generate_synthetic(c);
        double mean = 0;
        for (index_t u = 0; u < 500; ++u)
            for (index_t i = 0; i < 300; ++i) mean += d.true_preference(u, i);
        REQUIRE(mean / (500.0 * 300.0) == Approx(0.27).margin(0.01));
    }
    SECTION("popularity weights are a Zipf law over a permutation of ranks") {
        mvae::SyntheticConfig c = small_config();
        c.popularity_skew = 1.5;
        const mvae::SyntheticData d = mvae::generate_synthetic(c);
        std::vector<index_t> ranks = d.popularity_rank;
        std::sort(ranks.begin(), ranks.end());
        for (index_t k = 0; k < 200; ++k) REQUIRE(ranks[std::size_t(k)] == k);
        double total = 0;
        std::size_t top = 0, second = 0;
        for (std::size_t i = 0; i < 200; ++i) {
            total += d.item_popularity[i];
            if (d.popularity_rank[i] == 0) top = i;
            if (d.popularity_rank[i] == 1) second = i;
        }
        REQUIRE(total == Approx(1.0).epsilon(1e-12));
        REQUIRE(d.item_popularity[top] / d.item_popularity[second] == Approx(std::pow(2.0, 1.5)).epsilon(1e-12));
        REQUIRE(top != 0);  // the most popular item is not simply item 0
    }
}

TEST_CASE("The planted tastes make the true preference beat popularity on unexposed items", "[synthetic]") {
    const mvae::SyntheticData d = mvae::generate_synthetic(small_config(1.0));
    // Items of a user's own taste are much more likely to be liked.
    double same = 0, other = 0;
    int n_same = 0, n_other = 0;
    for (index_t u = 0; u < d.n_users(); u += 3)
        for (index_t i = 0; i < d.n_items(); ++i) {
            const double p = d.true_preference(u, i);
            if (d.user_taste[std::size_t(u)] == d.item_taste[std::size_t(i)]) {
                same += p;
                ++n_same;
            } else {
                other += p;
                ++n_other;
            }
        }
    REQUIRE(same / n_same > 0.6);
    REQUIRE(other / n_other < 0.25);

    // On the missing-at-random test (seed 42: AUC 0.888 for the truth, 0.514 for popularity).
    const mvae::UnbiasedTest test = d.sample_unbiased_test(30, 3);
    const double auc_truth = mean_auc(test, [&](index_t u, index_t i) { return d.true_preference(u, i); });
    const double auc_popularity =
        mean_auc(test, [&](index_t, index_t i) { return d.item_popularity[std::size_t(i)]; });
    REQUIRE(auc_truth > 0.84);
    REQUIRE(auc_popularity == Approx(0.5).margin(0.05));
    REQUIRE(auc_truth - auc_popularity > 0.3);
}

TEST_CASE("The unbiased test draws unexposed candidates labelled by the true preference", "[synthetic]") {
    const mvae::SyntheticData d = mvae::generate_synthetic(small_config());
    const mvae::UnbiasedTest test = d.sample_unbiased_test(30, 11);
    REQUIRE(test.candidates.n_users() == 300);
    REQUIRE(test.candidates.n_items() == 200);
    REQUIRE(test.candidates.nnz() == 300 * 30);
    double expected_positives = 0;
    offset_t positives = 0;
    for (const auto& p : test.candidates.pairs()) {
        REQUIRE_FALSE(d.exposure.contains(p.user, p.item));
        const bool positive = test.positives.contains(p.user, p.item);
        REQUIRE(positive == d.would_click(p.user, p.item));
        positives += positive ? 1 : 0;
        expected_positives += d.true_preference(p.user, p.item);
    }
    REQUIRE(positives == test.positives.nnz());
    // Labels are Bernoulli(π): the positive count is within 4 s.d. (≈ 4·40) of Σπ.
    REQUIRE(double(positives) == Approx(expected_positives).margin(170));

    // Deterministic in the seed; another seed picks other candidates, and shared pairs agree.
    const mvae::UnbiasedTest again = d.sample_unbiased_test(30, 11);
    REQUIRE(again.candidates.pairs() == test.candidates.pairs());
    REQUIRE(again.positives.pairs() == test.positives.pairs());
    const mvae::UnbiasedTest other = d.sample_unbiased_test(30, 12);
    REQUIRE(other.candidates.pairs() != test.candidates.pairs());
    for (const auto& p : other.candidates.pairs())
        if (test.candidates.contains(p.user, p.item))
            REQUIRE(other.positives.contains(p.user, p.item) == test.positives.contains(p.user, p.item));

    // Candidates spread uniformly over the unexposed items: every item is drawn (9000 draws, 200 items).
    for (index_t i = 0; i < 200; ++i) REQUIRE(test.candidates.item_degree(i) > 0);

    REQUIRE_THROWS_AS(d.sample_unbiased_test(0, 1), mvae::ArgumentError);
}

TEST_CASE("The unbiased test takes every unexposed item when fewer remain", "[synthetic]") {
    mvae::SyntheticConfig c = small_config();
    c.n_users = 40;
    c.n_items = 10;
    c.exposures_per_user = 8;
    const mvae::SyntheticData d = mvae::generate_synthetic(c);
    const mvae::UnbiasedTest test = d.sample_unbiased_test(5, 1);
    for (index_t u = 0; u < 40; ++u) {
        std::vector<index_t> unexposed;
        for (index_t i = 0; i < 10; ++i)
            if (!d.exposure.contains(u, i)) unexposed.push_back(i);
        REQUIRE(unexposed.size() == 2u);
        const auto cand = test.candidates.items_of(u);
        REQUIRE(std::vector<index_t>(cand.begin(), cand.end()) == unexposed);
    }
}
