// Tests of kcore_filter: cascading removals reach the fixed point, thresholds 0 and 1, renumbering,
// counts, and the labelled overload.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/kcore.hpp"
#include "mvae/data/labeled_interactions.hpp"
#include "mvae/random/random_stream.hpp"

using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;

namespace {

// Reference: repeat "drop every user, then every item, below its threshold" until nothing changes.
// Returns the surviving (old) user and item indices.
std::pair<std::vector<index_t>, std::vector<index_t>> naive_kcore(const InteractionMatrix& m, index_t ku,
                                                                  index_t ki) {
    std::vector<char> user_alive(std::size_t(m.n_users()), 1);
    std::vector<char> item_alive(std::size_t(m.n_items()), 1);
    bool changed = true;
    while (changed) {
        changed = false;
        for (index_t u = 0; u < m.n_users(); ++u) {
            if (!user_alive[std::size_t(u)]) continue;
            index_t d = 0;
            for (index_t i : m.items_of(u)) d += item_alive[std::size_t(i)] ? 1 : 0;
            if (d < ku) user_alive[std::size_t(u)] = 0, changed = true;
        }
        for (index_t i = 0; i < m.n_items(); ++i) {
            if (!item_alive[std::size_t(i)]) continue;
            index_t d = 0;
            for (index_t u : m.users_of(i)) d += user_alive[std::size_t(u)] ? 1 : 0;
            if (d < ki) item_alive[std::size_t(i)] = 0, changed = true;
        }
    }
    std::pair<std::vector<index_t>, std::vector<index_t>> kept;
    for (index_t u = 0; u < m.n_users(); ++u)
        if (user_alive[std::size_t(u)]) kept.first.push_back(u);
    for (index_t i = 0; i < m.n_items(); ++i)
        if (item_alive[std::size_t(i)]) kept.second.push_back(i);
    return kept;
}

// The result is a k-core: every kept user and item meets its threshold, and the matrix holds
// exactly the input's pairs between kept users and items, with their counts.
void check_result(const InteractionMatrix& m, const mvae::KCoreResult& r, index_t ku, index_t ki) {
    REQUIRE(r.matrix.n_users() == index_t(r.kept_users.size()));
    REQUIRE(r.matrix.n_items() == index_t(r.kept_items.size()));
    REQUIRE(std::is_sorted(r.kept_users.begin(), r.kept_users.end()));
    REQUIRE(std::is_sorted(r.kept_items.begin(), r.kept_items.end()));
    for (index_t u = 0; u < r.matrix.n_users(); ++u) REQUIRE(r.matrix.user_degree(u) >= ku);
    for (index_t i = 0; i < r.matrix.n_items(); ++i) REQUIRE(r.matrix.item_degree(i) >= ki);
    mvae::offset_t kept_count = 0;
    for (std::size_t nu = 0; nu < r.kept_users.size(); ++nu) {
        for (std::size_t ni = 0; ni < r.kept_items.size(); ++ni) {
            const bool in_input = m.contains(r.kept_users[nu], r.kept_items[ni]);
            REQUIRE(r.matrix.contains(index_t(nu), index_t(ni)) == in_input);
        }
        const auto old_items = m.items_of(r.kept_users[nu]);
        const auto old_counts = m.item_counts_of(r.kept_users[nu]);
        for (std::size_t k = 0; k < old_items.size(); ++k)
            if (std::binary_search(r.kept_items.begin(), r.kept_items.end(), old_items[k])) kept_count += old_counts[k];
    }
    REQUIRE(r.matrix.total_count() == kept_count);
}

}  // namespace

