// mvae/random/random_cursor.hpp — sequential reading of a RandomStream, with exactly uniform
// bounded integers: for algorithms that consume a variable number of words (shuffles, selection
// sampling), in host loops and device kernels alike.
#pragma once

#include <cstdint>

#include "mvae/core/macros.hpp"
#include "mvae/random/philox.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

/// Reads the words of one RandomStream in order (0, 1, 2, …), one Philox block per four words.
class RandomCursor {
public:
    MVAE_HOST_DEVICE explicit RandomCursor(RandomStream stream) noexcept : stream_(stream) {}

    /// The next 32-bit word of the stream.
    MVAE_HOST_DEVICE std::uint32_t next() noexcept {
        if ((next_ & 3u) == 0) block_ = stream_.block(next_ >> 2);
        return block_.v[next_++ & 3u];
    }

    /// An integer exactly uniform on [0, n), n ≥ 1: Lemire's multiply-shift with rejection of the
    /// 2^32 mod n low products that would bias it (probability below n / 2^32, so almost never a
    /// second word; the division runs only in that rare branch). Unlike RandomStream::below, which
    /// maps one fixed word and carries a bias below n / 2^32.
    MVAE_HOST_DEVICE std::uint32_t below(std::uint32_t n) noexcept {
        std::uint64_t m = std::uint64_t(next()) * n;
        auto low = std::uint32_t(m);
        if (low < n) {
            const std::uint32_t threshold = std::uint32_t(0u - n) % n;  // 2^32 mod n
            while (low < threshold) {
                m = std::uint64_t(next()) * n;
                low = std::uint32_t(m);
            }
        }
        return std::uint32_t(m >> 32);
    }

    /// Words consumed so far.
    [[nodiscard]] MVAE_HOST_DEVICE std::uint64_t position() const noexcept { return next_; }

private:
    RandomStream stream_;
    std::uint64_t next_ = 0;
    Philox4x32Block block_{};
};

}  // namespace mvae
