// mvae/backend/transfer_counter.hpp — how often host and device meet: every backend's upload,
// download and synchronize counts here, and so does DeviceCopy::assign (on the CPU it copies
// nothing, but on a device with its own memory it is an upload). A GPU stalls at each of them, so
// a training loop whose counts do not grow with its number of steps keeps the device busy; the
// CPU backend counts the same events, which makes that property testable without a GPU
// (tests/training/test_device_resident_step.cpp).
#pragma once

#include <atomic>
#include <cstdint>

namespace mvae {

/// The events of one interval (see TransferCounter::counts).
struct TransferCounts {
    std::int64_t uploads = 0;
    std::int64_t downloads = 0;
    std::int64_t synchronizations = 0;

    [[nodiscard]] std::int64_t total() const noexcept { return uploads + downloads + synchronizations; }
    friend TransferCounts operator-(TransferCounts a, const TransferCounts& b) noexcept {
        a.uploads -= b.uploads, a.downloads -= b.downloads, a.synchronizations -= b.synchronizations;
        return a;
    }
};

/// Process-wide counters, safe to bump from any thread (relaxed atomics: a count, not an order).
class TransferCounter {
public:
    void upload() noexcept { uploads_.fetch_add(1, std::memory_order_relaxed); }
    void download() noexcept { downloads_.fetch_add(1, std::memory_order_relaxed); }
    void synchronization() noexcept { synchronizations_.fetch_add(1, std::memory_order_relaxed); }

    /// The totals so far; subtract two readings to count an interval.
    [[nodiscard]] TransferCounts counts() const noexcept {
        return {uploads_.load(std::memory_order_relaxed), downloads_.load(std::memory_order_relaxed),
                synchronizations_.load(std::memory_order_relaxed)};
    }

private:
    std::atomic<std::int64_t> uploads_{0}, downloads_{0}, synchronizations_{0};
};

/// The process's counter.
[[nodiscard]] inline TransferCounter& transfer_counter() noexcept {
    static TransferCounter counter;
    return counter;
}

}  // namespace mvae