TEST_CASE("kcore_filter follows a cascade of removals to the fixed point", "[data][kcore]") {
    // A chain u0-i1-u1-i2-u2-i3-u3 hanging off item 0, plus a 2x2 block of users 4,5 x items 4,5
    // that u1 also touches through item 4.
    const std::vector<Interaction> pairs{{0, 0}, {0, 1}, {1, 1}, {1, 2}, {1, 4}, {2, 2}, {2, 3},
                                         {3, 3}, {4, 4}, {4, 5}, {5, 4}, {5, 5}};
    const InteractionMatrix m(6, 6, pairs);
    // One pass (users, then items) would only drop u3, i0 and i3; the chain then unravels:
    // u0 (left with i1) → i1 → u1 (left with i4) → i2 → u2, leaving the 2x2 block.
    const auto r = mvae::kcore_filter(m, 2, 2);
    check_result(m, r, 2, 2);
    REQUIRE(r.kept_users == std::vector<index_t>{4, 5});
    REQUIRE(r.kept_items == std::vector<index_t>{4, 5});
    REQUIRE(r.matrix.pairs() == std::vector<Interaction>{{0, 0}, {0, 1}, {1, 0}, {1, 1}});

    // Users need 3 items, items 1 user: only u1 (items 1, 2, 4) has 3; items without u1 go.
    const auto r31 = mvae::kcore_filter(m, 3, 1);
    check_result(m, r31, 3, 1);
    REQUIRE(r31.kept_users == std::vector<index_t>{1});
    REQUIRE(r31.kept_items == std::vector<index_t>{1, 2, 4});
    REQUIRE(r31.matrix.pairs() == std::vector<Interaction>{{0, 0}, {0, 1}, {0, 2}});

    // Both need 3: i1 (users 0, 1) goes, so u1 falls to 2 and goes, and everything follows.
    const auto none = mvae::kcore_filter(m, 3, 3);
    REQUIRE(none.kept_users.empty());
    REQUIRE(none.kept_items.empty());
    REQUIRE(none.matrix.n_users() == 0);
    REQUIRE(none.matrix.nnz() == 0);
}

TEST_CASE("kcore_filter with different user and item thresholds", "[data][kcore]") {
    // Users need 2 items, items need 1 user: only users with a single item go (u2), and item 3,
    // which only u2 had, goes with it; nothing else cascades.
    const std::vector<Interaction> pairs{{0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 3}, {3, 0}, {3, 2}};
    const InteractionMatrix m(4, 4, pairs);
    const auto r = mvae::kcore_filter(m, 2, 1);
    check_result(m, r, 2, 1);
    REQUIRE(r.kept_users == std::vector<index_t>{0, 1, 3});
    REQUIRE(r.kept_items == std::vector<index_t>{0, 1, 2});
    REQUIRE(r.matrix.pairs() == std::vector<Interaction>{{0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 0}, {2, 2}});
    // Items need 2 users instead: item 3 (1 user) goes, then u2 (0 items); items 0,1,2 have 2 each.
    const auto r2 = mvae::kcore_filter(m, 1, 2);
    REQUIRE(r2.kept_users == std::vector<index_t>{0, 1, 3});
    REQUIRE(r2.kept_items == std::vector<index_t>{0, 1, 2});
}

TEST_CASE("kcore_filter with thresholds 0 and 1", "[data][kcore]") {
    // 4 users x 5 items; user 2 and items 1, 4 have no interactions; (0,3) occurs twice.
    const std::vector<Interaction> pairs{{0, 3}, {0, 3}, {1, 0}, {3, 2}, {3, 3}};
    const InteractionMatrix m(4, 5, pairs);
    SECTION("0 keeps everything, empty rows and columns included") {
        const auto r = mvae::kcore_filter(m, 0, 0);
        check_result(m, r, 0, 0);
        REQUIRE(r.kept_users == std::vector<index_t>{0, 1, 2, 3});
        REQUIRE(r.kept_items == std::vector<index_t>{0, 1, 2, 3, 4});
        REQUIRE(r.matrix.pairs() == m.pairs());
        REQUIRE(r.matrix.total_count() == 5);
    }
    SECTION("1 drops exactly the empty rows and columns, renumbering the rest in order") {
        const auto r = mvae::kcore_filter(m, 1, 1);
        check_result(m, r, 1, 1);
        REQUIRE(r.kept_users == std::vector<index_t>{0, 1, 3});
        REQUIRE(r.kept_items == std::vector<index_t>{0, 2, 3});
        REQUIRE(r.matrix.pairs() == std::vector<Interaction>{{0, 2}, {1, 0}, {2, 1}, {2, 2}});
        REQUIRE(r.matrix.total_count() == 5);  // the duplicate keeps its count
        REQUIRE(r.matrix.item_counts_of(0)[0] == 2);
    }
    SECTION("an empty matrix") {
        const auto r = mvae::kcore_filter(InteractionMatrix(), 2, 2);
        REQUIRE(r.matrix.n_users() == 0);
        REQUIRE(r.kept_users.empty());
    }
}

