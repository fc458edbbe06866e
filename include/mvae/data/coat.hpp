// mvae/data/coat.hpp — the Coat data set (Schnabel et al., ICML 2016) and dense rating matrices.
//
// Coat holds two dense user × item rating matrices over the same 290 users and 300 items:
// `train.ascii`, the ratings users gave to coats they chose themselves (missing not at random: the
// exposure-biased log a recommender is trained on), and `test.ascii`, ratings of 16 coats per user
// drawn uniformly at random (missing at random: an exposure-free test set). Each file has one user
// per line and one space-separated integer per item, 0 = not rated and 1..5 = the rating.
//
// read_dense_rating_matrix parses one such file; load_coat reads the folder, binarises the
// ratings (rating >= min_rating -> 1) and returns the training positives, each user's test
// candidates (the items ranked in the random-exposure protocol) and the test positives. The pairs
// rated in both splits (366 in Coat) are kept as test candidates. See docs/data.md ("Coat").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/detail/text_reader.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/// The largest rating a dense rating matrix may hold; 0 means "not rated".
inline constexpr int dense_rating_max = 5;

/**
 * A dense n_users × n_items matrix of integer ratings 0..dense_rating_max, stored row-major
 * (row = user, column = item), 0 meaning "not rated". What read_dense_rating_matrix returns.
 */
class DenseRatingMatrix {
public:
    /// An empty 0 × 0 matrix.
    DenseRatingMatrix() = default;

    /// Takes `values` (row-major, n_users · n_items entries, each 0..dense_rating_max). Throws
    /// ArgumentError for a negative shape or a value above dense_rating_max (naming its cell),
    /// ShapeError when values.size() is not n_users · n_items.
    DenseRatingMatrix(index_t n_users, index_t n_items, std::vector<std::uint8_t> values)
        : n_users_(n_users), n_items_(n_items), values_(std::move(values)) {
        require_argument(n_users >= 0 && n_items >= 0, "DenseRatingMatrix: negative shape ", n_users, " x ", n_items);
        require_shape(values_.size() == std::size_t(n_users) * std::size_t(n_items), "DenseRatingMatrix: ",
                      values_.size(), " values do not fill a ", n_users, " x ", n_items, " matrix");
        for (std::size_t k = 0; k < values_.size(); ++k)
            require_argument(values_[k] <= dense_rating_max, "DenseRatingMatrix: rating ", int(values_[k]),
                             " at (user ", k / std::size_t(n_items), ", item ", k % std::size_t(n_items),
                             ") is outside 0..", dense_rating_max);
    }

    [[nodiscard]] index_t n_users() const noexcept { return n_users_; }
    [[nodiscard]] index_t n_items() const noexcept { return n_items_; }

    /// The rating of (user, item): 0 when not rated, else 1..dense_rating_max. No bounds check.
    [[nodiscard]] int rating(index_t user, index_t item) const noexcept {
        return values_[std::size_t(user) * std::size_t(n_items_) + std::size_t(item)];
    }
    /// The ratings, row-major.
    [[nodiscard]] const std::vector<std::uint8_t>& values() const noexcept { return values_; }

    /// The number of rated cells (nonzero entries).
    [[nodiscard]] offset_t n_rated() const noexcept {
        offset_t n = 0;
        for (const std::uint8_t v : values_) n += v != 0 ? 1 : 0;
        return n;
    }

    /// The number of cells holding exactly `value` (0 counts the unrated cells).
    [[nodiscard]] offset_t count(int value) const noexcept {
        offset_t n = 0;
        for (const std::uint8_t v : values_) n += int(v) == value ? 1 : 0;
        return n;
    }

