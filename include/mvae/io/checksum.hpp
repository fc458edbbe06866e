// mvae/io/checksum.hpp — CRC-64/XZ, the integrity checksum of mvae's binary files.
//
// CRC-64/XZ (also called CRC-64/GO-ECMA) is the checksum of the .xz format: the ECMA-182
// polynomial 0x42F0E1EBA9EA3693 processed bit-reflected (0xC96C5795D7870F42), initial register
// all ones, final XOR all ones. Its standard check value, the CRC of the ASCII bytes "123456789",
// is 0x995DC9BBDF1939FA; `xz --check=crc64` computes the same function, so any file can be
// cross-checked with `xz -lvv`.
//
// A CRC rather than a hash: a CRC with a degree-64 generator provably detects every error burst
// of at most 64 bits, hence every corrupted byte and every run of up to eight corrupted bytes,
// not merely with high probability. The implementation is table-driven ("slicing by 8": eight
// 256-entry tables built at compile time, eight input bytes per step), a few GB/s on one core.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mvae {

namespace detail::crc64 {

/// The ECMA-182 generator polynomial, bit-reflected (bit i of the reflected value is the
/// coefficient of x^(63-i)); the x^64 term is implicit.
inline constexpr std::uint64_t reflected_polynomial = 0xC96C5795D7870F42ull;

using Tables = std::array<std::array<std::uint64_t, 256>, 8>;

/// tables[0][b] is the register after shifting the byte b through a zero register (eight
/// reflected polynomial-division steps). tables[k][b] is tables[0][b] pushed through k more zero
/// bytes, so that eight input bytes can be combined with eight independent look-ups.
[[nodiscard]] constexpr Tables make_tables() noexcept {
    Tables t{};
    for (std::uint64_t b = 0; b < 256; ++b) {
        std::uint64_t r = b;
        for (int bit = 0; bit < 8; ++bit) r = (r & 1u) ? (r >> 1) ^ reflected_polynomial : r >> 1;
        t[0][b] = r;
    }
    for (std::size_t k = 1; k < 8; ++k)
        for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xffu];
    return t;
}

inline constexpr Tables tables = make_tables();

/// Advances the (pre-inverted) CRC register over `size` bytes.
[[nodiscard]] inline std::uint64_t advance(std::uint64_t reg, const unsigned char* p, std::size_t size) noexcept {
    const Tables& t = tables;
    while (size >= 8) {
        // Assembled byte by byte so that the first byte is the low byte on any host; compilers
        // turn this into one load on little-endian machines.
        std::uint64_t word = 0;
        for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];
        word ^= reg;
        reg = t[7][word & 0xffu] ^ t[6][(word >> 8) & 0xffu] ^ t[5][(word >> 16) & 0xffu] ^
              t[4][(word >> 24) & 0xffu] ^ t[3][(word >> 32) & 0xffu] ^ t[2][(word >> 40) & 0xffu] ^
              t[1][(word >> 48) & 0xffu] ^ t[0][word >> 56];
        p += 8;
        size -= 8;
    }
    for (; size > 0; --size, ++p) reg = t[0][(reg ^ *p) & 0xffu] ^ (reg >> 8);
    return reg;
}

}  // namespace detail::crc64

/**
 * Incremental CRC-64/XZ: feed the bytes in any number of update() calls, read value() at any time.
 * Splitting the input differently never changes the result.
 *
 * @code
 * mvae::Crc64 crc;
 * crc.update(header_bytes).update(payload_bytes);
 * const std::uint64_t sum = crc.value();
 * @endcode
 */
class Crc64 {
public:
    /// CRC-64/XZ of "123456789", the standard check value of the algorithm.
    static constexpr std::uint64_t check_value = 0x995DC9BBDF1939FAull;

    /// Continues the checksum over `bytes`.
    Crc64& update(std::span<const std::byte> bytes) noexcept {
        return update(bytes.data(), bytes.size());
    }
    /// Continues the checksum over the `size` bytes at `data` (may be null when size is 0).
    Crc64& update(const void* data, std::size_t size) noexcept {
        if (size > 0) reg_ = detail::crc64::advance(reg_, static_cast<const unsigned char*>(data), size);
        return *this;
    }
    /// Continues the checksum over the bytes of `text` (no terminator).
    Crc64& update(std::string_view text) noexcept { return update(text.data(), text.size()); }

    /// The CRC of every byte fed so far (0 for none); the checksum can still be continued.
    [[nodiscard]] std::uint64_t value() const noexcept { return reg_ ^ ~std::uint64_t{0}; }

    /// Forgets every byte fed so far.
    void reset() noexcept { reg_ = ~std::uint64_t{0}; }

    /// The CRC-64/XZ of `bytes` in one call.
    [[nodiscard]] static std::uint64_t of(std::span<const std::byte> bytes) noexcept {
        return Crc64{}.update(bytes).value();
    }
    /// The CRC-64/XZ of the bytes of `text`.
    [[nodiscard]] static std::uint64_t of(std::string_view text) noexcept { return Crc64{}.update(text).value(); }

private:
    std::uint64_t reg_ = ~std::uint64_t{0};  // the register, kept inverted between calls
};

}  // namespace mvae
