// Tests of the data loaders: the JCA split folders, MovieLens rating files and generic delimited
// files, on good input and on every kind of bad input, plus the text reader underneath them.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/delimited.hpp"
#include "mvae/data/detail/text_reader.hpp"
#include "mvae/data/id_map.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/data/movielens.hpp"

#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using mvae::index_t;
using mvae::Interaction;
using mvae::InteractionMatrix;

using mvae_test::TempDir;

namespace {

std::vector<index_t> to_vector(std::span<const index_t> s) { return {s.begin(), s.end()}; }

std::vector<std::string> ids_of(const mvae::IdMap& map) { return {map.ids().begin(), map.ids().end()}; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Text reader
// ---------------------------------------------------------------------------------------------

TEST_CASE("split_fields counts fields and stores at most the room given", "[data][text_reader]") {
    using mvae::detail::split_fields;
    std::array<std::string_view, 3> f{};
    REQUIRE(split_fields("a,b,c", ',', f) == 3);
    REQUIRE(f[0] == "a");
    REQUIRE(f[2] == "c");
    REQUIRE(split_fields("a,,b", ',', f) == 3);
    REQUIRE(f[1].empty());
    REQUIRE(split_fields("", ',', f) == 1);
    REQUIRE(split_fields("1,2,3,4,5", ',', f) == 5);
    REQUIRE(f[2] == "3");
    REQUIRE(split_fields("  x \t y   z  ", ' ', f) == 3);
    REQUIRE(f[0] == "x");
    REQUIRE(f[1] == "y");
    REQUIRE(f[2] == "z");
    REQUIRE(split_fields("   ", ' ', f) == 0);
    REQUIRE(split_fields("1::2::5::9", std::string_view("::"), f) == 4);
    REQUIRE(f[1] == "2");
    REQUIRE(split_fields("1:2", std::string_view("::"), f) == 1);
}

TEST_CASE("to_integer and to_double accept only a whole, trimmed number", "[data][text_reader]") {
    using mvae::detail::to_double;
    using mvae::detail::to_integer;
    REQUIRE(to_integer<int>(" 42 ") == 42);
    REQUIRE(to_integer<int>("-7") == -7);
    REQUIRE_FALSE(to_integer<int>("").has_value());
    REQUIRE_FALSE(to_integer<int>("  ").has_value());
    REQUIRE_FALSE(to_integer<int>("12a").has_value());
    REQUIRE_FALSE(to_integer<int>("1.0").has_value());
    REQUIRE_FALSE(to_integer<int>("+3").has_value());
    REQUIRE_FALSE(to_integer<int>("1 2").has_value());
    REQUIRE_FALSE(to_integer<std::int32_t>("2147483648").has_value());
    REQUIRE(to_integer<std::int64_t>("2147483648") == 2147483648LL);
    REQUIRE(to_double("4.5") == 4.5);
    REQUIRE(to_double(" 3 ") == 3.0);
    REQUIRE(to_double("1e1") == 10.0);
    REQUIRE_FALSE(to_double("four").has_value());
    REQUIRE_FALSE(to_double("4.5x").has_value());
    REQUIRE_FALSE(to_double("nan").has_value());
    REQUIRE_FALSE(to_double("inf").has_value());
}

TEST_CASE("TextReader numbers lines, strips CR and BOM, and reads across block boundaries", "[data][text_reader]") {
    TempDir dir;
    SECTION("CRLF, BOM and a last line without newline") {
        const auto file = dir.write("a.txt", "\xEF\xBB\xBFone\r\n\r\nthree\r\nfour");
        mvae::detail::TextReader reader(file);
        std::string_view line;
        std::vector<std::string> lines;
        while (reader.next_line(line)) lines.emplace_back(line);
        REQUIRE(lines == std::vector<std::string>{"one", "", "three", "four"});
        REQUIRE(reader.line_number() == 4);
    }
    SECTION("an empty file has no lines; a lone newline is one empty line") {
        std::string_view line;
        mvae::detail::TextReader empty(dir.write("e.txt", ""));
        REQUIRE_FALSE(empty.next_line(line));
        mvae::detail::TextReader one(dir.write("n.txt", "\n"));
        REQUIRE(one.next_line(line));
        REQUIRE(line.empty());
        REQUIRE_FALSE(one.next_line(line));
    }
    SECTION("lines straddling the 1 MiB read blocks come out whole") {
        // 300,000 lines of 7 or 8 bytes: about 2.3 MB, so several block boundaries fall inside lines.
        std::string text;
        for (int k = 0; k < 300000; ++k) text += std::to_string(1000000 + k) + (k % 2 ? "\n" : "\r\n");
        const auto file = dir.write("big.txt", text);
        mvae::detail::TextReader reader(file);
        std::string_view line;
        int k = 0;
        bool all_match = true;
        while (reader.next_line(line)) {
            all_match = all_match && line == std::to_string(1000000 + k);
            ++k;
        }
        REQUIRE(k == 300000);
        REQUIRE(all_match);
    }
    SECTION("parse errors name the file, the line, the column and the text") {
        const auto file = dir.write("p.txt", "x\n");
        mvae::detail::TextReader reader(file);
        std::string_view line;
        REQUIRE(reader.next_line(line));
        REQUIRE_THROWS_AS(reader.parse_integer<int>(line, "count"), mvae::ParseError);
        REQUIRE_THROWS_WITH(reader.parse_integer<int>(line, "count"),
                            Contains("p.txt:1:") && Contains("count") && Contains("'x'") && Contains("integer"));
        REQUIRE_THROWS_WITH(reader.parse_integer<std::int32_t>("99999999999", "n"), Contains("2147483647"));
        REQUIRE_THROWS_WITH(reader.parse_double("1,5", "rating"),
                            Contains("p.txt:1:") && Contains("rating") && Contains("'1,5'") && Contains("number"));
    }
    SECTION("a missing file or a directory is an IoError naming the path") {
        REQUIRE_THROWS_AS(mvae::detail::TextReader(dir.path() / "nope.txt"), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::detail::TextReader(dir.path() / "nope.txt"), Contains("nope.txt"));
        REQUIRE_THROWS_AS(mvae::detail::TextReader(dir.path()), mvae::IoError);
    }
}

// ---------------------------------------------------------------------------------------------
// IdMap
// ---------------------------------------------------------------------------------------------

TEST_CASE("IdMap numbers ids in order of first appearance", "[data][id_map]") {
    mvae::IdMap map;
    REQUIRE(map.empty());
    REQUIRE(map.insert("b") == 0);
    REQUIRE(map.insert("a") == 1);
    REQUIRE(map.insert("b") == 0);
    REQUIRE(map.insert("c") == 2);
    REQUIRE(map.size() == 3);
    REQUIRE(map.index_of("a") == 1);
    REQUIRE(map.contains("c"));
    REQUIRE_FALSE(map.contains("d"));
    REQUIRE_FALSE(map.find("d").has_value());
    REQUIRE(map.id_of(2) == "c");
    REQUIRE(ids_of(map) == std::vector<std::string>{"b", "a", "c"});
    REQUIRE_THROWS_AS(map.index_of("d"), mvae::ArgumentError);
    REQUIRE_THROWS_WITH(map.index_of("d"), Contains("'d'"));
    REQUIRE_THROWS_AS(map.id_of(3), mvae::ArgumentError);
    REQUIRE_THROWS_AS(map.id_of(-1), mvae::ArgumentError);
    // Lookups survive the reallocation of the id storage.
    for (int k = 0; k < 1000; ++k) map.insert("id" + std::to_string(k));
    REQUIRE(map.index_of("id999") == 1002);
    REQUIRE(map.index_of("b") == 0);
}

// ---------------------------------------------------------------------------------------------
// JCA CSV files and split folders
// ---------------------------------------------------------------------------------------------

TEST_CASE("read_jca_csv reads 1-based pairs as 0-based, in file order, duplicates kept", "[data][jca]") {
    TempDir dir;
    SECTION("userId,itemId") {
        const auto file = dir.write("train.csv", "userId,itemId\n1,1\n1,3\n2,2\n1,3\n3,1\n");
        REQUIRE(mvae::read_jca_csv(file) == std::vector<Interaction>{{0, 0}, {0, 2}, {1, 1}, {0, 2}, {2, 0}});
    }
    SECTION("userId,movieId, spaces around fields, blank lines, no final newline") {
        const auto file = dir.write("test.csv", "userId,movieId\n 4 , 2\n\n  \n2,10");
        REQUIRE(mvae::read_jca_csv(file) == std::vector<Interaction>{{3, 1}, {1, 9}});
    }
    SECTION("header only: no pairs") {
        REQUIRE(mvae::read_jca_csv(dir.write("h.csv", "userId,itemId\n")).empty());
    }
    SECTION("CRLF line endings") {
        const auto file = dir.write("crlf.csv", "userId,itemId\r\n1,2\r\n3,4\r\n");
        REQUIRE(mvae::read_jca_csv(file) == std::vector<Interaction>{{0, 1}, {2, 3}});
    }
    SECTION("a UTF-8 byte-order mark before the header") {
        const auto file = dir.write("bom.csv", "\xEF\xBB\xBFuserId,itemId\r\n5,6\r\n");
        REQUIRE(mvae::read_jca_csv(file) == std::vector<Interaction>{{4, 5}});
    }
    SECTION("many rows across read blocks") {
        std::string text = "userId,itemId\n";
        std::int64_t user_sum = 0;
        std::int64_t item_sum = 0;
        for (int k = 0; k < 200000; ++k) {
            const int u = 1 + k / 20;
            const int i = 1 + (k * 7919) % 5000;
            text += std::to_string(u) + "," + std::to_string(i) + "\n";
            user_sum += u - 1;
            item_sum += i - 1;
        }
        const auto pairs = mvae::read_jca_csv(dir.write("big.csv", text));
        REQUIRE(pairs.size() == 200000);
        std::int64_t got_users = 0;
        std::int64_t got_items = 0;
        for (const auto& p : pairs) {
            got_users += p.user;
            got_items += p.item;
        }
        REQUIRE(got_users == user_sum);
        REQUIRE(got_items == item_sum);
        REQUIRE(pairs.back() == Interaction{9999, (199999 * 7919) % 5000});
    }
}

TEST_CASE("read_jca_csv rejects every kind of bad input, naming file and line", "[data][jca]") {
    TempDir dir;
    SECTION("file missing: IoError naming it") {
        REQUIRE_THROWS_AS(mvae::read_jca_csv(dir.path() / "missing.csv"), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.path() / "missing.csv"), Contains("missing.csv"));
    }
    SECTION("empty file: no header") {
        const auto file = dir.write("empty.csv", "");
        REQUIRE_THROWS_AS(mvae::read_jca_csv(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(file), Contains("empty.csv") && Contains("empty file"));
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("blank.csv", "\n\n")), Contains("blank.csv:2:"));
    }
    SECTION("wrong header names what it found and what it expected") {
        const auto file = dir.write("hdr.csv", "user,item\n1,2\n");
        REQUIRE_THROWS_AS(mvae::read_jca_csv(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(file),
                            Contains("hdr.csv:1:") && Contains("'user,item'") && Contains("userId,itemId"));
        try {
            (void)mvae::read_jca_csv(file);
        } catch (const mvae::ParseError& e) {
            REQUIRE(e.line() == 1);
            REQUIRE(e.source() == file.string());
        }
    }
    SECTION("header with a third column") {
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("h3.csv", "userId,itemId,rating\n1,2,5\n")),
                            Contains("h3.csv:1:") && Contains("userId,itemId,rating"));
    }
    SECTION("no header at all: data on line 1") {
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("nohdr.csv", "1,2\n3,4\n")),
                            Contains("nohdr.csv:1:") && Contains("'1,2'"));
    }
    SECTION("missing column") {
        const auto file = dir.write("short.csv", "userId,itemId\n1,2\n3\n");
        REQUIRE_THROWS_AS(mvae::read_jca_csv(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(file),
                            Contains("short.csv:3:") && Contains("expected 2 columns") && Contains("found 1"));
    }
    SECTION("extra column") {
        const auto file = dir.write("long.csv", "userId,itemId\n1,2\n3,4\n5,6,7\n");
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(file), Contains("long.csv:4:") && Contains("found 3"));
    }
    SECTION("empty field") {
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("ef.csv", "userId,itemId\n1,\n")),
                            Contains("ef.csv:2:") && Contains("itemId") && Contains("integer"));
    }
    SECTION("non-numeric field names the column and the text") {
        const auto file = dir.write("nan.csv", "userId,movieId\n1,2\n1,abc\n");
        REQUIRE_THROWS_AS(mvae::read_jca_csv(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(file),
                            Contains("nan.csv:3:") && Contains("movieId") && Contains("'abc'"));
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("frac.csv", "userId,itemId\n1.5,2\n")),
                            Contains("frac.csv:2:") && Contains("userId") && Contains("'1.5'"));
    }
    SECTION("id 0 or negative in a 1-based file") {
        const auto zero = dir.write("zero.csv", "userId,itemId\n1,1\n0,4\n");
        REQUIRE_THROWS_AS(mvae::read_jca_csv(zero), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(zero), Contains("zero.csv:3:") && Contains("userId") &&
                                                          Contains("id 0") && Contains("1-based"));
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("neg.csv", "userId,itemId\n2,-3\n")),
                            Contains("neg.csv:2:") && Contains("itemId") && Contains("-3"));
    }
    SECTION("id beyond 32 bits") {
        REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("huge.csv", "userId,itemId\n3000000000,1\n")),
                            Contains("huge.csv:2:") && Contains("3000000000"));
    }
}

