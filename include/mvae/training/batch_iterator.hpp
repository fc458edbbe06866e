// mvae/training/batch_iterator.hpp — the order in which an epoch visits the rows (users or items)
// and its split into mini-batches.
//
// Each epoch's order is a Fisher–Yates permutation drawn from
// RandomStream(seed, stream_id(batch_order_purpose, epoch)), with exactly uniform bounded integers,
// so it is a uniformly random permutation that depends on (seed, epoch, n_rows) only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"
#include "mvae/random/random_cursor.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

/// Purpose tag of the per-epoch row-order streams ("batches" in ASCII).
inline constexpr std::uint64_t batch_order_purpose = 0x62617463686573ull;

/**
 * Splits the rows 0 … n_rows − 1 into batches of batch_size consecutive entries of an epoch's
 * order; the last batch holds the remainder and is never dropped, so every row appears in
 * exactly one batch per epoch. With shuffle, the order is a seeded uniform permutation per epoch
 * (same seed and epoch, same order); without, it is 0, 1, …, n_rows − 1 in every epoch.
 *
 * @code
 *   mvae::BatchIterator batches(n_users, 500, seed);
 *   for (std::uint64_t epoch = 0; epoch < epochs; ++epoch) {
 *       batches.start_epoch(epoch);
 *       for (mvae::index_t b = 0; b < batches.batch_count(); ++b) train_on(batches.batch(b));
 *   }
 * @endcode
 */
class BatchIterator {
public:
    /**
     * Prepares epoch 0's order.
     * @param n_rows     rows to visit, ≥ 0 (0 gives no batches).
     * @param batch_size rows per batch, ≥ 1.
     * @param seed       seed of the per-epoch permutations.
     * @param shuffle    false keeps the rows in index order in every epoch.
     * @throws ArgumentError naming "n_rows" or "batch_size" and the value.
     */
    BatchIterator(index_t n_rows, index_t batch_size, std::uint64_t seed, bool shuffle = true)
        : n_rows_(n_rows), batch_size_(batch_size), seed_(seed), shuffle_(shuffle) {
        require_argument(n_rows >= 0, "BatchIterator: n_rows must be >= 0, got ", n_rows);
        require_argument(batch_size >= 1, "BatchIterator: batch_size must be >= 1, got ", batch_size);
        order_.resize(std::size_t(n_rows));
        start_epoch(0);
    }

    /// Draws `epoch`'s order (O(n_rows), no allocation). The spans of earlier batch() calls then
    /// show the new order.
    void start_epoch(std::uint64_t epoch) {
        epoch_ = epoch;
        std::iota(order_.begin(), order_.end(), index_t(0));
        if (!shuffle_ || n_rows_ < 2) return;
        RandomCursor cursor(RandomStream(seed_, stream_id(batch_order_purpose, epoch)));
        for (index_t i = n_rows_ - 1; i > 0; --i) {
            const auto j = index_t(cursor.below(std::uint32_t(i) + 1u));
            std::swap(order_[std::size_t(i)], order_[std::size_t(j)]);
        }
    }

    /// ⌈n_rows / batch_size⌉.
    [[nodiscard]] index_t batch_count() const noexcept {
        return index_t((offset_t(n_rows_) + offset_t(batch_size_) - 1) / offset_t(batch_size_));
    }

    /// The row indices of batch b of the current epoch: batch_size of them, fewer in the last.
    /// @throws ArgumentError naming "batch index" unless 0 ≤ b < batch_count().
    [[nodiscard]] std::span<const index_t> batch(index_t b) const {
        require_argument(b >= 0 && b < batch_count(), "BatchIterator: batch index must be in [0, ", batch_count(),
                         "), got ", b);
        const auto begin = std::size_t(b) * std::size_t(batch_size_);
        const auto end = std::min(order_.size(), begin + std::size_t(batch_size_));
        return std::span<const index_t>(order_).subspan(begin, end - begin);
    }

    /// The whole order of the current epoch.
    [[nodiscard]] std::span<const index_t> order() const noexcept { return order_; }

    /// The number of rows the epochs visit.
    [[nodiscard]] index_t rows() const noexcept { return n_rows_; }
    [[nodiscard]] index_t batch_size() const noexcept { return batch_size_; }
    [[nodiscard]] bool shuffle() const noexcept { return shuffle_; }
    [[nodiscard]] std::uint64_t epoch() const noexcept { return epoch_; }

private:
    index_t n_rows_;
    index_t batch_size_;
    std::uint64_t seed_;
    bool shuffle_;
    std::uint64_t epoch_ = 0;
    std::vector<index_t> order_;
};

}  // namespace mvae
