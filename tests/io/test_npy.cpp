// Tests of mvae/io/npy.hpp: round trips, the header variants numpy writes, and every malformed file
// the reader must refuse (each written byte by byte here).
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/resource.h>
#endif

#include <catch2/catch.hpp>

#include "mvae/io/npy.hpp"

#include "support/temp_dir.hpp"

using mvae::index_t;
namespace fs = std::filesystem;

using mvae_test::TempDir;

namespace {

/// The bytes of a .npy file: magic, version, header length, `header` padded to `align` with
/// spaces plus '\n' (unless `raw_header`), then `data`.
std::string npy_bytes(const std::string& header, const std::string& data, int major = 1, int minor = 0,
                      bool raw_header = false, std::size_t align = 64) {
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    std::string h = header;
    if (!raw_header) {
        const std::size_t unpadded = 6 + 2 + len_bytes + h.size() + 1;
        h.append((align - unpadded % align) % align, ' ');
        h += '\n';
    }
    std::string out = "\x93NUMPY";
    out += char(major);
    out += char(minor);
    for (std::size_t b = 0; b < len_bytes; ++b) out += char((h.size() >> (8 * b)) & 0xff);
    return out + h + data;
}

template <class S>
std::string data_bytes(const std::vector<S>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(S));
}

fs::path write_file(const TempDir& dir, const std::string& name, const std::string& bytes) {
    const fs::path p = dir.path() / name;
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    REQUIRE(out.good());
    return p;
}

const std::vector<double> six_doubles{1.5, -2.25, 3.0, 0.125, -0.0, 1e300};
const std::vector<float> six_floats{1.5f, -2.25f, 3.0f, 0.125f, -0.0f, 1e30f};

}  // namespace

TEMPLATE_TEST_CASE("write_npy and read_npy_matrix round trip", "[io][npy]", float, double) {
    using S = TestType;
    TempDir dir;
    mvae::Matrix<S, mvae::Cpu> m(3, 5);
    for (index_t i = 0; i < 3; ++i)
        for (index_t j = 0; j < 5; ++j) m(i, j) = S(i * 10 + j) / S(3) - S(2);
    m(2, 4) = -std::numeric_limits<S>::infinity();
    const fs::path p = dir.path() / "m.npy";
    mvae::write_npy(p, m);

    const mvae::NpyHeader h = mvae::read_npy_header(p);
    CHECK(h.dtype == (std::is_same_v<S, float> ? "<f4" : "<f8"));
    CHECK_FALSE(h.fortran_order);
    CHECK(h.shape == std::vector<std::size_t>{3, 5});
    CHECK(h.major_version == 1);
    CHECK(h.data_offset % 64 == 0);
    CHECK(fs::file_size(p) == h.data_offset + 15 * sizeof(S));

    const auto r = mvae::read_npy_matrix<S>(p);
    REQUIRE(r.rows() == 3);
    REQUIRE(r.cols() == 5);
    for (index_t i = 0; i < 3; ++i)
        for (index_t j = 0; j < 5; ++j) CHECK(r(i, j) == m(i, j));

    SECTION("a strided view is written row by row") {
        const auto block = m.cview().col_block(1, 3);
        mvae::write_npy<S>(p, block);  // overwrites atomically
        const auto b = mvae::read_npy_matrix<S>(p);
        REQUIRE(b.rows() == 3);
        REQUIRE(b.cols() == 3);
        CHECK(b(1, 0) == m(1, 1));
        CHECK(b(2, 2) == m(2, 3));
    }
    SECTION("an empty matrix") {
        mvae::Matrix<S, mvae::Cpu> e(0, 4);
        mvae::write_npy(p, e);
        const auto b = mvae::read_npy_matrix<S>(p);
        CHECK(b.rows() == 0);
        CHECK(b.cols() == 4);
    }
    SECTION("no temporary file is left behind") {
        std::size_t files = 0;
        for (const auto& entry : fs::directory_iterator(dir.path())) {
            (void)entry;
            ++files;
        }
        CHECK(files == 1);
    }
}

