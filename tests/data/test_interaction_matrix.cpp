// Tests of InteractionMatrix: CSR and CSC agree, rows and columns are sorted, duplicates are
// merged and counted, and bad shapes or pairs are rejected.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <span>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/interaction_matrix.hpp"

using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;

namespace {

std::vector<index_t> to_vector(std::span<const index_t> s) { return {s.begin(), s.end()}; }

// Checks every structural invariant of m against a brute-force reading of its rows.
void check_invariants(const InteractionMatrix& m) {
    REQUIRE(m.user_offsets().size() == std::size_t(m.n_users()) + 1);
    REQUIRE(m.item_offsets().size() == std::size_t(m.n_items()) + 1);
    REQUIRE(m.user_offsets().front() == 0);
    REQUIRE(m.user_offsets().back() == m.nnz());
    REQUIRE(m.item_offsets().back() == m.nnz());
    mvae::offset_t count_sum = 0;
    for (index_t u = 0; u < m.n_users(); ++u) {
        const auto items = m.items_of(u);
        REQUIRE(std::adjacent_find(items.begin(), items.end(), std::greater_equal<>()) == items.end());
        for (std::size_t k = 0; k < items.size(); ++k) {
            REQUIRE(m.item_counts_of(u)[k] >= 1);
            count_sum += m.item_counts_of(u)[k];
            // The same entry, with the same count, is in the item's column.
            const auto users = m.users_of(items[k]);
            const auto it = std::lower_bound(users.begin(), users.end(), u);
            REQUIRE(it != users.end());
            REQUIRE(*it == u);
            REQUIRE(m.item_counts()[std::size_t(m.item_offsets()[std::size_t(items[k])] + (it - users.begin()))] ==
                    m.item_counts_of(u)[k]);
        }
    }
    REQUIRE(count_sum == m.total_count());
    for (index_t i = 0; i < m.n_items(); ++i) {
        const auto users = m.users_of(i);
        REQUIRE(std::adjacent_find(users.begin(), users.end(), std::greater_equal<>()) == users.end());
        for (index_t u : users) REQUIRE(m.contains(u, i));
    }
}

}  // namespace

TEST_CASE("InteractionMatrix merges duplicates, sorts rows and columns, and counts", "[data][interaction_matrix]") {
    // 3 users x 4 items; (0,2) occurs three times, (2,1) twice; rows are given out of order.
    const std::vector<Interaction> pairs{{2, 3}, {0, 2}, {0, 0}, {2, 1}, {0, 2}, {1, 2}, {2, 1}, {0, 2}};
    const InteractionMatrix m(3, 4, pairs);
    check_invariants(m);

    REQUIRE(m.n_users() == 3);
    REQUIRE(m.n_items() == 4);
    REQUIRE(m.nnz() == 5);
    REQUIRE(m.total_count() == 8);
    REQUIRE(m.density() == Approx(5.0 / 12.0));

    REQUIRE(to_vector(m.items_of(0)) == std::vector<index_t>{0, 2});
    REQUIRE(to_vector(m.item_counts_of(0)) == std::vector<index_t>{1, 3});
    REQUIRE(to_vector(m.items_of(1)) == std::vector<index_t>{2});
    REQUIRE(to_vector(m.items_of(2)) == std::vector<index_t>{1, 3});
    REQUIRE(to_vector(m.item_counts_of(2)) == std::vector<index_t>{2, 1});

    REQUIRE(to_vector(m.users_of(0)) == std::vector<index_t>{0});
    REQUIRE(to_vector(m.users_of(1)) == std::vector<index_t>{2});
    REQUIRE(to_vector(m.users_of(2)) == std::vector<index_t>{0, 1});
    REQUIRE(to_vector(m.users_of(3)) == std::vector<index_t>{2});
    REQUIRE(m.item_degree(2) == 2);
    REQUIRE(m.user_degree(2) == 2);
    REQUIRE(to_vector(m.item_counts()) == std::vector<index_t>{1, 2, 3, 1, 1});  // column order

    REQUIRE(m.contains(0, 2));
    REQUIRE(m.contains(2, 3));
    REQUIRE_FALSE(m.contains(0, 1));
    REQUIRE_FALSE(m.contains(1, 3));
    REQUIRE_FALSE(m.contains(-1, 0));
    REQUIRE_FALSE(m.contains(3, 0));

    REQUIRE(m.pairs() == std::vector<Interaction>{{0, 0}, {0, 2}, {1, 2}, {2, 1}, {2, 3}});
}

