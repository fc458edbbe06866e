// mvae/core/memory_usage.hpp — the process's peak resident memory, for progress reports and
// benchmarks that record what a run needed.
#pragma once

#include <fstream>
#include <string>

namespace mvae {

/// The high-water mark of this process's resident memory in MiB (Linux: VmHWM of
/// /proc/self/status), or -1 where that is unavailable. Never throws.
[[nodiscard]] inline double peak_resident_mib() noexcept {
    try {
        std::ifstream status("/proc/self/status");
        std::string key;
        while (status >> key) {
            if (key == "VmHWM:") {
                double kib = 0;
                status >> kib;
                return kib / 1024.0;
            }
            std::getline(status, key);
        }
    } catch (...) {
    }
    return -1;
}

}  // namespace mvae
