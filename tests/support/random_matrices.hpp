// Random 0/1 matrices for the completion tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "mvae/data/interaction_matrix.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae_test {

/// A random 0/1 matrix with skewed item popularity and user activity (like real data, it has a
/// dominant singular value and a decaying spectrum): P(R(u, i) = 1) = min(1, c · a_u · b_i).
inline mvae::InteractionMatrix skewed_random(mvae::index_t n, mvae::index_t m, double c, std::uint64_t seed) {
    const mvae::RandomStream stream(seed, 77);
    std::vector<mvae::Interaction> pairs;
    for (mvae::index_t u = 0; u < n; ++u) {
        const double a = 1.0 / std::sqrt(1.0 + double(u % 13));
        for (mvae::index_t i = 0; i < m; ++i) {
            const double b = std::pow(1.0 + double(i), -0.6);
            if (stream.uniform<double>(std::uint64_t(u) * std::uint64_t(m) + std::uint64_t(i)) < std::min(1.0, c * a * b))
                pairs.push_back({u, i});
        }
    }
    return mvae::InteractionMatrix(n, m, pairs);
}

}  // namespace mvae_test
