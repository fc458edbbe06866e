// A fresh directory under the system temp directory for one test, removed with its contents at
// scope exit.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#include <catch2/catch.hpp>

namespace mvae_test {

class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        std::random_device entropy;
        const auto tag = std::to_string(entropy()) + "_" + std::to_string(counter++) + "_" +
                         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
        path_ = std::filesystem::temp_directory_path() / ("mvae_test_" + tag);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

    /// Writes `content` byte for byte (no newline translation) to path()/name and returns its path.
    std::filesystem::path write(const std::string& name, std::string_view content) const {
        const std::filesystem::path file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::binary);
        out.write(content.data(), std::streamsize(content.size()));
        REQUIRE(out.good());
        return file;
    }

private:
    std::filesystem::path path_;
};

}  // namespace mvae_test
