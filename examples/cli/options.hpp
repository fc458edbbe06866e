// Option helpers shared by the mvae subcommands.
#pragma once

#include <charconv>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mvae/core/error.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"

namespace mvae_cli {

/// Parses "1,5,10" into {1, 5, 10}; every entry must be a positive integer.
inline std::vector<mvae::index_t> parse_k_list(const std::string& text) {
    std::vector<mvae::index_t> ks;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string field = text.substr(start, end - start);
        mvae::index_t k = 0;
        const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), k);
        mvae::require_argument(ec == std::errc() && ptr == field.data() + field.size() && k >= 1, "--k: '", field,
                               "' in '", text, "' is not a positive integer");
        ks.push_back(k);
        start = end + 1;
    }
    return ks;
}

/// Adds --threads and returns where its value lands (0 = leave the default).
inline void add_threads_option(CLI::App& cmd, int& threads) {
    cmd.add_option("--threads", threads, "Threads for host kernels (default: all cores)")->check(CLI::PositiveNumber);
}

inline void apply_threads(int threads) {
    if (threads > 0) mvae::set_num_threads(threads);
}

}  // namespace mvae_cli
