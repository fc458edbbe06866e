// mvae/core/bits.hpp — bit operations shared by host loops and device kernels.
#pragma once

#include <bit>
#include <cstdint>

#include "mvae/core/macros.hpp"

namespace mvae {

/// The index of the lowest set bit of a non-zero word.
[[nodiscard]] MVAE_HOST_DEVICE inline int lowest_set_bit(std::uint64_t word) noexcept {
#if defined(__CUDA_ARCH__)
    return __ffsll(static_cast<long long>(word)) - 1;
#else
    return std::countr_zero(word);
#endif
}

}  // namespace mvae
