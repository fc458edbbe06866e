// mvae/eval/evaluator.hpp — the evaluation protocol of the paper's Table II, driven over blocks of users.
//
// For every user with at least one test item: rank all items by the model's score, excluding the
// user's training items (ties: lower item index first), keep the top max(K), and compute
// Precision/Recall/F1/NDCG@K against the user's test items (mvae/eval/metrics.hpp); average over
// the evaluated users. Users without test items are skipped and not counted.
//
// Scores are requested a block of users at a time, so memory is O(block_users × n_items), never the
// whole users × items matrix. Within a block users run in parallel; their metrics are stored per
// user and summed in user order, so the report does not depend on the thread count.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <exception>
#include <span>
#include <utility>
#include <vector>

#include "mvae/backend/cpu/cpu_buffer.hpp"
#include "mvae/core/device.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/eval/metrics.hpp"
#include "mvae/eval/top_k.hpp"

namespace mvae {

namespace detail {

inline void require_same_split_shape(const InteractionMatrix& train, const InteractionMatrix& test) {
    require_shape(train.n_users() == test.n_users() && train.n_items() == test.n_items(),
                  "evaluation: the training matrix is ", train.n_users(), " x ", train.n_items(),
                  " but the test matrix is ", test.n_users(), " x ", test.n_items());
}

/// The protocol over blocks of users, given their ranked lists. `rank_block(first, count, kmax,
/// ranked, lengths)` writes, for each user u = first + b with test items, its best items into
/// ranked[b·kmax, b·kmax + lengths[b]) (training items excluded, ties by lower index); rows of
/// users without test items are ignored. Called from the calling thread only.
template <class RankFn>
EvalReport evaluate_ranked_blocks(const InteractionMatrix& train, const InteractionMatrix& test, RankFn&& rank_block,
                                  const EvalOptions& options, index_t block_users) {
    require_same_split_shape(train, test);
    require_argument(block_users >= 1, "block_users must be at least 1, got ", block_users);
    MetricAccumulator acc(options);
    const std::span<const index_t> ks(acc.ks());
    const index_t kmax = max_k(ks);
    // This rank's users (all of them in one process); the sums are added over the ranks below.
    const Communicator* comm = options.communicator.get();
    const Share share = comm != nullptr ? share_of(train.n_users(), comm->rank(), comm->size()) : Share{0, train.n_users()};
    const auto n_users = index_t(share.end);
    const auto nk = ks.size();

    // Scratch sized once per call: ranked lists and per-user metrics of one block.
    const index_t block = std::min(block_users, std::max<index_t>(n_users, 1));
    std::vector<index_t> ranked(std::size_t(block) * std::size_t(kmax));
    std::vector<index_t> lengths(static_cast<std::size_t>(block));
    std::vector<UserMetrics> metrics(std::size_t(block) * nk);

    index_t cursor = index_t(share.begin);
    for (;;) {
        // A block starts at the next user with test items and ends after the last such user within
        // block_users: long runs of users without test items are never scored.
        while (cursor < n_users && test.user_degree(cursor) == 0) ++cursor;
        if (cursor >= n_users) break;
        const index_t first = cursor;
        index_t end = first + std::min(block, n_users - first);
        while (test.user_degree(end - 1) == 0) --end;
        const index_t count = end - first;
        cursor = end;

        rank_block(first, count, kmax, std::span<index_t>(ranked.data(), std::size_t(count) * std::size_t(kmax)),
                   std::span<index_t>(lengths.data(), std::size_t(count)));
        parallel_for(0, count, [&](index_t b) {
            const auto slot = std::size_t(b);
            if (test.user_degree(first + b) == 0) return;
            const std::span<const index_t> list(ranked.data() + slot * std::size_t(kmax), std::size_t(lengths[slot]));
            user_metrics(list, test.items_of(first + b), ks, std::span<UserMetrics>(metrics.data() + slot * nk, nk));
        });
        for (index_t b = 0; b < count; ++b) {
            if (test.user_degree(first + b) == 0) continue;
            acc.add(std::span<const UserMetrics>(metrics.data() + std::size_t(b) * nk, nk));
        }
    }
    if (comm != nullptr) acc.reduce_over(*comm);
    return acc.report();
}

/// The protocol over blocks of host scores. `score_block(first, count)` returns a count × n_items
/// view of the scores of users [first, first + count); it is called from the calling thread only.
template <Real Scalar, class BlockFn>
EvalReport evaluate_blocks(const InteractionMatrix& train, const InteractionMatrix& test, BlockFn&& score_block,
                           const EvalOptions& options, index_t block_users) {
    const index_t n_items = train.n_items();
    std::vector<std::exception_ptr> errors;
    auto rank_block = [&](index_t first, index_t count, index_t kmax, std::span<index_t> ranked,
                          std::span<index_t> lengths) {
        const MatrixView<const Scalar, Cpu> scores = score_block(first, count);
        require_shape(scores.rows() == count && scores.cols() == n_items, "evaluation: the scores of users [", first,
                      ", ", first + count, ") are ", scores.rows(), " x ", scores.cols(), ", expected ", count, " x ",
                      n_items);
        errors.assign(std::size_t(count), nullptr);  // keeps its capacity after the first block
        parallel_for(0, count, [&](index_t b) {
            const index_t u = first + b;
            const auto slot = std::size_t(b);
            if (test.user_degree(u) == 0) return;
            try {
                const std::span<index_t> list = ranked.subspan(slot * std::size_t(kmax), std::size_t(kmax));
                const std::span<const Scalar> row(scores.row(b), std::size_t(n_items));
                lengths[slot] = top_k(row, train.items_of(u), kmax, list);
            } catch (...) {
                errors[slot] = std::current_exception();
            }
        });
        // Report the failure of the lowest user, so the error too is independent of the threads.
        for (index_t b = 0; b < count; ++b) {
            if (!errors[std::size_t(b)]) continue;
            try {
                std::rethrow_exception(errors[std::size_t(b)]);
            } catch (const NumericalError& e) {
                throw NumericalError(error_message("evaluation: user ", first + b, " (0-based row of the scores): ", e.what()));
            }
        }
    };
    return evaluate_ranked_blocks(train, test, rank_block, options, block_users);
}

}  // namespace detail

/**
 * Evaluates a model that produces scores on demand, a block of users at a time.
 *
 * @code
 *   EvalReport r = evaluate_ranking<float>(train, test,
 *       [&](index_t first, index_t count, MatrixView<float, Cpu> out) { model.predict(first, count, out); });
 * @endcode
 *
 * @tparam Scalar  the score type (float by default); it is not deduced from the callable, name it
 *                 when the model scores in double.
 * @tparam ScoreFn callable as fill_scores(index_t first_user, index_t count, MatrixView<Scalar, Cpu> out)
 *                 that writes the scores of users [first_user, first_user + count) into the
 *                 count × n_items `out` (every entry; higher = more recommended; NaN is an error).
 *                 It is called from the calling thread and may itself run in parallel.
 * @param train       training interactions: these items are excluded from each user's ranking.
 * @param test        test interactions: the relevant items; same shape as train.
 * @param options     cut-offs and F1 mode.
 * @param block_users users scored per call of fill_scores (memory: block_users × n_items scalars).
 * @throws ShapeError train and test differ in shape. ArgumentError: bad options or block_users < 1.
 *         NumericalError: a NaN score (naming user and item). Whatever fill_scores throws.
 */
template <Real Scalar = float, class ScoreFn>
    requires std::invocable<ScoreFn&, index_t, index_t, MatrixView<Scalar, Cpu>>
EvalReport evaluate_ranking(const InteractionMatrix& train, const InteractionMatrix& test, ScoreFn&& fill_scores,
                            const EvalOptions& options = {}, index_t block_users = 256) {
    detail::require_same_split_shape(train, test);
    require_argument(block_users >= 1, "block_users must be at least 1, got ", block_users);
    validate_eval_options(options);
    Matrix<Scalar, Cpu> buffer(std::min(block_users, std::max<index_t>(train.n_users(), 1)), train.n_items());
    auto score_block = [&](index_t first, index_t count) {
        buffer.resize(count, train.n_items());
        fill_scores(first, count, buffer.view());
        return buffer.cview();
    };
    return detail::evaluate_blocks<Scalar>(train, test, score_block, options, block_users);
}

/**
 * Evaluates a dense in-memory score matrix (users × items, e.g. read from a .npy file). Rows of
 * users without test items are never read.
 *
 * @throws ShapeError the scores' shape differs from train's, or train's from test's.
 *         ArgumentError: bad options. NumericalError: a NaN score (naming user and item).
 */
template <Real S>
EvalReport evaluate_scores(const InteractionMatrix& train, const InteractionMatrix& test,
                           MatrixView<const S, Cpu> scores, const EvalOptions& options = {}) {
    require_shape(scores.rows() == train.n_users() && scores.cols() == train.n_items(), "evaluate_scores: the scores are ",
                  scores.rows(), " x ", scores.cols(), " but the training matrix is ", train.n_users(), " x ",
                  train.n_items());
    // No copies: each block is a view into the matrix. The block size only bounds the scratch.
    auto score_block = [&](index_t first, index_t count) { return scores.row_block(first, count); };
    return detail::evaluate_blocks<S>(train, test, score_block, options, 256);
}

/// Overload for an owning matrix.
template <Real S>
EvalReport evaluate_scores(const InteractionMatrix& train, const InteractionMatrix& test, const Matrix<S, Cpu>& scores,
                           const EvalOptions& options = {}) {
    return evaluate_scores<S>(train, test, scores.cview(), options);
}

}  // namespace mvae
