// mvae/io/model_file.hpp — the versioned, checksummed container of saved models: ModelWriter and
// ModelReader.
//
// A model file is a kind string (which model class wrote it, e.g. "mvae.dual_vae") and a list of
// named sections, each a typed, shaped array or a UTF-8 text. The container knows nothing about
// models; the model classes decide which sections they write and require. Files are written
// atomically (a temporary sibling renamed over the target), so an interrupted save leaves the
// previous model intact, and they are validated completely when opened: any flipped byte and any
// truncation is reported as a ParseError naming the file, never read as a model.
//
// Layout, format version 1. Integers are unsigned little-endian unless marked i64 (two's
// complement, little-endian); offsets are from the start of the file; S is the file size.
//
//   Prefix, 28 bytes; every format version keeps these four fields, so any reader can tell a
//   newer file from a damaged one:
//     0    8  magic, the ASCII bytes "MVAEMODL"
//     8    4  u32 format version (1)
//     12   8  u64 S, the size of the whole file in bytes
//     20   8  u64 CRC-64/XZ of bytes 0..19 (the three fields above)
//   Body:
//     28   4  u32 K, the byte length of the kind (1..4096)
//     32   K  the kind, UTF-8 (no terminator)
//     then zero or more sections, back to back, up to offset S-16:
//          4  u32 L, the byte length of the name (1..4096)
//          L  the name, UTF-8; names are unique within a file
//          4  u32 type tag: 1 f32, 2 f64, 3 i32, 4 i64, 5 u64 (IEEE-754 binary32/binary64,
//             two's complement), 6 utf8 (text)
//          4  u32 ndim (0..32); 0 is a scalar (one element); a utf8 section has ndim 1
//      8*ndim i64 extents, each >= 0, outermost first
//          8  u64 P, the payload size: the product of the extents (1 when ndim is 0) times the
//             element size (4 for f32 and i32, 8 for f64, i64 and u64, 1 for utf8)
//          P  the elements in row-major order, each little-endian; for utf8 the text's bytes
//   Trailer, 16 bytes:
//     S-16 8  end marker, the ASCII bytes "MVAE_END"
//     S-8  8  u64 CRC-64/XZ of bytes 0..S-9 (everything before it)
//
// There is no padding anywhere. The checksum is mvae::Crc64 (mvae/io/checksum.hpp). Why one
// checksum over the whole file rather than one per section: the reader holds the whole file
// anyway, and a CRC-64 detects every error burst of up to 64 bits, so a single check before any
// field is interpreted already rejects every single corrupted byte with the same clear message.
// docs/model-format.md describes the format and its rules for future versions.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/io/atomic_file.hpp"
#include "mvae/io/checksum.hpp"