TEST_CASE("JCA files with ids written as integral floats load, and say so", "[data][jca]") {
    TempDir dir;
    dir.write("train.csv", "userId,itemId\n1.0,42.0\n2,3\n2.0,1e1\n");
    dir.write("test.csv", "userId,itemId\n1,2\n");
    mvae::JcaReadReport report;
    const mvae::SplitData s = mvae::load_jca_split(dir.path(), {}, &report);
    REQUIRE(s.train.pairs() == std::vector<Interaction>{{0, 41}, {1, 2}, {1, 9}});
    REQUIRE(report.float_ids == 4);
    REQUIRE(report.first_float_id == "1.0");
    REQUIRE(report.first_float_id_at.find("train.csv:2") != std::string::npos);
    // Integer files report nothing; the report is optional.
    mvae::JcaReadReport none;
    dir.write("train.csv", "userId,itemId\n1,42\n");
    (void)mvae::load_jca_split(dir.path(), {}, &none);
    REQUIRE(none.float_ids == 0);
    // A fraction, an overflow, a NaN, an infinity or a negative float are still refused, by line.
    REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("f1.csv", "userId,itemId\n1,2\n7.5,1\n")),
                        Contains("f1.csv:3:") && Contains("'7.5'") && Contains("not an integer"));
    REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("f2.csv", "userId,itemId\n1,1e400\n")),
                        Contains("f2.csv:2:") && Contains("itemId") && Contains("'1e400'"));
    REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("f3.csv", "userId,itemId\nnan,1\n")),
                        Contains("f3.csv:2:") && Contains("'nan'"));
    REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("f4.csv", "userId,itemId\n1,inf\n")),
                        Contains("f4.csv:2:") && Contains("'inf'"));
    REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("f5.csv", "userId,itemId\n-2.0,1\n")),
                        Contains("f5.csv:2:") && Contains("1-based"));
    REQUIRE_THROWS_WITH(mvae::read_jca_csv(dir.write("f6.csv", "userId,itemId\n1,1e300\n")),
                        Contains("f6.csv:2:") && Contains("out of range"));
}

