// Tests on the shared data in MVAE_SHARED_DATA_DIR: the loaders reproduce the statistics recorded
// in each data set's README.md (yelp: complete JCA split; ml-1m and pinterest: train.csv is
// missing, so only their vali/test files are checked; coat: the dense train/test rating matrices).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/coat.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/jca_split.hpp"

namespace fs = std::filesystem;
using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;

namespace {

const fs::path data_dir = MVAE_SHARED_DATA_DIR;

// Distinct (user, item) pairs present in both matrices (same shape).
std::int64_t common_pairs(const InteractionMatrix& a, const InteractionMatrix& b) {
    std::int64_t n = 0;
    for (index_t u = 0; u < a.n_users(); ++u)
        for (index_t i : a.items_of(u)) n += b.contains(u, i) ? 1 : 0;
    return n;
}

index_t users_with_items(const InteractionMatrix& m) {
    index_t n = 0;
    for (index_t u = 0; u < m.n_users(); ++u) n += m.user_degree(u) > 0 ? 1 : 0;
    return n;
}

index_t items_with_users(const InteractionMatrix& m) {
    index_t n = 0;
    for (index_t i = 0; i < m.n_items(); ++i) n += m.item_degree(i) > 0 ? 1 : 0;
    return n;
}

index_t max_user(const std::vector<Interaction>& pairs) {
    index_t n = 0;
    for (const auto& p : pairs) n = std::max(n, p.user);
    return n + 1;  // 1-based id
}

index_t max_item(const std::vector<Interaction>& pairs) {
    index_t n = 0;
    for (const auto& p : pairs) n = std::max(n, p.item);
    return n + 1;
}

}  // namespace

TEST_CASE("yelp: load_jca_split reproduces the README statistics", "[shared][yelp]") {
    const mvae::SplitData s = mvae::load_jca_split(data_dir / "yelp");
    REQUIRE(s.n_users() == 12704);
    REQUIRE(s.n_items() == 9244);

    REQUIRE(s.train.total_count() == 262339);  // rows
    REQUIRE(s.train.nnz() == 252151);          // unique pairs
    REQUIRE(s.validation.total_count() == 22636);
    REQUIRE(s.validation.nnz() == 22569);
    REQUIRE(s.test.total_count() == 55975);
    REQUIRE(s.test.nnz() == 55443);

    REQUIRE(users_with_items(s.train) == 12704);
    REQUIRE(users_with_items(s.validation) == 12704);
    REQUIRE(users_with_items(s.test) == 12704);
    REQUIRE(items_with_users(s.train) == 9244);
    REQUIRE(items_with_users(s.validation) == 7067);
    REQUIRE(items_with_users(s.test) == 8869);

    // vali ⊂ train: every validation pair is a training pair.
    REQUIRE(common_pairs(s.validation, s.train) == 22569);
    REQUIRE(common_pairs(s.train, s.test) == 4109);
    REQUIRE(common_pairs(s.validation, s.test) == 481);
    // Union of all splits = train + test − overlap (vali adds nothing new).
    REQUIRE(s.train.nnz() + s.test.nnz() - common_pairs(s.train, s.test) == 303485);

    // The same shape given explicitly loads; one less item is an out-of-range error.
    mvae::JcaSplitOptions options;
    options.n_users = 12704;
    options.n_items = 9243;
    REQUIRE_THROWS_AS(mvae::load_jca_split(data_dir / "yelp", options), mvae::ParseError);
    REQUIRE_THROWS_WITH(mvae::load_jca_split(data_dir / "yelp", options),
                        Catch::Contains("train.csv:") && Catch::Contains("id out of range"));
}

TEST_CASE("ml-1m: train.csv is missing, vali.csv and test.csv match the README", "[shared][ml-1m]") {
    const fs::path dir = data_dir / "ml-1m";
    REQUIRE_THROWS_AS(mvae::load_jca_split(dir), mvae::IoError);
    REQUIRE_THROWS_WITH(mvae::load_jca_split(dir), Catch::Contains("train.csv"));

    const auto vali = mvae::read_jca_csv(dir / "vali.csv");
    const auto test = mvae::read_jca_csv(dir / "test.csv");
    REQUIRE(vali.size() == 43264);
    REQUIRE(test.size() == 111179);
    REQUIRE(max_user(vali) == 6027);
    REQUIRE(max_user(test) == 6027);
    REQUIRE(max_item(vali) == 3062);
    REQUIRE(max_item(test) == 3062);

    const InteractionMatrix v = mvae::load_jca_csv(dir / "vali.csv", 6027, 3062);
    const InteractionMatrix t = mvae::load_jca_csv(dir / "test.csv", 6027, 3062);
    REQUIRE(v.nnz() == 43264);  // no duplicate rows
    REQUIRE(t.nnz() == 111179);
    REQUIRE(users_with_items(v) == 6027);
    REQUIRE(users_with_items(t) == 6027);
    REQUIRE(items_with_users(v) == 2730);
    REQUIRE(items_with_users(t) == 2981);
    REQUIRE(common_pairs(v, t) == 0);
}

