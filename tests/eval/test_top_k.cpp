// Tests of mvae/eval/top_k.hpp: the ranking rule (score descending, lower index first on ties),
// exclusions, short candidate lists, infinities, NaN, and agreement with a full sort.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "mvae/eval/top_k.hpp"
#include "mvae/random/random_stream.hpp"

using mvae::index_t;

namespace {

template <class S>
std::vector<index_t> run_top_k(const std::vector<S>& scores, const std::vector<index_t>& excluded, index_t k) {
    std::vector<index_t> out(std::size_t(std::max<index_t>(k, 0)) + 3, -7);  // room to spare, poisoned
    const index_t n = mvae::top_k(std::span<const S>(scores), std::span<const index_t>(excluded), k,
                                  std::span<index_t>(out));
    REQUIRE(n >= 0);
    REQUIRE(n <= k);
    for (std::size_t i = std::size_t(n); i < out.size(); ++i) REQUIRE(out[i] == -7);  // nothing written past n
    out.resize(std::size_t(n));
    return out;
}

// The reference: sort every candidate by (score descending, index ascending) and cut at k.
template <class S>
std::vector<index_t> brute_force(const std::vector<S>& scores, const std::vector<index_t>& excluded, index_t k) {
    std::vector<index_t> cand;
    for (index_t i = 0; i < index_t(scores.size()); ++i)
        if (!std::binary_search(excluded.begin(), excluded.end(), i)) cand.push_back(i);
    std::sort(cand.begin(), cand.end(), [&](index_t a, index_t b) {
        if (scores[std::size_t(a)] != scores[std::size_t(b)]) return scores[std::size_t(a)] > scores[std::size_t(b)];
        return a < b;
    });
    cand.resize(std::min(cand.size(), std::size_t(k)));
    return cand;
}

}  // namespace

TEST_CASE("top_k ranks by score and breaks ties by the lower index", "[eval][top_k]") {
    //                         0    1    2    3    4    5    6
    const std::vector<float> s{0.5f, 0.9f, 0.5f, 0.9f, 0.1f, 0.5f, 0.7f};
    CHECK(run_top_k(s, {}, 1) == std::vector<index_t>{1});
    CHECK(run_top_k(s, {}, 2) == std::vector<index_t>{1, 3});
    CHECK(run_top_k(s, {}, 4) == std::vector<index_t>{1, 3, 6, 0});
    CHECK(run_top_k(s, {}, 5) == std::vector<index_t>{1, 3, 6, 0, 2});
    CHECK(run_top_k(s, {}, 7) == std::vector<index_t>{1, 3, 6, 0, 2, 5, 4});

    SECTION("all scores equal: the k lowest indices, ascending") {
        const std::vector<double> flat(9, 0.25);
        CHECK(run_top_k(flat, {}, 4) == std::vector<index_t>{0, 1, 2, 3});
        CHECK(run_top_k(flat, {0, 2}, 4) == std::vector<index_t>{1, 3, 4, 5});
    }
    SECTION("a later item equal to the current worst does not displace it") {
        const std::vector<float> t{1, 2, 1, 1, 3};
        CHECK(run_top_k(t, {}, 3) == std::vector<index_t>{4, 1, 0});
    }
}

TEST_CASE("top_k skips excluded items", "[eval][top_k]") {
    const std::vector<float> s{0.5f, 0.9f, 0.5f, 0.9f, 0.1f, 0.5f, 0.7f};
    CHECK(run_top_k(s, {1, 3}, 3) == std::vector<index_t>{6, 0, 2});
    CHECK(run_top_k(s, {0, 6}, 3) == std::vector<index_t>{1, 3, 2});
    SECTION("duplicates in the exclusion list are tolerated") {
        CHECK(run_top_k(s, {1, 1, 3, 3, 3}, 3) == std::vector<index_t>{6, 0, 2});
    }
    SECTION("excluding the last item") {
        CHECK(run_top_k(s, {6}, 3) == std::vector<index_t>{1, 3, 0});
    }
    SECTION("unsorted or out-of-range exclusions are argument errors") {
        std::vector<index_t> out(3);
        const std::vector<index_t> unsorted{3, 1};
        REQUIRE_THROWS_AS(mvae::top_k(std::span<const float>(s), std::span<const index_t>(unsorted), 3,
                                      std::span<index_t>(out)),
                          mvae::ArgumentError);
        const std::vector<index_t> too_big{7};
        REQUIRE_THROWS_WITH(mvae::top_k(std::span<const float>(s), std::span<const index_t>(too_big), 3,
                                        std::span<index_t>(out)),
                            Catch::Contains("excluded item 7 is out of range"));
        const std::vector<index_t> negative{-1};
        REQUIRE_THROWS_AS(mvae::top_k(std::span<const float>(s), std::span<const index_t>(negative), 3,
                                      std::span<index_t>(out)),
                          mvae::ArgumentError);
    }
}

