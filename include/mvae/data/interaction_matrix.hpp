// mvae/data/interaction_matrix.hpp — the sparse 0/1 user × item matrix R, stored both ways.
//
// CSR by user (the uVAE's rows) and CSC by item (the iVAE's rows), with 32-bit indices. Built from
// (user, item) pairs: duplicate pairs are merged into one entry whose count says how many times
// the pair occurred (the models see R as 0/1; counts are kept for statistics and for loaders that
// need them). Within a user the items are sorted ascending, within an item the users likewise.
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/// One observed (user, item) pair, 0-based.
struct Interaction {
    index_t user = 0;
    index_t item = 0;
    friend bool operator==(const Interaction&, const Interaction&) = default;
};

/// Immutable sparse interaction matrix with both row (user) and column (item) access.
class InteractionMatrix {
public:
    /// An empty 0 × 0 matrix.
    InteractionMatrix() : user_offsets_(1, 0), item_offsets_(1, 0) {}

    /// Builds an n_users × n_items matrix from 0-based pairs; duplicates are merged and counted.
    /// Throws ArgumentError when a shape is negative or a pair lies outside it (naming the pair's index).
    InteractionMatrix(index_t n_users, index_t n_items, std::span<const Interaction> pairs)
        : n_users_(n_users), n_items_(n_items) {
        require_argument(n_users >= 0 && n_items >= 0, "InteractionMatrix: negative shape ", n_users, " x ", n_items);
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            const Interaction& p = pairs[k];
            require_argument(p.user >= 0 && p.user < n_users && p.item >= 0 && p.item < n_items, "InteractionMatrix: pair ",
                             k, " (user ", p.user, ", item ", p.item, ") lies outside the ", n_users, " x ", n_items,
                             " matrix");
        }
        build_rows(pairs);
        build_columns();
    }

    [[nodiscard]] index_t n_users() const noexcept { return n_users_; }
    [[nodiscard]] index_t n_items() const noexcept { return n_items_; }
    /// Distinct (user, item) pairs: the number of ones in R.
    [[nodiscard]] offset_t nnz() const noexcept { return offset_t(row_items_.size()); }
    /// Pairs counted with multiplicity (the number of input rows).
    [[nodiscard]] offset_t total_count() const noexcept { return total_count_; }
    /// nnz / (n_users · n_items), 0 for an empty shape.
    [[nodiscard]] double density() const noexcept {
        const double cells = double(n_users_) * double(n_items_);
        return cells > 0 ? double(nnz()) / cells : 0.0;
    }

    // --- rows (users) ---
    [[nodiscard]] std::span<const offset_t> user_offsets() const noexcept { return user_offsets_; }
    [[nodiscard]] std::span<const index_t> user_items() const noexcept { return row_items_; }
    [[nodiscard]] std::span<const index_t> user_counts() const noexcept { return row_counts_; }
    /// The items of user u, ascending.
    [[nodiscard]] std::span<const index_t> items_of(index_t u) const noexcept {
        return std::span<const index_t>(row_items_).subspan(std::size_t(user_offsets_[u]), std::size_t(user_degree(u)));
    }
    /// How often each of items_of(u) occurred.
    [[nodiscard]] std::span<const index_t> item_counts_of(index_t u) const noexcept {
        return std::span<const index_t>(row_counts_).subspan(std::size_t(user_offsets_[u]), std::size_t(user_degree(u)));
    }
    [[nodiscard]] index_t user_degree(index_t u) const noexcept {
        return index_t(user_offsets_[u + 1] - user_offsets_[u]);
    }

    // --- columns (items) ---
    [[nodiscard]] std::span<const offset_t> item_offsets() const noexcept { return item_offsets_; }
    [[nodiscard]] std::span<const index_t> item_users() const noexcept { return col_users_; }
    [[nodiscard]] std::span<const index_t> item_counts() const noexcept { return col_counts_; }
    /// The users of item i, ascending.
    [[nodiscard]] std::span<const index_t> users_of(index_t i) const noexcept {
        return std::span<const index_t>(col_users_).subspan(std::size_t(item_offsets_[i]), std::size_t(item_degree(i)));
    }
    [[nodiscard]] index_t item_degree(index_t i) const noexcept {
        return index_t(item_offsets_[i + 1] - item_offsets_[i]);
    }

    /// Whether R(u, i) = 1 (binary search in u's row).
    [[nodiscard]] bool contains(index_t u, index_t i) const noexcept {
        if (u < 0 || u >= n_users_) return false;
        const auto items = items_of(u);
        return std::binary_search(items.begin(), items.end(), i);
    }

    /// The distinct pairs, by user then item.
    [[nodiscard]] std::vector<Interaction> pairs() const {
        std::vector<Interaction> out;
        out.reserve(row_items_.size());
        for (index_t u = 0; u < n_users_; ++u)
            for (index_t i : items_of(u)) out.push_back({u, i});
        return out;
    }

    /// Rᵀ: users and items swap roles (the iVAE's view of the data).
    [[nodiscard]] InteractionMatrix transposed() const {
        InteractionMatrix t;
        t.n_users_ = n_items_;
        t.n_items_ = n_users_;
        t.total_count_ = total_count_;
        t.user_offsets_ = item_offsets_;
        t.row_items_ = col_users_;
        t.row_counts_ = col_counts_;
        t.item_offsets_ = user_offsets_;
        t.col_users_ = row_items_;
        t.col_counts_ = row_counts_;
        return t;
    }