namespace mvae {

/// The newest model-file format version this build writes and reads.
inline constexpr std::uint32_t model_format_version = 1;

/// The longest kind string and section name, in bytes.
inline constexpr std::size_t model_max_name_bytes = 4096;

/// The most dimensions a section may have.
inline constexpr std::size_t model_max_ndim = 32;

/// The element type of a section; the values are the type tags stored in the file.
enum class ModelDataType : std::uint32_t { f32 = 1, f64 = 2, i32 = 3, i64 = 4, u64 = 5, utf8 = 6 };

/// The numeric element types a section can hold (text is written with add_text / read with text()).
template <class T>
concept ModelElement = std::same_as<T, float> || std::same_as<T, double> || std::same_as<T, std::int32_t> ||
                       std::same_as<T, std::int64_t> || std::same_as<T, std::uint64_t>;

/// The ModelDataType that stores T.
template <ModelElement T>
inline constexpr ModelDataType model_data_type_v = std::same_as<T, float>          ? ModelDataType::f32
                                                   : std::same_as<T, double>       ? ModelDataType::f64
                                                   : std::same_as<T, std::int32_t> ? ModelDataType::i32
                                                   : std::same_as<T, std::int64_t> ? ModelDataType::i64
                                                                                   : ModelDataType::u64;

/// The short name of a type as used in messages and docs: "f32", "f64", "i32", "i64", "u64", "utf8".
[[nodiscard]] constexpr const char* to_string(ModelDataType type) noexcept {
    switch (type) {
        case ModelDataType::f32: return "f32";
        case ModelDataType::f64: return "f64";
        case ModelDataType::i32: return "i32";
        case ModelDataType::i64: return "i64";
        case ModelDataType::u64: return "u64";
        case ModelDataType::utf8: return "utf8";
    }
    return "unknown";
}

namespace detail::model_file {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "mixed-endian hosts are not supported");
static_assert(std::numeric_limits<float>::is_iec559 && std::numeric_limits<double>::is_iec559,
              "model files store IEEE-754 floating point");

inline constexpr char magic[8] = {'M', 'V', 'A', 'E', 'M', 'O', 'D', 'L'};
inline constexpr char end_marker[8] = {'M', 'V', 'A', 'E', '_', 'E', 'N', 'D'};
inline constexpr std::size_t prefix_size = 28;      // magic, version, size, prefix checksum
inline constexpr std::size_t prefix_crc_span = 20;  // the bytes the prefix checksum covers
inline constexpr std::size_t trailer_size = 16;     // end marker, file checksum
inline constexpr std::size_t min_file_size = prefix_size + 4 + 1 + trailer_size;  // a 1-byte kind, no section

[[nodiscard]] constexpr std::size_t element_size(ModelDataType type) noexcept {
    switch (type) {
        case ModelDataType::f32:
        case ModelDataType::i32: return 4;
        case ModelDataType::f64:
        case ModelDataType::i64:
        case ModelDataType::u64: return 8;
        case ModelDataType::utf8: return 1;
    }
    return 0;
}

[[nodiscard]] constexpr bool is_known_tag(std::uint32_t tag) noexcept { return tag >= 1 && tag <= 6; }

/// True when `s` is well-formed UTF-8: no stray continuation bytes, no truncated sequences, no
/// overlong encodings, no UTF-16 surrogates, nothing above U+10FFFF.
[[nodiscard]] inline bool is_valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto lead = static_cast<unsigned char>(s[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t code = 0;
        std::uint32_t smallest = 0;
        if ((lead & 0xE0u) == 0xC0u) {
            length = 2, code = lead & 0x1Fu, smallest = 0x80;
        } else if ((lead & 0xF0u) == 0xE0u) {
            length = 3, code = lead & 0x0Fu, smallest = 0x800;
        } else if ((lead & 0xF8u) == 0xF0u) {
            length = 4, code = lead & 0x07u, smallest = 0x10000;
        } else {
            return false;
        }
        if (s.size() - i < length) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(s[i + k]);
            if ((next & 0xC0u) != 0x80u) return false;
            code = (code << 6) | (next & 0x3Fu);
        }
        if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        i += length;
    }
    return true;
}

/// "[3, 4]"; "[]" for a scalar.
[[nodiscard]] inline std::string shape_string(std::span<const std::int64_t> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

[[nodiscard]] inline std::string hex64(std::uint64_t v) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s = "0x";
    for (int shift = 60; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xFu];
    return s;
}

[[nodiscard]] inline std::uint64_t load_le(const std::byte* p, std::size_t bytes) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = bytes; i-- > 0;) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
    return v;
}

inline void append_le(std::vector<std::byte>& out, std::uint64_t v, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) out.push_back(std::byte((v >> (8 * i)) & 0xFFu));
}

template <ModelElement T>
using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

/// Appends `data` to `out` as little-endian elements.
template <ModelElement T>
void append_elements(std::vector<std::byte>& out, std::span<const T> data) {
    const std::size_t first = out.size();
    out.resize(first + data.size_bytes());
    if constexpr (std::endian::native == std::endian::little) {
        if (!data.empty()) std::memcpy(out.data() + first, data.data(), data.size_bytes());
    } else {
        std::byte* p = out.data() + first;
        for (const T value : data) {
            const auto bits = std::bit_cast<Bits<T>>(value);
            for (std::size_t b = 0; b < sizeof(T); ++b) *p++ = std::byte((bits >> (8 * b)) & 0xFFu);
        }
    }
}

/// Decodes `out.size()` little-endian elements from `in`.
template <ModelElement T>
void decode_elements(const std::byte* in, std::span<T> out) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        if (!out.empty()) std::memcpy(out.data(), in, out.size_bytes());
    } else {
        for (T& value : out) {
            value = std::bit_cast<T>(static_cast<Bits<T>>(load_le(in, sizeof(T))));
            in += sizeof(T);
        }
    }
}

[[noreturn]] inline void fail(const std::string& source, const std::string& what) { throw ParseError(source, 0, what); }

/**
 * Checks the 28-byte prefix, which every format version shares, against the real file size.
 * `head` holds the first min(actual_size, 28) bytes. Returns the format version.
 */