TEST_CASE("load_jca_csv sizes the matrix and checks ids against a given shape", "[data][jca]") {
    TempDir dir;
    const auto file = dir.write("t.csv", "userId,itemId\n1,2\n3,1\n1,2\n");
    SECTION("inferred shape, duplicates merged and counted") {
        const InteractionMatrix m = mvae::load_jca_csv(file, 0, 0);
        REQUIRE(m.n_users() == 3);
        REQUIRE(m.n_items() == 2);
        REQUIRE(m.nnz() == 2);
        REQUIRE(m.total_count() == 3);
        REQUIRE(to_vector(m.item_counts_of(0)) == std::vector<index_t>{2});
    }
    SECTION("a larger given shape") {
        const InteractionMatrix m = mvae::load_jca_csv(file, 5, 4);
        REQUIRE(m.n_users() == 5);
        REQUIRE(m.n_items() == 4);
        REQUIRE(m.pairs() == std::vector<Interaction>{{0, 1}, {2, 0}});
    }
    SECTION("id out of range names file, line, id and bound") {
        REQUIRE_THROWS_AS(mvae::load_jca_csv(file, 2, 4), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::load_jca_csv(file, 2, 4), Contains("t.csv:3:") && Contains("id out of range") &&
                                                                 Contains("userId 3") && Contains("n_users = 2"));
        REQUIRE_THROWS_WITH(mvae::load_jca_csv(file, 3, 1), Contains("t.csv:2:") && Contains("itemId 2") &&
                                                                 Contains("n_items = 1"));
    }
    SECTION("an id too large to infer a shape from is refused, not allocated") {
        const auto huge = dir.write("huge.csv", "userId,itemId\n1,1\n2000000000,2\n");
        REQUIRE_THROWS_AS(mvae::load_jca_csv(huge, 0, 0), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::load_jca_csv(huge, 0, 0), Contains("huge.csv:3:") && Contains("2000000000") &&
                                                               Contains("pass n_users explicitly"));
        REQUIRE_THROWS_WITH(mvae::load_jca_split(dir.path()), Contains("missing required file"));
    }
    SECTION("negative shape") {
        REQUIRE_THROWS_AS(mvae::load_jca_csv(file, -1, 0), mvae::ArgumentError);
        REQUIRE_THROWS_WITH(mvae::load_jca_csv(file, 0, -2), Contains("n_items") && Contains("-2"));
    }
}

