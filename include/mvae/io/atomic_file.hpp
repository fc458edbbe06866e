// mvae/io/atomic_file.hpp — writing a file so that readers never see it half-written.
//
// The content goes to a temporary sibling file, which is renamed over the target only once it is
// complete: an interrupted or failed write leaves the previous file intact. Every file the library
// writes (split folders, .npy scores, models) goes through here.
#pragma once

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "mvae/core/error.hpp"

namespace mvae {

namespace detail {

/// A sibling of `file` for writing it atomically: unique within the process, unlikely to clash
/// with another process's (the tag mixes a counter, the clock and an address).
[[nodiscard]] inline std::filesystem::path temporary_sibling(const std::filesystem::path& file) {
    static std::atomic<std::uint64_t> counter{0};
    const auto now = std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
    const auto tag = now ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull) ^ std::uint64_t(std::uintptr_t(&counter));
    std::array<char, 17> hex{};
    const auto result = std::to_chars(hex.data(), hex.data() + 16, tag, 16);
    std::filesystem::path tmp = file;
    tmp += ".tmp-" + std::string(hex.data(), result.ptr);
    return tmp;
}

}  // namespace detail

/**
 * Writes `file` through `write(std::ofstream&)` (binary mode) atomically: into a temporary file in
 * the same directory, then renamed over `file`.
 *
 * @throws IoError naming `file` when the temporary file cannot be created, written or renamed; the
 *         temporary file is removed and a previous `file` is left untouched. An exception thrown
 *         by `write` also removes the temporary file and propagates unchanged.
 */
template <class Writer>
void write_file_atomically(const std::filesystem::path& file, Writer&& write) {
    const std::filesystem::path tmp = detail::temporary_sibling(file);
    const auto remove_tmp = [&] {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
    };
    const auto fail = [&](const std::string& why) {
        remove_tmp();
        throw IoError(detail::error_message("cannot write ", file.string(), ": ", why));
    };
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) fail(detail::error_message("cannot create the temporary file ", tmp.string()));
        try {
            write(out);
        } catch (...) {
            out.close();
            remove_tmp();
            throw;
        }
        out.close();
        if (out.fail()) fail(detail::error_message("writing the temporary file ", tmp.string(), " failed"));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) fail(detail::error_message("renaming ", tmp.string(), " failed: ", ec.message()));
}

}  // namespace mvae