TEST_CASE("read_npy_matrix accepts the header variants numpy writes", "[io][npy]") {
    TempDir dir;
    SECTION("spaces, another key order, double quotes, no trailing comma, 16-byte alignment") {
        const auto p = write_file(dir, "a.npy",
                                  npy_bytes("{ \"shape\" : ( 2 , 3 ) ,'fortran_order':False,   'descr':\"<f8\"}",
                                            data_bytes(six_doubles), 1, 0, false, 16));
        const auto m = mvae::read_npy_matrix<double>(p);
        REQUIRE(m.rows() == 2);
        REQUIRE(m.cols() == 3);
        CHECK(m(0, 1) == -2.25);
        CHECK(m(1, 2) == 1e300);
    }
    SECTION("version 2.0: a 4-byte header length") {
        const auto p = write_file(dir, "v2.npy",
                                  npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }",
                                            data_bytes(six_floats), 2, 0));
        const auto h = mvae::read_npy_header(p);
        CHECK(h.major_version == 2);
        CHECK(h.data_offset % 64 == 0);
        const auto m = mvae::read_npy_matrix<float>(p);
        REQUIRE(m.rows() == 3);
        REQUIRE(m.cols() == 2);
        CHECK(m(1, 1) == 0.125f);
        CHECK(m(2, 1) == 1e30f);
    }
    SECTION("version 3.0") {
        const auto p = write_file(dir, "v3.npy",
                                  npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 6), }",
                                            data_bytes(six_floats), 3, 0));
        const auto m = mvae::read_npy_matrix<float>(p);
        REQUIRE(m.cols() == 6);
        CHECK(m(0, 2) == 3.0f);
    }
    SECTION("Python 2 long literals in the shape") {
        const auto p = write_file(dir, "py2.npy",
                                  npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (6L, 1L), }",
                                            data_bytes(six_doubles)));
        const auto m = mvae::read_npy_matrix<double>(p);
        CHECK(m.rows() == 6);
        CHECK(m(3, 0) == 0.125);
    }
    SECTION("read_npy_header reports any dtype and dimensionality") {
        const auto p = write_file(dir, "i.npy",
                                  npy_bytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 1), }",
                                            std::string(24, '\0')));
        const auto h = mvae::read_npy_header(p);
        CHECK(h.dtype == "<i4");
        CHECK(h.fortran_order);
        CHECK(h.shape == std::vector<std::size_t>{2, 3, 1});
        const auto scalar = write_file(dir, "s.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                                               std::string(8, '\0')));
        CHECK(mvae::read_npy_header(scalar).shape.empty());
    }
}

TEST_CASE("read_npy_matrix refuses malformed files, naming the file and the problem", "[io][npy]") {
    TempDir dir;
    const std::string good_header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    const std::string data = data_bytes(six_doubles);
    const auto refuse = [&](const std::string& name, const std::string& bytes, const std::string& message) {
        const auto p = write_file(dir, name, bytes);
        INFO(name);
        REQUIRE_THROWS_AS(mvae::read_npy_matrix<double>(p), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_npy_matrix<double>(p), Catch::Contains(name) && Catch::Contains(message));
    };

    SECTION("wrong magic") {
        std::string bytes = npy_bytes(good_header, data);
        bytes[1] = 'X';
        refuse("magic.npy", bytes, "wrong magic");
        refuse("text.npy", "userId,itemId\n1,2\n", "wrong magic");
        refuse("empty.npy", "", "wrong magic");
    }
    SECTION("unsupported versions") {
        refuse("v4.npy", npy_bytes(good_header, data, 4, 0), "unsupported .npy format version 4.0");
        refuse("v11.npy", npy_bytes(good_header, data, 1, 1), "version 1.1");
    }
    SECTION("truncated header") {
        const std::string full = npy_bytes(good_header, "");
        refuse("cut_header.npy", full.substr(0, 30), "truncated .npy header: expected 118 bytes, found 20");
        refuse("cut_length.npy", full.substr(0, 9), "header length");
    }
    SECTION("header not a dict") {
        refuse("list.npy", npy_bytes("['descr', '<f8']", data), "not a Python dict");
        refuse("open.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False", data), "malformed .npy header");
        refuse("junk.npy", npy_bytes(good_header + " x", data), "unexpected text after the header dict");
    }
    SECTION("missing, repeated and unknown keys") {
        refuse("noshape.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, }", data), "'shape' is missing");
        refuse("nodescr.npy", npy_bytes("{'fortran_order': False, 'shape': (2, 3), }", data), "'descr' is missing");
        refuse("twice.npy", npy_bytes("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", data),
               "appears twice");
        refuse("extra.npy",
               npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'order': 'C'}", data),
               "unexpected key 'order'");
    }
    SECTION("bad values") {
        refuse("fo.npy", npy_bytes("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }", data),
               "fortran_order must be True or False");
        refuse("shape_list.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': [2, 3], }", data),
               "shape must be a tuple");
        refuse("neg.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", data),
               "negative");
        refuse("struct.npy",
               npy_bytes("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (6,), }", data),
               "structured arrays are not supported");
    }
    SECTION("Fortran order") {
        refuse("fortran.npy", npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data),
               "Fortran-order arrays are not supported; save with np.ascontiguousarray");
    }
    SECTION("unsupported dtypes") {
        refuse("int.npy", npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", std::string(24, 'x')),
               "unsupported dtype '<i4' (int32); supported: '<f4' (float32) and '<f8' (float64)");
        refuse("half.npy", npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", std::string(12, 'x')),
               "unsupported dtype '<f2' (float16)");
        refuse("big.npy", npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", data),
               "big-endian arrays are not supported");
        refuse("f4_as_f8.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                         data_bytes(six_floats)),
               "holds float32 ('<f4') but float64 was requested");
    }
    SECTION("not 2-D") {
        refuse("1d.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", data),
               "expected a 2-D array, found shape (6,)");
        refuse("3d.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", data),
               "found shape (1, 2, 3)");
        refuse("0d.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", data.substr(0, 8)),
               "found shape ()");
    }
    SECTION("truncated data and trailing bytes") {
        refuse("short.npy", npy_bytes(good_header, data.substr(0, 40)),
               "truncated data: a 2 x 3 <f8 array needs 48 bytes, found 40");
        refuse("long.npy", npy_bytes(good_header, data + "abc"), "expected 48 bytes of data");
        refuse("long.npy", npy_bytes(good_header, data + "abc"), "3 unexpected trailing bytes");
    }
    SECTION("a missing file is an I/O error naming it") {
        REQUIRE_THROWS_AS(mvae::read_npy_matrix<float>(dir.path() / "absent.npy"), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::read_npy_header(dir.path() / "absent.npy"), Catch::Contains("absent.npy"));
    }
}