TEST_CASE("load_jca_split reads a folder into three matrices of one shape", "[data][jca]") {
    TempDir dir;
    // train holds a duplicate and the vali pairs (as in the paper's folders); test reaches item 5.
    dir.write("train.csv", "userId,itemId\n1,1\n1,2\n2,2\n2,3\n1,2\n3,1\n");
    dir.write("test.csv", "userId,itemId\n1,5\n3,4\n");
    SECTION("without vali.csv") {
        const mvae::SplitData s = mvae::load_jca_split(dir.path());
        REQUIRE(s.n_users() == 3);
        REQUIRE(s.n_items() == 5);  // the largest id over all files
        REQUIRE(s.test.n_items() == 5);
        REQUIRE(s.validation.n_users() == 3);
        REQUIRE(s.validation.n_items() == 5);
        REQUIRE(s.validation.nnz() == 0);
        REQUIRE(s.train.nnz() == 5);
        REQUIRE(s.train.total_count() == 6);
        REQUIRE(s.test.pairs() == std::vector<Interaction>{{0, 4}, {2, 3}});
    }
    SECTION("with vali.csv, which may lie inside train") {
        dir.write("vali.csv", "userId,itemId\n2,3\n4,1\n");
        const mvae::SplitData s = mvae::load_jca_split(dir.path());
        REQUIRE(s.n_users() == 4);  // user 4 appears only in vali
        REQUIRE(s.train.n_users() == 4);
        REQUIRE(s.validation.pairs() == std::vector<Interaction>{{1, 2}, {3, 0}});
        REQUIRE(s.train.contains(1, 2));
    }
    SECTION("given shape") {
        mvae::JcaSplitOptions options;
        options.n_users = 10;
        options.n_items = 6;
        const mvae::SplitData s = mvae::load_jca_split(dir.path(), options);
        REQUIRE(s.train.n_users() == 10);
        REQUIRE(s.test.n_items() == 6);
        options.n_items = 4;
        REQUIRE_THROWS_AS(mvae::load_jca_split(dir.path(), options), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::load_jca_split(dir.path(), options),
                            Contains("test.csv:2:") && Contains("id out of range") && Contains("itemId 5") &&
                                Contains("n_items = 4"));
    }
    SECTION("missing train.csv is an IoError naming it") {
        fs::remove(dir.path() / "train.csv");
        REQUIRE_THROWS_AS(mvae::load_jca_split(dir.path()), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::load_jca_split(dir.path()), Contains("train.csv"));
    }
    SECTION("test.csv is required unless require_test is false") {
        fs::remove(dir.path() / "test.csv");
        REQUIRE_THROWS_AS(mvae::load_jca_split(dir.path()), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::load_jca_split(dir.path()), Contains("test.csv"));
        mvae::JcaSplitOptions options;
        options.require_test = false;
        const mvae::SplitData s = mvae::load_jca_split(dir.path(), options);
        REQUIRE(s.n_items() == 3);
        REQUIRE(s.test.n_users() == 3);
        REQUIRE(s.test.nnz() == 0);
    }
    SECTION("a malformed vali.csv is reported with its own name") {
        dir.write("vali.csv", "userId,itemId\n1,1\n1;2\n");
        REQUIRE_THROWS_WITH(mvae::load_jca_split(dir.path()), Contains("vali.csv:3:"));
    }
    SECTION("negative options") {
        mvae::JcaSplitOptions options;
        options.n_users = -1;
        REQUIRE_THROWS_AS(mvae::load_jca_split(dir.path(), options), mvae::ArgumentError);
    }
}

