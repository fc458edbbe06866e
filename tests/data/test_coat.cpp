// Tests of the Coat loader and of the dense rating matrices underneath it, on the small fixture
// files in tests/fixtures/coat/: a good 3 × 4 train/test pair (CRLF, one pair rated in both
// splits), whitespace variants, and every kind of malformed file.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/coat.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using mvae::Interaction;
using mvae::InteractionMatrix;

namespace {

const fs::path fixtures = fs::path(MVAE_TEST_DATA_DIR) / "coat";

std::vector<std::uint8_t> values_of(const mvae::DenseRatingMatrix& m) { return m.values(); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// read_dense_rating_matrix
// ---------------------------------------------------------------------------------------------

TEST_CASE("read_dense_rating_matrix reads one user per line, one rating per item", "[data][coat]") {
    SECTION("CRLF line endings, as in Coat's files") {
        const mvae::DenseRatingMatrix m = mvae::read_dense_rating_matrix(fixtures / "good" / "train.ascii");
        REQUIRE(m.n_users() == 3);
        REQUIRE(m.n_items() == 4);
        REQUIRE(values_of(m) == std::vector<std::uint8_t>{5, 0, 3, 0, 0, 4, 0, 1, 2, 0, 0, 5});
        REQUIRE(m.rating(0, 0) == 5);
        REQUIRE(m.rating(1, 3) == 1);
        REQUIRE(m.rating(2, 1) == 0);
        REQUIRE(m.n_rated() == 6);
        REQUIRE(m.count(0) == 6);
        REQUIRE(m.count(5) == 2);
        REQUIRE(m.count(4) == 1);
    }
    SECTION("LF, tabs and runs of blanks between fields, leading and trailing blanks, blank lines at the end") {
        const mvae::DenseRatingMatrix m = mvae::read_dense_rating_matrix(fixtures / "loose.ascii");
        REQUIRE(m.n_users() == 3);
        REQUIRE(m.n_items() == 4);
        REQUIRE(values_of(m) == std::vector<std::uint8_t>{1, 0, 0, 5, 0, 2, 0, 3, 4, 4, 0, 0});
    }
    SECTION("a last line without a final newline counts") {
        const mvae::DenseRatingMatrix m = mvae::read_dense_rating_matrix(fixtures / "no_final_newline.ascii");
        REQUIRE(m.n_users() == 1);
        REQUIRE(m.n_items() == 4);
        REQUIRE(values_of(m) == std::vector<std::uint8_t>{1, 0, 0, 5});
    }
}

TEST_CASE("DenseRatingMatrix::at_least binarises at a threshold", "[data][coat]") {
    const mvae::DenseRatingMatrix m = mvae::read_dense_rating_matrix(fixtures / "good" / "train.ascii");
    const InteractionMatrix rated = m.at_least(1);
    REQUIRE(rated.n_users() == 3);
    REQUIRE(rated.n_items() == 4);
    REQUIRE(rated.pairs() == std::vector<Interaction>{{0, 0}, {0, 2}, {1, 1}, {1, 3}, {2, 0}, {2, 3}});
    REQUIRE(rated.total_count() == rated.nnz());
    REQUIRE(m.at_least(4).pairs() == std::vector<Interaction>{{0, 0}, {1, 1}, {2, 3}});
    REQUIRE(m.at_least(5).pairs() == std::vector<Interaction>{{0, 0}, {2, 3}});
    REQUIRE_THROWS_AS(m.at_least(0), mvae::ArgumentError);
    REQUIRE_THROWS_AS(m.at_least(6), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(m.at_least(0), Contains("min_rating 0"));
}

TEST_CASE("DenseRatingMatrix checks its shape and values", "[data][coat]") {
    const mvae::DenseRatingMatrix ok(2, 2, {0, 1, 5, 0});
    REQUIRE(ok.rating(1, 0) == 5);
    REQUIRE(mvae::DenseRatingMatrix().n_users() == 0);
    REQUIRE_THROWS_AS(mvae::DenseRatingMatrix(2, 2, {0, 1, 5}), mvae::ShapeError);
    REQUIRE_THROWS_AS(mvae::DenseRatingMatrix(-1, 2, {}), mvae::ArgumentError);
    REQUIRE_THROWS_AS(mvae::DenseRatingMatrix(1, 2, {0, 6}), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(mvae::DenseRatingMatrix(1, 2, {0, 6}), Contains("rating 6") && Contains("item 1"));
}

TEST_CASE("read_dense_rating_matrix rejects every kind of bad input, naming file and line", "[data][coat]") {
    const fs::path bad = fixtures / "bad";
    SECTION("file missing: IoError naming it") {
        REQUIRE_THROWS_AS(mvae::read_dense_rating_matrix(bad / "missing.ascii"), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(bad / "missing.ascii"), Contains("missing.ascii"));
    }
    SECTION("a row with fewer columns than line 1 names both counts") {
        const fs::path file = bad / "ragged.ascii";
        REQUIRE_THROWS_AS(mvae::read_dense_rating_matrix(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(file),
                            Contains("ragged.ascii:3:") && Contains("expected 4 columns") && Contains("found 3"));
        try {
            (void)mvae::read_dense_rating_matrix(file);
            FAIL("no exception");
        } catch (const mvae::ParseError& e) {
            REQUIRE(e.line() == 3);
            REQUIRE(e.source() == file.string());
        }
    }
    SECTION("a row with more columns than line 1") {
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(bad / "extra_column.ascii"),
                            Contains("extra_column.ascii:2:") && Contains("expected 4 columns") &&
                                Contains("found 5"));
    }
    SECTION("a rating above 5 names the column and the value") {
        const fs::path file = bad / "value_7.ascii";
        REQUIRE_THROWS_AS(mvae::read_dense_rating_matrix(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(file),
                            Contains("value_7.ascii:2:") && Contains("column 3") && Contains("rating 7") &&
                                Contains("0..5"));
    }
    SECTION("a negative rating names the column and the value") {
        const fs::path file = bad / "negative.ascii";
        REQUIRE_THROWS_AS(mvae::read_dense_rating_matrix(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(file),
                            Contains("negative.ascii:3:") && Contains("column 1") && Contains("rating -1"));
    }
    SECTION("a field that is not an integer names the column and the text") {
        const fs::path file = bad / "value_x.ascii";
        REQUIRE_THROWS_AS(mvae::read_dense_rating_matrix(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(file),
                            Contains("value_x.ascii:2:") && Contains("column 2") && Contains("found 'x'") &&
                                Contains("integer"));
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(bad / "decimal.ascii"),
                            Contains("decimal.ascii:2:") && Contains("column 2") && Contains("'4.0'"));
    }
    SECTION("an empty file, or one with only blank lines") {
        const fs::path file = bad / "empty.ascii";
        REQUIRE_THROWS_AS(mvae::read_dense_rating_matrix(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(file), Contains("empty.ascii: ") && Contains("empty file"));
        try {
            (void)mvae::read_dense_rating_matrix(file);
            FAIL("no exception");
        } catch (const mvae::ParseError& e) {
            REQUIRE(e.line() == 0);  // the whole file
        }
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(bad / "blank_only.ascii"),
                            Contains("blank_only.ascii: ") && Contains("empty file"));
    }
    SECTION("a blank line between rows would shift the users: reported at the blank line") {
        REQUIRE_THROWS_AS(mvae::read_dense_rating_matrix(bad / "blank_inside.ascii"), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_dense_rating_matrix(bad / "blank_inside.ascii"),
                            Contains("blank_inside.ascii:2:") && Contains("blank line") && Contains("line 3"));
    }
}

// ---------------------------------------------------------------------------------------------
// load_coat
// ---------------------------------------------------------------------------------------------

TEST_CASE("load_coat binarises train, keeps every rated test pair as a candidate, counts the overlap",
          "[data][coat]") {
    // train.ascii        test.ascii
    //   5 0 3 0            5 0 0 2
    //   0 4 0 1            3 0 4 0
    //   2 0 0 5            0 1 2 0
    // (0, 0) is rated in both splits (5 both times).
    const mvae::CoatData d = mvae::load_coat(fixtures / "good");
    REQUIRE(d.n_users == 3);
    REQUIRE(d.n_items == 4);
    REQUIRE(d.min_rating == 4);
    for (const InteractionMatrix* m : {&d.train, &d.test_candidates, &d.test_positives}) {
        REQUIRE(m->n_users() == 3);
        REQUIRE(m->n_items() == 4);
        REQUIRE(m->total_count() == m->nnz());
    }
    REQUIRE(d.train.pairs() == std::vector<Interaction>{{0, 0}, {1, 1}, {2, 3}});
    REQUIRE(d.test_candidates.pairs() == std::vector<Interaction>{{0, 0}, {0, 3}, {1, 0}, {1, 2}, {2, 1}, {2, 2}});
    REQUIRE(d.test_positives.pairs() == std::vector<Interaction>{{0, 0}, {1, 2}});
    REQUIRE(d.test_positives.user_degree(2) == 0);  // user 2 has no relevant test item
    REQUIRE(d.overlap == 1);
    // The overlapping pair stays a test candidate (and a positive), although it is a training positive.
    REQUIRE(d.test_candidates.contains(0, 0));
    REQUIRE(d.test_positives.contains(0, 0));
    REQUIRE(d.train.contains(0, 0));

    REQUIRE(d.train_ratings.n_rated() == 6);
    REQUIRE(d.test_ratings.n_rated() == 6);
    REQUIRE(d.train_ratings.rating(2, 3) == 5);
    REQUIRE(d.test_ratings.rating(1, 0) == 3);
}

TEST_CASE("load_coat binarises at options.min_rating", "[data][coat]") {
    mvae::CoatOptions options;
    options.min_rating = 3;
    const mvae::CoatData d = mvae::load_coat(fixtures / "good", options);
    REQUIRE(d.min_rating == 3);
    REQUIRE(d.train.pairs() == std::vector<Interaction>{{0, 0}, {0, 2}, {1, 1}, {2, 3}});
    REQUIRE(d.test_positives.pairs() == std::vector<Interaction>{{0, 0}, {1, 0}, {1, 2}});
    REQUIRE(d.test_candidates.nnz() == 6);  // independent of the threshold
    REQUIRE(d.overlap == 1);

    options.min_rating = 1;
    REQUIRE(mvae::load_coat(fixtures / "good", options).train.nnz() == 6);
    for (const int bad : {0, 6, -4}) {
        options.min_rating = bad;
        REQUIRE_THROWS_AS(mvae::load_coat(fixtures / "good", options), mvae::ArgumentError);
        REQUIRE_THROWS_WITH(mvae::load_coat(fixtures / "good", options),
                            Contains("min_rating " + std::to_string(bad)));
    }
}

TEST_CASE("load_coat reports a missing file, malformed content and a shape mismatch", "[data][coat]") {
    SECTION("missing directory: IoError naming train.ascii") {
        const fs::path dir = fixtures / "no_such_dir";
        REQUIRE_THROWS_AS(mvae::load_coat(dir), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::load_coat(dir), Contains("no_such_dir") && Contains("train.ascii"));
    }
    SECTION("missing test.ascii: IoError naming it") {
        REQUIRE_THROWS_AS(mvae::load_coat(fixtures / "no_test"), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::load_coat(fixtures / "no_test"), Contains("test.ascii"));
    }
    SECTION("a malformed train.ascii: ParseError naming the file and line") {
        const fs::path dir = fixtures / "bad_train";
        REQUIRE_THROWS_AS(mvae::load_coat(dir), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::load_coat(dir), Contains((dir / "train.ascii").string() + ":3:") &&
                                                      Contains("column 4") && Contains("rating 6"));
    }
    SECTION("train and test differ in shape: ShapeError naming both files and shapes") {
        const fs::path dir = fixtures / "shape_mismatch";
        REQUIRE_THROWS_AS(mvae::load_coat(dir), mvae::ShapeError);
        REQUIRE_THROWS_WITH(mvae::load_coat(dir), Contains("train.ascii is 3 x 4") &&
                                                      Contains("test.ascii is 3 x 5"));
    }
}
