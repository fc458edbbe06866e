// Option helpers shared by the mvae subcommands.
#pragma once

#include <charconv>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mvae/core/error.hpp"
#include "mvae/core/option_table.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/io/atomic_file.hpp"
#include "mvae/recommender/model_registry.hpp"

namespace mvae_cli {

/// Parses "1,5,10" into {1, 5, 10}; every entry must be a positive integer (1-based ids: `minus_one`).
inline std::vector<mvae::index_t> parse_int_list(const std::string& text, const char* option, bool minus_one = false) {
    std::vector<mvae::index_t> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string field = text.substr(start, end - start);
        mvae::index_t v = 0;
        const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
        mvae::require_argument(ec == std::errc() && ptr == field.data() + field.size() && v >= 1, option, ": '", field,
                               "' in '", text, "' is not a positive integer");
        out.push_back(minus_one ? v - 1 : v);
        start = end + 1;
    }
    return out;
}

/// Adds --threads (0 = leave the default).
inline void add_threads_option(CLI::App& cmd, int& threads) {
    cmd.add_option("--threads", threads, "Threads for host kernels (default: all cores)")->check(CLI::PositiveNumber);
}

inline void apply_threads(int threads) {
    if (threads > 0) mvae::set_num_threads(threads);
}

/// One flag per entry of `table` that has a command-line spelling; what is given lands in
/// `overrides` as (key, value), in command-line order, for ModelSettings::options.
template <class T>
void add_table_flags(CLI::App& cmd, const mvae::OptionTable<T>& table, std::shared_ptr<mvae::OptionOverrides> overrides) {
    for (const auto& f : table.fields()) {
        if (f.flag.empty()) continue;
        const std::string key = f.key, on = f.switch_value.empty() ? "1" : f.switch_value;
        if (f.is_switch)
            cmd.add_flag_callback("--" + f.flag, [=] { overrides->emplace_back(key, on); }, f.help);
        else
            cmd.add_option_function<std::string>("--" + f.flag, [=](const std::string& v) { overrides->emplace_back(key, v); },
                                                 f.help);
    }
}

inline void write_text_file(const std::string& path, const std::string& text) {
    mvae::write_file_atomically(path, [&](std::ofstream& out) { out << text << '\n'; });
}

}  // namespace mvae_cli