TEST_CASE("write_jca_csv and save_jca_split round-trip through the readers", "[data][jca]") {
    TempDir dir;
    const std::vector<Interaction> pairs{{0, 3}, {2, 0}, {0, 1}, {2, 0}, {1, 3}};
    const InteractionMatrix m(4, 5, pairs);  // user 3 and item 4 are empty

    SECTION("one file: header, 1-based, distinct pairs by user then item") {
        const auto file = dir.path() / "out.csv";
        mvae::write_jca_csv(file, m);
        std::ifstream in(file, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        REQUIRE(text == "userId,itemId\n1,2\n1,4\n2,4\n3,1\n");
        REQUIRE(mvae::read_jca_csv(file) == m.pairs());
        const InteractionMatrix back = mvae::load_jca_csv(file, 4, 5);
        REQUIRE(back.pairs() == m.pairs());
        REQUIRE(back.total_count() == 4);  // counts are not written
        // Nothing but the file is left in the directory (the temporary file was renamed).
        REQUIRE(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
        // Overwriting replaces the content.
        mvae::write_jca_csv(file, InteractionMatrix(1, 1, std::vector<Interaction>{{0, 0}}));
        REQUIRE(mvae::read_jca_csv(file) == std::vector<Interaction>{{0, 0}});
    }
    SECTION("an unwritable destination is an IoError naming it") {
        const auto file = dir.path() / "no_such_dir" / "out.csv";
        REQUIRE_THROWS_AS(mvae::write_jca_csv(file, m), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::write_jca_csv(file, m), Contains("out.csv"));
        const auto onto_directory = dir.path() / "a_directory";
        fs::create_directories(onto_directory / "inside");
        REQUIRE_THROWS_AS(mvae::write_jca_csv(onto_directory, m), mvae::IoError);
        REQUIRE(fs::is_directory(onto_directory / "inside"));
    }
    SECTION("a folder") {
        const InteractionMatrix validation(4, 5, std::vector<Interaction>{{1, 1}});
        const InteractionMatrix test(4, 5, std::vector<Interaction>{{0, 0}, {3, 2}});
        const mvae::SplitData s{m, validation, test};
        const auto folder = dir.path() / "nested" / "split";
        mvae::save_jca_split(folder, s);
        mvae::JcaSplitOptions options;
        options.n_users = 4;
        options.n_items = 5;
        const mvae::SplitData back = mvae::load_jca_split(folder, options);
        REQUIRE(back.train.pairs() == m.pairs());
        REQUIRE(back.validation.pairs() == validation.pairs());
        REQUIRE(back.test.pairs() == test.pairs());
        // Without the shape, it is inferred from the ids: item 5 (index 4) is never used.
        REQUIRE(mvae::load_jca_split(folder).n_items() == 4);

        // Saving again without validation removes the stale vali.csv.
        mvae::save_jca_split(folder, mvae::SplitData{m, InteractionMatrix(4, 5, {}), test});
        REQUIRE_FALSE(fs::exists(folder / "vali.csv"));
        REQUIRE(mvae::load_jca_split(folder, options).validation.nnz() == 0);
    }
    SECTION("mismatched shapes are a ShapeError") {
        const mvae::SplitData s{m, InteractionMatrix(4, 5, {}), InteractionMatrix(3, 5, {})};
        REQUIRE_THROWS_AS(mvae::save_jca_split(dir.path() / "bad", s), mvae::ShapeError);
    }
}

// ---------------------------------------------------------------------------------------------
// MovieLens
// ---------------------------------------------------------------------------------------------

TEST_CASE("load_movielens reads ratings.dat and u.data, keeping ratings at or above the threshold",
          "[data][movielens]") {
    TempDir dir;
    SECTION("ratings.dat") {
        // User 7 rates only below 4 and disappears; movie 30 is only rated 3.
        const auto file = dir.write("ratings.dat",
                                    "5::10::5::978300760\n5::20::3::978302109\n7::30::3::978301968\n"
                                    "9::20::4::978300275\n5::40::4::978824291\n9::10::1::978302268\n");
        const auto data = mvae::load_movielens(file);
        REQUIRE(ids_of(data.users) == std::vector<std::string>{"5", "9"});
        REQUIRE(ids_of(data.items) == std::vector<std::string>{"10", "20", "40"});
        REQUIRE(data.matrix.n_users() == 2);
        REQUIRE(data.matrix.n_items() == 3);
        REQUIRE(data.matrix.pairs() == std::vector<Interaction>{{0, 0}, {0, 2}, {1, 1}});
    }
    SECTION("u.data (tab separated), with a custom threshold") {
        const auto file = dir.write("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n"
                                              "196\t302\t2\t881250949\n");
        mvae::MovieLensOptions options;
        options.min_rating = 3.0;
        const auto data = mvae::load_movielens(file, options);
        REQUIRE(ids_of(data.users) == std::vector<std::string>{"196", "186"});
        REQUIRE(ids_of(data.items) == std::vector<std::string>{"242", "302"});
        REQUIRE(data.matrix.pairs() == std::vector<Interaction>{{0, 0}, {1, 1}});
        options.min_rating = 0.0;
        REQUIRE(mvae::load_movielens(file, options).matrix.nnz() == 4);
        options.min_rating = 4.5;
        REQUIRE(mvae::load_movielens(file, options).matrix.n_users() == 0);
    }
    SECTION("fractional ratings (ML-10M) and CRLF endings") {
        const auto file = dir.write("ratings.dat", "1::122::4.5::838985046\r\n1::185::3.5::838983525\r\n");
        const auto data = mvae::load_movielens(file);
        REQUIRE(data.matrix.nnz() == 1);
        REQUIRE(data.items.id_of(0) == "122");
    }
    SECTION("format detection by content when the name is unknown") {
        const auto dat = dir.write("ml.txt", "\n1::2::5::0\n");
        REQUIRE(mvae::load_movielens(dat).matrix.nnz() == 1);
        const auto udata = dir.write("ml.tsv", "1\t2\t5\t0\n");
        REQUIRE(mvae::load_movielens(udata).matrix.nnz() == 1);
        const auto neither = dir.write("ml.csv", "1,2,5,0\n");
        REQUIRE_THROWS_AS(mvae::load_movielens(neither), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::load_movielens(neither), Contains("ml.csv:1:") && Contains("MovieLens"));
        REQUIRE_THROWS_WITH(mvae::load_movielens(dir.write("empty.txt", "")), Contains("empty.txt"));
    }
    SECTION("an explicit format overrides the name") {
        const auto file = dir.write("ratings.dat", "1\t2\t5\t0\n");
        mvae::MovieLensOptions options;
        options.format = mvae::MovieLensOptions::Format::UData;
        REQUIRE(mvae::load_movielens(file, options).matrix.nnz() == 1);
        REQUIRE_THROWS_WITH(mvae::load_movielens(file), Contains("ratings.dat:1:") && Contains("expected 4 fields"));
    }
    SECTION("an empty ratings.dat gives an empty result") {
        const auto data = mvae::load_movielens(dir.write("ratings.dat", ""));
        REQUIRE(data.matrix.n_users() == 0);
        REQUIRE(data.users.size() == 0);
    }
}

TEST_CASE("load_movielens rejects malformed lines with file and line", "[data][movielens]") {
    TempDir dir;
    const std::string good = "1::2::5::978300760\n";
    SECTION("missing file") {
        REQUIRE_THROWS_AS(mvae::load_movielens(dir.path() / "ratings.dat"), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::load_movielens(dir.path() / "ratings.dat"), Contains("ratings.dat"));
    }
    SECTION("too few fields") {
        const auto file = dir.write("ratings.dat", good + "1::3::4\n");
        REQUIRE_THROWS_AS(mvae::load_movielens(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::load_movielens(file), Contains("ratings.dat:2:") && Contains("found 3"));
    }
    SECTION("too many fields") {
        REQUIRE_THROWS_WITH(mvae::load_movielens(dir.write("ratings.dat", good + good + "1::3::4::5::6\n")),
                            Contains("ratings.dat:3:") && Contains("found 5"));
    }
    SECTION("non-numeric rating") {
        REQUIRE_THROWS_WITH(mvae::load_movielens(dir.write("ratings.dat", "1::3::five::978300760\n")),
                            Contains("ratings.dat:1:") && Contains("rating") && Contains("'five'"));
    }
    SECTION("non-integer timestamp") {
        REQUIRE_THROWS_WITH(mvae::load_movielens(dir.write("u.data", "1\t3\t4\t97830x\n")),
                            Contains("u.data:1:") && Contains("timestamp") && Contains("'97830x'"));
    }
    SECTION("empty id") {
        REQUIRE_THROWS_WITH(mvae::load_movielens(dir.write("ratings.dat", good + "::3::4::0\n")),
                            Contains("ratings.dat:2:") && Contains("user") && Contains("empty id"));
    }
    SECTION("NaN threshold") {
        mvae::MovieLensOptions options;
        options.min_rating = std::numeric_limits<double>::quiet_NaN();
        REQUIRE_THROWS_AS(mvae::load_movielens(dir.write("ratings.dat", good), options), mvae::ArgumentError);
    }
}

// ---------------------------------------------------------------------------------------------
// Generic delimited files
// ---------------------------------------------------------------------------------------------

TEST_CASE("load_delimited detects the delimiter and remaps string ids", "[data][delimited]") {
    TempDir dir;
    const std::vector<Interaction> expected{{0, 0}, {0, 1}, {1, 0}};
    const std::vector<std::string> users{"alice", "bob"};
    const std::vector<std::string> items{"i9", "i3"};
    for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
             {"tab.tsv", "alice\ti9\nalice\ti3\nbob\ti9\n"},
             {"comma.csv", "alice,i9\nalice,i3\nbob,i9\n"},
             {"semicolon.txt", "alice;i9\nalice;i3\nbob;i9\n"},
             {"spaces.txt", "alice   i9\n  alice i3  \nbob\t i9\n"},
         }) {
        INFO(name);
        const auto data = mvae::load_delimited(dir.write(name, text));
        REQUIRE(data.matrix.pairs() == expected);
        REQUIRE(ids_of(data.users) == users);
        REQUIRE(ids_of(data.items) == items);
    }
}

TEST_CASE("load_delimited handles headers, comments, blank lines, values and thresholds", "[data][delimited]") {
    TempDir dir;
    SECTION("header, comments and blank lines are skipped") {
        const auto file = dir.write("h.csv", "# exported 2024\n\nuser,item,rating\n  # a comment\nu1,a,5\n\r\nu2,b,1\n");
        mvae::DelimitedOptions options;
        options.header = true;
        const auto data = mvae::load_delimited(file, options);
        REQUIRE(ids_of(data.users) == std::vector<std::string>{"u1", "u2"});
        REQUIRE(data.matrix.nnz() == 2);
        // Without header = true, the header row is data: its value 'rating' is not a number.
        REQUIRE_THROWS_WITH(mvae::load_delimited(file), Contains("h.csv:3:") && Contains("'rating'"));
    }
    SECTION("min_value drops rows below it; ids of dropped rows are not registered") {
        const auto file = dir.write("v.csv", "u1,a,5\nu2,b,1\nu1,b,4\nu3,c,3.5\nu1,a,4.5\n");
        mvae::DelimitedOptions options;
        options.min_value = 4.0;
        const auto data = mvae::load_delimited(file, options);
        REQUIRE(ids_of(data.users) == std::vector<std::string>{"u1"});
        REQUIRE(ids_of(data.items) == std::vector<std::string>{"a", "b"});
        REQUIRE(data.matrix.nnz() == 2);
        REQUIRE(data.matrix.total_count() == 3);  // (u1, a) twice
        // Without a threshold every row is kept.
        REQUIRE(mvae::load_delimited(file).matrix.total_count() == 5);
    }
    SECTION("columns after the value are not read") {
        const auto data = mvae::load_delimited(dir.write("ts.csv", "1,10,5,881250949\n2,10,2,881250950\n"),
                                               mvae::DelimitedOptions{0, false, 3.0});
        REQUIRE(data.matrix.pairs() == std::vector<Interaction>{{0, 0}});
    }
    SECTION("an explicit delimiter keeps spaces inside ids") {
        mvae::DelimitedOptions options;
        options.delimiter = ',';
        const auto data = mvae::load_delimited(dir.write("sp.csv", "New York,Pizza Place\n"), options);
        REQUIRE(data.users.id_of(0) == "New York");
        REQUIRE(data.items.id_of(0) == "Pizza Place");
        // Auto-detection also finds the comma first.
        REQUIRE(mvae::load_delimited(dir.path() / "sp.csv").items.id_of(0) == "Pizza Place");
    }
    SECTION("a file without data lines is empty") {
        const auto data = mvae::load_delimited(dir.write("e.txt", "# nothing\n\n"));
        REQUIRE(data.matrix.n_users() == 0);
        REQUIRE(data.matrix.n_items() == 0);
    }
}

TEST_CASE("load_delimited rejects bad input with file and line", "[data][delimited]") {
    TempDir dir;
    SECTION("missing file") {
        REQUIRE_THROWS_AS(mvae::load_delimited(dir.path() / "gone.tsv"), mvae::IoError);
        REQUIRE_THROWS_WITH(mvae::load_delimited(dir.path() / "gone.tsv"), Contains("gone.tsv"));
    }
    SECTION("a single column") {
        const auto file = dir.write("one.txt", "\nalice\n");
        REQUIRE_THROWS_AS(mvae::load_delimited(file), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::load_delimited(file), Contains("one.txt:2:") && Contains("at least 2 fields"));
    }
    SECTION("a line with a different number of columns") {
        const auto file = dir.write("ragged.csv", "a,b,1\na,c,2\na,d\n");
        REQUIRE_THROWS_WITH(mvae::load_delimited(file),
                            Contains("ragged.csv:3:") && Contains("expected 3 fields") && Contains("line 1") &&
                                Contains("found 2"));
        REQUIRE_THROWS_WITH(mvae::load_delimited(dir.write("extra.csv", "a,b\na,c,2\n")),
                            Contains("extra.csv:2:") && Contains("found 3"));
    }
    SECTION("a non-numeric value") {
        REQUIRE_THROWS_WITH(mvae::load_delimited(dir.write("val.tsv", "a\tb\t1\na\tc\thigh\n")),
                            Contains("val.tsv:2:") && Contains("value") && Contains("'high'"));
    }
    SECTION("an empty id") {
        REQUIRE_THROWS_WITH(mvae::load_delimited(dir.write("id.csv", "a,b\n,c\n")),
                            Contains("id.csv:2:") && Contains("user") && Contains("empty id"));
        REQUIRE_THROWS_WITH(mvae::load_delimited(dir.write("id2.csv", "a, \n")),
                            Contains("id2.csv:1:") && Contains("item") && Contains("empty id"));
    }
    SECTION("min_value without a value column") {
        mvae::DelimitedOptions options;
        options.min_value = 1.0;
        REQUIRE_THROWS_AS(mvae::load_delimited(dir.write("nv.csv", "a,b\n"), options), mvae::ParseError);
        REQUIRE_THROWS_WITH(mvae::load_delimited(dir.path() / "nv.csv", options),
                            Contains("nv.csv:1:") && Contains("min_value"));
    }
    SECTION("a header that is not there") {
        mvae::DelimitedOptions options;
        options.header = true;
        REQUIRE_THROWS_WITH(mvae::load_delimited(dir.write("nh.csv", "\n# only a comment\n"), options),
                            Contains("nh.csv") && Contains("header"));
    }
    SECTION("forbidden options") {
        const auto file = dir.write("ok.csv", "a,b\n");
        mvae::DelimitedOptions options;
        options.delimiter = '\n';
        REQUIRE_THROWS_AS(mvae::load_delimited(file, options), mvae::ArgumentError);
        options.delimiter = '#';
        REQUIRE_THROWS_AS(mvae::load_delimited(file, options), mvae::ArgumentError);
        options.delimiter = 0;
        options.min_value = std::numeric_limits<double>::quiet_NaN();
        REQUIRE_THROWS_WITH(mvae::load_delimited(file, options), Contains("min_value"));
    }
}