    /**
     * The pairs rated at least `min_rating` as an n_users × n_items InteractionMatrix (each pair
     * with count 1). at_least(1) is every rated pair. Throws ArgumentError unless
     * 1 <= min_rating <= dense_rating_max (0 would turn every unrated cell into a 1).
     */
    [[nodiscard]] InteractionMatrix at_least(int min_rating) const {
        require_argument(min_rating >= 1 && min_rating <= dense_rating_max, "DenseRatingMatrix::at_least: min_rating ",
                         min_rating, " is outside 1..", dense_rating_max);
        std::vector<Interaction> pairs;
        for (index_t u = 0; u < n_users_; ++u)
            for (index_t i = 0; i < n_items_; ++i)
                if (rating(u, i) >= min_rating) pairs.push_back({u, i});
        return InteractionMatrix(n_users_, n_items_, pairs);
    }

private:
    index_t n_users_ = 0;
    index_t n_items_ = 0;
    std::vector<std::uint8_t> values_;
};

/**
 * Reads a dense rating matrix such as Coat's `train.ascii`: line u + 1 holds user u's ratings of
 * items 0, 1, ..., one integer 0..5 per item (0 = not rated), separated by runs of spaces and
 * tabs (leading and trailing blanks ignored).
 *
 * LF and CRLF line endings are accepted, as is a UTF-8 byte-order mark and a last line without a
 * final newline. Blank lines (nothing but spaces and tabs) are allowed only after the last row:
 * rows are users, so a blank line before a row would shift every later user.
 *
 * Throws IoError naming the file when it cannot be opened; ParseError ("file:line: ...") for
 *   * a row whose number of columns differs from line 1's ("expected N columns (as on line 1),
 *     found M"),
 *   * a field that is not an integer (naming the 1-based column and the text found) or an integer
 *     outside 0..5 (naming the column and the value),
 *   * a blank line followed by another row (reported at the blank line),
 *   * an empty file, or one holding only blank lines (line 0: the whole file).
 */
[[nodiscard]] inline DenseRatingMatrix read_dense_rating_matrix(const std::filesystem::path& file) {
    detail::TextReader reader(file);
    std::vector<std::uint8_t> values;
    std::size_t n_columns = 0;
    index_t n_rows = 0;
    std::size_t first_blank = 0;  // line number of the first blank line seen, 0 = none yet
    std::string_view line;
    while (reader.next_line(line)) {
        if (detail::is_blank_line(line)) {
            if (first_blank == 0) first_blank = reader.line_number();
            continue;
        }
        if (first_blank != 0)
            throw ParseError(reader.source(), first_blank,
                             detail::error_message("blank line before the row on line ", reader.line_number(),
                                                   ": rows are users, so blank lines are allowed only after "
                                                   "the last row"));
        if (n_rows == std::numeric_limits<index_t>::max())
            reader.fail(detail::error_message("more than ", std::numeric_limits<index_t>::max(), " rows"));

        std::size_t column = 0;  // fields read on this line
        std::size_t pos = 0;
        while (true) {
            while (pos < line.size() && detail::is_blank(line[pos])) ++pos;
            if (pos == line.size()) break;
            std::size_t end = pos;
            while (end < line.size() && !detail::is_blank(line[end])) ++end;
            const std::string_view field = line.substr(pos, end - pos);
            pos = end;
            ++column;
            if (n_rows > 0 && column > n_columns) continue;  // counted for the message below
            const auto value = detail::to_integer<std::int64_t>(field);
            if (!value)
                reader.fail(detail::error_message("column ", column, ": expected an integer rating 0..",
                                                  dense_rating_max, " (0 = not rated), found '",
                                                  detail::TextReader::printable(field), "'"));
            if (*value < 0 || *value > dense_rating_max)
                reader.fail(detail::error_message("column ", column, ": rating ", *value, " is outside 0..",
                                                  dense_rating_max, " (0 = not rated)"));
            values.push_back(std::uint8_t(*value));
        }
        if (n_rows == 0) {
            if (column > std::size_t(std::numeric_limits<index_t>::max()))
                reader.fail(detail::error_message("more than ", std::numeric_limits<index_t>::max(), " columns"));
            n_columns = column;
        } else if (column != n_columns) {
            reader.fail(detail::error_message("expected ", n_columns, " columns (as on line 1), found ", column));
        }
        ++n_rows;
    }
    if (n_rows == 0)
        throw ParseError(reader.source(), 0,
                         "empty file: expected a dense rating matrix (one user per line, one rating 0..5 per item)");
    return DenseRatingMatrix(n_rows, index_t(n_columns), std::move(values));
}

