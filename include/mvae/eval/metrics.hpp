// mvae/eval/metrics.hpp — Precision, Recall, F1 and NDCG at K: per user, and averaged over users.
//
// The definitions are those of the paper's Table II as computed by the JCA / JoVA reference code
// (docs/evaluation.md):
//   precision@K = hits@K / K
//   recall@K    = hits@K / |T_u|, T_u = ALL of the user's distinct test items, including test items
//                 that are also training items. Those are excluded from the ranking and can never
//                 be hit, yet they stay in the denominator, exactly as JCA's `len(test)` does.
//   NDCG@K      = DCG@K / IDCG@K, DCG@K = Σ_{r=1..K} hit_r / log2(r + 1),
//                 IDCG@K = Σ_{r=1..min(|T_u|, K)} 1 / log2(r + 1)
//   F1@K        = 2PR / (P + R) of the user-averaged P and R (F1Mode::OfAverages, JCA's choice and
//                 the default), or the user average of per-user F1 (F1Mode::PerUser); 0 when P + R = 0.
// A ranked list shorter than K (fewer candidate items than K) counts the missing positions as misses.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/// What the evaluation computes.
struct EvalOptions {
    /// How F1@K is aggregated over users.
    enum class F1Mode {
        OfAverages,  ///< 2PR/(P+R) of the user-averaged precision and recall (JCA/JoVA, the paper).
        PerUser,     ///< The user average of each user's 2PR/(P+R).
    };

    /// Cut-offs, reported in this order. Each ≥ 1, no duplicates; need not be sorted.
    std::vector<index_t> ks{1, 5, 10};
    F1Mode f1_mode = F1Mode::OfAverages;
    /// The ranks the users are split over (data-parallel runs, docs/scale.md): each rank ranks a
    /// contiguous share of the users and the sums are added over the ranks, so every rank gets the
    /// whole report. Null: one process evaluates every user.
    std::shared_ptr<const Communicator> communicator = nullptr;
};

/// Averaged metrics, one entry per cut-off, in the order of `ks`.
struct EvalReport {
    /// Users with at least one test item; the others are skipped and not counted.
    index_t users_evaluated = 0;
    std::vector<index_t> ks;
    std::vector<double> precision, recall, f1, ndcg;
};

/// One user's metrics at one cut-off.
struct UserMetrics {
    double precision = 0;
    double recall = 0;
    double f1 = 0;
    double ndcg = 0;
};

/// Throws ArgumentError unless `ks` is non-empty, every k ≥ 1 and no k repeats (a repeated k would
/// give two entries with the same key in a report).
inline void validate_ks(std::span<const index_t> ks) {
    require_argument(!ks.empty(), "ks: at least one cut-off K is required");
    for (std::size_t a = 0; a < ks.size(); ++a) {
        require_argument(ks[a] >= 1, "ks: every K must be at least 1, got ", ks[a]);
        for (std::size_t b = 0; b < a; ++b) require_argument(ks[a] != ks[b], "ks: K = ", ks[a], " is listed twice");
    }
}

/// Throws ArgumentError when `options` is invalid (see validate_ks).
inline void validate_eval_options(const EvalOptions& options) {
    validate_ks(options.ks);
    require_argument(options.f1_mode == EvalOptions::F1Mode::OfAverages || options.f1_mode == EvalOptions::F1Mode::PerUser,
                     "f1_mode: unknown value ", int(options.f1_mode));
}

/// The largest cut-off in `ks` (0 when empty): the length of the ranked list the metrics need.
[[nodiscard]] inline index_t max_k(std::span<const index_t> ks) noexcept {
    index_t k = 0;
    for (const index_t v : ks) k = std::max(k, v);
    return k;
}

/// 1 / log2(r + 1): the DCG discount of 1-based rank r.
[[nodiscard]] inline double rank_discount(index_t rank) noexcept { return 1.0 / std::log2(double(rank) + 1.0); }

/// 2pr / (p + r), or 0 when p + r = 0.
[[nodiscard]] inline double f1_score(double precision, double recall) noexcept {
    const double sum = precision + recall;
    return sum > 0 ? 2.0 * precision * recall / sum : 0.0;
}

/**
 * Computes one user's metrics at every cut-off; allocation-free.
 *
 * @param ranked     the user's recommendation list, best first (as top_k writes it); may be
 *                   shorter than a cut-off, the missing positions then count as misses.
 * @param test_items the user's distinct test items, ascending; must be non-empty (users without
 *                   test items are not evaluated).
 * @param ks         the cut-offs (validated by the caller).
 * @param out        one entry per cut-off, in the order of ks.
 */
