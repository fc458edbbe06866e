// mvae/data/synthetic.hpp — implicit feedback generated with a known truth: planted tastes, a true
// preference for every (user, item) pair, popularity-driven exposure, and clicks = exposed ∧ liked.
//
// Real data sets only show what users clicked; whether an unclicked item was disliked or never
// seen is unknown, which is the exposure bias the MVAE paper is about. Here both halves are known,
// so a model's ranking of the unexposed items can be scored against the truth. The model, with its
// equations, is written down in docs/synthetic.md:
//
//   tastes      c_t ~ N(0, I/r),                    t = 0 … T−1
//   factors     p_u = c_{t(u)} + σ·g_u,  q_i = c_{t(i)} + σ·h_i,   g, h ~ N(0, I/r),  t(·) uniform
//   preference  π(u,i) = sigmoid(a·⟨p_u, q_i⟩ + b)        (b calibrated so that mean π = μ)
//   popularity  w_i ∝ (1 + rank_i)^(−s)                 (ranks a random permutation of the items)
//   exposure    n_u items drawn without replacement with probabilities ∝ w_i^β
//   would-click L(u,i) = [U(u,i) < π(u,i)],  U(u,i) ~ Uniform(0,1), one fixed draw per pair
//   click       C(u,i) = E(u,i) ∧ L(u,i)
//
// Memory is O(nnz + (users + items)·rank): no users × items array is ever formed. Every random
// number comes from RandomStream(seed, stream_id(purpose, user or item)), so the data depend on
// the seed only, not on the thread count.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <numeric>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

/**
 * The parameters of the synthetic generator (see docs/synthetic.md for the model).
 *
 * The defaults give 2000 users × 1000 items with 100 exposures and ≈ 27 clicks per user (density
 * ≈ 2.7 %). With Pinterest's shape (55,187 × 9,911) and the same defaults the click density is
 * ≈ 0.27 %, the density of Pinterest and Yelp.
 */
struct SyntheticConfig {
    index_t n_users = 2000;          ///< number of users, ≥ 1
    index_t n_items = 1000;          ///< number of items, ≥ 1
    index_t rank = 8;                ///< dimension r of the latent factors, in [1, 1024]
    index_t n_tastes = 8;            ///< number T of planted taste clusters, in [1, 65536]
    double taste_noise = 0.5;        ///< σ: spread of a user's/item's factor around its taste centre, in [0, 100]
    double preference_sharpness = 5; ///< a: how strongly the factor affinity drives the preference, in [0, 100]
    /// μ: the mean of the true preference π(u,i) over all pairs, in (0, 1): the "preference sparsity".
    /// The offset b is calibrated to it (exactly over all pairs when users·items ≤ 65,536, else on
    /// 65,536 random pairs). The expected click rate among exposed pairs is μ too.
    double mean_preference = 0.27;
    double popularity_skew = 1.0;    ///< s: Zipf exponent of item popularity, in [0, 5] (0: all items equally popular)
    /// β: how exposure follows popularity, in [0, 5]. 0: every user is exposed to a uniformly random
    /// set of items (missing at random); larger: exposure concentrates on popular items.
    double exposure_bias = 1.0;
    /// m: mean number of items a user is exposed to, in (0, n_items].
    double exposures_per_user = 100;
    /// λ: spread of user activity, in [0, 3]. 0: every user sees ⌊m⌋ or ⌈m⌉ items (exactly m when m is
    /// an integer); > 0: n_u is log-normal with mean m and log-scale λ (then clipped to n_items).
    double activity_spread = 0.0;
    std::uint64_t seed = 0;          ///< the Philox key of every random draw

