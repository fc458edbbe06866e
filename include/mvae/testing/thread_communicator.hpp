// mvae/testing/thread_communicator.hpp — ranks as threads of one process: a Communicator for
// testing data-parallel code without MPI (the library's tests run 2 ranks in 2 threads and compare
// them with 1 rank; a user's own distributed code can be tested the same way).
//
// Each collective gathers the ranks' pointers; the last rank to arrive combines the inputs in rank
// order (so the result does not depend on which thread came first) and every rank copies it out.
// Host memory only (a GPU rank's buffers reach it through host staging, backend/all_reduce.hpp).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"

namespace mvae {

/// What the ranks of a ThreadCommunicator group share.
class ThreadGroup {
public:
    explicit ThreadGroup(int size) : size_(size), inputs_(std::size_t(size), nullptr) {
        require_argument(size >= 1, "ThreadGroup: size must be >= 1, got ", size);
    }
    [[nodiscard]] int size() const noexcept { return size_; }

    /// The collective of rank `rank`: deposits `data`; the last rank runs combine(inputs) in rank
    /// order into the shared result; then every rank runs copy_out(result). Blocks until all came.
    template <class Combine, class CopyOut>
    void collective(int rank, const void* data, Combine&& combine, CopyOut&& copy_out) {
        std::unique_lock lock(mutex_);
        inputs_[std::size_t(rank)] = data;
        const std::uint64_t generation = generation_;
        if (++arrived_ == size_) {
            combine(inputs_, result_);
            arrived_ = 0;
            ++generation_;
            cv_.notify_all();
        } else {
            cv_.wait(lock, [&] { return generation_ != generation; });
        }
        // The result stays until the next collective's combine, which needs this rank's deposit.
        lock.unlock();
        copy_out(result_);
    }

private:
    int size_;
    std::mutex mutex_;
    std::condition_variable cv_;
    int arrived_ = 0;
    std::uint64_t generation_ = 0;
    std::vector<const void*> inputs_;
    std::vector<unsigned char> result_;
};

/// Rank `rank` of a ThreadGroup; each rank's thread uses its own ThreadCommunicator.
class ThreadCommunicator final : public Communicator {
public:
    ThreadCommunicator(std::shared_ptr<ThreadGroup> group, int rank) : group_(std::move(group)), rank_(rank) {
        require_argument(group_ != nullptr, "ThreadCommunicator: null group");
        require_argument(rank >= 0 && rank < group_->size(), "ThreadCommunicator: rank must be in [0, ", group_->size(),
                         "), got ", rank);
    }

    /// The communicators of a new group of `size` ranks, one per thread.
    [[nodiscard]] static std::vector<std::shared_ptr<const Communicator>> group(int size) {
        auto g = std::make_shared<ThreadGroup>(size);
        std::vector<std::shared_ptr<const Communicator>> out;
        for (int r = 0; r < size; ++r) out.push_back(std::make_shared<ThreadCommunicator>(g, r));
        return out;
    }

    [[nodiscard]] int rank() const noexcept override { return rank_; }
    [[nodiscard]] int size() const noexcept override { return group_->size(); }
    [[nodiscard]] const char* name() const noexcept override { return "threads"; }

    void all_reduce_sum(float* data, std::size_t count, MemorySpace where, void*) const override {
        reduce(data, count, where, [](float a, float b) { return a + b; });
    }
    void all_reduce_sum(double* data, std::size_t count, MemorySpace where, void*) const override {
        reduce(data, count, where, [](double a, double b) { return a + b; });
    }
    void all_reduce_max(double* data, std::size_t count) const override {
        reduce(data, count, MemorySpace::Host, [](double a, double b) { return std::max(a, b); });
    }
    void broadcast(void* data, std::size_t bytes, int root) const override {
        group_->collective(
            rank_, data,
            [&](const std::vector<const void*>& in, std::vector<unsigned char>& out) {
                const auto* src = static_cast<const unsigned char*>(in[std::size_t(root)]);
                out.assign(src, src + bytes);
            },
            [&](const std::vector<unsigned char>& out) { std::memcpy(data, out.data(), bytes); });
    }

private:
    template <class T, class Op>
    void reduce(T* data, std::size_t count, MemorySpace where, Op op) const {
        require_argument(where == MemorySpace::Host, "ThreadCommunicator: host memory only (stage device buffers)");
        group_->collective(
            rank_, data,
            [&](const std::vector<const void*>& in, std::vector<unsigned char>& out) {
                out.resize(count * sizeof(T));
                auto* acc = reinterpret_cast<T*>(out.data());
                std::memcpy(acc, in[0], count * sizeof(T));
                for (std::size_t r = 1; r < in.size(); ++r) {
                    const auto* x = static_cast<const T*>(in[r]);
                    for (std::size_t i = 0; i < count; ++i) acc[i] = op(acc[i], x[i]);
                }
            },
            [&](const std::vector<unsigned char>& out) {
                if (count > 0) std::memcpy(data, out.data(), count * sizeof(T));
            });
    }

    std::shared_ptr<ThreadGroup> group_;
    int rank_;
};

}  // namespace mvae
