// mvae/io/npy.hpp — reading and writing dense 2-D matrices in NumPy's .npy format (versions 1.0–3.0).
//
// A .npy file is the magic "\x93NUMPY", a major and a minor version byte, the header length
// (2 bytes little-endian in 1.0; 4 bytes in 2.0 and 3.0), a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// padded with spaces and ended by '\n', then the raw array data.
//
// The reader accepts exactly what the evaluation needs and says precisely why it refuses anything
// else: a 2-D, C-order, little-endian float32 ('<f4') or float64 ('<f8') array whose data fill the
// rest of the file exactly. Trailing bytes after the data are rejected (numpy itself would ignore
// them, but for a score matrix they mean a wrong shape or a damaged file). The element type must
// match the requested Scalar exactly: converting float64 scores to float could merge distinct
// scores and silently change a ranking, so callers dispatch on read_npy_header(path).dtype.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "mvae/backend/cpu/cpu_buffer.hpp"
#include "mvae/core/device.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"
#include "mvae/io/atomic_file.hpp"

namespace mvae {

/// The parsed header of a .npy file.
struct NpyHeader {
    std::string dtype;                ///< The 'descr' string as written, e.g. "<f4".
    bool fortran_order = false;       ///< True when the data are stored column-major.
    std::vector<std::size_t> shape;   ///< One extent per dimension; empty for a 0-d array.
    std::size_t data_offset = 0;      ///< Byte offset of the array data in the file.
    int major_version = 1;            ///< Format version (1, 2 or 3).
    int minor_version = 0;
};

/// The .npy dtype string mvae reads and writes for Scalar: "<f4" for float, "<f8" for double.
template <Real Scalar>
[[nodiscard]] constexpr const char* npy_dtype() noexcept {
    if constexpr (std::is_same_v<Scalar, float>) {
        return "<f4";
    } else {
        return "<f8";
    }
}

namespace detail::npy {

inline constexpr char magic[] = "\x93NUMPY";
inline constexpr std::size_t magic_size = 6;
inline constexpr const char* supported_dtypes = "'<f4' (float32) and '<f8' (float64)";

[[noreturn]] inline void fail(const std::filesystem::path& file, const std::string& what) {
    throw ParseError(file.string(), 0, what);
}

/// A value of the header's Python literal: a string, a bool, an integer, None or a tuple/list.
struct Value {
    enum class Kind { String, Bool, Integer, None, Tuple, List } kind = Kind::None;
    std::string text;  // String: the contents; Integer: the digits
    bool flag = false;
    std::vector<Value> items;
};

/// Recursive-descent parser of the small subset of Python literals numpy writes into headers.
class HeaderParser {
public:
    HeaderParser(const std::filesystem::path& file, std::string_view text) : file_(file), text_(text) {}

