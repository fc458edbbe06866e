// Re-sealing a fuzzed model file (tests/fuzz): the fuzz harnesses of the model-file readers run
// each input twice, as it is and "sealed": its size field and both CRC-64s rewritten to match
// its bytes. As they are, almost every mutation is stopped by the checksums (which is right, and
// worth checking); sealed, the mutations reach the structural checks behind them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mvae/io/checksum.hpp"

namespace mvae_fuzz {

inline void store_le(std::byte* p, std::uint64_t v, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) p[i] = std::byte((v >> (8 * i)) & 0xFFu);
}

/// `bytes` with the declared size (offset 12), the prefix CRC (offset 20) and the file CRC (the
/// last 8 bytes) made consistent; inputs too short to hold them are returned unchanged.
inline std::vector<std::byte> sealed_model_file(std::span<const std::byte> bytes) {
    std::vector<std::byte> out(bytes.begin(), bytes.end());
    if (out.size() < 28) return out;
    store_le(out.data() + 12, out.size(), 8);
    store_le(out.data() + 20, mvae::Crc64::of(std::span<const std::byte>(out).first(20)), 8);
    if (out.size() >= 28 + 16)
        store_le(out.data() + out.size() - 8, mvae::Crc64::of(std::span<const std::byte>(out).first(out.size() - 8)), 8);
    return out;
}

}  // namespace mvae_fuzz
