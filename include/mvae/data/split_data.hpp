// mvae/data/split_data.hpp — the train / validation / test matrices of one experiment.
#pragma once

#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/**
 * Three interaction matrices over the same users and items. All three have the same shape; a
 * split that does not exist (a folder without vali.csv, a random split without validation) is an
 * empty matrix of that shape, never a 0 × 0 one.
 *
 * Whether the splits are disjoint depends on where they come from: random_split makes them
 * disjoint, while the JCA/JoVA folders of the paper keep the validation pairs inside train (see
 * jca_split.hpp and docs/data.md).
 */
struct SplitData {
    InteractionMatrix train;
    InteractionMatrix validation;
    InteractionMatrix test;

    [[nodiscard]] index_t n_users() const noexcept { return train.n_users(); }
    [[nodiscard]] index_t n_items() const noexcept { return train.n_items(); }
};

}  // namespace mvae