inline std::uint32_t check_prefix(std::span<const std::byte> head, std::uint64_t actual_size,
                                  const std::string& source) {
    if (actual_size == 0) fail(source, "empty file: not an mvae model file");
    const std::size_t compared = std::min<std::size_t>(head.size(), sizeof(magic));
    if (std::memcmp(head.data(), magic, compared) != 0)
        fail(source, "not an mvae model file (it does not start with \"MVAEMODL\")");
    if (actual_size < prefix_size)
        fail(source, error_message("truncated: expected ", prefix_size - actual_size, " more bytes at offset ",
                                   actual_size, " (the file ends inside its ", prefix_size, "-byte header)"));
    const std::uint64_t stored = load_le(head.data() + prefix_crc_span, 8);
    const std::uint64_t computed = Crc64::of(head.first(prefix_crc_span));
    if (stored != computed)
        fail(source, "checksum mismatch: the file is corrupted (the header checksum is " + hex64(stored) +
                         ", the header's bytes give " + hex64(computed) + ")");
    const auto version = static_cast<std::uint32_t>(load_le(head.data() + 8, 4));
    if (version == 0) fail(source, "invalid format version 0");
    if (version > model_format_version)
        fail(source, error_message("written by a newer mvae (format version ", version, ", this build reads up to ",
                                   model_format_version, ")"));
    const std::uint64_t declared = load_le(head.data() + 12, 8);
    if (actual_size < declared)
        fail(source, error_message("truncated: expected ", declared - actual_size, " more bytes at offset ",
                                   actual_size, " (the header declares a file of ", declared, " bytes)"));
    if (actual_size > declared)
        fail(source, error_message(actual_size - declared, " unexpected trailing bytes after offset ", declared,
                                   " (the header declares a file of ", declared, " bytes)"));
    if (declared < min_file_size)
        fail(source, error_message("malformed: the header declares a file of ", declared,
                                   " bytes, below the smallest model file (", min_file_size, " bytes)"));
    return version;
}

/// Bounds-checked reading of the body, between the prefix and the trailer.
class Cursor {
public:
    Cursor(const std::byte* data, std::size_t pos, std::size_t end, const std::string& source)
        : data_(data), pos_(pos), end_(end), source_(source) {}

    [[nodiscard]] std::size_t pos() const noexcept { return pos_; }
    [[nodiscard]] std::size_t left() const noexcept { return end_ - pos_; }
    [[nodiscard]] bool at_end() const noexcept { return pos_ == end_; }

    /// Fails unless `bytes` more bytes lie before the trailer; never allocates.
    void need(std::uint64_t bytes, const std::string& what) const {
        if (bytes > left())
            fail(source_, error_message("malformed: ", what, " at offset ", pos_, " needs ", bytes,
                                        " bytes but only ", left(), " remain before the end marker"));
    }
    std::uint64_t uint(std::size_t bytes, const std::string& what) {
        need(bytes, what);
        const std::uint64_t v = load_le(data_ + pos_, bytes);
        pos_ += bytes;
        return v;
    }
    std::string text(std::size_t bytes, const std::string& what) {
        need(bytes, what);
        std::string s(reinterpret_cast<const char*>(data_ + pos_), bytes);
        pos_ += bytes;
        return s;
    }
    void skip(std::size_t bytes) noexcept { pos_ += bytes; }

private:
    const std::byte* data_;
    std::size_t pos_;
    std::size_t end_;
    const std::string& source_;
};

}  // namespace detail::model_file

/**
 * Collects named sections and writes them as one model file (format above).
 *
 * The sections are copied (already encoded) when added, so the caller's buffers may change or
 * die before save(); save() can be called several times.
 *
 * @code
 * mvae::ModelWriter w("mvae.dual_vae");
 * w.add_text("config", config_json);
 * w.add_scalar("epoch", std::int64_t{42});
 * w.add("encoder.weight", std::span<const float>(weights), {n_items, hidden});
 * w.save("model.mvae");  // atomic: the previous model.mvae survives any failure
 * @endcode
 */
class ModelWriter {
public:
    /**
     * @param kind what the file holds, checked by ModelReader::open; non-empty valid UTF-8 of at
     *             most model_max_name_bytes bytes (ArgumentError otherwise).
     */
    explicit ModelWriter(std::string kind) : kind_(std::move(kind)) {
        require_argument(!kind_.empty(), "ModelWriter: the kind must not be empty");
        require_argument(kind_.size() <= model_max_name_bytes, "ModelWriter: the kind is ", kind_.size(),
                         " bytes long; at most ", model_max_name_bytes, " are allowed");
        require_argument(detail::model_file::is_valid_utf8(kind_), "ModelWriter: the kind is not valid UTF-8");
    }

