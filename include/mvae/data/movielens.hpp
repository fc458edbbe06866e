// mvae/data/movielens.hpp — loading the original MovieLens rating files as implicit feedback.
//
// Two layouts: `ratings.dat` (ML-1M, ML-10M: "user::item::rating::timestamp") and `u.data`
// (ML-100K: "user<TAB>item<TAB>rating<TAB>timestamp"). Ratings at or above a threshold become the
// 1s of the interaction matrix (the paper's and JCA's binarisation keeps ratings > 3, i.e. ≥ 4);
// user and movie ids are renumbered in order of first appearance among the kept ratings.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/detail/text_reader.hpp"
#include "mvae/data/id_map.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/labeled_interactions.hpp"

namespace mvae {

/// How load_movielens reads a ratings file.
struct MovieLensOptions {
    /// Ratings below this are dropped (the binarisation threshold); must not be NaN.
    double min_rating = 4.0;
    /// The file layout. Auto: by file name (ratings.dat → Dat, u.data → UData), otherwise by the
    /// first non-blank line ("::" → Dat, a tab → UData).
    enum class Format { Auto, Dat, UData } format = Format::Auto;
};

namespace detail {

/// Resolves Format::Auto for `file`; throws ParseError when the layout cannot be recognised.
[[nodiscard]] inline MovieLensOptions::Format detect_movielens_format(const std::filesystem::path& file) {
    using Format = MovieLensOptions::Format;
    const std::string name = file.filename().string();
    if (name == "ratings.dat") return Format::Dat;
    if (name == "u.data") return Format::UData;
    TextReader reader(file);
    std::string_view line;
    while (reader.next_line(line)) {
        if (is_blank_line(line)) continue;
        if (line.find("::") != std::string_view::npos) return Format::Dat;
        if (line.find('\t') != std::string_view::npos) return Format::UData;
        reader.fail(error_message("cannot tell the MovieLens layout: expected 'user::item::rating::timestamp' "
                                  "(ratings.dat) or tab-separated 'user item rating timestamp' (u.data), found '",
                                  TextReader::printable(line), "'"));
    }
    throw ParseError(file.string(), 0, "empty file: cannot tell the MovieLens layout (ratings.dat or u.data)");
}

}  // namespace detail

/**
 * Loads a MovieLens ratings file as implicit feedback.
 *
 * Every non-blank line must hold exactly four fields — user id, movie id, rating (a number),
 * timestamp (an integer) — separated by "::" (Dat) or a tab (UData). Ratings below
 * options.min_rating are dropped: that is the binarisation, so users and movies with no kept
 * rating do not appear in the result. Kept ratings become 1s; ids are numbered in order of first
 * appearance among kept lines; a repeated (user, movie) pair is merged and counted.
 *
 * Throws IoError when the file cannot be opened, ParseError ("file:line: ...") for a line with the
 * wrong number of fields, an empty id, a non-numeric rating or timestamp, or an unrecognisable
 * layout; ArgumentError when min_rating is NaN.
 */
[[nodiscard]] inline LabeledInteractions load_movielens(const std::filesystem::path& file,
                                                        const MovieLensOptions& options = {}) {
    using Format = MovieLensOptions::Format;
    require_argument(!std::isnan(options.min_rating), "load_movielens: min_rating must be a number, got ",
                     options.min_rating);
    const Format format =
        options.format == Format::Auto ? detail::detect_movielens_format(file) : options.format;
    const std::string_view separator = format == Format::Dat ? "::" : "\t";
    const char* layout = format == Format::Dat ? "user::item::rating::timestamp" : "user<TAB>item<TAB>rating<TAB>timestamp";

    detail::TextReader reader(file);
    LabeledInteractions result;
    std::vector<Interaction> pairs;
    std::array<std::string_view, 4> fields{};
    std::string_view line;
    while (reader.next_line(line)) {
        if (detail::is_blank_line(line)) continue;
        const std::size_t count = detail::split_fields(line, separator, fields);
        if (count != 4)
            reader.fail(detail::error_message("expected 4 fields (", layout, "), found ", count, ": '",
                                              detail::TextReader::printable(line), "'"));
        const std::string_view user = detail::trim(fields[0]);
        const std::string_view item = detail::trim(fields[1]);
        if (user.empty()) reader.fail("column user: empty id");
        if (item.empty()) reader.fail("column item: empty id");
        const double rating = reader.parse_double(fields[2], "rating");
        (void)reader.parse_integer<std::int64_t>(fields[3], "timestamp");  // validated, not used
        if (rating < options.min_rating) continue;
        pairs.push_back({result.users.insert(user), result.items.insert(item)});
    }
    result.matrix = InteractionMatrix(result.users.size(), result.items.size(), pairs);
    return result;
}

}  // namespace mvae
