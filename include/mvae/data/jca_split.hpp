// mvae/data/jca_split.hpp — reading and writing the JCA/JoVA split folders the paper's data use.
//
// A split folder holds train.csv, vali.csv and test.csv. Each file is a CSV with the header
// `userId,itemId` (or `userId,movieId`, as in the ml-1m and pinterest folders) and one 1-based
// (user, item) pair per row: integers, or integral floats such as "42.0" as some published splits
// write them (counted in JcaReadReport). Duplicate rows occur in the published files and are
// merged (and counted) by InteractionMatrix. Blank lines are ignored, as pandas (which wrote and read these
// files in JCA/JoVA) ignores them. Caveat: in the published folders vali.csv is drawn FROM train.csv,
// so every validation pair is also a training pair; this loader reports the files as they are.
// See docs/data.md.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/detail/text_reader.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/split_data.hpp"
#include "mvae/io/atomic_file.hpp"

namespace mvae {

/// What the JCA loaders met that a strict reader would not take (load_jca_split's `report`).
struct JcaReadReport {
    /// Ids written as integral floats ("42.0", as some published JCA splits write them), read as
    /// the integers they are. A float with a fraction, an infinity or a NaN is still an error.
    std::int64_t float_ids = 0;
    /// The first such field, for the message ("42.0"), and where it was.
    std::string first_float_id;
    std::string first_float_id_at;
};

/// How load_jca_split sizes and checks the matrices.
struct JcaSplitOptions {
    /// Number of users; ids above it are errors. 0 = the largest user id over all files present.
    index_t n_users = 0;
    /// Number of items; ids above it are errors. 0 = the largest item id over all files present.
    index_t n_items = 0;
    /// Whether test.csv must exist (train.csv always must; vali.csv never has to).
    bool require_test = true;
};

namespace detail {

/// The largest id read when the shape is inferred from the data (2^26: Pinterest has 55,187 users).
inline constexpr std::int64_t max_inferred_id = std::int64_t(1) << 26;

/// Reads the (user, item) rows of a JCA CSV as 0-based pairs. A bound of 0 means unbounded;
/// otherwise a 1-based id above it is a ParseError ("id out of range").
inline std::vector<Interaction> read_jca_pairs(const std::filesystem::path& file, index_t max_user,
                                               index_t max_item, JcaReadReport* report = nullptr) {
    TextReader reader(file);
    std::string_view line;
    bool have_header = false;
    while (reader.next_line(line)) {
        if (!is_blank_line(line)) {
            have_header = true;
            break;
        }
    }
    if (!have_header)
        reader.fail("empty file: expected the header 'userId,itemId' (or 'userId,movieId') on the first line");

    std::array<std::string_view, 2> header{};
    const std::size_t header_columns = split_fields(line, ',', header);
    const bool header_ok = header_columns == 2 && trim(header[0]) == "userId" &&
                           (trim(header[1]) == "itemId" || trim(header[1]) == "movieId");
    if (!header_ok)
        reader.fail(error_message("expected the header 'userId,itemId' or 'userId,movieId', found '",
                                  TextReader::printable(line), "'"));
    const std::string item_column(trim(header[1]));

    std::vector<Interaction> pairs;
    std::error_code size_error;
    const auto bytes = std::filesystem::file_size(file, size_error);
    if (!size_error) pairs.reserve(std::size_t(bytes / 8));  // a row is at least 4 bytes; most are 8 to 12

    // A 1-based id: an integer in [1, bound] (bound 0: up to the largest index_t).
    const auto parse_id = [&](std::string_view field, std::string_view column, index_t bound,
                              const char* bound_name) -> index_t {
        // An integer, or an integral float ("42.0", counted in the report); "7.5", "1e400" and
        // "nan" are refused.
        const std::string_view text = trim(field);
        std::int64_t id = 0;
        if (text.find_first_of(".eE") == std::string_view::npos) {
            id = reader.parse_integer<std::int64_t>(field, column);
        } else {
            const double v = reader.parse_double(field, column);  // refuses nan, inf and overflow
            if (v != std::floor(v))
                reader.fail(error_message("column ", column, ": id '", TextReader::printable(text),
                                          "' is not an integer"));
            if (std::fabs(v) > 9.0e15)  // beyond any id, and beyond doubles' exact integers
                reader.fail(error_message("column ", column, ": id '", TextReader::printable(text), "' is out of range"));
            id = std::int64_t(v);
            if (report != nullptr && report->float_ids++ == 0) {
                report->first_float_id = std::string(text);
                report->first_float_id_at = error_message(file.string(), ":", reader.line_number());
            }
        }
        if (id <= 0)
            reader.fail(error_message("column ", column, ": id ", id, " is not a 1-based id (ids start at 1)"));
        if (id > std::numeric_limits<index_t>::max())
            reader.fail(error_message("column ", column, ": id ", id, " exceeds the largest supported id ",
                                      std::numeric_limits<index_t>::max()));
        // Ids are dense, so an inferred shape is as large as the largest id: refuse ids that would
        // make a shape no real data set has (and gigabytes of offsets) unless the shape is given.
        if (bound == 0 && id > max_inferred_id)
            reader.fail(error_message("column ", column, ": id ", id, " is above ", max_inferred_id,
                                      ", the largest id accepted when the shape is inferred; ids in JCA files are "
                                      "dense (1..n), so pass ", bound_name, " explicitly if this id is intended"));
        if (bound > 0 && id > bound)
            reader.fail(error_message("id out of range: ", column, " ", id, " is above ", bound_name, " = ", bound));
        return index_t(id - 1);
    };

    while (reader.next_line(line)) {
        const std::size_t comma = line.find(',');
        if (comma == std::string_view::npos || line.find(',', comma + 1) != std::string_view::npos) {
            if (is_blank_line(line)) continue;
            std::array<std::string_view, 0> none{};
            reader.fail(error_message("expected 2 columns (userId,", item_column, "), found ",
                                      split_fields(line, ',', none), ": '", TextReader::printable(line), "'"));
        }
        const index_t user = parse_id(line.substr(0, comma), "userId", max_user, "n_users");
        const index_t item = parse_id(line.substr(comma + 1), item_column, max_item, "n_items");
        pairs.push_back({user, item});
    }
    return pairs;
}

/// 1 + the largest user (or item) index among `pairs`, 0 when there are none.
[[nodiscard]] inline index_t extent(const std::vector<Interaction>& pairs, bool users) noexcept {
    index_t n = 0;
    for (const auto& p : pairs) n = std::max(n, index_t((users ? p.user : p.item) + 1));
    return n;
}

}  // namespace detail

/**
 * Reads one JCA CSV file as 0-based pairs, in file order, duplicates kept.
 *
 * The first non-blank line must be the header `userId,itemId` or `userId,movieId`; every further
 * non-blank line must hold exactly two ids ≥ 1: integers, or integral floats ("42.0", which some
 * published splits write) read as integers; "7.5", "1e400" and "nan" are errors. Throws IoError when the file cannot be
 * opened, ParseError ("file:line: ...") for an empty file, a wrong header, a missing or extra
 * column, a field that is not an integer, or an id ≤ 0. A header-only file gives no pairs.
 */
[[nodiscard]] inline std::vector<Interaction> read_jca_csv(const std::filesystem::path& file) {
    return detail::read_jca_pairs(file, 0, 0);
}

/**
 * Reads one JCA CSV file into an n_users × n_items matrix (duplicates merged and counted).
 * A shape of 0 means "the largest id in the file". Besides read_jca_csv's errors, an id above a
 * given shape is a ParseError naming the file, the line, the id and the bound ("id out of range").
 * Throws ArgumentError for a negative shape.
 */
[[nodiscard]] inline InteractionMatrix load_jca_csv(const std::filesystem::path& file, index_t n_users,
                                                    index_t n_items) {
    require_argument(n_users >= 0, "load_jca_csv: n_users must be >= 0 (0 = infer), got ", n_users);
    require_argument(n_items >= 0, "load_jca_csv: n_items must be >= 0 (0 = infer), got ", n_items);
    const auto pairs = detail::read_jca_pairs(file, n_users, n_items);
    if (n_users == 0) n_users = detail::extent(pairs, true);
    if (n_items == 0) n_items = detail::extent(pairs, false);
    return InteractionMatrix(n_users, n_items, pairs);
}

/**
 * Loads a JCA/JoVA split folder: `train.csv` (required), `vali.csv` (optional) and `test.csv`
 * (required when options.require_test, else read when present).
 *
 * All matrices get the same shape: options.n_users × options.n_items where given, otherwise the
 * largest id over all the files present. An absent split is an empty matrix of that shape.
 * The files are taken as they are: in the paper's folders vali.csv is a subset of train.csv.
 * Throws IoError naming a missing required file, ParseError for malformed content or an id above
 * a given shape, ArgumentError for a negative shape. When `report` is given it says what was
 * accepted beyond strict integers (ids written as integral floats: how many, the first, where).
 */
[[nodiscard]] inline SplitData load_jca_split(const std::filesystem::path& dir, const JcaSplitOptions& options = {},
                                             JcaReadReport* report = nullptr) {
    require_argument(options.n_users >= 0, "load_jca_split: n_users must be >= 0 (0 = infer), got ", options.n_users);
    require_argument(options.n_items >= 0, "load_jca_split: n_items must be >= 0 (0 = infer), got ", options.n_items);
    const auto present = [](const std::filesystem::path& file) {
        std::error_code ec;
        return std::filesystem::exists(file, ec);
    };
    const auto require_file = [&](const std::filesystem::path& file) {
        if (!present(file))
            throw IoError(detail::error_message("JCA split folder ", dir.string(), ": missing required file ",
                                                file.string()));
    };

    const std::filesystem::path train_file = dir / "train.csv";
    const std::filesystem::path vali_file = dir / "vali.csv";
    const std::filesystem::path test_file = dir / "test.csv";
    require_file(train_file);
    if (options.require_test) require_file(test_file);

    const auto read = [&](const std::filesystem::path& file) {
        return detail::read_jca_pairs(file, options.n_users, options.n_items, report);
    };
    const auto train = read(train_file);
    const auto vali = present(vali_file) ? read(vali_file) : std::vector<Interaction>{};
    const auto test = present(test_file) ? read(test_file) : std::vector<Interaction>{};

    index_t n_users = options.n_users;
    index_t n_items = options.n_items;
    for (const auto* pairs : {&train, &vali, &test}) {
        if (options.n_users == 0) n_users = std::max(n_users, detail::extent(*pairs, true));
        if (options.n_items == 0) n_items = std::max(n_items, detail::extent(*pairs, false));
    }
    return SplitData{InteractionMatrix(n_users, n_items, train), InteractionMatrix(n_users, n_items, vali),
                     InteractionMatrix(n_users, n_items, test)};
}

/**
 * Writes `m` as a JCA CSV: the header `userId,itemId`, then one row `user+1,item+1` per distinct
 * pair, by user then item (counts are not written). The file is written to a temporary file in
 * the same directory and renamed over `file`, so it is replaced atomically. Throws IoError on
 * failure (e.g. the directory does not exist).
 *
 * The shape is not stored: reading the file back infers it from the largest ids, so trailing
 * users or items without interactions need the shape passed to load_jca_csv / load_jca_split.
 */
inline void write_jca_csv(const std::filesystem::path& file, const InteractionMatrix& m) {
    write_file_atomically(file, [&](std::ofstream& out) {
        std::string text = "userId,itemId\n";
        constexpr std::size_t flush_at = std::size_t(1) << 20;
        text.reserve(flush_at + 64);
        std::array<char, 32> number{};
        const auto append = [&](index_t id, char end) {
            const auto result = std::to_chars(number.data(), number.data() + number.size(), std::int64_t(id) + 1);
            text.append(number.data(), result.ptr);
            text.push_back(end);
        };
        for (index_t u = 0; u < m.n_users(); ++u) {
            for (const index_t i : m.items_of(u)) {
                append(u, ',');
                append(i, '\n');
            }
            if (text.size() >= flush_at) {
                out.write(text.data(), std::streamsize(text.size()));
                text.clear();
            }
        }
        out.write(text.data(), std::streamsize(text.size()));
    });
}

/**
 * Writes a split folder: creates `dir` (and its parents) if needed, writes train.csv, vali.csv
 * when the validation matrix has pairs (otherwise removes a stale vali.csv, so the folder reads
 * back as it was saved) and test.csv, each with write_jca_csv. Throws ShapeError when the three
 * matrices differ in shape, IoError when a directory or file cannot be written.
 */
inline void save_jca_split(const std::filesystem::path& dir, const SplitData& s) {
    require_shape(s.validation.n_users() == s.train.n_users() && s.validation.n_items() == s.train.n_items() &&
                      s.test.n_users() == s.train.n_users() && s.test.n_items() == s.train.n_items(),
                  "save_jca_split: train is ", s.train.n_users(), " x ", s.train.n_items(), ", validation ",
                  s.validation.n_users(), " x ", s.validation.n_items(), ", test ", s.test.n_users(), " x ",
                  s.test.n_items(), "; all three must have the same shape");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw IoError(detail::error_message("cannot create the directory ", dir.string(), ": ", ec.message()));
    write_jca_csv(dir / "train.csv", s.train);
    if (s.validation.nnz() > 0) {
        write_jca_csv(dir / "vali.csv", s.validation);
    } else {
        std::filesystem::remove(dir / "vali.csv", ec);
        if (ec) throw IoError(detail::error_message("cannot remove the stale ", (dir / "vali.csv").string(), ": ",
                                                    ec.message()));
    }
    write_jca_csv(dir / "test.csv", s.test);
}

}  // namespace mvae