    [[nodiscard]] const std::string& kind() const noexcept { return kind_; }

    /**
     * Adds an array section holding `data` in row-major order.
     *
     * @param name  unique, non-empty, valid UTF-8, at most model_max_name_bytes bytes
     *              (ArgumentError otherwise).
     * @param shape extents, each >= 0, at most model_max_ndim of them; their product must equal
     *              data.size() (ShapeError otherwise). An empty shape is a scalar (one element).
     */
    void add(std::string name, std::span<const float> data, std::vector<std::int64_t> shape) {
        add_array(std::move(name), data, std::move(shape));
    }
    /// @copydoc add(std::string, std::span<const float>, std::vector<std::int64_t>)
    void add(std::string name, std::span<const double> data, std::vector<std::int64_t> shape) {
        add_array(std::move(name), data, std::move(shape));
    }
    /// @copydoc add(std::string, std::span<const float>, std::vector<std::int64_t>)
    void add(std::string name, std::span<const std::int32_t> data, std::vector<std::int64_t> shape) {
        add_array(std::move(name), data, std::move(shape));
    }
    /// @copydoc add(std::string, std::span<const float>, std::vector<std::int64_t>)
    void add(std::string name, std::span<const std::int64_t> data, std::vector<std::int64_t> shape) {
        add_array(std::move(name), data, std::move(shape));
    }
    /// @copydoc add(std::string, std::span<const float>, std::vector<std::int64_t>)
    void add(std::string name, std::span<const std::uint64_t> data, std::vector<std::int64_t> shape) {
        add_array(std::move(name), data, std::move(shape));
    }

    /// Adds a scalar section (shape []) holding `value`; read it back with ModelReader::scalar<T>.
    template <ModelElement T>
    void add_scalar(std::string name, T value) {
        add_array(std::move(name), std::span<const T>(&value, 1), {});
    }

    /// Adds a text section (type utf8, shape [text.size()]); `text` must be valid UTF-8 (ArgumentError).
    void add_text(std::string name, std::string_view text) {
        check_name(name);
        require_argument(detail::model_file::is_valid_utf8(text), "ModelWriter::add_text('", name,
                         "'): the text is not valid UTF-8");
        Section s{std::move(name), ModelDataType::utf8, {std::int64_t(text.size())}, {}};
        s.payload.resize(text.size());
        if (!text.empty()) std::memcpy(s.payload.data(), text.data(), text.size());
        sections_.push_back(std::move(s));
    }

    /// True when a section called `name` has been added.
    [[nodiscard]] bool has(std::string_view name) const noexcept {
        return std::any_of(sections_.begin(), sections_.end(), [&](const Section& s) { return s.name == name; });
    }
    /// The number of sections added so far.
    [[nodiscard]] std::size_t section_count() const noexcept { return sections_.size(); }

    /// The exact number of bytes write() and save() produce.
    [[nodiscard]] std::uint64_t file_size() const noexcept {
        namespace mf = detail::model_file;
        std::uint64_t size = mf::prefix_size + 4 + kind_.size() + mf::trailer_size;
        for (const Section& s : sections_) size += header_size(s) + s.payload.size();
        return size;
    }

    /**
     * Writes the file to `out` (opened in binary mode). Does not check `out`'s state: the caller
     * does (save() does).
     */
    void write(std::ostream& out) const {
        namespace mf = detail::model_file;
        Crc64 crc;
        const auto emit = [&](const std::vector<std::byte>& bytes) {
            out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
            crc.update(bytes);
        };
        std::vector<std::byte> head;
        const auto* magic = reinterpret_cast<const std::byte*>(mf::magic);
        head.insert(head.end(), magic, magic + sizeof(mf::magic));
        mf::append_le(head, model_format_version, 4);
        mf::append_le(head, file_size(), 8);
        mf::append_le(head, Crc64::of(head), 8);
        mf::append_le(head, kind_.size(), 4);
        const auto* kind = reinterpret_cast<const std::byte*>(kind_.data());
        head.insert(head.end(), kind, kind + kind_.size());
        emit(head);
        for (const Section& s : sections_) {
            head.clear();
            mf::append_le(head, s.name.size(), 4);
            const auto* name = reinterpret_cast<const std::byte*>(s.name.data());
            head.insert(head.end(), name, name + s.name.size());
            mf::append_le(head, std::uint32_t(s.type), 4);
            mf::append_le(head, s.shape.size(), 4);
            for (const std::int64_t extent : s.shape) mf::append_le(head, std::uint64_t(extent), 8);
            mf::append_le(head, s.payload.size(), 8);
            emit(head);
            emit(s.payload);
            if (!out) return;  // a failed stream stays failed; the caller reports it
        }
        head.clear();
        const auto* end = reinterpret_cast<const std::byte*>(mf::end_marker);
        head.insert(head.end(), end, end + sizeof(mf::end_marker));
        emit(head);
        head.clear();
        mf::append_le(head, crc.value(), 8);
        out.write(reinterpret_cast<const char*>(head.data()), std::streamsize(head.size()));
    }

