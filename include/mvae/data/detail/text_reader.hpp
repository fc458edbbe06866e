// mvae/data/detail/text_reader.hpp — line-by-line text input for the data loaders (internal).
//
// TextReader hands out the lines of a file as string_views with 1-based line numbers, without a
// trailing '\r' (CRLF files) and without a UTF-8 byte-order mark on line 1. The free functions
// split a line into fields and parse a field strictly with std::from_chars; TextReader's parse
// members turn a failure into ParseError("path:line: ...") naming the column, the text found and
// what was expected. Nothing here allocates per line or per field: the loaders' hot paths run on
// views into one reusable buffer.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "mvae/core/error.hpp"

namespace mvae::detail {

/// Spaces and tabs: what field trimming and whitespace splitting treat as blank.
[[nodiscard]] constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

/// `text` without leading and trailing spaces and tabs.
[[nodiscard]] constexpr std::string_view trim(std::string_view text) noexcept {
    std::size_t first = 0;
    std::size_t last = text.size();
    while (first < last && is_blank(text[first])) ++first;
    while (last > first && is_blank(text[last - 1])) --last;
    return text.substr(first, last - first);
}

/// Whether a line holds nothing but spaces and tabs.
[[nodiscard]] constexpr bool is_blank_line(std::string_view line) noexcept { return trim(line).empty(); }

/// Splits `line` on a (possibly multi-character) separator such as "::" into `out`; returns the
/// number of fields, as split_fields(line, char, out) below. `delimiter` must not be empty.
[[nodiscard]] inline std::size_t split_fields(std::string_view line, std::string_view delimiter,
                                              std::span<std::string_view> out) noexcept {
    std::size_t count = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = line.find(delimiter, start);
        const std::size_t stop = end == std::string_view::npos ? line.size() : end;
        if (count < out.size()) out[count] = line.substr(start, stop - start);
        ++count;
        if (end == std::string_view::npos) return count;
        start = end + delimiter.size();
    }
}

/**
 * Splits `line` on the single character `delimiter` into `out`.
 *
 * Fields are stored untrimmed. Returns the number of fields the line holds, which is also what
 * is returned when it exceeds out.size() (only the first out.size() fields are stored then), so a
 * caller can report "expected 2 columns, found 5". An empty line holds one (empty) field.
 * The delimiter ' ' is special: it splits on runs of spaces and tabs and ignores leading and
 * trailing blanks, so a blank line then holds zero fields.
 */
[[nodiscard]] inline std::size_t split_fields(std::string_view line, char delimiter,
                                              std::span<std::string_view> out) noexcept {
    std::size_t count = 0;
    if (delimiter == ' ') {
        std::size_t pos = 0;
        while (true) {
            while (pos < line.size() && is_blank(line[pos])) ++pos;
            if (pos == line.size()) return count;
            std::size_t end = pos;
            while (end < line.size() && !is_blank(line[end])) ++end;
            if (count < out.size()) out[count] = line.substr(pos, end - pos);
            ++count;
            pos = end;
        }
    }
    return split_fields(line, std::string_view(&delimiter, 1), out);
}

/// The integer the whole of `field` (blanks trimmed) spells in base 10, or nothing when it does
/// not parse completely or does not fit in Int. A leading '+' is not accepted (from_chars rules).
template <class Int>
[[nodiscard]] std::optional<Int> to_integer(std::string_view field) noexcept {
    static_assert(std::is_integral_v<Int>);
    field = trim(field);
    Int value{};
    const char* last = field.data() + field.size();
    const auto [ptr, ec] = std::from_chars(field.data(), last, value);
    if (ec != std::errc{} || ptr != last || field.empty()) return std::nullopt;
    return value;
}

/// The finite number the whole of `field` (blanks trimmed) spells, or nothing when it does not
/// parse completely or is infinite or NaN.
[[nodiscard]] inline std::optional<double> to_double(std::string_view field) noexcept {
    field = trim(field);
    double value = 0.0;
    const char* last = field.data() + field.size();
    const auto [ptr, ec] = std::from_chars(field.data(), last, value, std::chars_format::general);
    if (ec != std::errc{} || ptr != last || field.empty() || !std::isfinite(value)) return std::nullopt;
    return value;
}

/// The UTF-8 byte-order mark, stripped from the start of a file.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/**
 * Reads a text file line by line.
 *
 * @code
 * TextReader reader(path);
 * std::string_view line;
 * while (reader.next_line(line)) { ... reader.parse_integer<int>(field, "userId") ... }
 * @endcode
 * The file is read in large blocks into one buffer; a line view stays valid until the next call
 * to next_line.
 */
