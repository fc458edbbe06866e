// mvae/eval/candidate_ranking.hpp — the random-exposure protocol: rank each user's candidate items
// only (Coat's 16 randomly shown coats, the simulator's unexposed sample), not the whole catalogue.
//
// For every user with at least one positive among their candidates, the candidates are ordered by
// score (best first, ties by lower item index) and the usual metrics at each K are computed with
// the positives as the relevant items (metrics.hpp: precision, recall, F1, NDCG); users without a
// positive are skipped, as in the full-catalogue protocol. Training items are NOT excluded: a
// candidate is ranked whatever the training log says about it (Coat keeps the 366 pairs rated in
// both splits; docs/data.md). The candidates come from an exposure independent of preference, so
// these metrics estimate ranking quality free of the training log's exposure bias.
#pragma once

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/eval/metrics.hpp"

namespace mvae {

/**
 * Evaluates a score provider on candidate sets.
 *
 * @param candidates the (user, item) pairs each user's ranking is over (n_users × n_items)
 * @param positives  the relevant candidates; every positive must be a candidate
 * @param fill_scores `fill_scores(first_user, count, out)`: out (count × n_items) ← the scores of
 *                   users [first_user, first_user + count), the evaluator's score-provider convention
 * @param options    the cut-offs (F1 aggregated as options.f1_mode says)
 * @param block_users users scored per call of fill_scores
 * @throws ShapeError when the two matrices differ in shape, ArgumentError when a positive is not a
 *         candidate (naming the user and item) or the options are invalid.
 */
template <Real Scalar = float, class ScoreFn>
EvalReport evaluate_candidates(const InteractionMatrix& candidates, const InteractionMatrix& positives,
                               ScoreFn&& fill_scores, const EvalOptions& options = {}, index_t block_users = 1024) {
    require_shape(candidates.n_users() == positives.n_users() && candidates.n_items() == positives.n_items(),
                  "evaluate_candidates: candidates are ", candidates.n_users(), " x ", candidates.n_items(),
                  ", positives ", positives.n_users(), " x ", positives.n_items());
    require_argument(block_users >= 1, "block_users must be at least 1, got ", block_users);
    for (index_t u = 0; u < positives.n_users(); ++u)
        for (index_t i : positives.items_of(u))
            require_argument(candidates.contains(u, i), "evaluate_candidates: positive (user ", u, ", item ", i,
                             ") is not a candidate");
    MetricAccumulator acc(options);
    const std::span<const index_t> ks(acc.ks());
    const index_t n_users = candidates.n_users(), n_items = candidates.n_items();
    const index_t block = std::min(block_users, std::max<index_t>(n_users, 1));
    Matrix<Scalar, Cpu> scores(block, n_items);
    std::vector<index_t> ranked;
    std::vector<UserMetrics> metrics(ks.size());
    for (index_t first = 0; first < n_users; first += block) {
        const index_t count = std::min(block, n_users - first);
        fill_scores(first, count, scores.view().row_block(0, count));
        for (index_t b = 0; b < count; ++b) {
            const index_t u = first + b;
            if (positives.user_degree(u) == 0) continue;
            const auto items = candidates.items_of(u);
            ranked.assign(items.begin(), items.end());  // ascending: ties keep the lower index first
            const Scalar* row = scores.view().row(b);
            std::stable_sort(ranked.begin(), ranked.end(), [row](index_t x, index_t y) { return row[x] > row[y]; });
            user_metrics(ranked, positives.items_of(u), ks, metrics);
            acc.add(metrics);
        }
    }
    return acc.report();
}

}  // namespace mvae