    /**
     * Writes the file atomically (write_file_atomically): to a temporary sibling, renamed over
     * `file` once complete, so a failure at any point leaves a previous `file` intact.
     *
     * @throws IoError naming `file` when it cannot be written.
     */
    void save(const std::filesystem::path& file) const {
        write_file_atomically(file, [&](std::ofstream& out) { write(out); });
    }

private:
    struct Section {
        std::string name;
        ModelDataType type;
        std::vector<std::int64_t> shape;
        std::vector<std::byte> payload;  // little-endian
    };

    static std::uint64_t header_size(const Section& s) noexcept {
        return 4 + s.name.size() + 4 + 4 + 8 * s.shape.size() + 8;
    }

    void check_name(const std::string& name) const {
        require_argument(!name.empty(), "ModelWriter: a section name must not be empty");
        require_argument(name.size() <= model_max_name_bytes, "ModelWriter: the section name '", name.substr(0, 64),
                         "...' is ", name.size(), " bytes long; at most ", model_max_name_bytes, " are allowed");
        require_argument(detail::model_file::is_valid_utf8(name), "ModelWriter: a section name is not valid UTF-8");
        require_argument(!has(name), "ModelWriter: the section '", name, "' was added twice");
    }

    template <ModelElement T>
    void add_array(std::string name, std::span<const T> data, std::vector<std::int64_t> shape) {
        check_name(name);
        const std::string where = "ModelWriter::add('" + name + "'): ";
        const std::string shape_text = detail::model_file::shape_string(shape);
        require_shape(shape.size() <= model_max_ndim, where, "shape ", shape_text, " has ", shape.size(),
                      " dimensions; at most ", model_max_ndim, " are allowed");
        std::uint64_t count = 1;
        bool overflow = false;
        for (const std::int64_t extent : shape) {
            require_shape(extent >= 0, where, "shape ", shape_text, " has a negative extent");
            if (extent != 0 && count > std::numeric_limits<std::uint64_t>::max() / std::uint64_t(extent))
                overflow = true;
            else
                count *= std::uint64_t(extent);
        }
        require_shape(!overflow && count == data.size(), where, "shape ", shape_text, " holds ",
                      overflow ? std::string("too many") : std::to_string(count), " elements but the data have ",
                      data.size());
        Section s{std::move(name), model_data_type_v<T>, std::move(shape), {}};
        s.payload.reserve(data.size_bytes());
        detail::model_file::append_elements(s.payload, data);
        sections_.push_back(std::move(s));
    }

    std::string kind_;
    std::vector<Section> sections_;
};

/**
 * A model file read and validated completely: the prefix, the whole-file checksum, then every
 * section's name, type, shape and size. After open() succeeds no accessor can meet a malformed
 * file; accessors fail (ParseError naming the file and the section) only when the caller asks
 * for a section that is absent or holds another type or shape.
 *
 * The reader keeps the file's bytes; get() copies (and on big-endian hosts byte-swaps) one
 * section out of them.
 *
 * @code
 * const auto r = mvae::ModelReader::open("model.mvae", "mvae.dual_vae");
 * const std::string config = r.text("config");
 * const std::vector<float> w = r.get<float>("encoder.weight", {n_items, hidden});
 * @endcode
 */
class ModelReader {
public:
    ModelReader(ModelReader&&) noexcept = default;
    ModelReader& operator=(ModelReader&&) noexcept = default;
    ModelReader(const ModelReader&) = delete;
    ModelReader& operator=(const ModelReader&) = delete;