    /// Throws ArgumentError naming the first field outside its domain, with its value.
    void validate() const {
        auto check_index = [](index_t value, index_t lo, index_t hi, const char* name) {
            require_argument(value >= lo && value <= hi, "SyntheticConfig::", name, " must be in [", lo, ", ", hi,
                             "], got ", value);
        };
        // The negated comparisons also reject NaN.
        auto check_real = [](double value, double lo, double hi, bool open_lo, const char* name) {
            const bool ok = (open_lo ? value > lo : value >= lo) && value <= hi;
            require_argument(ok, "SyntheticConfig::", name, " must be in ", open_lo ? "(" : "[", lo, ", ", hi, "], got ",
                             value);
        };
        check_index(n_users, 1, std::numeric_limits<index_t>::max(), "n_users");
        check_index(n_items, 1, std::numeric_limits<index_t>::max() / 4, "n_items");
        check_index(rank, 1, 1024, "rank");
        check_index(n_tastes, 1, 65536, "n_tastes");
        check_real(taste_noise, 0.0, 100.0, false, "taste_noise");
        check_real(preference_sharpness, 0.0, 100.0, false, "preference_sharpness");
        require_argument(mean_preference > 0.0 && mean_preference < 1.0,
                         "SyntheticConfig::mean_preference must be in (0, 1), got ", mean_preference);
        // Up to s·β = 25 the smallest exposure weight, (n_items)^(−25) ≥ e^(−540), stays a normal double.
        check_real(popularity_skew, 0.0, 5.0, false, "popularity_skew");
        check_real(exposure_bias, 0.0, 5.0, false, "exposure_bias");
        check_real(exposures_per_user, 0.0, double(n_items), true, "exposures_per_user");
        check_real(activity_spread, 0.0, 3.0, false, "activity_spread");
    }
};

struct SyntheticData;
[[nodiscard]] inline SyntheticData generate_synthetic(const SyntheticConfig& config);

/// A missing-at-random test set drawn from the items a user was NOT exposed to (like Coat's or
/// Yahoo! R3's randomly displayed items): the candidates, and which of them the user would click.
struct UnbiasedTest {
    /// The sampled (user, item) pairs: min(items_per_user, unexposed items of u) items for each user u.
    InteractionMatrix candidates;
    /// The candidates with L(u,i) = 1 (the user would click them if shown); a subset of candidates.
    InteractionMatrix positives;
};

/// A generated data set and its ground truth. See generate_synthetic().
struct SyntheticData {
    SyntheticConfig config;          ///< the configuration it was generated from (seed included)
    InteractionMatrix clicks;        ///< C: the observed implicit feedback, a subset of exposure
    InteractionMatrix exposure;      ///< E: every (user, item) pair shown to the user
    std::vector<double> taste_centers;  ///< c_t, n_tastes × rank, row-major
    std::vector<double> user_factors;   ///< p_u, n_users × rank, row-major
    std::vector<double> item_factors;   ///< q_i, n_items × rank, row-major
    std::vector<index_t> user_taste;    ///< t(u) ∈ [0, n_tastes)
    std::vector<index_t> item_taste;    ///< t(i) ∈ [0, n_tastes)
    std::vector<index_t> popularity_rank;  ///< rank_i ∈ [0, n_items): 0 is the most popular item
    std::vector<double> item_popularity;   ///< w_i = (1 + rank_i)^(−s) / Σ_j (1 + rank_j)^(−s); sums to 1
    double preference_scale = 0;     ///< a (= config.preference_sharpness)
    double preference_offset = 0;    ///< b, calibrated so that the mean of π is config.mean_preference

    [[nodiscard]] index_t n_users() const noexcept { return config.n_users; }
    [[nodiscard]] index_t n_items() const noexcept { return config.n_items; }

    /// a·⟨p_u, q_i⟩ + b, the logit of the true preference. Throws ArgumentError for an index out of range.
    [[nodiscard]] double preference_logit(index_t u, index_t i) const {
        check_pair(u, i, "preference_logit");
        return logit_unchecked(u, i);
    }

    /// π(u,i): the probability that user u clicks item i once exposed to it. It does not depend on
    /// exposure or popularity. Throws ArgumentError for an index out of range.
    [[nodiscard]] double true_preference(index_t u, index_t i) const {
        check_pair(u, i, "true_preference");
        return sigmoid(logit_unchecked(u, i));
    }

    /// L(u,i): whether u would click i if exposed, one fixed Bernoulli(π(u,i)) draw per pair, the
    /// same draw that decided the observed click of an exposed pair. Throws ArgumentError for an
    /// index out of range.
    [[nodiscard]] bool would_click(index_t u, index_t i) const {
        check_pair(u, i, "would_click");
        return would_click_unchecked(u, i);
    }

    /**
     * Draws a missing-at-random test: for each user, items_per_user items uniformly without
     * replacement among those the user was not exposed to (all of them when fewer remain), each
     * labelled by L(u,i), so positive with probability π(u,i). `seed` only chooses the candidates;
     * the labels belong to the generated world, so two tests agree on the pairs they share.
     * Deterministic in (data, items_per_user, seed), independent of the thread count.
     * @param items_per_user candidates per user, ≥ 1 (ArgumentError otherwise)
     */
    [[nodiscard]] UnbiasedTest sample_unbiased_test(index_t items_per_user, std::uint64_t seed) const;