inline void user_metrics(std::span<const index_t> ranked, std::span<const index_t> test_items,
                         std::span<const index_t> ks, std::span<UserMetrics> out) {
    require_argument(!test_items.empty(), "user_metrics: the user has no test items");
    require_shape(out.size() == ks.size(), "user_metrics: ", ks.size(), " cut-offs but room for ", out.size(),
                  " results");
    const auto n_test = index_t(test_items.size());
    for (std::size_t j = 0; j < ks.size(); ++j) {
        const index_t k = ks[j];
        const auto listed = index_t(std::min<std::size_t>(std::size_t(k), ranked.size()));
        index_t hits = 0;
        double dcg = 0;
        for (index_t r = 0; r < listed; ++r) {
            if (std::binary_search(test_items.begin(), test_items.end(), ranked[std::size_t(r)])) {
                ++hits;
                dcg += rank_discount(r + 1);
            }
        }
        double idcg = 0;
        for (index_t r = 0; r < std::min(n_test, k); ++r) idcg += rank_discount(r + 1);
        UserMetrics& m = out[j];
        m.precision = double(hits) / double(k);
        m.recall = double(hits) / double(n_test);
        m.f1 = f1_score(m.precision, m.recall);
        m.ndcg = dcg / idcg;
    }
}

/**
 * Sums per-user metrics and turns them into an EvalReport.
 *
 * Callers add users in ascending user order; the sums are then formed in one fixed order, so a
 * report does not depend on how many threads computed the per-user values.
 */
class MetricAccumulator {
public:
    /// Validates `options` (ArgumentError) and starts empty sums.
    explicit MetricAccumulator(const EvalOptions& options)
        : ks_((validate_eval_options(options), options.ks)), f1_mode_(options.f1_mode), sums_(ks_.size()) {}

    /// Adds one evaluated user: one entry per cut-off, in the order of ks.
    void add(std::span<const UserMetrics> user) {
        require_shape(user.size() == sums_.size(), "MetricAccumulator::add: ", user.size(), " values for ",
                      sums_.size(), " cut-offs");
        for (std::size_t j = 0; j < sums_.size(); ++j) {
            sums_[j].precision += user[j].precision;
            sums_[j].recall += user[j].recall;
            sums_[j].f1 += user[j].f1;
            sums_[j].ndcg += user[j].ndcg;
        }
        ++users_;
    }

    [[nodiscard]] index_t users() const noexcept { return users_; }

    /// Adds the sums of every rank of `comm` (a collective): afterwards each rank holds the sums
    /// of all ranks' users. The order of the additions differs from one process's (sums of
    /// doubles: the report moves in the last digits, not more).
    void reduce_over(const Communicator& comm) {
        if (comm.size() == 1) return;
        std::vector<double> v;
        v.reserve(sums_.size() * 4 + 1);
        for (const UserMetrics& m : sums_) v.insert(v.end(), {m.precision, m.recall, m.f1, m.ndcg});
        v.push_back(double(users_));
        comm.all_reduce_sum(v.data(), v.size(), MemorySpace::Host, nullptr);
        for (std::size_t j = 0; j < sums_.size(); ++j)
            sums_[j] = UserMetrics{v[4 * j], v[4 * j + 1], v[4 * j + 2], v[4 * j + 3]};
        users_ = index_t(v.back());
    }
    [[nodiscard]] const std::vector<index_t>& ks() const noexcept { return ks_; }

    /// The averages; every metric is 0 when no user was added.
    [[nodiscard]] EvalReport report() const {
        EvalReport r;
        r.users_evaluated = users_;
        r.ks = ks_;
        const double n = users_ > 0 ? double(users_) : 1.0;
        for (const UserMetrics& s : sums_) {
            const double p = s.precision / n;
            const double rec = s.recall / n;
            r.precision.push_back(p);
            r.recall.push_back(rec);
            r.f1.push_back(f1_mode_ == EvalOptions::F1Mode::OfAverages ? f1_score(p, rec) : s.f1 / n);
            r.ndcg.push_back(s.ndcg / n);
        }
        return r;
    }

private:
    std::vector<index_t> ks_;
    EvalOptions::F1Mode f1_mode_;
    std::vector<UserMetrics> sums_;
    index_t users_ = 0;
};

}  // namespace mvae
