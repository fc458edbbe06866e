// Helpers shared by the fuzz harnesses (tests/fuzz/fuzz_*.cpp).
//
// Every harness defines LLVMFuzzerTestOneInput. It is linked either with libFuzzer
// (MVAE_BUILD_FUZZERS=ON, clang, -fsanitize=fuzzer,address,undefined) or with replay_main.cpp,
// which feeds it the files of a corpus (the fuzz.replay.* tests). An mvae::Error is the expected
// answer to a bad input and is caught by expect_mvae_errors; anything else that escapes (another
// exception type) terminates the process, which both drivers report as a failure, as they do a
// crash, a sanitizer report, a hang or an allocation above the limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

#include "mvae/core/error.hpp"

namespace mvae_fuzz {

/// Runs `body`, swallowing mvae::Error (the documented way to refuse an input).
template <class Body>
void expect_mvae_errors(Body&& body) {
    try {
        body();
    } catch (const mvae::Error&) {
    }
}

/// A property that must hold for every accepted input; a failure aborts (a crash for libFuzzer).
inline void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz property violated: %s\n", what);
        std::abort();
    }
}

/// A private scratch folder for this process (in /dev/shm when there is one: the loaders read
/// files, and memory is faster than a disk), removed at exit.
inline const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        std::error_code ec;
        std::filesystem::path base = "/dev/shm";
        if (!std::filesystem::is_directory(base, ec)) base = std::filesystem::temp_directory_path();
        auto d = base / ("mvae_fuzz_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(scratch_dir(), ignored);
        });
        return d;
    }();
    return dir;
}

/// Writes `bytes` as scratch_dir()/name and returns the path.
inline std::filesystem::path write_file(const std::filesystem::path& name, std::string_view bytes) {
    const std::filesystem::path file = scratch_dir() / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.close();
    check(static_cast<bool>(out), "writing a scratch file failed");
    return file;
}

/// Removes scratch_dir()/name if present.
inline void remove_file(const std::filesystem::path& name) {
    std::error_code ignored;
    std::filesystem::remove(scratch_dir() / name, ignored);
}

/// Splits `text` into at most `max_parts` parts on `separator` (the last part keeps the rest).
template <std::size_t N>
std::size_t split_parts(std::string_view text, char separator, std::string_view (&parts)[N]) {
    std::size_t n = 0;
    while (n + 1 < N) {
        const std::size_t at = text.find(separator);
        if (at == std::string_view::npos) break;
        parts[n++] = text.substr(0, at);
        text.remove_prefix(at + 1);
    }
    parts[n++] = text;
    return n;
}

/// The first byte of an input as a mode selector, and the rest of the input.
struct ModeAndBody {
    unsigned mode = 0;
    std::string_view body;
};
inline ModeAndBody mode_and_body(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return {};
    return {unsigned(data[0]), std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)};
}

}  // namespace mvae_fuzz
