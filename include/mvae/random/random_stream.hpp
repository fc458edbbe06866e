// mvae/random/random_stream.hpp — a named, seeded stream of random numbers addressable by index.
//
// RandomStream(seed, stream) defines an infinite sequence of 32-bit words; word k is lane k % 4 of
// Philox4x32-10(counter = {k / 4, stream}, key = seed). Element k of a uniform or normal fill is
// derived from word k (normals: Box–Muller on the pair of words (2⌊k/2⌋, 2⌊k/2⌋ + 1)), so the
// value of an element depends only on (seed, stream, k): never on threads, batch order or device.
// Different purposes (masks, reparameterisation noise, initialisation) take different stream ids.
#pragma once

#include <cmath>
#include <cstdint>

#include "mvae/core/macros.hpp"
#include "mvae/random/philox.hpp"

namespace mvae {

/// Converts a 32-bit word to a uniform number in the open interval (0, 1): the midpoint of one of
/// 2^23 (float: the most whose midpoints are all representable below 1) or 2^32 (double) equal cells.
template <class Scalar>
[[nodiscard]] MVAE_HOST_DEVICE inline Scalar uniform_from_bits(std::uint32_t bits) noexcept {
    if constexpr (sizeof(Scalar) == sizeof(float)) {
        return (Scalar(bits >> 9) + Scalar(0.5)) * Scalar(1.1920928955078125e-07);  // 2^-23
    } else {
        return (Scalar(bits) + Scalar(0.5)) * Scalar(2.3283064365386962890625e-10);  // 2^-32
    }
}

/// A seeded stream; cheap to copy, usable in host loops and device kernels alike.
class RandomStream {
public:
    RandomStream() = default;
    MVAE_HOST_DEVICE RandomStream(std::uint64_t seed, std::uint64_t stream) noexcept : seed_(seed), stream_(stream) {}

    [[nodiscard]] MVAE_HOST_DEVICE std::uint64_t seed() const noexcept { return seed_; }
    [[nodiscard]] MVAE_HOST_DEVICE std::uint64_t stream() const noexcept { return stream_; }

    /// The four words of block b (words 4b … 4b + 3).
    [[nodiscard]] MVAE_HOST_DEVICE Philox4x32Block block(std::uint64_t b) const noexcept {
        const Philox4x32Block counter{{std::uint32_t(b), std::uint32_t(b >> 32), std::uint32_t(stream_),
                                       std::uint32_t(stream_ >> 32)}};
        return Philox4x32::generate(counter, std::uint32_t(seed_), std::uint32_t(seed_ >> 32));
    }

    /// Word k of the stream.
    [[nodiscard]] MVAE_HOST_DEVICE std::uint32_t bits(std::uint64_t k) const noexcept { return block(k >> 2).v[k & 3]; }

    /// Element k as a uniform number in (0, 1).
    template <class Scalar>
    [[nodiscard]] MVAE_HOST_DEVICE Scalar uniform(std::uint64_t k) const noexcept {
        return uniform_from_bits<Scalar>(bits(k));
    }

    /// Element k as a standard normal number (Box–Muller on the word pair holding k).
    template <class Scalar>
    [[nodiscard]] MVAE_HOST_DEVICE Scalar normal(std::uint64_t k) const noexcept {
        const Philox4x32Block w = block(k >> 2);
        const unsigned pair = unsigned(k & 2);
        return box_muller<Scalar>(w.v[pair], w.v[pair + 1], (k & 1) != 0);
    }

    /// Box–Muller: the cosine branch for the first element of a pair, the sine branch for the second.
    template <class Scalar>
    [[nodiscard]] static MVAE_HOST_DEVICE Scalar box_muller(std::uint32_t a, std::uint32_t b, bool second) noexcept {
        constexpr Scalar two_pi = Scalar(6.283185307179586476925286766559);
        const Scalar radius = std::sqrt(Scalar(-2) * std::log(uniform_from_bits<Scalar>(a)));
        const Scalar angle = two_pi * uniform_from_bits<Scalar>(b);
        return radius * (second ? std::sin(angle) : std::cos(angle));
    }

    /// An integer uniform in [0, n) from element k (multiply-shift; bias below n / 2^32).
    [[nodiscard]] MVAE_HOST_DEVICE std::uint32_t below(std::uint64_t k, std::uint32_t n) const noexcept {
        return std::uint32_t((std::uint64_t(bits(k)) * n) >> 32);
    }

private:
    std::uint64_t seed_ = 0;
    std::uint64_t stream_ = 0;
};

/// Derives a stream id from a purpose tag and up to two counters (epoch, step, …) by SplitMix64
/// mixing, so that distinct (purpose, a, b) give unrelated streams.
[[nodiscard]] MVAE_HOST_DEVICE constexpr std::uint64_t stream_id(std::uint64_t purpose, std::uint64_t a = 0,
                                                                 std::uint64_t b = 0) noexcept {
    auto mix = [](std::uint64_t x) {
        x += 0x9E3779B97F4A7C15ull;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        return x ^ (x >> 31);
    };
    return mix(mix(mix(purpose) ^ a) ^ b);
}

}  // namespace mvae
