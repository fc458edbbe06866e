// mvae/eval/device_ranking.hpp — the evaluation protocol with the ranking done where the scores
// are: a block of users' scores stays on the device, a kernel keeps each user's best K items, and
// only the K item ids per user travel to the host (never the scores).
//
// The kernel is written once (a functor launched by Backend<D>::for_each_index, one user per
// call), so the CPU runs the same code the GPU does and the tests check it on any machine.
#pragma once

#include <concepts>
#include <span>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/device_copy.hpp"
#include "mvae/core/buffer.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/eval/evaluator.hpp"

namespace mvae {

namespace detail {

/**
 * Row b of a block of scores (user first_user + b): its best k items into out[b·k, b·k + n),
 * best first, excluding the user's training items (CSR: items[offsets[u], offsets[u + 1]),
 * ascending, duplicates tolerated); ties by the lower index, −inf after every finite score, as
 * mvae::top_k. status[b] ← n, or −1 − item for the first NaN score met.
 *
 * One pass over the row with a sorted insertion list of k entries: O(m + n_better · k), where few
 * items beat the k-th best of a row after its first items. k is small (the largest cut-off).
 */
template <class S, class D>
struct RowTopK {
    MatrixView<const S, D> scores;
    index_t first_user;
    const offset_t* offsets;
    const index_t* items;
    index_t k;
    index_t* out;
    index_t* status;

    MVAE_HOST_DEVICE void operator()(index_t b) const noexcept {
        const S* s = scores.row(b);
        index_t* list = out + std::size_t(b) * std::size_t(k);
        const index_t m = scores.cols();
        offset_t e = offsets[first_user + b];
        const offset_t e_end = offsets[first_user + b + 1];
        index_t n = 0;
        for (index_t i = 0; i < m; ++i) {
            if (e < e_end && items[e] == i) {  // a training item: skip it (and its duplicates)
                while (e < e_end && items[e] == i) ++e;
                continue;
            }
            const S v = s[i];
            if (v != v) {
                status[b] = -1 - i;
                return;
            }
            if (n == k && !(v > s[list[k - 1]])) continue;  // not better than the k-th: ties keep the lower index
            index_t p = n < k ? n : k - 1;
            while (p > 0 && v > s[list[p - 1]]) {
                list[p] = list[p - 1];
                --p;
            }
            list[p] = i;
            if (n < k) ++n;
        }
        status[b] = n;
    }
};

}  // namespace detail

/**
 * The protocol of evaluate_ranking (mvae/eval/evaluator.hpp) for a model whose scores live on
 * device D: the same users, exclusions, ties, metrics and report, for any D.
 *
 * @tparam S       the score type.
 * @tparam D       the device of the scores (Cpu or Cuda).
 * @tparam ScoreFn callable as fill_scores(index_t first_user, index_t count, MatrixView<S, D> out),
 *                 writing the count × n_items scores of users [first_user, first_user + count)
 *                 into device memory (every entry; higher = better; NaN is an error).
 * @param block_users users per block (device memory: block_users × n_items scores).
 * @throws as evaluate_ranking; a NaN score is a NumericalError naming the user and the item.
 */
template <Real S, Device D, class ScoreFn>
    requires std::invocable<ScoreFn&, index_t, index_t, MatrixView<S, D>>
EvalReport evaluate_ranking_on(const Backend<D>& backend, const InteractionMatrix& train, const InteractionMatrix& test,
                               ScoreFn&& fill_scores, const EvalOptions& options = {}, index_t block_users = 1024) {
    detail::require_same_split_shape(train, test);
    require_argument(block_users >= 1, "block_users must be at least 1, got ", block_users);
    validate_eval_options(options);
    const index_t block = std::min(block_users, std::max<index_t>(train.n_users(), 1));
    const DeviceCopy<offset_t, D> offsets(backend, train.user_offsets());
    const DeviceCopy<index_t, D> items(backend, train.user_items());
    Matrix<S, D> scores(block, train.n_items());
    Buffer<index_t, D> lists, status(static_cast<std::size_t>(block));
    std::vector<index_t> status_host(static_cast<std::size_t>(block));

    auto rank_block = [&](index_t first, index_t count, index_t kmax, std::span<index_t> ranked,
                          std::span<index_t> lengths) {
        scores.resize(count, train.n_items());
        fill_scores(first, count, scores.view());
        if (lists.size() < ranked.size()) lists = Buffer<index_t, D>(ranked.size());
        backend.for_each_index(count, detail::RowTopK<S, D>{scores.cview(), first, offsets.data(), items.data(), kmax,
                                                            lists.data(), status.data()});
        backend.download(VectorView<const index_t, D>(lists.data(), index_t(ranked.size())), ranked.data());
        backend.download(VectorView<const index_t, D>(status.data(), count), status_host.data());
        for (index_t b = 0; b < count; ++b) {
            const index_t st = status_host[std::size_t(b)];
            if (st < 0)
                throw NumericalError(detail::error_message("evaluation: user ", first + b,
                                                           " (0-based row of the scores): top_k: the score of item ",
                                                           -1 - st, " is NaN"));
            lengths[std::size_t(b)] = st;
        }
    };
    return detail::evaluate_ranked_blocks(train, test, rank_block, options, block_users);
}

}  // namespace mvae
