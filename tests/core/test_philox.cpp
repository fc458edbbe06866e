// Philox4x32-10 against the Random123 known-answer vectors, and the RandomStream built on it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "mvae/random/philox.hpp"
#include "mvae/random/random_stream.hpp"

using mvae::Philox4x32;
using mvae::Philox4x32Block;
using mvae::RandomStream;

namespace {
void require_block(const Philox4x32Block& got, std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    REQUIRE(got.v[0] == a);
    REQUIRE(got.v[1] == b);
    REQUIRE(got.v[2] == c);
    REQUIRE(got.v[3] == d);
}
}  // namespace

TEST_CASE("Philox4x32-10 reproduces the Random123 known-answer vectors", "[random][philox]") {
    require_block(Philox4x32::generate({{0, 0, 0, 0}}, 0, 0), 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u);
    require_block(Philox4x32::generate({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu),
                  0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu);
    require_block(Philox4x32::generate({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u),
                  0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u);
}

TEST_CASE("RandomStream lays its counter out as {block, stream} under the seed as key", "[random]") {
    const RandomStream s(0x299f31d0a4093822ull, 0x0370734413198a2eull);
    // Block 0x85a308d3243f6a88 of this stream is exactly the third known-answer vector above.
    const auto b = s.block(0x85a308d3243f6a88ull);
    require_block(b, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u);
    const auto small = s.block(12345);
    for (std::uint64_t lane = 0; lane < 4; ++lane) REQUIRE(s.bits(4 * 12345 + lane) == small.v[lane]);
}

TEST_CASE("uniform numbers lie strictly inside (0, 1), for float and double", "[random]") {
    REQUIRE(mvae::uniform_from_bits<float>(0u) > 0.0f);
    REQUIRE(mvae::uniform_from_bits<float>(0xffffffffu) < 1.0f);
    REQUIRE(mvae::uniform_from_bits<double>(0u) > 0.0);
    REQUIRE(mvae::uniform_from_bits<double>(0xffffffffu) < 1.0);
}

TEST_CASE("streams give the moments of their distributions", "[random]") {
    const RandomStream s(42, mvae::stream_id(7));
    constexpr int n = 200000;
    double sum_u = 0, sum_u2 = 0, sum_n = 0, sum_n2 = 0, sum_n4 = 0;
    for (int k = 0; k < n; ++k) {
        const double u = s.uniform<double>(std::uint64_t(k));
        const double z = s.normal<double>(std::uint64_t(k));
        sum_u += u;
        sum_u2 += u * u;
        sum_n += z;
        sum_n2 += z * z;
        sum_n4 += z * z * z * z;
    }
    // Tolerances are about 5 standard errors at n = 200,000.
    REQUIRE(sum_u / n == Approx(0.5).margin(0.004));
    REQUIRE(sum_u2 / n - (sum_u / n) * (sum_u / n) == Approx(1.0 / 12).margin(0.002));
    REQUIRE(sum_n / n == Approx(0.0).margin(0.012));
    REQUIRE(sum_n2 / n == Approx(1.0).margin(0.016));
    REQUIRE(sum_n4 / n == Approx(3.0).margin(0.1));
}

TEST_CASE("distinct seeds and streams give unrelated sequences", "[random]") {
    const RandomStream a(1, 0), b(2, 0), c(1, 1);
    int same_ab = 0, same_ac = 0;
    for (std::uint64_t k = 0; k < 1000; ++k) {
        same_ab += a.bits(k) == b.bits(k);
        same_ac += a.bits(k) == c.bits(k);
    }
    REQUIRE(same_ab == 0);
    REQUIRE(same_ac == 0);
    REQUIRE(mvae::stream_id(1, 2, 3) != mvae::stream_id(1, 3, 2));
    REQUIRE(mvae::stream_id(1, 0, 0) != mvae::stream_id(2, 0, 0));
}

TEST_CASE("below(k, n) is uniform over 0 .. n-1", "[random]") {
    const RandomStream s(9, 9);
    constexpr std::uint32_t n = 10;
    constexpr int draws = 100000;
    std::vector<int> counts(n, 0);
    for (int k = 0; k < draws; ++k) {
        const std::uint32_t v = s.below(std::uint64_t(k), n);
        REQUIRE(v < n);
        ++counts[v];
    }
    double chi2 = 0;
    for (int c : counts) chi2 += (c - draws / double(n)) * (c - draws / double(n)) / (draws / double(n));
    REQUIRE(chi2 < 27.88);  // chi-square, 9 degrees of freedom, p = 0.001
}
