// mvae/data/labeled_interactions.hpp — an interaction matrix together with its id labels.
#pragma once

#include "mvae/data/id_map.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/**
 * What loaders of labelled files (MovieLens, generic delimited files) return: the 0/1 matrix
 * and the external ids of its rows and columns. Invariant: matrix.n_users() == users.size() and
 * matrix.n_items() == items.size(); row u is the user users.id_of(u), column i the item
 * items.id_of(i).
 */
struct LabeledInteractions {
    InteractionMatrix matrix;
    IdMap users;
    IdMap items;
};

}  // namespace mvae