    /// The logistic function 1 / (1 + e^(−x)), without overflow for large |x|.
    [[nodiscard]] static double sigmoid(double x) noexcept {
        return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
    }

private:
    friend SyntheticData generate_synthetic(const SyntheticConfig& config);

    [[nodiscard]] double affinity_unchecked(index_t u, index_t i) const noexcept {
        const auto r = std::size_t(config.rank);
        const double* p = user_factors.data() + std::size_t(u) * r;
        const double* q = item_factors.data() + std::size_t(i) * r;
        double dot = 0;
        for (std::size_t d = 0; d < r; ++d) dot += p[d] * q[d];
        return dot;
    }
    [[nodiscard]] double logit_unchecked(index_t u, index_t i) const noexcept {
        return preference_scale * affinity_unchecked(u, i) + preference_offset;
    }
    [[nodiscard]] bool would_click_unchecked(index_t u, index_t i) const noexcept;

    void check_pair(index_t u, index_t i, const char* what) const {
        require_argument(u >= 0 && u < config.n_users, "SyntheticData::", what, ": user ", u, " is outside [0, ",
                         config.n_users, ")");
        require_argument(i >= 0 && i < config.n_items, "SyntheticData::", what, ": item ", i, " is outside [0, ",
                         config.n_items, ")");
    }
};

