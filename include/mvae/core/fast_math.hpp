// mvae/core/fast_math.hpp — branch-free float exp and log1p for the B × n element-wise passes.
//
// Why: the loss and its gradient over a batch's logits (B × #items, ≈ 14 M entries on Yelp) call
// exp and log1p once per entry, and glibc's scalar expf/log1pf kept those passes at ≈ 15 % of an
// epoch. These versions are straight-line arithmetic (no branches, no calls, no tables), so the
// compiler vectorises the loops that use them (AVX-512: 16 lanes). Accuracy: a few float ulps
// (tests/core/test_fast_math.cpp checks them against double libm), far below what training sees.
// Double keeps libm: double is the checking precision (gradient checks), where speed does not
// matter. CUDA device code uses its own intrinsics.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "mvae/core/macros.hpp"

namespace mvae::fast {

/// e^x for x ≤ 0 (x > 0 is not supported; −∞ and x < −87 give a denormal-free ≈ 1.6e-38 for float).
template <class S>
[[nodiscard]] MVAE_HOST_DEVICE MVAE_FORCE_INLINE S exp_nonpositive(S x) noexcept {
#if defined(__CUDA_ARCH__)
    return std::exp(x);
#else
    if constexpr (!std::is_same_v<S, float>) {
        return std::exp(x);
    } else {
        // Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, then a degree-6 polynomial for e^r and
        // 2^n built in the exponent bits. n ≥ −126 keeps 2^n a normal float.
        x = x < -87.0f ? -87.0f : x;
        // n = round(x / ln2) by the 1.5·2²³ trick (plain adds: std::floor would not vectorise).
        constexpr float round_magic = 12582912.0f;
        const float n = (x * 1.44269504088896341f + round_magic) - round_magic;
        const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
        float p = 1.38888889e-3f;  // 1/720
        p = p * r + 8.33333333e-3f;
        p = p * r + 4.16666667e-2f;
        p = p * r + 1.66666667e-1f;
        p = p * r + 0.5f;
        p = p * r + 1.0f;
        p = p * r + 1.0f;
        // bit_cast, not memcpy: GCC vectorises the former and not the latter.
        return p * std::bit_cast<float>((std::int32_t(n) + 127) << 23);
    }
#endif
}

/// log(1 + e) for e ∈ [0, 1], accurate for tiny e (no cancellation: log1p(e) = 2·atanh(e / (2 + e))).
template <class S>
[[nodiscard]] MVAE_HOST_DEVICE MVAE_FORCE_INLINE S log1p_unit(S e) noexcept {
#if defined(__CUDA_ARCH__)
    return std::log1p(e);
#else
    if constexpr (!std::is_same_v<S, float>) {
        return std::log1p(e);
    } else {
        // s ∈ [0, 1/3]; 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …): terms to s¹⁷ leave < 2e-9 relative.
        const float s = e / (2.0f + e);
        const float s2 = s * s;
        float p = 1.0f / 17.0f;
        p = p * s2 + 1.0f / 15.0f;
        p = p * s2 + 1.0f / 13.0f;
        p = p * s2 + 1.0f / 11.0f;
        p = p * s2 + 1.0f / 9.0f;
        p = p * s2 + 1.0f / 7.0f;
        p = p * s2 + 1.0f / 5.0f;
        p = p * s2 + 1.0f / 3.0f;
        p = p * s2 + 1.0f;
        return 2.0f * s * p;
    }
#endif
}

/// tanh(x) for any x: an odd Taylor polynomial below |x| = 0.4 (where 1 − e^{−2|x|} would cancel),
/// (1 − e) / (1 + e) with e = e^{−2|x|} above; a few float ulps everywhere.
template <class S>
[[nodiscard]] MVAE_HOST_DEVICE MVAE_FORCE_INLINE S tanh(S x) noexcept {
#if defined(__CUDA_ARCH__)
    return std::tanh(x);
#else
    if constexpr (!std::is_same_v<S, float>) {
        return std::tanh(x);
    } else {
        const float a = x < 0.0f ? -x : x;
        const float e = exp_nonpositive(-2.0f * a);
        const float large = (1.0f - e) / (1.0f + e);
        const float x2 = x * x;
        // tanh x = x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925 + 21844x¹³/6081075 − …
        float p = 21844.0f / 6081075.0f;
        p = p * x2 - 1382.0f / 155925.0f;
        p = p * x2 + 62.0f / 2835.0f;
        p = p * x2 - 17.0f / 315.0f;
        p = p * x2 + 2.0f / 15.0f;
        p = p * x2 - 1.0f / 3.0f;
        const float small = x + x * x2 * p;
        const float signed_large = x < 0.0f ? -large : large;
        return a < 0.4f ? small : signed_large;
    }
#endif
}

}  // namespace mvae::fast
