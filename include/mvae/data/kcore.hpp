// mvae/data/kcore.hpp — k-core filtering: drop users and items with too few interactions.
//
// Removing a sparse user lowers the degrees of its items, which may then fall below their
// threshold, and so on; the filter peels until nothing changes. The result is the largest
// sub-matrix in which every user has ≥ min_user_degree items and every item ≥ min_item_degree
// users; it is unique, so it does not depend on the order of removals.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/id_map.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/labeled_interactions.hpp"

namespace mvae {

/// The filtered matrix and where its rows and columns came from.
struct KCoreResult {
    InteractionMatrix matrix;
    /// kept_users[new user] = the old user index; ascending.
    std::vector<index_t> kept_users;
    /// kept_items[new item] = the old item index; ascending.
    std::vector<index_t> kept_items;
};

/**
 * Keeps the largest set of users and items in which every kept user has at least
 * `min_user_degree` distinct kept items and every kept item at least `min_item_degree` distinct
 * kept users (iterated to the fixed point). Kept users and items are renumbered densely in their
 * original order; kept pairs keep their counts. A threshold of 0 keeps everything, including
 * empty rows and columns; 1 drops exactly the users and items without interactions.
 * Throws ArgumentError for a negative threshold. O(nnz + n_users + n_items).
 */
[[nodiscard]] inline KCoreResult kcore_filter(const InteractionMatrix& m, index_t min_user_degree,
                                              index_t min_item_degree) {
    require_argument(min_user_degree >= 0, "kcore_filter: min_user_degree must be >= 0, got ", min_user_degree);
    require_argument(min_item_degree >= 0, "kcore_filter: min_item_degree must be >= 0, got ", min_item_degree);
    const index_t n_users = m.n_users();
    const index_t n_items = m.n_items();
    std::vector<index_t> user_degree(std::size_t(n_users), 0);
    std::vector<index_t> item_degree(std::size_t(n_items), 0);
    std::vector<char> user_alive(std::size_t(n_users), 1);
    std::vector<char> item_alive(std::size_t(n_items), 1);

    // Peeling: a queue of removed vertices whose edges have not been subtracted yet. Users are
    // stored as u, items as ~i (negative), so one queue serves both sides.
    std::vector<index_t> queue;
    for (index_t u = 0; u < n_users; ++u) {
        user_degree[std::size_t(u)] = m.user_degree(u);
        if (user_degree[std::size_t(u)] < min_user_degree) {
            user_alive[std::size_t(u)] = 0;
            queue.push_back(u);
        }
    }
    for (index_t i = 0; i < n_items; ++i) {
        item_degree[std::size_t(i)] = m.item_degree(i);
        if (item_degree[std::size_t(i)] < min_item_degree) {
            item_alive[std::size_t(i)] = 0;
            queue.push_back(~i);
        }
    }
    while (!queue.empty()) {
        const index_t v = queue.back();
        queue.pop_back();
        if (v >= 0) {
            for (const index_t i : m.items_of(v)) {
                if (item_alive[std::size_t(i)] && --item_degree[std::size_t(i)] < min_item_degree) {
                    item_alive[std::size_t(i)] = 0;
                    queue.push_back(~i);
                }
            }
        } else {
            for (const index_t u : m.users_of(~v)) {
                if (user_alive[std::size_t(u)] && --user_degree[std::size_t(u)] < min_user_degree) {
                    user_alive[std::size_t(u)] = 0;
                    queue.push_back(u);
                }
            }
        }
    }

    KCoreResult result;
    std::vector<index_t> new_item(std::size_t(n_items), -1);
    for (index_t u = 0; u < n_users; ++u)
        if (user_alive[std::size_t(u)]) result.kept_users.push_back(u);
    for (index_t i = 0; i < n_items; ++i) {
        if (item_alive[std::size_t(i)]) {
            new_item[std::size_t(i)] = index_t(result.kept_items.size());
            result.kept_items.push_back(i);
        }
    }
    std::vector<Interaction> pairs;
    for (std::size_t nu = 0; nu < result.kept_users.size(); ++nu) {
        const index_t u = result.kept_users[nu];
        const auto items = m.items_of(u);
        const auto counts = m.item_counts_of(u);
        for (std::size_t k = 0; k < items.size(); ++k) {
            const index_t ni = new_item[std::size_t(items[k])];
            if (ni < 0) continue;
            // Repeat the pair so that the new matrix keeps its count.
            for (index_t c = 0; c < counts[k]; ++c) pairs.push_back({index_t(nu), ni});
        }
    }
    result.matrix =
        InteractionMatrix(index_t(result.kept_users.size()), index_t(result.kept_items.size()), pairs);
    return result;
}

/**
 * kcore_filter on labelled data: the same filter, with the id maps reduced to the kept users and
 * items (in their original order), so that row u of the result is still the user
 * result.users.id_of(u). Throws ArgumentError for a negative threshold or when the id maps do not
 * match the matrix's shape.
 */
[[nodiscard]] inline LabeledInteractions kcore_filter(const LabeledInteractions& data, index_t min_user_degree,
                                                      index_t min_item_degree) {
    require_argument(data.users.size() == data.matrix.n_users() && data.items.size() == data.matrix.n_items(),
                     "kcore_filter: id maps (", data.users.size(), " users, ", data.items.size(),
                     " items) do not match the ", data.matrix.n_users(), " x ", data.matrix.n_items(), " matrix");
    KCoreResult core = kcore_filter(data.matrix, min_user_degree, min_item_degree);
    LabeledInteractions result;
    result.matrix = std::move(core.matrix);
    result.users.reserve(core.kept_users.size());
    for (const index_t u : core.kept_users) result.users.insert(data.users.id_of(u));
    result.items.reserve(core.kept_items.size());
    for (const index_t i : core.kept_items) result.items.insert(data.items.id_of(i));
    return result;
}

}  // namespace mvae
