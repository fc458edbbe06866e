// mvae/eval/top_k.hpp — the K best items of one user's score row, training items excluded.
//
// The ranking rule of the evaluation protocol (docs/evaluation.md): items are ordered by score,
// descending; equal scores are ordered by item index, ascending (the lower index wins), so the
// result is a pure function of the scores and never of a sort's or a thread's whims.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <utility>

#include "mvae/core/device.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

namespace detail {

/// Whether item a ranks before item b: a higher score, or an equal score and a lower index.
template <class Scalar>
[[nodiscard]] MVAE_FORCE_INLINE bool ranks_before(const Scalar* scores, index_t a, index_t b) noexcept {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
}

/// Restores the heap property below `pos` in a heap whose root is the WORST kept item.
template <class Scalar>
void sift_down_worst(const Scalar* scores, index_t* heap, index_t size, index_t pos) noexcept {
    const index_t moving = heap[pos];
    for (;;) {
        index_t child = 2 * pos + 1;
        if (child >= size) break;
        // Pick the worse child: the one that ranks after its sibling.
        if (child + 1 < size && ranks_before(scores, heap[child], heap[child + 1])) ++child;
        if (!ranks_before(scores, moving, heap[child])) break;  // moving is already worse than both
        heap[pos] = heap[child];
        pos = child;
    }
    heap[pos] = moving;
}

/// Moves the item at `pos` up while it is worse than its parent.
template <class Scalar>
void sift_up_worst(const Scalar* scores, index_t* heap, index_t pos) noexcept {
    const index_t moving = heap[pos];
    while (pos > 0) {
        const index_t parent = (pos - 1) / 2;
        if (!ranks_before(scores, heap[parent], moving)) break;  // parent is worse: heap holds
        heap[pos] = heap[parent];
        pos = parent;
    }
    heap[pos] = moving;
}

[[noreturn]] inline void throw_nan_score(index_t item) {
    throw NumericalError(error_message("top_k: the score of item ", item, " is NaN"));
}

}  // namespace detail

/**
 * Writes the (at most) k best items of `scores` to out[0 … n), best first, and returns n.
 *
 * Items are ranked by score, descending; equal scores rank by item index, ascending. Items listed
 * in `excluded_sorted` (a user's training items, ascending; duplicates are tolerated) are never
 * returned. -inf is a valid score and ranks after every finite one; +inf ranks first. n is
 * min(k, number of non-excluded items).
 *
 * Runs in O(m log k) time for m items with a bounded heap kept inside `out` itself, so it never
 * allocates: the evaluation calls it once per user.
 *
 * @tparam Scalar float or double.
 * @param scores          one user's score row, one entry per item.
 * @param excluded_sorted items to skip, ascending, each in [0, scores.size()).
 * @param k               how many items to return; k = 0 returns 0 without reading the scores.
 * @param out             room for at least k items.
 * @throws ArgumentError  k < 0, out shorter than k, or excluded_sorted unsorted or out of range.
 * @throws NumericalError a score read is NaN (naming the item).
 */
template <Real Scalar>
index_t top_k(std::span<const Scalar> scores, std::span<const index_t> excluded_sorted, index_t k,
              std::span<index_t> out) {
    require_argument(k >= 0, "top_k: k must be non-negative, got ", k);
    require_argument(out.size() >= std::size_t(k), "top_k: the output holds ", out.size(),
                     " items, fewer than k = ", k);
    if (k == 0) return 0;
    const auto m = index_t(scores.size());
    require_argument(std::size_t(m) == scores.size(), "top_k: ", scores.size(), " items exceed the index range");

    const Scalar* s = scores.data();
    index_t* heap = out.data();  // root = the worst item kept so far
    index_t size = 0;

    // Visits items [begin, end), none of them excluded. Items arrive in ascending index order, so
    // an item whose score EQUALS the current worst ranks after it (higher index) and is rejected:
    // once the heap is full, only a strictly greater score gets in. NaN fails every comparison, so
    // it is checked only on the rejection path.
    auto visit = [&](index_t begin, index_t end) {
        index_t i = begin;
        for (; i < end && size < k; ++i) {
            if (std::isnan(s[i])) detail::throw_nan_score(i);
            heap[size] = i;
            detail::sift_up_worst(s, heap, size);
            ++size;
        }
        if (i >= end) return;
        Scalar threshold = s[heap[0]];
        constexpr index_t chunk = 32;
        while (i < end) {
            const index_t chunk_end = end - i > chunk ? i + chunk : end;
            // Most items fall below the threshold: a branch-free (vectorisable) test of a whole
            // chunk skips them. !(v <= threshold) holds for a greater score and for NaN.
            bool any = false;
            for (index_t j = i; j < chunk_end; ++j) any |= !(s[j] <= threshold);
            if (!any) {
                i = chunk_end;
                continue;
            }
            for (; i < chunk_end; ++i) {
                const Scalar v = s[i];
                if (v > threshold) {
                    heap[0] = i;
                    detail::sift_down_worst(s, heap, size, 0);
                    threshold = s[heap[0]];
                } else if (v != v) {
                    detail::throw_nan_score(i);
                }
            }
        }
    };

    index_t next = 0;  // first item not yet visited
    for (const index_t e : excluded_sorted) {
        require_argument(e >= 0 && e < m, "top_k: excluded item ", e, " is out of range (", m, " items)");
        require_argument(e >= next - 1, "top_k: excluded items are not ascending (", e, " after ", next - 1, ")");
        if (e < next) continue;  // a duplicate of the previous exclusion
        visit(next, e);
        next = e + 1;
    }
    visit(next, m);

    // Heap sort in place: repeatedly move the worst to the back, which leaves best-first order.
    for (index_t end = size - 1; end > 0; --end) {
        std::swap(heap[0], heap[end]);
        detail::sift_down_worst(s, heap, end, 0);
    }
    return size;
}

/// Overload for a mutable score span.
template <Real Scalar>
index_t top_k(std::span<Scalar> scores, std::span<const index_t> excluded_sorted, index_t k, std::span<index_t> out) {
    return top_k(std::span<const Scalar>(scores), excluded_sorted, k, out);
}

}  // namespace mvae
