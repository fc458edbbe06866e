// mvae/random/philox.hpp — the Philox4x32-10 counter-based generator (Salmon et al., SC'11).
//
// Counter-based: the bits for element k of a stream are a pure function of (key, counter), so any
// thread or device can draw any element without sequential state, and results do not depend on
// the thread count. The counter layout {block_lo, block_hi, stream_lo, stream_hi} with the 64-bit
// seed as key is the one cuRAND's Philox4_32_10 uses for (seed, subsequence = stream,
// offset = 4·block), so a CUDA kernel can draw the same numbers.
#pragma once

#include <cstdint>

#include "mvae/core/macros.hpp"

namespace mvae {

/// Four 32-bit words: a Philox counter or output block.
struct Philox4x32Block {
    std::uint32_t v[4];
};

/// The Philox4x32 bijection with 10 rounds.
class Philox4x32 {
public:
    /// Encrypts `counter` under the two-word `key`.
    [[nodiscard]] static MVAE_HOST_DEVICE Philox4x32Block generate(Philox4x32Block counter, std::uint32_t key0,
                                                                   std::uint32_t key1) noexcept {
        for (int round = 0; round < 10; ++round) {
            if (round > 0) {
                key0 += kWeyl0;
                key1 += kWeyl1;
            }
            counter = single_round(counter, key0, key1);
        }
        return counter;
    }

private:
    static constexpr std::uint32_t kMul0 = 0xD2511F53u;
    static constexpr std::uint32_t kMul1 = 0xCD9E8D57u;
    static constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;
    static constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;

    static MVAE_HOST_DEVICE Philox4x32Block single_round(Philox4x32Block c, std::uint32_t k0,
                                                         std::uint32_t k1) noexcept {
        const std::uint64_t p0 = std::uint64_t(kMul0) * c.v[0];
        const std::uint64_t p1 = std::uint64_t(kMul1) * c.v[2];
        const auto hi0 = std::uint32_t(p0 >> 32), lo0 = std::uint32_t(p0);
        const auto hi1 = std::uint32_t(p1 >> 32), lo1 = std::uint32_t(p1);
        return Philox4x32Block{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    }
};

}  // namespace mvae