    /**
     * Reads and validates the model file `file`.
     *
     * @param expected_kind when non-empty, the kind the file must hold.
     * @throws IoError    the file cannot be opened or read.
     * @throws ParseError ("FILE: ...") in this order: an empty file or wrong magic ("not an mvae
     *                    model file"); a file shorter than its header or than the size its header
     *                    declares ("truncated: expected N more bytes at offset X"); a damaged
     *                    header or a whole-file checksum that does not match ("checksum mismatch:
     *                    the file is corrupted"); a format version above model_format_version
     *                    ("written by a newer mvae (format version N, this build reads up to M)");
     *                    trailing bytes; a structural defect in a file whose checksum matches
     *                    ("malformed: ...": a length that runs past the end, an unknown type tag,
     *                    a duplicate name, invalid UTF-8, a payload size that disagrees with the
     *                    shape); a kind other than `expected_kind` (the message names both).
     *                    Sizes are checked against the file before anything is allocated.
     */
    [[nodiscard]] static ModelReader open(const std::filesystem::path& file, std::string_view expected_kind = {}) {
        namespace mf = detail::model_file;
        const std::string source = file.string();
        const auto cannot = [&](const std::string& why) {
            throw IoError(detail::error_message("cannot read ", source, ": ", why));
        };
        std::error_code ec;
        const std::uintmax_t size = std::filesystem::file_size(file, ec);
        if (ec) cannot(ec.message());
        std::ifstream in(file, std::ios::binary);
        if (!in) cannot(std::strerror(errno));
        // Checking the prefix first means that a huge file which is not a model, or a size field
        // that does not match the file, fails before the file is read.
        std::array<std::byte, mf::prefix_size> head{};
        const auto head_size = std::size_t(std::min<std::uintmax_t>(size, mf::prefix_size));
        in.read(reinterpret_cast<char*>(head.data()), std::streamsize(head_size));
        if (std::size_t(in.gcount()) != head_size) cannot("reading the header failed");
        mf::check_prefix(std::span<const std::byte>(head.data(), head_size), size, source);
        if (size > std::uintmax_t(std::numeric_limits<std::size_t>::max()))
            cannot("the file does not fit in memory");

        std::vector<std::byte> bytes(static_cast<std::size_t>(size));
        std::memcpy(bytes.data(), head.data(), head_size);
        in.read(reinterpret_cast<char*>(bytes.data() + head_size), std::streamsize(bytes.size() - head_size));
        const auto got = head_size + std::size_t(in.gcount());
        if (got != bytes.size())  // the file shrank while being read
            mf::fail(source, detail::error_message("truncated: expected ", bytes.size() - got, " more bytes at offset ",
                                                   got));
        return parse(std::move(bytes), source, expected_kind);
    }

    /**
     * Validates a model file held in memory, exactly as open() does; `source` names it in errors.
     */
    [[nodiscard]] static ModelReader from_bytes(std::span<const std::byte> bytes, std::string source,
                                                std::string_view expected_kind = {}) {
        return parse(std::vector<std::byte>(bytes.begin(), bytes.end()), std::move(source), expected_kind);
    }

    /// The file (or the source name given to from_bytes).
    [[nodiscard]] const std::string& source() const noexcept { return source_; }
    /// The kind string the writer was given.
    [[nodiscard]] const std::string& kind() const noexcept { return kind_; }
    /// The format version the file was written in.
    [[nodiscard]] std::uint32_t format_version() const noexcept { return version_; }

    /// True when the file has a section called `name`.
    [[nodiscard]] bool has(std::string_view name) const { return index_.find(name) != index_.end(); }
    /// The section names, in file order.
    [[nodiscard]] std::vector<std::string> names() const {
        std::vector<std::string> out;
        out.reserve(sections_.size());
        for (const Entry& e : sections_) out.push_back(e.name);
        return out;
    }
    /// The element type of section `name` (ParseError when absent).
    [[nodiscard]] ModelDataType type(std::string_view name) const { return entry(name).type; }
    /// The shape of section `name` (ParseError when absent).
    [[nodiscard]] const std::vector<std::int64_t>& shape(std::string_view name) const { return entry(name).shape; }

    /**
     * The elements of section `name`, row-major.
     *
     * @tparam T must be the stored type exactly; no conversion is made.
     * @throws ParseError the section is absent or holds another type (both types are named).
     */
    template <ModelElement T>
    [[nodiscard]] std::vector<T> get(std::string_view name) const {
        const Entry& e = typed_entry<T>(name);
        std::vector<T> out(e.count);
        detail::model_file::decode_elements(bytes_.data() + e.offset, std::span<T>(out));
        return out;
    }

    /// As get(name), and the section's shape must equal `expected_shape` (ParseError naming both).
    template <ModelElement T>
    [[nodiscard]] std::vector<T> get(std::string_view name, const std::vector<std::int64_t>& expected_shape) const {
        check_shape(typed_entry<T>(name), expected_shape);
        return get<T>(name);
    }

