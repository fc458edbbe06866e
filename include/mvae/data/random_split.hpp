// mvae/data/random_split.hpp — a seeded per-user random train / validation / test split.
//
// The protocol of the paper's data (JCA): for every user, a random 20% of the user's items is
// held out for testing. Each user's draw comes from its own counter-based stream
// RandomStream(seed, stream_id(random_split_purpose, user)), so the split depends only on the
// seed and the matrix: not on the thread count, and a user's split does not change when other
// users are added or removed.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/split_data.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

/// How random_split divides each user's items.
struct RandomSplitOptions {
    /// Share of each user's items held out for testing, in [0, 1].
    double test_fraction = 0.2;
    /// Share of the items left after the test draw held out for validation, in [0, 1].
    double validation_fraction = 0.0;
    /// Seed of the random streams.
    std::uint64_t seed = 0;
    /// Items a user always keeps in train (when it has that many), ≥ 0.
    index_t min_train = 1;
};

/// Purpose tag of random_split's streams ("split" in ASCII), distinct from other purposes.
inline constexpr std::uint64_t random_split_purpose = 0x73706C6974ull;

namespace detail {

/// floor(fraction · n), with a tolerance so that products such as 0.29 · 100 (28.999999999999996
/// in double) give the intended 29.
[[nodiscard]] inline index_t floor_share(double fraction, index_t n) noexcept {
    return index_t(std::floor(fraction * double(n) + 1e-9));
}

/// How many of a user's `degree` items go to test and to validation under `options`.
[[nodiscard]] inline std::pair<index_t, index_t> split_sizes(index_t degree, const RandomSplitOptions& options) noexcept {
    const index_t spare = std::max<index_t>(degree - options.min_train, 0);  // what may leave train
    index_t n_test = floor_share(options.test_fraction, degree);
    if (options.test_fraction > 0 && n_test == 0 && spare > 0) n_test = 1;
    n_test = std::min(n_test, spare);
    index_t n_validation = floor_share(options.validation_fraction, degree - n_test);
    n_validation = std::min(n_validation, spare - n_test);
    return {n_test, n_validation};
}

}  // namespace detail

/**
 * Splits every user's distinct items into disjoint train, validation and test parts.
 *
 * For a user with d items: n_test = ⌊test_fraction · d⌋, raised to 1 when it is 0, test_fraction
 * > 0 and d > min_train, and lowered so that at least min_train items stay in train; then
 * n_val = ⌊validation_fraction · (d − n_test)⌋, lowered likewise (no minimum of 1). Which items
 * go where is a uniform random subset: a partial Fisher–Yates shuffle of the user's items whose
 * j-th swap partner is j + RandomStream(seed, stream_id(random_split_purpose, user)).below(j, d − j);
 * the first n_test shuffled items go to test, the next n_val to validation, the rest to train.
 *
 * The three parts are disjoint and their union is the input (each pair keeps its count); all
 * have the input's shape. Note that this differs from the paper's JCA folders, whose validation
 * pairs are also in train. The result does not depend on the thread count.
 * Throws ArgumentError naming the option for a fraction outside [0, 1] (or NaN) or a negative
 * min_train.
 */
[[nodiscard]] inline SplitData random_split(const InteractionMatrix& m, const RandomSplitOptions& options = {}) {
    require_argument(options.test_fraction >= 0.0 && options.test_fraction <= 1.0,
                     "random_split: test_fraction must be in [0, 1], got ", options.test_fraction);
    require_argument(options.validation_fraction >= 0.0 && options.validation_fraction <= 1.0,
                     "random_split: validation_fraction must be in [0, 1], got ", options.validation_fraction);
    require_argument(options.min_train >= 0, "random_split: min_train must be >= 0, got ", options.min_train);

    enum : unsigned char { to_train = 0, to_validation = 1, to_test = 2 };
    const auto offsets = m.user_offsets();
    std::vector<unsigned char> destination(std::size_t(m.nnz()), to_train);
    std::vector<index_t> order(std::size_t(m.nnz()));  // per-user shuffled positions

    // Each user touches only its own slice of `order` and `destination`: no allocation, no throw.
    parallel_for(0, m.n_users(), [&](index_t u) {
        const auto begin = std::size_t(offsets[std::size_t(u)]);
        const index_t degree = m.user_degree(u);
        const auto [n_test, n_validation] = detail::split_sizes(degree, options);
        if (n_test + n_validation == 0) return;
        index_t* positions = order.data() + begin;
        for (index_t j = 0; j < degree; ++j) positions[j] = j;
        const RandomStream stream(options.seed, stream_id(random_split_purpose, std::uint64_t(u)));
        for (index_t j = 0; j < n_test + n_validation; ++j) {
            const auto pick = j + index_t(stream.below(std::uint64_t(j), std::uint32_t(degree - j)));
            std::swap(positions[j], positions[pick]);
            destination[begin + std::size_t(positions[j])] = j < n_test ? to_test : to_validation;
        }
    });

    std::array<std::vector<Interaction>, 3> parts;
    const auto items = m.user_items();
    const auto counts = m.user_counts();
    for (index_t u = 0; u < m.n_users(); ++u) {
        for (auto e = std::size_t(offsets[std::size_t(u)]); e < std::size_t(offsets[std::size_t(u) + 1]); ++e) {
            auto& part = parts[destination[e]];
            for (index_t c = 0; c < counts[e]; ++c) part.push_back({u, items[e]});
        }
    }
    return SplitData{InteractionMatrix(m.n_users(), m.n_items(), parts[to_train]),
                     InteractionMatrix(m.n_users(), m.n_items(), parts[to_validation]),
                     InteractionMatrix(m.n_users(), m.n_items(), parts[to_test])};
}

}  // namespace mvae