namespace detail::synthetic {

// Stream purposes: each kind of draw has its own family of Philox streams.
inline constexpr std::uint64_t kTasteCenter = 0x53594e0001ull;
inline constexpr std::uint64_t kUserFactor = 0x53594e0002ull;
inline constexpr std::uint64_t kItemFactor = 0x53594e0003ull;
inline constexpr std::uint64_t kPopularity = 0x53594e0004ull;
inline constexpr std::uint64_t kCalibration = 0x53594e0005ull;
inline constexpr std::uint64_t kExposure = 0x53594e0006ull;
inline constexpr std::uint64_t kClick = 0x53594e0007ull;
inline constexpr std::uint64_t kTestCandidates = 0x53594e0008ull;

// Within a factor stream: word 0 picks the taste, normals start at element 4 (a fresh Philox block).
inline constexpr std::uint64_t kFactorNormalBase = 4;
// Within an exposure stream: normal(0) (words 0–1) scales the activity, uniform(2) rounds it, and
// draw j of the sampling uses uniform(4 + j).
inline constexpr std::uint64_t kExposureDrawBase = 4;

/// Users are processed in blocks that share one workspace (a copy of the sampling tree).
inline constexpr index_t kUserBlock = 256;

/// Runs f(first, last) over blocks of [0, n) in parallel and rethrows the first exception (by block
/// order) afterwards: exceptions must not cross the OpenMP region.
template <class F>
void for_each_block(index_t n, index_t block, F&& f) {
    const index_t n_blocks = (n + block - 1) / block;
    std::vector<std::exception_ptr> errors(std::size_t(std::max<index_t>(n_blocks, 0)));
    parallel_for(0, n_blocks, [&](index_t b) {
        try {
            const index_t first = b * block;
            f(first, std::min<index_t>(n, first + block));
        } catch (...) {
            errors[std::size_t(b)] = std::current_exception();
        }
    });
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

/// Draws one factor row: taste from word 0, then row = c_taste + σ·N(0, I/r).
inline index_t draw_factor(const RandomStream& rs, index_t n_tastes, const std::vector<double>& centers, index_t rank,
                           double noise, double* row) {
    const auto taste = index_t(rs.below(0, std::uint32_t(n_tastes)));
    const double scale = noise / std::sqrt(double(rank));
    const double* c = centers.data() + std::size_t(taste) * std::size_t(rank);
    for (index_t d = 0; d < rank; ++d) row[d] = c[d] + scale * rs.normal<double>(kFactorNormalBase + std::uint64_t(d));
    return taste;
}

/// The b with mean_k sigmoid(a·x_k + b) = target: safeguarded Newton inside the bracket
/// [logit(target) − a·max|x|, logit(target) + a·max|x|], where the mean is ≤ target and ≥ target.
inline double calibrate_offset(const std::vector<double>& dots, double a, double target) {
    double max_abs = 0;
    for (double x : dots) max_abs = std::max(max_abs, std::abs(x));
    const double center = std::log(target) - std::log1p(-target);
    double lo = center - a * max_abs, hi = center + a * max_abs;
    if (!(hi > lo)) return center;  // a = 0 or all dots 0: π is constant
    double b = center;
    for (int iter = 0; iter < 200; ++iter) {
        double mean = 0, slope = 0;
        for (double x : dots) {
            const double p = SyntheticData::sigmoid(a * x + b);
            mean += p;
            slope += p * (1 - p);
        }
        mean /= double(dots.size());
        slope /= double(dots.size());
        const double f = mean - target;
        if (std::abs(f) <= 1e-13 * target) break;
        if (f < 0)
            lo = b;
        else
            hi = b;
        double next = slope > 0 ? b - f / slope : 0.5 * (lo + hi);
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (hi - lo <= 1e-14 * (1 + std::abs(b))) break;
        b = next;
    }
    return b;
}

}  // namespace detail::synthetic

inline bool SyntheticData::would_click_unchecked(index_t u, index_t i) const noexcept {
    const RandomStream rs(config.seed, stream_id(detail::synthetic::kClick, std::uint64_t(u)));
    return rs.uniform<double>(std::uint64_t(i)) < sigmoid(logit_unchecked(u, i));
}

/**
 * Generates a data set from `config` (validated first: ArgumentError names a bad field).
 *
 * Exposure: user u sees n_u distinct items drawn by successive sampling, each draw picking a
 * not-yet-drawn item with probability ∝ w_i^β (a sum tree over the items, O(n_u log n_items) per
 * user); this is the same distribution as the Efraimidis–Spirakis keys U^(1/w). Clicks: the exposed
 * pairs with L(u,i) = 1. Time O(users · n_u · (log n_items + rank)); memory O(nnz + (users + items)·rank).
 * The result depends on config only, not on the thread count.
 *
 * @code
 * mvae::SyntheticConfig cfg;
 * cfg.exposure_bias = 2.0;  // strongly popularity-driven exposure
 * const mvae::SyntheticData data = mvae::generate_synthetic(cfg);
 * const mvae::UnbiasedTest test = data.sample_unbiased_test(50, 7);
 * @endcode
 */
[[nodiscard]] inline SyntheticData generate_synthetic(const SyntheticConfig& config) {
    namespace ds = detail::synthetic;
    config.validate();
    const index_t n_users = config.n_users, n_items = config.n_items, rank = config.rank;
    const auto r = std::size_t(rank);
    const std::uint64_t seed = config.seed;

    SyntheticData data;
    data.config = config;
    data.preference_scale = config.preference_sharpness;

    // --- latent tastes and factors ---
    data.taste_centers.resize(std::size_t(config.n_tastes) * r);
    const double center_scale = 1.0 / std::sqrt(double(rank));
    for (index_t t = 0; t < config.n_tastes; ++t) {
        const RandomStream rs(seed, stream_id(ds::kTasteCenter, std::uint64_t(t)));
        for (index_t d = 0; d < rank; ++d)
            data.taste_centers[std::size_t(t) * r + std::size_t(d)] = center_scale * rs.normal<double>(std::uint64_t(d));
    }
    data.user_factors.resize(std::size_t(n_users) * r);
    data.user_taste.resize(std::size_t(n_users));
    parallel_for(0, n_users, [&](index_t u) {
        const RandomStream rs(seed, stream_id(ds::kUserFactor, std::uint64_t(u)));
        data.user_taste[std::size_t(u)] = ds::draw_factor(rs, config.n_tastes, data.taste_centers, rank, config.taste_noise,
                                                          data.user_factors.data() + std::size_t(u) * r);
    });
    data.item_factors.resize(std::size_t(n_items) * r);
    data.item_taste.resize(std::size_t(n_items));
    parallel_for(0, n_items, [&](index_t i) {
        const RandomStream rs(seed, stream_id(ds::kItemFactor, std::uint64_t(i)));
        data.item_taste[std::size_t(i)] = ds::draw_factor(rs, config.n_tastes, data.taste_centers, rank, config.taste_noise,
                                                          data.item_factors.data() + std::size_t(i) * r);
    });

    // --- popularity: a random permutation of Zipf ranks, so popularity is unrelated to the item index ---
    std::vector<index_t> by_rank(static_cast<std::size_t>(n_items));
    std::iota(by_rank.begin(), by_rank.end(), index_t(0));
    {
        const RandomStream rs(seed, stream_id(ds::kPopularity));
        for (index_t j = n_items - 1; j > 0; --j)
            std::swap(by_rank[std::size_t(j)], by_rank[rs.below(std::uint64_t(j), std::uint32_t(j) + 1u)]);
    }
    data.popularity_rank.resize(std::size_t(n_items));
    for (index_t k = 0; k < n_items; ++k) data.popularity_rank[std::size_t(by_rank[std::size_t(k)])] = k;
    data.item_popularity.resize(std::size_t(n_items));
    double total_weight = 0;
    for (index_t k = 0; k < n_items; ++k) total_weight += std::pow(1.0 + k, -config.popularity_skew);
    for (index_t i = 0; i < n_items; ++i)
        data.item_popularity[std::size_t(i)] =
            std::pow(1.0 + data.popularity_rank[std::size_t(i)], -config.popularity_skew) / total_weight;

    // --- calibrate b so that the mean preference is μ ---
    {
        constexpr std::uint64_t kSample = 65536;
        std::vector<double> dots;
        if (std::uint64_t(n_users) * std::uint64_t(n_items) <= kSample) {
            dots.reserve(std::size_t(n_users) * std::size_t(n_items));
            for (index_t u = 0; u < n_users; ++u)
                for (index_t i = 0; i < n_items; ++i) dots.push_back(data.affinity_unchecked(u, i));
        } else {
            const RandomStream rs(seed, stream_id(ds::kCalibration));
            dots.resize(kSample);
            for (std::uint64_t k = 0; k < kSample; ++k) {
                const auto u = index_t(rs.below(2 * k, std::uint32_t(n_users)));
                const auto i = index_t(rs.below(2 * k + 1, std::uint32_t(n_items)));
                dots[k] = data.affinity_unchecked(u, i);
            }
        }
        data.preference_offset = ds::calibrate_offset(dots, config.preference_sharpness, config.mean_preference);
    }

    // --- exposure: successive weighted sampling on a sum tree over the items ---
    // Leaves hold v_i = w_i^β = (1 + rank_i)^(−sβ) (unnormalised, ≥ e^(−540) under validate's limits,
    // so every item stays reachable); an inner node is exactly the sum of its two children. A drawn
    // leaf is zeroed and its path recomputed; after the user the path is copied back from `base`, so
    // the tree a user starts from never depends on the users processed before it.
    const std::size_t leaves = std::bit_ceil(std::size_t(n_items));
    std::vector<double> base(2 * leaves, 0.0);
    const double exponent = config.popularity_skew * config.exposure_bias;
    for (index_t i = 0; i < n_items; ++i)
        base[leaves + std::size_t(i)] = std::exp(-exponent * std::log1p(double(data.popularity_rank[std::size_t(i)])));
    for (std::size_t node = leaves - 1; node >= 1; --node) base[node] = base[2 * node] + base[2 * node + 1];

    std::vector<std::vector<index_t>> exposed(static_cast<std::size_t>(n_users));
    std::vector<std::vector<index_t>> clicked(static_cast<std::size_t>(n_users));
    const double m = config.exposures_per_user, spread = config.activity_spread;
    ds::for_each_block(n_users, ds::kUserBlock, [&](index_t first, index_t last) {
        std::vector<double> tree(base);
        for (index_t u = first; u < last; ++u) {
            const RandomStream rs(seed, stream_id(ds::kExposure, std::uint64_t(u)));
            double target = m;
            if (spread > 0) target = m * std::exp(spread * rs.normal<double>(0) - 0.5 * spread * spread);
            target = std::min(target, double(n_items));
            const double whole = std::floor(target);
            const auto n_u = index_t(whole) + (rs.uniform<double>(2) < target - whole ? 1 : 0);

            std::vector<index_t>& items = exposed[std::size_t(u)];
            items.reserve(std::size_t(n_u));
            Philox4x32Block words{};
            for (index_t j = 0; j < n_u && tree[1] > 0; ++j) {
                // uniform(kExposureDrawBase + j), one Philox block per four draws.
                const std::uint64_t k = ds::kExposureDrawBase + std::uint64_t(j);
                if (j == 0 || (k & 3) == 0) words = rs.block(k >> 2);
                double x = uniform_from_bits<double>(words.v[k & 3]) * tree[1];
                std::size_t node = 1;
                // Invariant: tree[node] > 0, so the leaf reached is an item not drawn yet, whatever the rounding.
                while (node < leaves) {
                    const double left = tree[2 * node];
                    if (left > 0 && (x < left || !(tree[2 * node + 1] > 0))) {
                        node = 2 * node;
                    } else {
                        x -= left;
                        node = 2 * node + 1;
                    }
                }
                items.push_back(index_t(node - leaves));
                // Zero the leaf and recompute its ancestors as (child + sibling): the same sums as
                // tree[2n] + tree[2n + 1] (IEEE addition commutes), without reloading what was just stored.
                double value = 0;
                tree[node] = value;
                for (; node > 1; node >>= 1) {
                    value += tree[node ^ 1];
                    tree[node >> 1] = value;
                }
            }
            for (index_t i : items)
                for (std::size_t node = leaves + std::size_t(i); node >= 1; node >>= 1) tree[node] = base[node];
            std::sort(items.begin(), items.end());

            std::vector<index_t>& hits = clicked[std::size_t(u)];
            for (index_t i : items)
                if (data.would_click_unchecked(u, i)) hits.push_back(i);
        }
    });

    // Concatenate in user order (InteractionMatrix then stores both orientations).
    auto to_matrix = [&](std::vector<std::vector<index_t>>& rows) {
        std::size_t total = 0;
        for (const auto& row : rows) total += row.size();
        std::vector<Interaction> pairs;
        pairs.reserve(total);
        for (index_t u = 0; u < n_users; ++u) {
            for (index_t i : rows[std::size_t(u)]) pairs.push_back({u, i});
            std::vector<index_t>().swap(rows[std::size_t(u)]);
        }
        return InteractionMatrix(n_users, n_items, pairs);
    };
    data.exposure = to_matrix(exposed);
    data.clicks = to_matrix(clicked);
    return data;
}

inline UnbiasedTest SyntheticData::sample_unbiased_test(index_t items_per_user, std::uint64_t seed) const {
    namespace ds = detail::synthetic;
    require_argument(items_per_user >= 1, "sample_unbiased_test: items_per_user must be at least 1, got ",
                     items_per_user);
    require_shape(exposure.n_users() == config.n_users && exposure.n_items() == config.n_items,
                  "sample_unbiased_test: the exposure matrix is ", exposure.n_users(), " x ", exposure.n_items(),
                  ", the configuration says ", config.n_users, " x ", config.n_items);
    const index_t n_users = config.n_users, n_items = config.n_items;
    std::vector<std::vector<index_t>> chosen(static_cast<std::size_t>(n_users)), liked(static_cast<std::size_t>(n_users));
    ds::for_each_block(n_users, ds::kUserBlock, [&](index_t first, index_t last) {
        std::vector<char> taken(std::size_t(n_items), 0);
        std::vector<index_t> picks;
        for (index_t u = first; u < last; ++u) {
            const auto seen = exposure.items_of(u);
            const auto unexposed = index_t(n_items - index_t(seen.size()));
            const index_t k = std::min(items_per_user, unexposed);
            // Floyd's algorithm: k distinct positions in [0, unexposed), one draw each.
            const RandomStream rs(seed, stream_id(ds::kTestCandidates, std::uint64_t(u)));
            picks.clear();
            for (index_t j = unexposed - k; j < unexposed; ++j) {
                const auto t = index_t(rs.below(std::uint64_t(j - (unexposed - k)), std::uint32_t(j) + 1u));
                const index_t pick = taken[std::size_t(t)] ? j : t;
                taken[std::size_t(pick)] = 1;
                picks.push_back(pick);
            }
            for (index_t p : picks) taken[std::size_t(p)] = 0;
            std::sort(picks.begin(), picks.end());
            // Position j among the unexposed items is item j + #{exposed e_k with e_k − k ≤ j}.
            std::vector<index_t>& row = chosen[std::size_t(u)];
            row.reserve(picks.size());
            std::size_t before = 0;
            for (index_t j : picks) {
                while (before < seen.size() && seen[before] - index_t(before) <= j) ++before;
                row.push_back(j + index_t(before));
                if (would_click_unchecked(u, row.back())) liked[std::size_t(u)].push_back(row.back());
            }
        }
    });
    std::vector<Interaction> candidates, positives;
    for (index_t u = 0; u < n_users; ++u) {
        for (index_t i : chosen[std::size_t(u)]) candidates.push_back({u, i});
        for (index_t i : liked[std::size_t(u)]) positives.push_back({u, i});
    }
    return UnbiasedTest{InteractionMatrix(n_users, n_items, candidates), InteractionMatrix(n_users, n_items, positives)};
}

}  // namespace mvae