    /**
     * Copies section `name` into `out` without an intermediate vector: the type must be T, the
     * shape `expected_shape` (ParseError otherwise), and out.size() the element count of
     * `expected_shape` (ArgumentError otherwise).
     */
    template <ModelElement T>
    void get_into(std::string_view name, std::span<T> out, const std::vector<std::int64_t>& expected_shape) const {
        const Entry& e = typed_entry<T>(name);
        check_shape(e, expected_shape);
        require_argument(out.size() == e.count, "ModelReader::get_into('", name, "'): the output holds ", out.size(),
                         " elements but the section has ", e.count);
        detail::model_file::decode_elements(bytes_.data() + e.offset, out);
    }

    /// The value of the scalar section `name` (shape [], written by add_scalar) of type T exactly.
    template <ModelElement T>
    [[nodiscard]] T scalar(std::string_view name) const {
        const Entry& e = typed_entry<T>(name);
        if (!e.shape.empty())
            fail(detail::error_message("section '", name, "' has shape ", detail::model_file::shape_string(e.shape),
                                       ", expected a scalar (shape [])"));
        T value{};
        detail::model_file::decode_elements(bytes_.data() + e.offset, std::span<T>(&value, 1));
        return value;
    }

    /// The text of section `name` (written by add_text; ParseError when absent or not text).
    [[nodiscard]] std::string text(std::string_view name) const {
        const Entry& e = entry(name);
        if (e.type != ModelDataType::utf8)
            fail(detail::error_message("section '", name, "' holds ", to_string(e.type),
                                       " data but utf8 text was requested"));
        return std::string(reinterpret_cast<const char*>(bytes_.data() + e.offset), e.count);
    }

private:
    struct Entry {
        std::string name;
        ModelDataType type = ModelDataType::f32;
        std::vector<std::int64_t> shape;
        std::size_t offset = 0;  // of the payload in bytes_
        std::size_t count = 0;   // elements (bytes for utf8)
    };

    ModelReader() = default;

    [[noreturn]] void fail(const std::string& what) const { detail::model_file::fail(source_, what); }

    const Entry& entry(std::string_view name) const {
        const auto it = index_.find(name);
        if (it == index_.end()) {
            std::string listing;
            for (std::size_t i = 0; i < sections_.size() && i < 8; ++i)
                listing += (i ? ", '" : "'") + sections_[i].name + "'";
            if (sections_.size() > 8) listing += ", ...";
            fail(detail::error_message("no section '", name, "' (the file has ", sections_.size(), " sections",
                                       sections_.empty() ? "" : ": ", listing, ")"));
        }
        return sections_[it->second];
    }

    template <ModelElement T>
    const Entry& typed_entry(std::string_view name) const {
        const Entry& e = entry(name);
        if (e.type != model_data_type_v<T>)
            fail(detail::error_message("section '", name, "' holds ", to_string(e.type),
                                       e.type == ModelDataType::utf8 ? " text" : " data", " but ",
                                       to_string(model_data_type_v<T>), " was requested (no conversion is made)"));
        return e;
    }

    void check_shape(const Entry& e, const std::vector<std::int64_t>& expected) const {
        if (e.shape != expected)
            fail(detail::error_message("section '", e.name, "' has shape ", detail::model_file::shape_string(e.shape),
                                       ", expected ", detail::model_file::shape_string(expected)));
    }

    static ModelReader parse(std::vector<std::byte> bytes, std::string source, std::string_view expected_kind) {
        namespace mf = detail::model_file;
        ModelReader r;
        r.source_ = std::move(source);
        r.bytes_ = std::move(bytes);
        const std::string& src = r.source_;
        const std::byte* data = r.bytes_.data();
        const std::size_t size = r.bytes_.size();
        const std::span<const std::byte> all(r.bytes_);
        r.version_ = mf::check_prefix(all.first(std::min(size, mf::prefix_size)), size, src);

        // The whole-file checksum comes before interpreting anything past the prefix, so that a
        // damaged byte anywhere is reported as damage, not as some odd field value.
        const std::uint64_t stored = mf::load_le(data + size - 8, 8);
        const std::uint64_t computed = Crc64::of(all.first(size - 8));
        if (stored != computed)
            mf::fail(src, "checksum mismatch: the file is corrupted (the stored checksum is " + mf::hex64(stored) +
                              ", the file's bytes give " + mf::hex64(computed) + ")");
        if (std::memcmp(data + size - mf::trailer_size, mf::end_marker, sizeof(mf::end_marker)) != 0)
            mf::fail(src, error_message("malformed: no end marker \"MVAE_END\" at offset ", size - mf::trailer_size));

        mf::Cursor c(data, mf::prefix_size, size - mf::trailer_size, src);
        const auto kind_size = c.uint(4, "the kind's length");
        if (kind_size == 0 || kind_size > model_max_name_bytes)
            mf::fail(src, error_message("malformed: the kind's length ", kind_size, " is outside 1..",
                                        model_max_name_bytes));
        r.kind_ = c.text(std::size_t(kind_size), "the kind");
        if (!mf::is_valid_utf8(r.kind_)) mf::fail(src, "malformed: the kind is not valid UTF-8");

        while (!c.at_end()) r.parse_section(c);

        if (!expected_kind.empty() && r.kind_ != expected_kind)
            mf::fail(src, error_message("holds a model of kind '", r.kind_, "', but '", expected_kind,
                                        "' was expected"));
        return r;
    }

