// Tests of mvae/io/model_file.hpp: the byte layout (a golden file), round trips of every type,
// the writer's and the reader's checks, every truncation and every corrupted byte of a small
// file, crafted files with absurd length fields, and saves that fail half-way.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#if defined(__linux__)
#include <csignal>
#include <sys/resource.h>
#endif

#include <catch2/catch.hpp>

#include "mvae/io/checksum.hpp"
#include "mvae/io/model_file.hpp"

#include "support/temp_dir.hpp"

using Catch::Contains;
using mvae::ModelDataType;
using mvae::ModelReader;
using mvae::ModelWriter;
using mvae_test::TempDir;
namespace fs = std::filesystem;

namespace {

// The file written for the model of golden_writer(). Built independently of mvae (Python's
// struct.pack), the two checksums computed by `xz --check=crc64` (read with `xz -lvv`):
//   0   "MVAEMODL", version 1, size 167, CRC of bytes 0..19 = 0x893B29844C0EC889
//   28  kind: length 9, "mvae.test"
//   41  section "w": f32 (1), ndim 2, [2, 2], 16 payload bytes: 1.0f, -2.0f, 0.5f, 3.0f
//   94  section "n": i32 (3), ndim 0, 4 payload bytes: -2
//   119 section "c": utf8 (6), ndim 1, [3], 3 payload bytes: "hé" (68 C3 A9)
//   151 "MVAE_END", 159 CRC of bytes 0..158 = 0xDD5DC2C3B02CEF6E
constexpr char golden_bytes[] =
    "\x4d\x56\x41\x45\x4d\x4f\x44\x4c\x01\x00\x00\x00\xa7\x00\x00\x00"
    "\x00\x00\x00\x00\x89\xc8\x0e\x4c\x84\x29\x3b\x89\x09\x00\x00\x00"
    "\x6d\x76\x61\x65\x2e\x74\x65\x73\x74\x01\x00\x00\x00\x77\x01\x00"
    "\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x02\x00"
    "\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x80\x3f\x00\x00\x00\xc0\x00\x00\x00\x3f\x00\x00\x40\x40\x01\x00"
    "\x00\x00\x6e\x03\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00"
    "\x00\x00\x00\xfe\xff\xff\xff\x01\x00\x00\x00\x63\x06\x00\x00\x00"
    "\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00"
    "\x00\x00\x00\x00\x68\xc3\xa9\x4d\x56\x41\x45\x5f\x45\x4e\x44\x6e"
    "\xef\x2c\xb0\xc3\xc2\x5d\xdd";
const std::string golden(golden_bytes, sizeof(golden_bytes) - 1);

ModelWriter golden_writer() {
    ModelWriter w("mvae.test");
    const std::vector<float> weights{1.0f, -2.0f, 0.5f, 3.0f};
    w.add("w", weights, {2, 2});
    w.add_scalar("n", std::int32_t{-2});
    w.add_text("c", "h\xc3\xa9");
    return w;
}

std::span<const std::byte> as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string bytes_of(const ModelWriter& w) {
    std::ostringstream out(std::ios::binary);
    w.write(out);
    REQUIRE(out.good());
    return out.str();
}

ModelReader read(const std::string& bytes, std::string_view kind = {}) {
    return ModelReader::from_bytes(as_bytes(bytes), "mem.mvae", kind);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in.good());
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void put_le(std::string& s, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

void patch_le(std::string& s, std::size_t at, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s[at + std::size_t(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

/// Builds a model file field by field, following docs/model-format.md rather than ModelWriter,
/// so that files the writer never produces (absurd lengths, unknown tags, ...) can be crafted
/// with valid checksums, i.e. such that only the structural checks can reject them.
class RawFile {
public:
    explicit RawFile(std::uint32_t version = 1) {
        bytes_ = "MVAEMODL";
        put_le(bytes_, version, 4);
        put_le(bytes_, 0, 8);  // size, patched by finish()
        put_le(bytes_, 0, 8);  // prefix checksum, patched by finish()
    }
    RawFile& u32(std::uint64_t v) { return put_le(bytes_, v, 4), *this; }
    RawFile& u64(std::uint64_t v) { return put_le(bytes_, v, 8), *this; }
    RawFile& str(const std::string& s) { return bytes_ += s, *this; }
    RawFile& kind(const std::string& k) { return u32(k.size()).str(k); }
    /// A section header: name, tag, ndim, extents, payload size (the payload is appended separately).
    RawFile& header(const std::string& name, std::uint32_t tag, const std::vector<std::int64_t>& shape,
                    std::uint64_t payload) {
        u32(name.size()).str(name).u32(tag).u32(shape.size());
        for (const auto e : shape) u64(std::uint64_t(e));
        return u64(payload);
    }
    /// Appends the end marker and checksums; `declared_size` overrides the size field.
    std::string finish(std::string end = "MVAE_END", std::uint64_t declared_size = 0) const {
        std::string s = bytes_ + end;
        patch_le(s, 12, declared_size ? declared_size : s.size() + 8, 8);
        patch_le(s, 20, mvae::Crc64::of(std::string_view(s).substr(0, 20)), 8);
        put_le(s, mvae::Crc64::of(s), 8);
        return s;
    }

private:
    std::string bytes_;
};

}  // namespace

TEST_CASE("ModelWriter writes the documented layout byte for byte", "[io][model_file]") {
    REQUIRE(golden.size() == 167);
    const ModelWriter w = golden_writer();
    REQUIRE(w.file_size() == 167);
    REQUIRE(w.section_count() == 3);
    REQUIRE(bytes_of(w) == golden);

    const ModelReader r = read(golden, "mvae.test");
    REQUIRE(r.kind() == "mvae.test");
    REQUIRE(r.format_version() == 1);
    REQUIRE(r.names() == std::vector<std::string>{"w", "n", "c"});
    REQUIRE(r.get<float>("w", {2, 2}) == std::vector<float>{1.0f, -2.0f, 0.5f, 3.0f});
    REQUIRE(r.scalar<std::int32_t>("n") == -2);
    REQUIRE(r.text("c") == "h\xc3\xa9");

    // The RawFile builder follows the same layout: rebuilding the golden file with it is exact.
    std::string payload;
    for (const float f : {1.0f, -2.0f, 0.5f, 3.0f}) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, &f, 4);
        put_le(payload, bits, 4);
    }
    RawFile raw;
    raw.kind("mvae.test").header("w", 1, {2, 2}, 16).str(payload);
    raw.header("n", 3, {}, 4).u32(0xFFFFFFFEu).header("c", 6, {3}, 3).str("h\xc3\xa9");
    REQUIRE(raw.finish() == golden);
}

TEST_CASE("Model files round-trip every type through save and open", "[io][model_file]") {
    const TempDir dir;
    const fs::path file = dir.path() / "model.mvae";
    constexpr double inf = std::numeric_limits<double>::infinity();

    const std::vector<float> f32{1.5f, -0.0f, 3.25e-7f, std::numeric_limits<float>::max(),
                                 -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
    const std::vector<double> f64{0.1, -1e300, inf, std::numeric_limits<double>::denorm_min()};
    const std::vector<std::int32_t> i32{std::numeric_limits<std::int32_t>::min(), -1, 0, 1,
                                        std::numeric_limits<std::int32_t>::max(), 7};
    const std::vector<std::int64_t> i64{std::numeric_limits<std::int64_t>::min(), -5, 1ll << 40,
                                        std::numeric_limits<std::int64_t>::max()};
    const std::vector<std::uint64_t> u64{0, 1, std::numeric_limits<std::uint64_t>::max()};
    const std::string text = "{\"hidden\": 600, \"name\": \"\xe6\xa8\xa1\xe5\x9e\x8b \xf0\x9f\x98\x80\"}\n";

    ModelWriter w("mvae.dual_vae");
    w.add("f32", f32, {2, 3});
    w.add("f64", f64, {4});
    w.add("i32", i32, {3, 1, 2});
    w.add("i64", i64, {2, 2});
    w.add("u64", u64, {3});
    w.add("empty", std::vector<float>{}, {0});
    w.add("empty2d", std::vector<double>{}, {3, 0});
    w.add_text("config", text);
    w.add_text("no text", "");
    w.add_scalar("s.f32", 2.5f);
    w.add_scalar("s.f64", -0.125);
    w.add_scalar("s.i32", std::int32_t{-7});
    w.add_scalar("s.i64", std::int64_t{1} << 50);
    w.add_scalar("s.u64", std::uint64_t{18446744073709551615ull});
    w.save(file);
    REQUIRE(fs::file_size(file) == w.file_size());
    // Only the model is left in the folder: the temporary file was renamed.
    REQUIRE(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);

    const ModelReader r = ModelReader::open(file, "mvae.dual_vae");
    REQUIRE(r.source() == file.string());
    REQUIRE(r.kind() == "mvae.dual_vae");
    REQUIRE(r.names() == std::vector<std::string>{"f32", "f64", "i32", "i64", "u64", "empty", "empty2d", "config",
                                                  "no text", "s.f32", "s.f64", "s.i32", "s.i64", "s.u64"});
    REQUIRE(r.has("config"));
    REQUIRE_FALSE(r.has("conf"));

    // Floats compared bit for bit, so -0.0 and NaN count too.
    const auto f32_back = r.get<float>("f32", {2, 3});
    REQUIRE(f32_back.size() == f32.size());
    REQUIRE(std::memcmp(f32_back.data(), f32.data(), f32.size() * sizeof(float)) == 0);
    REQUIRE(std::signbit(f32_back[1]));
    REQUIRE(std::isnan(f32_back[5]));
    const auto f64_back = r.get<double>("f64");
    REQUIRE(std::memcmp(f64_back.data(), f64.data(), f64.size() * sizeof(double)) == 0);
    REQUIRE(r.get<std::int32_t>("i32", {3, 1, 2}) == i32);
    REQUIRE(r.get<std::int64_t>("i64", {2, 2}) == i64);
    REQUIRE(r.get<std::uint64_t>("u64", {3}) == u64);
    REQUIRE(r.get<float>("empty", {0}).empty());
    REQUIRE(r.get<double>("empty2d", {3, 0}).empty());
    REQUIRE(r.text("config") == text);
    REQUIRE(r.text("no text").empty());
    REQUIRE(r.scalar<float>("s.f32") == 2.5f);
    REQUIRE(r.scalar<double>("s.f64") == -0.125);
    REQUIRE(r.scalar<std::int32_t>("s.i32") == -7);
    REQUIRE(r.scalar<std::int64_t>("s.i64") == (std::int64_t{1} << 50));
    REQUIRE(r.scalar<std::uint64_t>("s.u64") == 18446744073709551615ull);

    REQUIRE(r.type("f32") == ModelDataType::f32);
    REQUIRE(r.type("u64") == ModelDataType::u64);
    REQUIRE(r.type("config") == ModelDataType::utf8);
    REQUIRE(r.shape("i32") == std::vector<std::int64_t>{3, 1, 2});
    REQUIRE(r.shape("config") == std::vector<std::int64_t>{std::int64_t(text.size())});
    REQUIRE(r.shape("s.f64").empty());

    std::vector<std::int32_t> into(6, 99);
    r.get_into<std::int32_t>("i32", into, {3, 1, 2});
    REQUIRE(into == i32);

    // A file with no sections at all.
    ModelWriter bare("k");
    bare.save(file);
    const ModelReader b = ModelReader::open(file);
    REQUIRE(b.kind() == "k");
    REQUIRE(b.names().empty());
    REQUIRE(fs::file_size(file) == 49);  // the smallest model file
}

TEST_CASE("ModelWriter refuses bad names and shapes and text", "[io][model_file]") {
    ModelWriter w("mvae.test");
    const std::vector<float> six(6, 1.0f);
    REQUIRE_THROWS_WITH(w.add("a", six, {2, 2}), Contains("'a'") && Contains("shape [2, 2] holds 4 elements") &&
                                                     Contains("the data have 6"));
    REQUIRE_THROWS_AS(w.add("a", six, {2, 2}), mvae::ShapeError);
    REQUIRE_THROWS_AS(w.add("a", six, {}), mvae::ShapeError);  // a scalar is one element
    REQUIRE_THROWS_WITH(w.add("a", six, {-2, -3}), Contains("negative extent"));
    REQUIRE_THROWS_AS(w.add("a", six, {-2, -3}), mvae::ShapeError);
    // Extents whose product overflows 64 bits cannot match any data.
    REQUIRE_THROWS_WITH(w.add("a", six, {1ll << 40, 1ll << 40, 6}), Contains("too many elements"));
    std::vector<std::int64_t> deep(33, 1);
    REQUIRE_THROWS_WITH(w.add("a", std::vector<float>{1.0f}, deep), Contains("33 dimensions"));

    w.add("a", six, {6, 1});
    REQUIRE_THROWS_WITH(w.add("a", six, {6}), Contains("'a' was added twice"));
    REQUIRE_THROWS_AS(w.add_text("a", "x"), mvae::ArgumentError);
    REQUIRE_THROWS_AS(w.add_scalar("a", 1.0), mvae::ArgumentError);
    REQUIRE_THROWS_AS(w.add("", six, {6}), mvae::ArgumentError);
    REQUIRE_THROWS_AS(w.add(std::string(4097, 'x'), six, {6}), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(w.add("bad\xff", six, {6}), Contains("not valid UTF-8"));
    REQUIRE_THROWS_WITH(w.add_text("t", "caf\xc3"), Contains("'t'") && Contains("not valid UTF-8"));
    REQUIRE_THROWS_AS(w.add_text("t", "\xc0\xaf"), mvae::ArgumentError);          // overlong '/'
    REQUIRE_THROWS_AS(w.add_text("t", "\xed\xa0\x80"), mvae::ArgumentError);      // a UTF-16 surrogate
    REQUIRE_THROWS_AS(w.add_text("t", "\xf4\x90\x80\x80"), mvae::ArgumentError);  // above U+10FFFF
    REQUIRE_THROWS_AS(ModelWriter(""), mvae::ArgumentError);
    REQUIRE_THROWS_AS(ModelWriter("\x80"), mvae::ArgumentError);
    // Nothing of the refused calls was added.
    REQUIRE(w.section_count() == 1);
    w.add(std::string(4096, 'x'), six, {2, 3});  // the longest name allowed
    REQUIRE(read(bytes_of(w)).shape(std::string(4096, 'x')) == std::vector<std::int64_t>{2, 3});
}

TEST_CASE("ModelReader accessors name the section and the stored and requested type or shape",
          "[io][model_file]") {
    const ModelReader r = read(bytes_of(golden_writer()));
    REQUIRE_THROWS_WITH(r.get<float>("v"), Contains("mem.mvae: no section 'v'") &&
                                               Contains("3 sections: 'w', 'n', 'c'"));
    REQUIRE_THROWS_AS(r.shape("v"), mvae::ParseError);
    REQUIRE_THROWS_WITH(r.get<double>("w"), Contains("mem.mvae: section 'w' holds f32 data but f64 was requested"));
    REQUIRE_THROWS_AS(r.get<double>("w"), mvae::ParseError);
    REQUIRE_THROWS_WITH(r.get<std::int64_t>("n"), Contains("section 'n' holds i32 data but i64 was requested"));
    REQUIRE_THROWS_WITH(r.get<float>("c"), Contains("section 'c' holds utf8 text but f32 was requested"));
    REQUIRE_THROWS_WITH(r.text("w"), Contains("section 'w' holds f32 data but utf8 text was requested"));
    REQUIRE_THROWS_WITH(r.get<float>("w", {4}), Contains("section 'w' has shape [2, 2], expected [4]"));
    REQUIRE_THROWS_WITH(r.get<float>("w", {2, 2, 1}), Contains("has shape [2, 2], expected [2, 2, 1]"));
    REQUIRE_THROWS_WITH(r.scalar<float>("w"), Contains("section 'w' has shape [2, 2], expected a scalar (shape [])"));
    REQUIRE_THROWS_WITH(r.get<std::int32_t>("n", {1}), Contains("section 'n' has shape [], expected [1]"));
    REQUIRE(r.get<std::int32_t>("n", {}) == std::vector<std::int32_t>{-2});

    std::vector<float> out(3);
    REQUIRE_THROWS_AS(r.get_into<float>("w", out, {2, 2}), mvae::ArgumentError);
    REQUIRE_THROWS_AS(r.get_into<float>("w", out, {3}), mvae::ParseError);
    out.resize(4);
    r.get_into<float>("w", out, {2, 2});
    REQUIRE(out == std::vector<float>{1.0f, -2.0f, 0.5f, 3.0f});
}

TEST_CASE("ModelReader requires the expected kind", "[io][model_file]") {
    const TempDir dir;
    const fs::path file = dir.path() / "pop.mvae";
    ModelWriter("mvae.popularity").save(file);
    REQUIRE(ModelReader::open(file).kind() == "mvae.popularity");
    REQUIRE(ModelReader::open(file, "mvae.popularity").kind() == "mvae.popularity");
    REQUIRE_THROWS_WITH(ModelReader::open(file, "mvae.dual_vae"),
                        Contains(file.string() + ": holds a model of kind 'mvae.popularity', but 'mvae.dual_vae' "
                                                 "was expected"));
    REQUIRE_THROWS_AS(ModelReader::open(file, "mvae.dual_vae"), mvae::ParseError);
}

TEST_CASE("ModelReader refuses what is not a model file", "[io][model_file]") {
    const TempDir dir;
    SECTION("a missing file or a directory is an IoError naming it") {
        REQUIRE_THROWS_WITH(ModelReader::open(dir.path() / "absent.mvae"),
                            Contains("cannot read " + (dir.path() / "absent.mvae").string()));
        REQUIRE_THROWS_AS(ModelReader::open(dir.path() / "absent.mvae"), mvae::IoError);
        REQUIRE_THROWS_AS(ModelReader::open(dir.path()), mvae::IoError);
    }
    SECTION("empty file") {
        const auto p = dir.write("empty.mvae", "");
        REQUIRE_THROWS_WITH(ModelReader::open(p), Contains(p.string() + ": empty file: not an mvae model file"));
    }
    SECTION("wrong magic") {
        for (const std::string& content :
             {std::string("user,item\n1,2\n"), std::string("\x93NUMPY\x01\x00", 8), std::string("X"),
              "MVAEMODX" + golden.substr(8), golden.substr(0, 7) + "l" + golden.substr(8)}) {
            const auto p = dir.write("other.bin", content);
            REQUIRE_THROWS_WITH(ModelReader::open(p), Contains(p.string() + ": not an mvae model file (it does not "
                                                                            "start with \"MVAEMODL\")"));
            REQUIRE_THROWS_AS(ModelReader::open(p), mvae::ParseError);
        }
    }
    SECTION("a newer format version") {
        const auto p = dir.write("new.mvae", RawFile(2).kind("k").finish());
        REQUIRE_THROWS_WITH(ModelReader::open(p), Contains(p.string() + ": written by a newer mvae (format version 2, "
                                                                        "this build reads up to 1)"));
        // Only the prefix is read: a newer file may have any body, and any size.
        const std::string head = RawFile(7).finish("", 1ull << 50).substr(0, 28);
        REQUIRE_THROWS_WITH(read(head + "whatever"), Contains("format version 7, this build reads up to 1"));
    }
    SECTION("format version 0") {
        REQUIRE_THROWS_WITH(read(RawFile(0).kind("k").finish()), Contains("invalid format version 0"));
    }
    SECTION("trailing bytes") {
        REQUIRE_THROWS_WITH(read(golden + "x"), Contains("1 unexpected trailing bytes after offset 167 (the header "
                                                         "declares a file of 167 bytes)"));
        REQUIRE_THROWS_WITH(read(golden + golden), Contains("167 unexpected trailing bytes"));
    }
}

TEST_CASE("Every truncation of a model file is reported as such", "[io][model_file]") {
    const TempDir dir;
    const fs::path file = dir.path() / "cut.mvae";
    REQUIRE_NOTHROW(read(golden));  // the whole file is fine
    for (std::size_t n = 0; n < golden.size(); ++n) {
        INFO("the first " << n << " of " << golden.size() << " bytes");
        const std::string cut = golden.substr(0, n);
        std::string expected;
        if (n == 0)
            expected = "empty file";
        else if (n < 28)
            expected = "truncated: expected " + std::to_string(28 - n) + " more bytes at offset " + std::to_string(n);
        else
            expected = "truncated: expected " + std::to_string(golden.size() - n) + " more bytes at offset " +
                       std::to_string(n) + " (the header declares a file of 167 bytes)";
        dir.write("cut.mvae", cut);
        REQUIRE_THROWS_WITH(ModelReader::open(file), Contains(file.string() + ": " + expected));
        REQUIRE_THROWS_AS(ModelReader::open(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(read(cut), Contains("mem.mvae: " + expected));
    }
}

TEST_CASE("Every corrupted byte of a model file is detected", "[io][model_file]") {
    const TempDir dir;
    const fs::path file = dir.path() / "bad.mvae";
    dir.write("bad.mvae", golden);
    REQUIRE(ModelReader::open(file).get<float>("w").size() == 4);  // the intact file reads

    SECTION("each byte inverted, read from a file") {
        for (std::size_t i = 0; i < golden.size(); ++i) {
            INFO("byte " << i << " inverted");
            std::string bad = golden;
            bad[i] = static_cast<char>(~static_cast<unsigned char>(bad[i]));
            dir.write("bad.mvae", bad);
            // The magic has its own message; any other byte breaks the header checksum (bytes
            // 8..27) or the whole-file checksum (the rest, the checksum itself included).
            const std::string expected = i < 8    ? "not an mvae model file"
                                         : i < 28 ? "checksum mismatch: the file is corrupted (the header checksum"
                                                  : "checksum mismatch: the file is corrupted (the stored checksum";
            REQUIRE_THROWS_WITH(ModelReader::open(file), Contains(file.string() + ": " + expected));
            REQUIRE_THROWS_AS(ModelReader::open(file), mvae::ParseError);
        }
    }
    SECTION("each single bit flipped, read from memory") {
        for (std::size_t i = 0; i < golden.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                INFO("byte " << i << ", bit " << bit);
                std::string bad = golden;
                bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ (1u << bit));
                REQUIRE_THROWS_AS(read(bad), mvae::ParseError);
            }
        }
    }
}

TEST_CASE("Crafted files with absurd or inconsistent fields fail fast", "[io][model_file]") {
    // Each file below has valid checksums, so only the structural checks stand between it and
    // an allocation of exabytes: an attempt would throw std::bad_alloc or std::length_error,
    // which REQUIRE_THROWS_AS(..., ParseError) would report.
    constexpr std::uint64_t huge = 1ull << 62;

    SECTION("the builder makes valid files") {
        const ModelReader r = read(RawFile().kind("k").header("x", 5, {1}, 8).u64(42).finish());
        REQUIRE(r.get<std::uint64_t>("x", {1}) == std::vector<std::uint64_t>{42});
    }
    SECTION("a declared file size far beyond the file") {
        const std::string bytes = RawFile().kind("k").finish("MVAE_END", huge);
        REQUIRE_THROWS_WITH(read(bytes), Contains("truncated: expected " + std::to_string(huge - bytes.size()) +
                                                  " more bytes at offset " + std::to_string(bytes.size())));
    }
    SECTION("a declared file size below the smallest model") {
        const std::string bytes = RawFile().finish("", 36);  // prefix and the checksum only: 36 bytes
        REQUIRE(bytes.size() == 36);
        REQUIRE_THROWS_WITH(read(bytes), Contains("malformed: the header declares a file of 36 bytes, below the "
                                                  "smallest model file (49 bytes)"));
    }
    SECTION("kind lengths") {
        REQUIRE_THROWS_WITH(read(RawFile().u32(0xFFFFFFFFu).str("k").finish()),
                            Contains("malformed: the kind's length 4294967295 is outside 1..4096"));
        REQUIRE_THROWS_WITH(read(RawFile().u32(0).str("x").finish()), Contains("the kind's length 0 is outside"));
        REQUIRE_THROWS_WITH(read(RawFile().u32(100).str("k").finish()),
                            Contains("malformed: the kind at offset 32 needs 100 bytes but only 1 remain"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("\xff").finish()), Contains("malformed: the kind is not valid UTF-8"));
    }
    SECTION("section name lengths") {
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").u32(0xFFFFFFFFu).str("x").finish()),
                            Contains("malformed: the section at offset 33 has a name of 4294967295 bytes"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").u32(4000).str("x").finish()),
                            Contains("the section at offset 33: the name at offset 37 needs 4000 bytes but only 1 "
                                     "remain"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").u32(0).finish()), Contains("has a name of 0 bytes"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").str("\x01").finish()),
                            Contains("the name's length at offset 33 needs 4 bytes but only 1 remain"));
    }
    SECTION("a payload size far beyond the file") {
        const std::string bytes = RawFile().kind("k").header("x", 2, {std::int64_t(huge / 8)}, huge).u64(0).finish();
        REQUIRE_THROWS_WITH(read(bytes), Contains("section 'x': the payload at offset 62 needs " +
                                                  std::to_string(huge) + " bytes but only 8 remain"));
        REQUIRE_THROWS_AS(read(bytes), mvae::ParseError);
    }
    SECTION("extents whose product overflows") {
        const std::int64_t e = 1ll << 40;
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").header("x", 1, {e, e, e}, 0).finish()),
                            Contains("section 'x' declares 0 payload bytes, but its shape [1099511627776, "
                                     "1099511627776, 1099511627776] of f32 needs more than 2^64"));
    }
    SECTION("a payload size that disagrees with the shape") {
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").header("x", 1, {3}, 8).u64(0).finish()),
                            Contains("section 'x' declares 8 payload bytes, but its shape [3] of f32 needs 12"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").header("x", 2, {}, 4).u32(0).finish()),
                            Contains("declares 4 payload bytes, but its shape [] of f64 needs 8"));
    }
    SECTION("too many dimensions, negative extents") {
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").u32(1).str("x").u32(1).u32(1000).finish()),
                            Contains("section 'x' has 1000 dimensions (at most 32)"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").u32(1).str("x").u32(1).u32(2).finish()),
                            Contains("section 'x': the shape at offset 46 needs 16 bytes but only 0 remain"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").header("x", 1, {-1}, 0).finish()),
                            Contains("section 'x' has the negative extent -1"));
    }
    SECTION("unknown type tags") {
        for (const std::uint32_t tag : {0u, 7u, 0xFFFFFFFFu}) {
            REQUIRE_THROWS_WITH(read(RawFile().kind("k").header("x", tag, {1}, 1).str("a").finish()),
                                Contains("section 'x' has the unknown type tag " + std::to_string(tag) +
                                         " (known: 1 f32, 2 f64, 3 i32, 4 i64, 5 u64, 6 utf8)"));
        }
    }
    SECTION("duplicate section names") {
        RawFile raw;
        raw.kind("k").header("x", 3, {}, 4).u32(1).header("y", 3, {}, 4).u32(2).header("x", 3, {}, 4).u32(3);
        REQUIRE_THROWS_WITH(read(raw.finish()), Contains("malformed: the section name 'x' appears twice"));
    }
    SECTION("malformed text sections and names") {
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").header("t", 6, {2}, 2).str("\xc3(").finish()),
                            Contains("the text section 't' is not valid UTF-8"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").header("t", 6, {1, 2}, 2).str("ab").finish()),
                            Contains("the text section 't' has 2 dimensions instead of 1"));
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").header("\xfe", 3, {}, 4).u32(0).finish()),
                            Contains("has a name that is not valid UTF-8"));
    }
    SECTION("a missing end marker") {
        REQUIRE_THROWS_WITH(read(RawFile().kind("k").finish("MVAE_EN!")),
                            Contains("malformed: no end marker \"MVAE_END\" at offset 33"));
    }
}

TEST_CASE("A failed save leaves the previous model file intact", "[io][model_file]") {
    const TempDir dir;
    const fs::path file = dir.path() / "model.mvae";
    const ModelWriter previous = golden_writer();
    previous.save(file);
    REQUIRE(read_file(file) == golden);

    ModelWriter next("mvae.test");
    next.add("big", std::vector<double>(8192, 0.5), {8192});  // 64 KiB

    const auto only_the_model_is_left = [&] {
        REQUIRE(read_file(file) == golden);
        REQUIRE(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
    };

    SECTION("into a folder that does not exist") {
        REQUIRE_THROWS_AS(next.save(dir.path() / "absent" / "model.mvae"), mvae::IoError);
        only_the_model_is_left();
    }
    SECTION("over a directory, so that the final rename fails") {
        const fs::path taken = dir.path() / "taken";
        fs::create_directories(taken / "inside");
        REQUIRE_THROWS_WITH(next.save(taken), Contains("cannot write " + taken.string()));
        REQUIRE(fs::is_directory(taken / "inside"));
        fs::remove_all(taken);
        only_the_model_is_left();
    }
#if defined(__linux__)
    SECTION("the disk fills up half-way through the write") {
        // RLIMIT_FSIZE makes every write beyond 4 KiB fail with EFBIG (SIGXFSZ ignored), like a
        // full disk, in the middle of the 64 KiB payload.
        rlimit old{};
        REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
        REQUIRE((old.rlim_max == RLIM_INFINITY || old.rlim_max >= 4096));
        const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 4096;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
        std::string error;
        try {
            next.save(file);
        } catch (const mvae::IoError& e) {
            error = e.what();
        }
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, old_handler);
        REQUIRE_THAT(error, Contains("cannot write " + file.string()));
        only_the_model_is_left();
    }
#endif
    SECTION("and a save that succeeds replaces it") {
        next.save(file);
        REQUIRE(fs::file_size(file) == next.file_size());
        REQUIRE(ModelReader::open(file).get<double>("big", {8192})[8191] == 0.5);
        REQUIRE(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
    }
}