TEST_CASE("read_npy_header checks the header length against the file before allocating", "[io][npy][fuzz]") {
    // Found by fuzzing (tests/fuzz/corpus/npy/crash-*): the 4-byte length field of a 2.0 or 3.0
    // file claimed up to 4 GiB, and the reader allocated (and zeroed) that much before reading
    // the 0 bytes there were. Now the claim is refused from the file size, without the allocation
    // (which would take seconds and gigabytes, or throw std::bad_alloc: not a ParseError). On
    // Linux the peak resident size shows whether the gigabytes were touched.
#if defined(__linux__)
    const auto peak_kib = [] {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        return long(usage.ru_maxrss);
    };
    const long peak_before = peak_kib();
#endif
    TempDir dir;
    for (const int major : {2, 3}) {
        std::string bytes = "\x93NUMPY";
        bytes += char(major);
        bytes += '\0';
        bytes += std::string("\xff\xff\xff\xff", 4);
        bytes += "{'descr'";
        const auto p = write_file(dir, "huge_header_v" + std::to_string(major) + ".npy", bytes);
        INFO(p.string());
        REQUIRE_THROWS_AS(mvae::read_npy_header(p), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_npy_matrix<float>(p),
                            Catch::Contains(p.filename().string()) &&
                                Catch::Contains("truncated .npy header: expected 4294967295 bytes, found 8"));
    }
#if defined(__linux__)
    CHECK(peak_kib() - peak_before < 512 * 1024);
#endif
}

TEST_CASE("read_npy_matrix refuses a shape whose byte count wraps around", "[io][npy][fuzz]") {
    // 1263665316 x 1824726041 = 2^61 + 4 elements: 8 bytes each is 2^64 + 32, which wrapped to 32,
    // so 32 bytes of data passed the size check and a 2^61-element matrix was allocated (an error
    // that did not name the file, or an abort under a sanitizer's allocation limit).
    // tests/fuzz/corpus/npy/crash-byte-count-wraps is this file.
    TempDir dir;
    const auto p = write_file(dir, "wraps.npy",
                              npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1263665316, 1824726041), }",
                                        data_bytes(std::vector<double>{1, 2, 3, 4})));
    REQUIRE_THROWS_AS(mvae::read_npy_matrix<double>(p), mvae::ParseError);
    REQUIRE_THROWS_WITH(mvae::read_npy_matrix<double>(p),
                        Catch::Contains("wraps.npy") &&
                            Catch::Contains("shape (1263665316, 1824726041) is too large"));
}

TEST_CASE("read_npy_matrix requires the dtype to match the scalar exactly", "[io][npy]") {
    TempDir dir;
    mvae::Matrix<double, mvae::Cpu> m(1, 2);
    m(0, 0) = 1.0;
    m(0, 1) = 2.0;
    const auto p = dir.path() / "d.npy";
    mvae::write_npy(p, m);
    REQUIRE_THROWS_WITH(mvae::read_npy_matrix<float>(p),
                        Catch::Contains("holds float64 ('<f8') but float32 was requested"));
    CHECK(mvae::read_npy_matrix<double>(p)(0, 1) == 2.0);
}

TEST_CASE("write_npy reports an unwritable path", "[io][npy]") {
    TempDir dir;
    mvae::Matrix<float, mvae::Cpu> m(1, 1);
    m(0, 0) = 1.0f;
    const auto p = dir.path() / "no_such_dir" / "m.npy";
    REQUIRE_THROWS_AS(mvae::write_npy(p, m), mvae::IoError);
    REQUIRE_THROWS_WITH(mvae::write_npy(p, m), Catch::Contains("m.npy"));
}