    void parse_section(detail::model_file::Cursor& c) {
        namespace mf = detail::model_file;
        const std::size_t start = c.pos();
        const std::string at = error_message("the section at offset ", start);
        const auto name_size = c.uint(4, at + ": the name's length");
        if (name_size == 0 || name_size > model_max_name_bytes)
            fail(error_message("malformed: ", at, " has a name of ", name_size, " bytes (allowed: 1..",
                               model_max_name_bytes, ")"));
        Entry e;
        e.name = c.text(std::size_t(name_size), at + ": the name");
        if (!mf::is_valid_utf8(e.name)) fail("malformed: " + at + " has a name that is not valid UTF-8");
        if (has(e.name)) fail("malformed: the section name '" + e.name + "' appears twice");
        const std::string where = "section '" + e.name + "'";

        const auto tag = c.uint(4, where + ": the type tag");
        if (!mf::is_known_tag(std::uint32_t(tag)))
            fail(error_message("malformed: ", where, " has the unknown type tag ", tag,
                               " (known: 1 f32, 2 f64, 3 i32, 4 i64, 5 u64, 6 utf8)"));
        e.type = ModelDataType(tag);
        const auto ndim = c.uint(4, where + ": ndim");
        if (ndim > model_max_ndim)
            fail(error_message("malformed: ", where, " has ", ndim, " dimensions (at most ", model_max_ndim, ")"));
        c.need(8 * ndim, where + ": the shape");
        for (std::uint64_t d = 0; d < ndim; ++d) {
            const auto extent = static_cast<std::int64_t>(c.uint(8, where + ": an extent"));
            if (extent < 0) fail(error_message("malformed: ", where, " has the negative extent ", extent));
            e.shape.push_back(extent);
        }
        const std::uint64_t payload = c.uint(8, where + ": the payload size");
        c.need(payload, where + ": the payload");  // fail fast on an absurd size, before any arithmetic
        if (e.type == ModelDataType::utf8 && ndim != 1)
            fail(error_message("malformed: the text ", where, " has ", ndim, " dimensions instead of 1"));

        // The bytes the shape needs, with overflow detected (any zero extent makes it 0).
        const std::size_t element = mf::element_size(e.type);
        std::uint64_t needed = element;
        bool overflow = false;
        if (std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end()) {
            needed = 0;
        } else {
            for (const std::int64_t extent : e.shape) {
                if (needed > std::numeric_limits<std::uint64_t>::max() / std::uint64_t(extent)) overflow = true;
                else needed *= std::uint64_t(extent);
            }
        }
        if (overflow || needed != payload)
            fail(error_message("malformed: ", where, " declares ", payload, " payload bytes, but its shape ",
                               mf::shape_string(e.shape), " of ", to_string(e.type), " needs ",
                               overflow ? std::string("more than 2^64") : std::to_string(needed)));
        const std::uint64_t count = needed / element;
        e.offset = c.pos();
        e.count = std::size_t(count);
        if (e.type == ModelDataType::utf8 &&
            !mf::is_valid_utf8(std::string_view(reinterpret_cast<const char*>(bytes_.data() + e.offset), e.count)))
            fail("malformed: the text " + where + " is not valid UTF-8");
        c.skip(std::size_t(payload));
        index_.emplace(e.name, sections_.size());
        sections_.push_back(std::move(e));
    }

    template <class... Parts>
    static std::string error_message(Parts&&... parts) {
        return detail::error_message(std::forward<Parts>(parts)...);
    }

    std::string source_;
    std::string kind_;
    std::uint32_t version_ = 0;
    std::vector<std::byte> bytes_;
    std::vector<Entry> sections_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace mvae
