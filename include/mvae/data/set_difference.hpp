// mvae/data/set_difference.hpp — the pairs of one interaction matrix that another does not hold:
// how a validation holdout is taken out of a training split (the JCA/JoVA folders keep vali.csv
// inside train.csv) and how test positives seen in training are dropped.
#pragma once

#include <cstddef>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/// `a` minus the (user, item) pairs of `b` (repeated interactions of a kept pair stay repeated).
/// Throws ShapeError unless both have the same shape.
[[nodiscard]] inline InteractionMatrix without(const InteractionMatrix& a, const InteractionMatrix& b) {
    require_shape(a.n_users() == b.n_users() && a.n_items() == b.n_items(), "without: a ", a.n_users(), " x ",
                  a.n_items(), " matrix minus a ", b.n_users(), " x ", b.n_items(), " one");
    std::vector<Interaction> pairs;
    for (index_t u = 0; u < a.n_users(); ++u) {
        const auto items = a.items_of(u);
        const auto counts = a.item_counts_of(u);
        for (std::size_t e = 0; e < items.size(); ++e)
            if (!b.contains(u, items[e]))
                for (index_t c = 0; c < counts[e]; ++c) pairs.push_back({u, items[e]});
    }
    return InteractionMatrix(a.n_users(), a.n_items(), pairs);
}

}  // namespace mvae