/// How load_coat binarises the ratings.
struct CoatOptions {
    /// Ratings at or above this are positives (1s); lower ratings and unrated cells are 0s.
    /// Must lie in 1..5; the default 4 is the usual binarisation of 5-star ratings.
    int min_rating = 4;
};

/**
 * The Coat data as the random-exposure protocol uses it. All matrices are n_users × n_items
 * (290 × 300 for Coat), every stored pair has count 1.
 */
struct CoatData {
    index_t n_users = 0;
    index_t n_items = 0;
    /// The threshold the data were binarised with (CoatOptions::min_rating).
    int min_rating = 4;
    /// Training positives: the train.ascii pairs rated >= min_rating (what a model is trained on;
    /// lower ratings and unrated pairs are 0s, as in an implicit-feedback log).
    InteractionMatrix train;
    /// Every pair rated in test.ascii (16 per user in Coat): the items each user's test ranking
    /// is over. Includes the pairs also rated in train (see `overlap`).
    InteractionMatrix test_candidates;
    /// The test.ascii pairs rated >= min_rating (the relevant items); a subset of test_candidates.
    InteractionMatrix test_positives;
    /// The raw ratings of train.ascii and test.ascii (n_rated(): 6,960 and 4,640 in Coat).
    DenseRatingMatrix train_ratings;
    DenseRatingMatrix test_ratings;
    /// The number of (user, item) pairs rated in both train.ascii and test.ascii (whatever the
    /// ratings; 366 in Coat, where the two ratings always agree). These pairs are kept in
    /// test_candidates (and in test_positives when rated >= min_rating): when ranking a user's
    /// candidates, do not exclude them as already-seen training items.
    offset_t overlap = 0;
};

/**
 * Loads a Coat folder: `dir/train.ascii` and `dir/test.ascii`, read with read_dense_rating_matrix.
 *
 * Throws IoError naming the missing file when either file does not exist, ParseError
 * ("file:line: ...") for malformed content (see read_dense_rating_matrix), ShapeError naming both
 * files and both shapes when the two matrices differ in shape, ArgumentError when
 * options.min_rating is outside 1..5.
 */
[[nodiscard]] inline CoatData load_coat(const std::filesystem::path& dir, CoatOptions options = {}) {
    require_argument(options.min_rating >= 1 && options.min_rating <= dense_rating_max, "load_coat: min_rating ",
                     options.min_rating, " is outside 1..", dense_rating_max);
    const std::filesystem::path train_file = dir / "train.ascii";
    const std::filesystem::path test_file = dir / "test.ascii";
    for (const auto* file : {&train_file, &test_file}) {
        std::error_code ec;
        if (!std::filesystem::exists(*file, ec))
            throw IoError(detail::error_message("Coat folder ", dir.string(), ": missing required file ",
                                                file->string()));
    }

    CoatData data;
    data.train_ratings = read_dense_rating_matrix(train_file);
    data.test_ratings = read_dense_rating_matrix(test_file);
    const DenseRatingMatrix& train = data.train_ratings;
    const DenseRatingMatrix& test = data.test_ratings;
    require_shape(train.n_users() == test.n_users() && train.n_items() == test.n_items(), "Coat folder ",
                  dir.string(), ": ", train_file.string(), " is ", train.n_users(), " x ", train.n_items(),
                  " (users x items) but ", test_file.string(), " is ", test.n_users(), " x ", test.n_items(),
                  "; the two splits must cover the same users and items");

    data.n_users = train.n_users();
    data.n_items = train.n_items();
    data.min_rating = options.min_rating;
    data.train = train.at_least(options.min_rating);
    data.test_candidates = test.at_least(1);
    data.test_positives = test.at_least(options.min_rating);
    for (std::size_t k = 0; k < train.values().size(); ++k)
        data.overlap += train.values()[k] != 0 && test.values()[k] != 0 ? 1 : 0;
    return data;
}

}  // namespace mvae