TEST_CASE("kcore_filter agrees with a naive fixed-point loop on random matrices", "[data][kcore]") {
    const mvae::RandomStream stream(7, mvae::stream_id(0xC0DE));
    std::uint64_t k = 0;
    for (int trial = 0; trial < 20; ++trial) {
        const index_t n_users = 5 + index_t(stream.below(k++, 30));
        const index_t n_items = 5 + index_t(stream.below(k++, 30));
        const auto n_pairs = 10 + stream.below(k++, 150);
        std::vector<Interaction> pairs;
        for (std::uint32_t p = 0; p < n_pairs; ++p)
            pairs.push_back({index_t(stream.below(k++, std::uint32_t(n_users))),
                             index_t(stream.below(k++, std::uint32_t(n_items)))});
        const InteractionMatrix m(n_users, n_items, pairs);
        const index_t ku = index_t(stream.below(k++, 5));
        const index_t ki = index_t(stream.below(k++, 5));
        INFO("trial " << trial << " thresholds " << ku << ", " << ki);
        const auto r = mvae::kcore_filter(m, ku, ki);
        check_result(m, r, ku, ki);
        const auto [users, items] = naive_kcore(m, ku, ki);
        REQUIRE(r.kept_users == users);
        REQUIRE(r.kept_items == items);
    }
}

TEST_CASE("kcore_filter on labelled data keeps the id maps in step", "[data][kcore]") {
    mvae::LabeledInteractions data;
    for (const char* u : {"ann", "bob", "cat"}) data.users.insert(u);
    for (const char* i : {"x", "y", "z"}) data.items.insert(i);
    // bob has one item; without him, item z has no user.
    data.matrix = InteractionMatrix(3, 3, std::vector<Interaction>{{0, 0}, {0, 1}, {1, 2}, {2, 0}, {2, 1}});
    const auto r = mvae::kcore_filter(data, 2, 1);
    REQUIRE(std::vector<std::string>(r.users.ids().begin(), r.users.ids().end()) ==
            std::vector<std::string>{"ann", "cat"});
    REQUIRE(std::vector<std::string>(r.items.ids().begin(), r.items.ids().end()) ==
            std::vector<std::string>{"x", "y"});
    REQUIRE(r.matrix.pairs() == std::vector<Interaction>{{0, 0}, {0, 1}, {1, 0}, {1, 1}});
    REQUIRE(r.users.index_of("cat") == 1);

    mvae::LabeledInteractions broken = data;
    broken.users.insert("dan");
    REQUIRE_THROWS_AS(mvae::kcore_filter(broken, 1, 1), mvae::ArgumentError);
}

TEST_CASE("kcore_filter rejects negative thresholds", "[data][kcore]") {
    const InteractionMatrix m(2, 2, std::vector<Interaction>{{0, 0}});
    REQUIRE_THROWS_AS(mvae::kcore_filter(m, -1, 0), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(mvae::kcore_filter(m, 0, -3), Catch::Contains("min_item_degree") && Catch::Contains("-3"));
}
