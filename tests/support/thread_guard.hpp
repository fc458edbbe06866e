// Restores mvae's thread count at scope exit, so a test that varies it leaves no trace.
#pragma once

#include "mvae/core/parallel.hpp"

namespace mvae_test {

struct ThreadGuard {
    int saved = mvae::num_threads();
    ThreadGuard() = default;
    ThreadGuard(const ThreadGuard&) = delete;
    ThreadGuard& operator=(const ThreadGuard&) = delete;
    ~ThreadGuard() { mvae::set_num_threads(saved); }
};

}  // namespace mvae_test