class TextReader {
public:
    /// Opens `path` for reading; throws IoError naming the path when it cannot be opened.
    explicit TextReader(const std::filesystem::path& path) : path_(path), source_(path.string()) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec))
            throw IoError(error_message("cannot open ", source_, " for reading: it is a directory"));
        file_.open(path, std::ios::binary);
        if (!file_) {
            const bool exists = std::filesystem::exists(path, ec);
            throw IoError(error_message("cannot open ", source_, " for reading",
                                        exists ? "" : ": no such file"));
        }
    }

    /// The file as given to the constructor (what error messages name).
    [[nodiscard]] const std::string& source() const noexcept { return source_; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// The 1-based number of the line last returned by next_line (0 before the first call).
    [[nodiscard]] std::size_t line_number() const noexcept { return line_number_; }

    /**
     * Stores the next line in `line` (without its '\n', a trailing '\r' or, on line 1, a UTF-8 BOM)
     * and returns true, or returns false at the end of the file. A final line without '\n' counts;
     * the empty string after a final '\n' does not. Throws IoError when reading fails.
     */
    bool next_line(std::string_view& line) {
        while (true) {
            const std::size_t newline = buffer_.find('\n', pos_);
            if (newline != std::string::npos) {
                line = finish_line(pos_, newline);
                pos_ = newline + 1;
                return true;
            }
            if (eof_) {
                if (pos_ >= buffer_.size()) return false;
                line = finish_line(pos_, buffer_.size());
                pos_ = buffer_.size();
                return true;
            }
            refill();
        }
    }

    /// Throws ParseError naming this file and the current line.
    [[noreturn]] void fail(const std::string& what) const { throw ParseError(source_, line_number_, what); }

    /// The integer in `field`; throws ParseError naming `column`, the text and "expected an integer".
    template <class Int>
    [[nodiscard]] Int parse_integer(std::string_view field, std::string_view column) const {
        if (const auto value = to_integer<Int>(field)) return *value;
        fail(error_message("column ", column, ": expected an integer", range_note<Int>(field), ", found '",
                           printable(field), "'"));
    }

    /// The finite number in `field`; throws ParseError naming `column`, the text and "expected a number".
    [[nodiscard]] double parse_double(std::string_view field, std::string_view column) const {
        if (const auto value = to_double(field)) return *value;
        fail(error_message("column ", column, ": expected a finite number, found '", printable(field), "'"));
    }

    /// `text` shortened to at most 60 characters for an error message.
    [[nodiscard]] static std::string printable(std::string_view text) {
        constexpr std::size_t limit = 60;
        if (text.size() <= limit) return std::string(text);
        return std::string(text.substr(0, limit)) + "...";
    }

private:
    // Says why a field of digits was still rejected (too large), so the message is not misleading.
    template <class Int>
    [[nodiscard]] static std::string range_note(std::string_view field) {
        field = trim(field);
        const bool digits = !field.empty() && std::all_of(field.begin() + (field.front() == '-' ? 1 : 0), field.end(),
                                                          [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || field == "-") return {};
        return error_message(" between ", std::numeric_limits<Int>::min(), " and ", std::numeric_limits<Int>::max());
    }

    std::string_view finish_line(std::size_t begin, std::size_t end) {
        ++line_number_;
        std::string_view line(buffer_.data() + begin, end - begin);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line_number_ == 1 && line.substr(0, utf8_bom.size()) == utf8_bom) line.remove_prefix(utf8_bom.size());
        return line;
    }

    // Moves the unfinished line to the front of the buffer and appends the next block.
    void refill() {
        constexpr std::size_t block = std::size_t(1) << 20;
        buffer_.erase(0, pos_);
        pos_ = 0;
        const std::size_t kept = buffer_.size();
        buffer_.resize(kept + block);
        file_.read(buffer_.data() + kept, std::streamsize(block));
        const auto got = std::size_t(file_.gcount());
        buffer_.resize(kept + got);
        if (file_.bad()) throw IoError(error_message("error while reading ", source_));
        if (got < block) eof_ = true;
    }

    std::filesystem::path path_;
    std::string source_;
    std::ifstream file_;
    std::string buffer_;
    std::size_t pos_ = 0;
    std::size_t line_number_ = 0;
    bool eof_ = false;
};

}  // namespace mvae::detail