TEST_CASE("InteractionMatrix::transposed swaps users and items", "[data][interaction_matrix]") {
    const std::vector<Interaction> pairs{{0, 1}, {0, 1}, {1, 0}, {1, 2}, {3, 2}};
    const InteractionMatrix m(4, 3, pairs);
    const InteractionMatrix t = m.transposed();
    check_invariants(t);
    REQUIRE(t.n_users() == 3);
    REQUIRE(t.n_items() == 4);
    REQUIRE(t.nnz() == 4);
    REQUIRE(t.total_count() == 5);
    REQUIRE(t.pairs() == std::vector<Interaction>{{0, 1}, {1, 0}, {2, 1}, {2, 3}});
    REQUIRE(to_vector(t.item_counts_of(1)) == std::vector<index_t>{2});
    for (index_t u = 0; u < 4; ++u)
        for (index_t i = 0; i < 3; ++i) REQUIRE(m.contains(u, i) == t.contains(i, u));
    REQUIRE(t.transposed().pairs() == m.pairs());
}

TEST_CASE("InteractionMatrix handles empty shapes and empty rows", "[data][interaction_matrix]") {
    SECTION("default is 0 x 0") {
        const InteractionMatrix m;
        REQUIRE(m.n_users() == 0);
        REQUIRE(m.n_items() == 0);
        REQUIRE(m.nnz() == 0);
        REQUIRE(m.density() == 0.0);
        REQUIRE(m.user_offsets().size() == 1);
        REQUIRE(m.item_offsets().size() == 1);
        REQUIRE(m.transposed().nnz() == 0);
    }
    SECTION("a shape without pairs") {
        const InteractionMatrix m(3, 5, {});
        check_invariants(m);
        REQUIRE(m.nnz() == 0);
        REQUIRE(m.total_count() == 0);
        REQUIRE(m.user_degree(2) == 0);
        REQUIRE(m.item_degree(4) == 0);
        REQUIRE(m.items_of(1).empty());
    }
    SECTION("zero users, some items") {
        const InteractionMatrix m(0, 4, {});
        REQUIRE(m.item_offsets().size() == 5);
        REQUIRE(m.item_degree(3) == 0);
    }
    SECTION("empty rows and columns between full ones") {
        const std::vector<Interaction> pairs{{0, 4}, {3, 0}};
        const InteractionMatrix m(5, 5, pairs);
        check_invariants(m);
        REQUIRE(m.user_degree(1) == 0);
        REQUIRE(m.user_degree(4) == 0);
        REQUIRE(m.item_degree(2) == 0);
        REQUIRE(to_vector(m.users_of(4)) == std::vector<index_t>{0});
    }
}

TEST_CASE("InteractionMatrix rejects pairs outside the shape and negative shapes", "[data][interaction_matrix]") {
    const std::vector<Interaction> too_far_item{{0, 0}, {1, 3}};
    REQUIRE_THROWS_AS(InteractionMatrix(2, 3, too_far_item), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(InteractionMatrix(2, 3, too_far_item), Catch::Contains("pair 1") && Catch::Contains("item 3"));
    const std::vector<Interaction> too_far_user{{2, 0}};
    REQUIRE_THROWS_AS(InteractionMatrix(2, 3, too_far_user), mvae::ArgumentError);
    const std::vector<Interaction> negative{{0, -1}};
    REQUIRE_THROWS_AS(InteractionMatrix(2, 3, negative), mvae::ArgumentError);
    REQUIRE_THROWS_AS(InteractionMatrix(-1, 3, {}), mvae::ArgumentError);
}
