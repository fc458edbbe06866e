// mvae/data/delimited.hpp — loading generic "user item [value]" text files.
//
// For data that comes in neither the JCA nor the MovieLens layout: one interaction per line,
// the user id and the item id as arbitrary strings (renumbered in order of first appearance), an
// optional numeric value (a rating, a count) that can serve as a threshold. The delimiter is given
// or detected from the first data line.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <optional>
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

/// How load_delimited reads a file.
struct DelimitedOptions {
    /// The field separator. 0 = detect from the first data line: a tab if it holds one, else a
    /// comma, else ';', else runs of spaces. ' ' always means "runs of spaces and tabs" (leading
    /// and trailing blanks ignored); any other character separates fields one by one, so two
    /// delimiters in a row make an empty field, which is an error for an id. '\n', '\r' and '#'
    /// are not allowed.
    char delimiter = 0;
    /// Whether the first data line (the first that is neither blank nor a comment) is a header
    /// to skip.
    bool header = false;
    /// When set, rows whose value (3rd column) is below it are dropped; the file must then have a
    /// value column. Must not be NaN.
    std::optional<double> min_value;
};

namespace detail {

/// The delimiter load_delimited uses for a file whose first data line is `line`.
[[nodiscard]] inline char detect_delimiter(std::string_view line) noexcept {
    for (const char candidate : {'\t', ',', ';'})
        if (line.find(candidate) != std::string_view::npos) return candidate;
    return ' ';
}

[[nodiscard]] inline std::string describe_delimiter(char delimiter) {
    switch (delimiter) {
        case '\t': return "tab";
        case ' ': return "whitespace";
        default: return std::string("'") + delimiter + "'";
    }
}

}  // namespace detail

/**
 * Loads a delimited `user item [value [more...]]` file.
 *
 * Line rules: lines that are empty or hold only spaces and tabs are ignored; lines whose first
 * non-blank character is '#' are comments and are ignored; with options.header the first
 * remaining line is skipped. Every data line must have the same number of fields as the first
 * data line, and at least two. Fields are trimmed of spaces and tabs. The first two fields are
 * the user and item ids (non-empty strings, taken literally: no CSV quoting); the third, when
 * present, must be a finite number; fields after the third (e.g. a timestamp) are not read.
 * Rows whose value is below options.min_value are dropped, so ids that occur only in dropped rows
 * do not appear in the result. Ids are numbered in order of first appearance among kept rows;
 * a repeated pair is merged and counted.
 *
 * Throws IoError when the file cannot be opened; ParseError ("file:line: ...") for a line with
 * fewer than two fields or a different number of fields than the first data line, an empty id, a
 * non-numeric value, a missing header, or min_value set on a file without a value column;
 * ArgumentError for a forbidden delimiter or a NaN min_value. A file without data lines gives an
 * empty (0 × 0) result.
 */
[[nodiscard]] inline LabeledInteractions load_delimited(const std::filesystem::path& file,
                                                        const DelimitedOptions& options = {}) {
    require_argument(options.delimiter != '\n' && options.delimiter != '\r' && options.delimiter != '#',
                     "load_delimited: delimiter must not be a line break or '#', got code ", int(options.delimiter));
    require_argument(!options.min_value || !std::isnan(*options.min_value),
                     "load_delimited: min_value must be a number, got NaN");

    detail::TextReader reader(file);
    LabeledInteractions result;
    std::vector<Interaction> pairs;
    std::array<std::string_view, 3> fields{};
    char delimiter = options.delimiter;
    std::size_t columns = 0;  // set by the first data line
    std::size_t first_data_line = 0;
    bool header_pending = options.header;
    std::string_view line;
    while (reader.next_line(line)) {
        const std::string_view content = detail::trim(line);
        if (content.empty() || content.front() == '#') continue;
        if (header_pending) {
            header_pending = false;
            continue;
        }
        if (columns == 0) {
            if (delimiter == 0) delimiter = detail::detect_delimiter(content);
            first_data_line = reader.line_number();
        }
        const std::size_t count = detail::split_fields(line, delimiter, fields);
        if (columns == 0) {
            if (count < 2)
                reader.fail(detail::error_message("expected at least 2 fields (user item [value]) separated by ",
                                                  detail::describe_delimiter(delimiter), ", found ", count, ": '",
                                                  detail::TextReader::printable(line), "'"));
            if (options.min_value && count < 3)
                reader.fail(detail::error_message("min_value is set but the file has no value column (",
                                                  count, " fields: user item)"));
            columns = count;
        } else if (count != columns) {
            reader.fail(detail::error_message("expected ", columns, " fields separated by ",
                                              detail::describe_delimiter(delimiter), " (as on line ", first_data_line,
                                              "), found ", count, ": '", detail::TextReader::printable(line), "'"));
        }
        const std::string_view user = detail::trim(fields[0]);
        const std::string_view item = detail::trim(fields[1]);
        if (user.empty()) reader.fail("column 1 (user): empty id");
        if (item.empty()) reader.fail("column 2 (item): empty id");
        if (columns >= 3) {
            const double value = reader.parse_double(fields[2], "3 (value)");
            if (options.min_value && value < *options.min_value) continue;
        }
        pairs.push_back({result.users.insert(user), result.items.insert(item)});
    }
    if (header_pending) throw ParseError(reader.source(), 0, "expected a header line, found no non-blank line");
    result.matrix = InteractionMatrix(result.users.size(), result.items.size(), pairs);
    return result;
}

}  // namespace mvae