private:
    void build_rows(std::span<const Interaction> pairs) {
        // Counting sort by user, then sort and merge duplicates inside each row.
        std::vector<offset_t> start(std::size_t(n_users_) + 1, 0);
        for (const auto& p : pairs) ++start[std::size_t(p.user) + 1];
        std::partial_sum(start.begin(), start.end(), start.begin());
        std::vector<index_t> items(pairs.size());
        std::vector<offset_t> cursor(start.begin(), start.end() - 1);
        for (const auto& p : pairs) items[std::size_t(cursor[std::size_t(p.user)]++)] = p.item;

        user_offsets_.assign(std::size_t(n_users_) + 1, 0);
        row_items_.clear();
        row_counts_.clear();
        row_items_.reserve(items.size());
        row_counts_.reserve(items.size());
        for (index_t u = 0; u < n_users_; ++u) {
            auto first = items.begin() + start[std::size_t(u)];
            auto last = items.begin() + start[std::size_t(u) + 1];
            std::sort(first, last);
            for (auto it = first; it != last;) {
                auto run_end = std::find_if(it, last, [v = *it](index_t x) { return x != v; });
                row_items_.push_back(*it);
                row_counts_.push_back(index_t(run_end - it));
                it = run_end;
            }
            user_offsets_[std::size_t(u) + 1] = offset_t(row_items_.size());
        }
        total_count_ = offset_t(pairs.size());
    }

    void build_columns() {
        // Transpose the CSR; visiting users in ascending order leaves each column sorted.
        item_offsets_.assign(std::size_t(n_items_) + 1, 0);
        for (index_t i : row_items_) ++item_offsets_[std::size_t(i) + 1];
        std::partial_sum(item_offsets_.begin(), item_offsets_.end(), item_offsets_.begin());
        col_users_.resize(row_items_.size());
        col_counts_.resize(row_items_.size());
        std::vector<offset_t> cursor(item_offsets_.begin(), item_offsets_.end() - 1);
        for (index_t u = 0; u < n_users_; ++u) {
            for (offset_t e = user_offsets_[std::size_t(u)]; e < user_offsets_[std::size_t(u) + 1]; ++e) {
                const auto slot = std::size_t(cursor[std::size_t(row_items_[std::size_t(e)])]++);
                col_users_[slot] = u;
                col_counts_[slot] = row_counts_[std::size_t(e)];
            }
        }
    }

    index_t n_users_ = 0;
    index_t n_items_ = 0;
    offset_t total_count_ = 0;
    std::vector<offset_t> user_offsets_;
    std::vector<index_t> row_items_;
    std::vector<index_t> row_counts_;
    std::vector<offset_t> item_offsets_;
    std::vector<index_t> col_users_;
    std::vector<index_t> col_counts_;
};

}  // namespace mvae
