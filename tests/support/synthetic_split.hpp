// A JCA-shaped split of a synthetic world for the training-run tests: validation pairs are inside
// train, as in the paper's folders (vali.csv is a subset of train.csv).
#pragma once

#include <cstdint>

#include "mvae/core/types.hpp"
#include "mvae/data/random_split.hpp"
#include "mvae/data/split_data.hpp"
#include "mvae/data/synthetic.hpp"

namespace mvae_test {

/// 20 % of the clicks held out as test, 10 % of the rest as validation (kept in train).
inline mvae::SplitData synthetic_jca_split(mvae::index_t users, mvae::index_t items, mvae::index_t exposures_per_user,
                                           std::uint64_t seed) {
    mvae::SyntheticConfig c;
    c.n_users = users;
    c.n_items = items;
    c.exposures_per_user = exposures_per_user;
    c.seed = seed;
    const auto world = mvae::generate_synthetic(c);
    mvae::RandomSplitOptions o;
    o.test_fraction = 0.2;
    o.seed = 1;
    mvae::SplitData outer = mvae::random_split(world.clicks, o);
    o.test_fraction = 0.1;
    o.seed = 2;
    mvae::SplitData inner = mvae::random_split(outer.train, o);
    return mvae::SplitData{outer.train, inner.test, outer.test};
}

}  // namespace mvae_test