TEST_CASE("pinterest: test.csv matches the README", "[shared][pinterest]") {
    const fs::path dir = data_dir / "pinterest";
    REQUIRE_THROWS_WITH(mvae::load_jca_split(dir), Catch::Contains("train.csv"));
    const auto rows = mvae::read_jca_csv(dir / "test.csv");
    REQUIRE(rows.size() == 280705);
    REQUIRE(max_user(rows) == 55187);
    REQUIRE(max_item(rows) == 9909);
    const InteractionMatrix t = mvae::load_jca_csv(dir / "test.csv", 0, 0);
    REQUIRE(t.n_users() == 55187);
    REQUIRE(t.n_items() == 9909);
    REQUIRE(t.total_count() == 280705);
    REQUIRE(t.nnz() == 278533);
    REQUIRE(users_with_items(t) == 55187);
    REQUIRE(items_with_users(t) == 9542);
}

TEST_CASE("coat: train.ascii and test.ascii match the README", "[shared][coat]") {
    const mvae::CoatData d = mvae::load_coat(data_dir / "coat");
    REQUIRE(d.n_users == 290);
    REQUIRE(d.n_items == 300);
    for (const InteractionMatrix* m : {&d.train, &d.test_candidates, &d.test_positives}) {
        REQUIRE(m->n_users() == 290);
        REQUIRE(m->n_items() == 300);
    }

    // Nonzero ratings, and their distribution over 1..5.
    REQUIRE(d.train_ratings.n_rated() == 6960);
    REQUIRE(d.test_ratings.n_rated() == 4640);
    REQUIRE(d.test_candidates.nnz() == 4640);
    const std::vector<std::int64_t> train_by_rating{1901, 1437, 1717, 1275, 630};
    const std::vector<std::int64_t> test_by_rating{1879, 899, 1002, 641, 219};
    for (int r = 1; r <= 5; ++r) {
        REQUIRE(d.train_ratings.count(r) == train_by_rating[std::size_t(r - 1)]);
        REQUIRE(d.test_ratings.count(r) == test_by_rating[std::size_t(r - 1)]);
    }

    // Every user rated exactly 24 self-selected and 16 random coats.
    const InteractionMatrix train_rated = d.train_ratings.at_least(1);
    for (index_t u = 0; u < d.n_users; ++u) {
        REQUIRE(train_rated.user_degree(u) == 24);
        REQUIRE(d.test_candidates.user_degree(u) == 16);
    }
    REQUIRE(items_with_users(train_rated) == 300);
    REQUIRE(items_with_users(d.test_candidates) == 300);
    index_t train_min = d.n_users;
    index_t train_max = 0;
    index_t test_min = d.n_users;
    index_t test_max = 0;
    for (index_t i = 0; i < d.n_items; ++i) {
        train_min = std::min(train_min, train_rated.item_degree(i));
        train_max = std::max(train_max, train_rated.item_degree(i));
        test_min = std::min(test_min, d.test_candidates.item_degree(i));
        test_max = std::max(test_max, d.test_candidates.item_degree(i));
    }
    REQUIRE(train_min == 5);
    REQUIRE(train_max == 88);
    REQUIRE(test_min == 5);
    REQUIRE(test_max == 29);

    // Positives (rating >= 4).
    REQUIRE(d.min_rating == 4);
    REQUIRE(d.train.nnz() == 1905);
    REQUIRE(d.test_positives.nnz() == 860);
    REQUIRE(users_with_items(d.train) == 290);
    REQUIRE(users_with_items(d.test_positives) == 237);  // the protocol skips the other 53 users
    REQUIRE(common_pairs(d.test_positives, d.test_candidates) == 860);

    // 366 pairs (216 users) are rated in both splits, always with the same rating; they stay candidates.
    REQUIRE(d.overlap == 366);
    REQUIRE(common_pairs(train_rated, d.test_candidates) == 366);
    index_t overlap_users = 0;
    for (index_t u = 0; u < d.n_users; ++u) {
        bool any = false;
        for (index_t i : train_rated.items_of(u)) {
            if (!d.test_candidates.contains(u, i)) continue;
            any = true;
            REQUIRE(d.train_ratings.rating(u, i) == d.test_ratings.rating(u, i));
        }
        overlap_users += any ? 1 : 0;
    }
    REQUIRE(overlap_users == 216);
}