    /// Parses the whole header: a dict, then only whitespace.
    std::vector<std::pair<std::string, Value>> parse_dict() {
        skip_space();
        if (!consume('{')) error("the header is not a Python dict (it does not start with '{')");
        std::vector<std::pair<std::string, Value>> entries;
        for (;;) {
            skip_space();
            if (consume('}')) break;
            Value key = parse_value();
            if (key.kind != Value::Kind::String) error("a header dict key is not a string");
            skip_space();
            if (!consume(':')) error("expected ':' after the key '" + key.text + "'");
            skip_space();
            Value value = parse_value();
            for (const auto& e : entries)
                if (e.first == key.text) error("the key '" + key.text + "' appears twice");
            entries.emplace_back(key.text, std::move(value));
            skip_space();
            if (consume(',')) continue;
            if (consume('}')) break;
            error("expected ',' or '}' in the header dict");
        }
        skip_space();
        if (pos_ != text_.size()) error("unexpected text after the header dict");
        return entries;
    }

private:
    [[noreturn]] void error(const std::string& what) const {
        fail(file_, "malformed .npy header: " + what + " (at byte " + std::to_string(pos_) + " of the header '" +
                        printable() + "')");
    }
    [[nodiscard]] std::string printable() const {
        std::string out;
        for (const char c : text_.substr(0, 200)) {
            if (c == '\n') out += "\\n";
            else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) out += '?';
            else out += c;
        }
        return out;
    }
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                       text_[pos_] == '\r'))
            ++pos_;
    }
    bool consume(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool consume_word(std::string_view word) {
        if (text_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    Value parse_value() {
        if (depth_ > 32) error("nesting too deep");
        Value v;
        if (pos_ >= text_.size()) error("unexpected end of the header");
        const char c = text_[pos_];
        if (c == '\'' || c == '"') {
            ++pos_;
            v.kind = Value::Kind::String;
            while (pos_ < text_.size() && text_[pos_] != c) {
                if (text_[pos_] == '\\') error("escapes in header strings are not supported");
                v.text += text_[pos_++];
            }
            if (!consume(c)) error("unterminated string");
        } else if (c == '(' || c == '[') {
            const char close = c == '(' ? ')' : ']';
            ++pos_;
            ++depth_;
            v.kind = c == '(' ? Value::Kind::Tuple : Value::Kind::List;
            for (;;) {
                skip_space();
                if (consume(close)) break;
                v.items.push_back(parse_value());
                skip_space();
                if (consume(',')) continue;
                if (consume(close)) break;
                error(std::string("expected ',' or '") + close + "'");
            }
            --depth_;
        } else if (c >= '0' && c <= '9') {
            v.kind = Value::Kind::Integer;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') v.text += text_[pos_++];
            consume('L');  // Python 2 long literals, as old numpy wrote them
        } else if (c == '-') {
            error("negative numbers are not valid here");
        } else if (consume_word("True")) {
            v.kind = Value::Kind::Bool;
            v.flag = true;
        } else if (consume_word("False")) {
            v.kind = Value::Kind::Bool;
            v.flag = false;
        } else if (consume_word("None")) {
            v.kind = Value::Kind::None;
        } else {
            error(std::string("unexpected character '") + (c >= 0x20 && c < 0x7f ? std::string(1, c) : "?") + "'");
        }
        return v;
    }

    const std::filesystem::path& file_;
    std::string_view text_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

[[nodiscard]] inline std::string shape_string(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() == 1) s += ",";
    return s + ")";
}

/// NumPy's name of a simple dtype string ("<i4" -> " (int32)"), or "" when it is not one.
[[nodiscard]] inline std::string dtype_name(std::string_view dtype) {
    if (dtype.size() < 3 || std::string_view("<>|=").find(dtype[0]) == std::string_view::npos) return "";
    const std::string_view digits = dtype.substr(2);
    if (digits.find_first_not_of("0123456789") != std::string_view::npos || digits.size() > 2) return "";
    const int bytes = std::stoi(std::string(digits));
    const char* kind = nullptr;
    switch (dtype[1]) {
        case 'i': kind = "int"; break;
        case 'u': kind = "uint"; break;
        case 'f': kind = "float"; break;
        case 'c': kind = "complex"; break;
        case 'b': return bytes == 1 ? " (bool)" : "";
        default: return "";
    }
    return " (" + std::string(kind) + std::to_string(8 * bytes) + ")";
}

[[nodiscard]] inline std::uint32_t little_endian(const unsigned char* p, std::size_t bytes) noexcept {
    std::uint32_t v = 0;
    for (std::size_t i = bytes; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

/// Reverses the bytes of each element on a big-endian host (a no-op on little-endian ones).
template <class Scalar>
void to_little_endian(Scalar* data, std::size_t n) noexcept {
    if constexpr (std::endian::native != std::endian::little) {
        auto* bytes = reinterpret_cast<unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t a = 0, b = sizeof(Scalar) - 1; a < b; ++a, --b)
                std::swap(bytes[i * sizeof(Scalar) + a], bytes[i * sizeof(Scalar) + b]);
    } else {
        (void)data;
        (void)n;
    }
}

}  // namespace detail::npy

/**
 * Reads and checks the header of a .npy file (any dtype, any number of dimensions).
 *
 * @throws IoError    the file cannot be opened or read.
 * @throws ParseError ("FILE: ...") wrong magic string, unsupported version (only 1.0, 2.0 and 3.0
 *                    exist), truncated header, header not a dict, a missing, repeated or unknown
 *                    key, a structured (non-string) dtype, a non-bool fortran_order, or a shape
 *                    that is not a tuple of non-negative integers.
 */
[[nodiscard]] inline NpyHeader read_npy_header(const std::filesystem::path& file) {
    namespace np = detail::npy;
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IoError(detail::error_message("cannot open ", file.string(), " for reading: ", std::strerror(errno)));

    unsigned char prefix[12] = {};
    in.read(reinterpret_cast<char*>(prefix), 10);
    const auto got = std::size_t(in.gcount());
    if (got < np::magic_size || std::memcmp(prefix, np::magic, np::magic_size) != 0)
        np::fail(file, "not a .npy file: wrong magic string (a .npy file starts with \\x93NUMPY)");
    if (got < 8) np::fail(file, "truncated .npy file: it ends inside the version bytes");

    NpyHeader h;
    h.major_version = prefix[6];
    h.minor_version = prefix[7];
    if ((h.major_version != 1 && h.major_version != 2 && h.major_version != 3) || h.minor_version != 0)
        np::fail(file, detail::error_message("unsupported .npy format version ", h.major_version, ".", h.minor_version,
                                             " (supported: 1.0, 2.0, 3.0)"));
    const std::size_t length_bytes = h.major_version == 1 ? 2 : 4;
    if (length_bytes == 4) {
        in.read(reinterpret_cast<char*>(prefix + 10), 2);
        if (in.gcount() != 2) np::fail(file, "truncated .npy file: it ends inside the header length");
    } else if (got < 10) {
        np::fail(file, "truncated .npy file: it ends inside the header length");
    }
    const std::size_t header_len = np::little_endian(prefix + 8, length_bytes);
    h.data_offset = 8 + length_bytes + header_len;

    // The length field of a 2.0/3.0 file can claim up to 4 GiB: check it against the file before
    // allocating the header (found by fuzzing: a 152-byte file asked for a 2 GiB string).
    std::error_code size_error;
    const std::uintmax_t file_size = std::filesystem::file_size(file, size_error);
    if (!size_error && file_size < h.data_offset)
        np::fail(file, detail::error_message("truncated .npy header: expected ", header_len, " bytes, found ",
                                             file_size - std::min<std::uintmax_t>(file_size, 8 + length_bytes)));
    std::string text(header_len, '\0');
    in.read(text.data(), std::streamsize(header_len));
    if (std::size_t(in.gcount()) != header_len)
        np::fail(file, detail::error_message("truncated .npy header: expected ", header_len, " bytes, found ",
                                             in.gcount()));

    np::HeaderParser parser(file, text);
    const auto entries = parser.parse_dict();
    const np::Value* descr = nullptr;
    const np::Value* fortran = nullptr;
    const np::Value* shape = nullptr;
    for (const auto& [key, value] : entries) {
        if (key == "descr") descr = &value;
        else if (key == "fortran_order") fortran = &value;
        else if (key == "shape") shape = &value;
        else np::fail(file, "malformed .npy header: unexpected key '" + key + "' (expected descr, fortran_order, shape)");
    }
    for (const auto& [name, value] : {std::pair{"descr", descr}, {"fortran_order", fortran}, {"shape", shape}})
        if (value == nullptr) np::fail(file, std::string("malformed .npy header: the key '") + name + "' is missing");

    if (descr->kind != np::Value::Kind::String)
        np::fail(file, std::string("unsupported dtype: structured arrays are not supported; supported: ") +
                           np::supported_dtypes);
    h.dtype = descr->text;
    if (fortran->kind != np::Value::Kind::Bool)
        np::fail(file, "malformed .npy header: fortran_order must be True or False");
    h.fortran_order = fortran->flag;
    if (shape->kind != np::Value::Kind::Tuple)
        np::fail(file, "malformed .npy header: shape must be a tuple of integers");
    for (const auto& extent : shape->items) {
        if (extent.kind != np::Value::Kind::Integer)
            np::fail(file, "malformed .npy header: shape must be a tuple of integers");
        std::size_t v = 0;
        for (const char c : extent.text) {
            if (v > (std::numeric_limits<std::size_t>::max() - 9) / 10)
                np::fail(file, "malformed .npy header: the extent " + extent.text + " is too large");
            v = v * 10 + std::size_t(c - '0');
        }
        h.shape.push_back(v);
    }
    return h;
}

/**
 * Reads a 2-D float32 or float64 .npy file into a matrix.
 *
 * @tparam S float (the file must hold '<f4') or double ('<f8'); no conversion is done.
 * @throws IoError    the file cannot be opened or read.
 * @throws ParseError read_npy_header's errors, and: fortran_order True, a dtype other than S's
 *                    (big-endian, another type, or the other float width), not exactly 2-D, an
 *                    extent above the index range, or data that do not fill the rest of the file
 *                    exactly ("expected N bytes of data, found M").
 */
template <Real S>
[[nodiscard]] Matrix<S, Cpu> read_npy_matrix(const std::filesystem::path& file) {
    namespace np = detail::npy;
    const NpyHeader h = read_npy_header(file);
    if (h.fortran_order)
        np::fail(file, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
    const std::string_view dtype = h.dtype;
    if (dtype.size() >= 2 && dtype[0] == '>')
        np::fail(file, "big-endian arrays are not supported (dtype '" + h.dtype +
                           "'); convert with arr.astype(arr.dtype.newbyteorder('<'))");
    if (dtype != "<f4" && dtype != "<f8")
        np::fail(file, "unsupported dtype '" + h.dtype + "'" + np::dtype_name(dtype) + "; supported: " +
                           np::supported_dtypes);
    if (dtype != npy_dtype<S>())
        np::fail(file, detail::error_message("the file holds ", dtype == "<f4" ? "float32" : "float64", " ('", dtype,
                                             "') but ", std::is_same_v<S, float> ? "float32" : "float64",
                                             " was requested; no silent conversion is made"));
    if (h.shape.size() != 2)
        np::fail(file, "expected a 2-D array, found shape " + np::shape_string(h.shape));
    constexpr auto max_index = std::size_t(std::numeric_limits<index_t>::max());
    if (h.shape[0] > max_index || h.shape[1] > max_index)
        np::fail(file, "shape " + np::shape_string(h.shape) + " exceeds the supported extent " + std::to_string(max_index));
    const auto rows = index_t(h.shape[0]);
    const auto cols = index_t(h.shape[1]);
    const std::size_t count = std::size_t(rows) * std::size_t(cols);
    // The byte count must not wrap either: (1263665316, 1824726041) of '<f8' is 2^64 + 32 bytes,
    // which would pass the size check below with 32 bytes of data (found by review, while fuzzing).
    if ((cols > 0 && count / std::size_t(cols) != std::size_t(rows)) ||
        count > std::numeric_limits<std::size_t>::max() / sizeof(S))
        np::fail(file, "shape " + np::shape_string(h.shape) + " is too large");
    const std::size_t expected = count * sizeof(S);

    std::error_code ec;
    const std::uintmax_t file_size = std::filesystem::file_size(file, ec);
    if (ec) throw IoError(detail::error_message("cannot determine the size of ", file.string(), ": ", ec.message()));
    const std::uintmax_t found = file_size >= h.data_offset ? file_size - h.data_offset : 0;
    if (found < expected)
        np::fail(file, detail::error_message("truncated data: a ", rows, " x ", cols, " ", dtype, " array needs ",
                                             expected, " bytes, found ", found));
    if (found > expected)
        np::fail(file, detail::error_message("expected ", expected, " bytes of data for a ", rows, " x ", cols, " ",
                                             dtype, " array, found ", found, " (", found - expected,
                                             " unexpected trailing bytes)"));

    Matrix<S, Cpu> m(rows, cols);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IoError(detail::error_message("cannot open ", file.string(), " for reading: ", std::strerror(errno)));
    in.seekg(std::streamoff(h.data_offset));
    in.read(reinterpret_cast<char*>(m.data()), std::streamsize(expected));
    if (!in || std::size_t(in.gcount()) != expected)
        throw IoError(detail::error_message("reading ", expected, " bytes of data from ", file.string(), " failed"));
    np::to_little_endian(m.data(), count);
    return m;
}

/**
 * Writes a matrix as a version 1.0 .npy file ('<f4' or '<f8', C order), atomically: the data go
 * to a temporary file in the same directory, which is then renamed over `file`, so a reader never
 * sees a half-written file. The header is padded so the data start on a 64-byte boundary.
 *
 * @throws IoError the file cannot be written (the temporary file is removed).
 */
template <Real S>
void write_npy(const std::filesystem::path& file, MatrixView<const S, Cpu> matrix) {
    namespace np = detail::npy;
    std::string header = "{'descr': '" + std::string(npy_dtype<S>()) + "', 'fortran_order': False, 'shape': (" +
                         std::to_string(matrix.rows()) + ", " + std::to_string(matrix.cols()) + "), }";
    const std::size_t unpadded = np::magic_size + 2 + 2 + header.size() + 1;  // + the final '\n'
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';

    write_file_atomically(file, [&](std::ofstream& out) {
        const auto len = std::uint16_t(header.size());
        const unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<unsigned char>(len & 0xff),
                                          static_cast<unsigned char>(len >> 8)};
        out.write(reinterpret_cast<const char*>(prefix), 10);
        out.write(header.data(), std::streamsize(header.size()));
        std::vector<S> swapped;
        for (index_t i = 0; i < matrix.rows() && out; ++i) {
            const S* row = matrix.row(i);
            if constexpr (std::endian::native != std::endian::little) {
                swapped.assign(row, row + matrix.cols());
                np::to_little_endian(swapped.data(), swapped.size());
                row = swapped.data();
            }
            out.write(reinterpret_cast<const char*>(row), std::streamsize(std::size_t(matrix.cols()) * sizeof(S)));
        }
    });
}

/// Overload for an owning matrix.
template <Real S>
void write_npy(const std::filesystem::path& file, const Matrix<S, Cpu>& matrix) {
    write_npy<S>(file, matrix.cview());
}

}  // namespace mvae
