// Tests of mvae::Popularity: scores are item degrees, recommendations skip seen items and break
// ties by the lower index, and every method refuses to run before fit.
#include <catch2/catch.hpp>

#include <vector>

#include "mvae/recommender/popularity.hpp"

namespace {

// 4 users × 5 items. Distinct users per item: 0 → 1, 1 → 3, 2 → 1, 3 → 2, 4 → 0.
// (user 2, item 1) occurs twice: it must count once.
mvae::InteractionMatrix toy_train() {
    const std::vector<mvae::Interaction> pairs = {{0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 1}, {2, 1}, {2, 3}, {3, 3}};
    return mvae::InteractionMatrix(4, 5, pairs);
}

}  // namespace

TEST_CASE("Popularity scores are the number of distinct training users", "[popularity]") {
    mvae::Popularity pop;
    pop.fit(toy_train());
    REQUIRE(pop.fitted());
    REQUIRE(pop.n_users() == 4);
    REQUIRE(pop.n_items() == 5);
    const std::vector<double> expected = {1, 3, 1, 2, 0};
    const auto scores = pop.item_scores();
    REQUIRE(std::vector<double>(scores.begin(), scores.end()) == expected);
    const auto ranking = pop.ranking();
    REQUIRE(std::vector<mvae::index_t>(ranking.begin(), ranking.end()) == std::vector<mvae::index_t>{1, 3, 0, 2, 4});

    SECTION("score fills every requested row with the item scores, in float and double") {
        // A view with a wider stride: the padding columns must stay untouched.
        std::vector<float> storage(2 * 7, -1.0f);
        pop.score<float>(1, 2, mvae::MatrixView<float, mvae::Cpu>(storage.data(), 2, 5, 7));
        const std::vector<float> expected_rows = {1, 3, 1, 2, 0, -1, -1, 1, 3, 1, 2, 0, -1, -1};
        REQUIRE(storage == expected_rows);

        std::vector<double> single(5, -1.0);
        pop.score<double>(3, 1, mvae::MatrixView<double, mvae::Cpu>(single.data(), 1, 5));
        REQUIRE(single == expected);
    }

    SECTION("score validates the users and the output shape") {
        std::vector<double> buf(3 * 5);
        REQUIRE_THROWS_AS(pop.score<double>(3, 2, mvae::MatrixView<double, mvae::Cpu>(buf.data(), 2, 5)),
                          mvae::ArgumentError);
        REQUIRE_THROWS_AS(pop.score<double>(-1, 1, mvae::MatrixView<double, mvae::Cpu>(buf.data(), 1, 5)),
                          mvae::ArgumentError);
        REQUIRE_THROWS_AS(pop.score<double>(0, 2, mvae::MatrixView<double, mvae::Cpu>(buf.data(), 3, 5)),
                          mvae::ShapeError);
        REQUIRE_THROWS_AS(pop.score<double>(0, 3, mvae::MatrixView<double, mvae::Cpu>(buf.data(), 3, 4)),
                          mvae::ShapeError);
    }

    SECTION("refitting replaces the scores") {
        const std::vector<mvae::Interaction> pairs = {{0, 2}, {1, 2}};
        pop.fit(mvae::InteractionMatrix(2, 3, pairs));
        const auto s = pop.item_scores();
        REQUIRE(std::vector<double>(s.begin(), s.end()) == std::vector<double>{0, 0, 2});
        REQUIRE(pop.n_users() == 2);
    }
}

TEST_CASE("Popularity recommends unseen items, ties by lower index", "[popularity]") {
    const mvae::InteractionMatrix train = toy_train();
    mvae::Popularity pop;
    pop.fit(train);
    using V = std::vector<mvae::index_t>;
    // User 0 saw 0 and 1; among the rest, 3 (2 users) comes first, then 2 and 4.
    REQUIRE(pop.recommend(0, 3, train) == V{3, 2, 4});
    // Items 0 and 2 tie at one user: 0 first.
    REQUIRE(pop.recommend(3, 3, train) == V{1, 0, 2});
    // Fewer unseen items than k: all of them.
    REQUIRE(pop.recommend(3, 10, train) == V{1, 0, 2, 4});
    REQUIRE(pop.recommend(1, 0, train).empty());

    // Seen items from another matrix (e.g. train + validation) are excluded too.
    const std::vector<mvae::Interaction> seen_pairs = {{0, 1}, {0, 3}, {0, 4}};
    const mvae::InteractionMatrix seen(1, 5, seen_pairs);
    REQUIRE(pop.recommend(0, 5, seen) == V{0, 2});

    REQUIRE_THROWS_AS(pop.recommend(0, -1, train), mvae::ArgumentError);
    REQUIRE_THROWS_AS(pop.recommend(4, 1, train), mvae::ArgumentError);
    const mvae::InteractionMatrix wrong_items(4, 6, std::vector<mvae::Interaction>{});
    REQUIRE_THROWS_AS(pop.recommend(0, 1, wrong_items), mvae::ShapeError);
}

TEST_CASE("Popularity refuses to be used before fit", "[popularity]") {
    const mvae::Popularity pop;
    REQUIRE_FALSE(pop.fitted());
    std::vector<double> buf(5);
    REQUIRE_THROWS_WITH(pop.score<double>(0, 1, mvae::MatrixView<double, mvae::Cpu>(buf.data(), 1, 5)),
                        Catch::Contains("Popularity::score") && Catch::Contains("before fit"));
    REQUIRE_THROWS_WITH(pop.recommend(0, 1, toy_train()), Catch::Contains("Popularity::recommend"));
    REQUIRE_THROWS_WITH(pop.item_scores(), Catch::Contains("Popularity::item_scores"));
    REQUIRE_THROWS_AS(pop.ranking(), mvae::Error);
}
