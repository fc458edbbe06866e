// examples/cli/interrupt.hpp — SIGINT and SIGTERM during `mvae train`: the first asks the run to
// stop after the epoch in progress (run_training polls the flag, writes the checkpoint when one
// was asked for, and the program exits 130 or 143); a second one exits at once, with the same
// code. Files are written atomically (io/atomic_file.hpp), so even then no model or checkpoint is
// ever partial: each is the previous complete file or the new one.
#pragma once

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace mvae_cli {

namespace detail {

inline std::atomic<bool> stop_requested{false};
inline volatile std::sig_atomic_t stop_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler may only touch lock-free atomics");

extern "C" inline void on_stop_signal(int sig) {
    if (stop_requested.load()) _exit(128 + sig);  // the second signal: at once
    stop_signal = sig;
    stop_requested.store(true);
    static const char message[] =
        "\nmvae: stopping after the current epoch (a checkpoint is written if --checkpoint was given); "
        "signal again to quit at once\n";
    [[maybe_unused]] const auto written = write(STDERR_FILENO, message, sizeof message - 1);
}

}  // namespace detail

/// While alive, SIGINT and SIGTERM request a stop instead of killing the process.
class StopOnSignals {
public:
    StopOnSignals() {
        struct sigaction action{};
        action.sa_handler = detail::on_stop_signal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &old_int_);
        sigaction(SIGTERM, &action, &old_term_);
    }
    ~StopOnSignals() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
    }
    StopOnSignals(const StopOnSignals&) = delete;
    StopOnSignals& operator=(const StopOnSignals&) = delete;

    /// The flag run_training polls.
    [[nodiscard]] const std::atomic<bool>* flag() const noexcept { return &detail::stop_requested; }
    /// The signal that asked for the stop (0: none).
    [[nodiscard]] int signal() const noexcept { return detail::stop_signal; }

private:
    struct sigaction old_int_{}, old_term_{};
};

/// Thrown to leave the program with `code` after an orderly stop (main() returns it).
struct ExitRequest {
    int code;
};

}  // namespace mvae_cli
