// Tests of mvae/io/checksum.hpp: CRC-64/XZ known answers, agreement with a bit-by-bit reference
// written from the definition, and independence from how the input is split.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "mvae/io/checksum.hpp"

using mvae::Crc64;

namespace {

/// CRC-64/XZ straight from its definition, one bit at a time: the register starts all ones, each
/// input byte is XORed into its low byte, then eight times the register shifts right and, when
/// the bit shifted out was 1, is XORed with the bit-reflected ECMA-182 polynomial
/// (0x42F0E1EBA9EA3693 reversed = 0xC96C5795D7870F42); the result is the register inverted.
std::uint64_t reference_crc(const unsigned char* p, std::size_t n) {
    std::uint64_t reg = ~std::uint64_t{0};
    for (std::size_t i = 0; i < n; ++i) {
        reg ^= p[i];
        for (int bit = 0; bit < 8; ++bit) reg = (reg & 1u) ? (reg >> 1) ^ 0xC96C5795D7870F42ull : reg >> 1;
    }
    return ~reg;
}

/// Bytes that are not all alike: (i * 31 + 7) mod 256.
std::vector<unsigned char> pattern(std::size_t n) {
    std::vector<unsigned char> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<unsigned char>((i * 31 + 7) % 256);
    return v;
}

}  // namespace

TEST_CASE("Crc64 gives the standard CRC-64/XZ check value", "[io][checksum]") {
    // The catalogue check value of CRC-64/XZ: the CRC of the nine ASCII bytes "123456789".
    REQUIRE(Crc64::of("123456789") == 0x995DC9BBDF1939FAull);
    REQUIRE(Crc64::check_value == 0x995DC9BBDF1939FAull);
    // No input: the all-ones register inverted.
    REQUIRE(Crc64::of(std::string_view{}) == 0);
    REQUIRE(Crc64{}.value() == 0);
}

TEST_CASE("Crc64 agrees with xz on independent vectors", "[io][checksum]") {
    // Each value was read from `xz -lvv` (column CheckVal) after `printf '%s' TEXT | xz --check=crc64`,
    // an implementation independent of this one.
    REQUIRE(Crc64::of("a") == 0x330284772E652B05ull);
    REQUIRE(Crc64::of("The quick brown fox jumps over the lazy dog") == 0x5B5EB8C2E54AA1C4ull);
    // 1000 bytes (i * 31 + 7) mod 256: long enough for 125 eight-byte steps of the sliced loop.
    const auto bytes = pattern(1000);
    REQUIRE(Crc64{}.update(bytes.data(), bytes.size()).value() == 0x5E9723037B38C574ull);
}

TEST_CASE("Crc64 matches the bitwise definition at every length and alignment", "[io][checksum]") {
    const auto bytes = pattern(80);
    REQUIRE(bytes[1] != bytes[0]);
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t n = 0; offset + n <= bytes.size(); ++n) {
            INFO("offset " << offset << ", length " << n);
            REQUIRE(Crc64{}.update(bytes.data() + offset, n).value() == reference_crc(bytes.data() + offset, n));
        }
    }
}

TEST_CASE("Crc64 does not depend on how the input is split", "[io][checksum]") {
    const auto bytes = pattern(100);
    const std::uint64_t whole = Crc64{}.update(bytes.data(), bytes.size()).value();
    REQUIRE(whole == reference_crc(bytes.data(), bytes.size()));

    SECTION("two pieces, split anywhere") {
        for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
            Crc64 crc;
            crc.update(bytes.data(), cut);
            const std::uint64_t partial = crc.value();  // reading the value must not disturb the state
            REQUIRE(partial == reference_crc(bytes.data(), cut));
            crc.update(bytes.data() + cut, bytes.size() - cut);
            REQUIRE(crc.value() == whole);
        }
    }
    SECTION("pieces of every size from 1 to 17") {
        for (std::size_t piece = 1; piece <= 17; ++piece) {
            Crc64 crc;
            for (std::size_t at = 0; at < bytes.size(); at += piece)
                crc.update(std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()) + at,
                                                      std::min(piece, bytes.size() - at)));
            REQUIRE(crc.value() == whole);
        }
    }
    SECTION("reset starts over") {
        Crc64 crc;
        crc.update("garbage");
        crc.reset();
        crc.update("123456789");
        REQUIRE(crc.value() == Crc64::check_value);
    }
}

TEST_CASE("Crc64 changes for every single-bit error and every corrupted byte", "[io][checksum]") {
    // The guarantee the model files rely on: a degree-64 CRC detects every burst of up to 64 bits.
    auto bytes = pattern(64);
    const std::uint64_t clean = reference_crc(bytes.data(), bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            bytes[i] ^= static_cast<unsigned char>(1u << bit);
            REQUIRE(Crc64{}.update(bytes.data(), bytes.size()).value() != clean);
            bytes[i] ^= static_cast<unsigned char>(1u << bit);
        }
        bytes[i] ^= 0xFF;
        REQUIRE(Crc64{}.update(bytes.data(), bytes.size()).value() != clean);
        bytes[i] ^= 0xFF;
    }
    REQUIRE(Crc64{}.update(bytes.data(), bytes.size()).value() == clean);
}