TEST_CASE("top_k with fewer candidates than k returns them all", "[eval][top_k]") {
    const std::vector<double> s{0.2, 0.8, 0.4, 0.6};
    CHECK(run_top_k(s, {}, 10) == std::vector<index_t>{1, 3, 2, 0});
    CHECK(run_top_k(s, {1, 2}, 10) == std::vector<index_t>{3, 0});
    CHECK(run_top_k(s, {0, 1, 2, 3}, 10).empty());
    CHECK(run_top_k(std::vector<double>{}, {}, 5).empty());
}

TEST_CASE("top_k ranks -inf last and +inf first", "[eval][top_k]") {
    constexpr float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> s{-inf, 0.0f, inf, -inf, -1e30f, inf};
    CHECK(run_top_k(s, {}, 6) == std::vector<index_t>{2, 5, 1, 4, 0, 3});
    CHECK(run_top_k(s, {1, 2, 4, 5}, 6) == std::vector<index_t>{0, 3});
    CHECK(run_top_k(s, {1, 2, 4, 5}, 1) == std::vector<index_t>{0});
}

TEST_CASE("top_k reports a NaN score naming the item", "[eval][top_k]") {
    std::vector<index_t> out(3);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    SECTION("NaN while the heap fills") {
        const std::vector<double> s{0.1, nan, 0.3, 0.4};
        REQUIRE_THROWS_AS(mvae::top_k(std::span<const double>(s), {}, 3, std::span<index_t>(out)), mvae::NumericalError);
        REQUIRE_THROWS_WITH(mvae::top_k(std::span<const double>(s), {}, 3, std::span<index_t>(out)),
                            Catch::Contains("item 1 is NaN"));
    }
    SECTION("NaN after the heap is full") {
        const std::vector<double> s{0.1, 0.2, 0.3, 0.4, 0.5, nan};
        REQUIRE_THROWS_WITH(mvae::top_k(std::span<const double>(s), {}, 2, std::span<index_t>(out)),
                            Catch::Contains("item 5 is NaN"));
    }
    SECTION("NaN far into a long row, among scores below the threshold") {
        std::vector<double> s(130, 0.0);
        s[0] = 1.0;
        s[1] = 2.0;
        s[100] = nan;
        REQUIRE_THROWS_WITH(mvae::top_k(std::span<const double>(s), {}, 2, std::span<index_t>(out)),
                            Catch::Contains("item 100 is NaN"));
        s[100] = 0.5;
        s[129] = 3.0;
        REQUIRE(mvae::top_k(std::span<const double>(s), {}, 3, std::span<index_t>(out)) == 3);
        CHECK(out[0] == 129);
        CHECK(out[1] == 1);
        CHECK(out[2] == 0);
    }
    SECTION("a NaN on an excluded item is never read") {
        const std::vector<double> s{0.1, nan, 0.3};
        const std::vector<index_t> excluded{1};
        CHECK(mvae::top_k(std::span<const double>(s), std::span<const index_t>(excluded), 3, std::span<index_t>(out)) == 2);
        CHECK(out[0] == 2);
        CHECK(out[1] == 0);
    }
}

TEST_CASE("top_k with k = 0 and invalid k", "[eval][top_k]") {
    const std::vector<float> s{0.3f, 0.1f};
    std::vector<index_t> out(2, -7);
    CHECK(mvae::top_k(std::span<const float>(s), {}, 0, std::span<index_t>(out)) == 0);
    CHECK(out[0] == -7);
    CHECK(mvae::top_k(std::span<const float>(s), {}, 0, std::span<index_t>()) == 0);
    REQUIRE_THROWS_AS(mvae::top_k(std::span<const float>(s), {}, -1, std::span<index_t>(out)), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(mvae::top_k(std::span<const float>(s), {}, 3, std::span<index_t>(out)),
                        Catch::Contains("fewer than k = 3"));
}

TEMPLATE_TEST_CASE("top_k agrees with a full sort on random rows with many ties", "[eval][top_k]", float, double) {
    using S = TestType;
    const mvae::RandomStream rng(20240611, mvae::stream_id(41, sizeof(S)));
    std::uint64_t word = 0;
    std::size_t checked_with_ties = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const index_t m = index_t(rng.below(word++, 150));  // several 32-item chunks
        const auto levels = 1 + rng.below(word++, 5);  // at most 5 distinct scores: ties everywhere
        std::vector<S> scores(static_cast<std::size_t>(m));
        for (auto& v : scores) {
            const auto r = rng.below(word++, levels + 1);
            v = r == levels ? -std::numeric_limits<S>::infinity() : S(r) / S(4);
        }
        std::vector<index_t> excluded;
        const auto exclusion_rate = rng.below(word++, 4);  // 0 %, 25 %, 50 %, 75 %
        for (index_t i = 0; i < m; ++i)
            if (rng.below(word++, 4) < exclusion_rate) excluded.push_back(i);
        const index_t k = index_t(rng.below(word++, 15));
        const auto expected = brute_force(scores, excluded, k);
        const auto actual = run_top_k(scores, excluded, k);
        INFO("trial " << trial << ", m = " << m << ", k = " << k);
        REQUIRE(actual == expected);
        if (std::size_t(k) < scores.size() && levels < std::size_t(m)) ++checked_with_ties;
    }
    REQUIRE(checked_with_ties > 100);  // the comparison exercised real tie-breaking
}
