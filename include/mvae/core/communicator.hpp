// mvae/core/communicator.hpp — the communicator policy of data-parallel training: which rank this
// process is among how many, and the few collectives the trainers and the evaluator need.
//
// Training is data-parallel (docs/scale.md): every rank holds the whole model and the whole data,
// takes its share of every global batch, and the ranks sum their gradients before Adam, so every
// rank applies the same update and the parameters never diverge. A Communicator is what the
// trainers and the evaluator see of the ranks; the implementations are
//   SoloCommunicator   one process (the default): every collective is a no-op;
//   MpiCommunicator    processes under MPI (mvae/backend/mpi/mpi_communicator.hpp, needs <mpi.h>);
//   NcclCommunicator   one GPU per rank, the sums by NCCL (mvae/backend/cuda/nccl_communicator.cuh).
// Collectives are called by every rank in the same order with the same counts (the trainers'
// steps and the evaluator's calls are the same on every rank); a rank that skips one hangs the
// others, which is why a stop request is itself agreed by a collective (any_of).
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string_view>

#include "mvae/core/error.hpp"

namespace mvae {

/// Where the memory handed to a collective lives.
enum class MemorySpace { Host, Device };

/**
 * The ranks of a data-parallel run. Every collective is blocking, in place, and gives every rank
 * the same result (the same bits: the parameters of the ranks must stay identical).
 */
class Communicator {
public:
    virtual ~Communicator() = default;

    /// This process's rank, in [0, size()).
    [[nodiscard]] virtual int rank() const noexcept = 0;
    /// The number of ranks, ≥ 1.
    [[nodiscard]] virtual int size() const noexcept = 0;
    /// A short name for logs ("solo", "mpi", "nccl").
    [[nodiscard]] virtual const char* name() const noexcept = 0;

    /// Whether all_reduce_sum accepts memory of `where` (a host communicator on a GPU's buffers
    /// is reached through host staging: backend/all_reduce.hpp).
    [[nodiscard]] virtual bool accepts(MemorySpace where) const noexcept { return where == MemorySpace::Host; }

    /// data[i] ← Σ over ranks of data[i], i < count. `stream` is the device queue the data is
    /// ordered on (a cudaStream_t for Device memory; ignored for Host memory).
    virtual void all_reduce_sum(float* data, std::size_t count, MemorySpace where, void* stream) const = 0;
    virtual void all_reduce_sum(double* data, std::size_t count, MemorySpace where, void* stream) const = 0;

    /// data[i] ← max over ranks of data[i] (host doubles: flags and counters).
    virtual void all_reduce_max(double* data, std::size_t count) const = 0;

    /// Copies `bytes` bytes of host memory from rank `root` to every rank.
    virtual void broadcast(void* data, std::size_t bytes, int root) const = 0;

    /// Whether any rank passed true (a collective: every rank must call it).
    [[nodiscard]] bool any_of(bool flag) const {
        if (size() == 1) return flag;
        double v = flag ? 1.0 : 0.0;
        all_reduce_max(&v, 1);
        return v != 0.0;
    }

    /// True on the rank that writes output (rank 0).
    [[nodiscard]] bool writes_output() const noexcept { return rank() == 0; }
};

/// One process: rank 0 of 1; every collective leaves its data as it is.
class SoloCommunicator final : public Communicator {
public:
    [[nodiscard]] int rank() const noexcept override { return 0; }
    [[nodiscard]] int size() const noexcept override { return 1; }
    [[nodiscard]] const char* name() const noexcept override { return "solo"; }
    [[nodiscard]] bool accepts(MemorySpace) const noexcept override { return true; }
    void all_reduce_sum(float*, std::size_t, MemorySpace, void*) const override {}
    void all_reduce_sum(double*, std::size_t, MemorySpace, void*) const override {}
    void all_reduce_max(double*, std::size_t) const override {}
    void broadcast(void*, std::size_t, int) const override {}
};

/// The shared solo communicator (what a model uses unless given another).
[[nodiscard]] inline std::shared_ptr<const Communicator> solo_communicator() {
    static const std::shared_ptr<const Communicator> solo = std::make_shared<SoloCommunicator>();
    return solo;
}

/**
 * Runs `work` on rank `root` alone, then agrees on how it went (a collective: every rank calls it).
 * When `work` throws on `root`, the exception is rethrown there and every other rank throws an
 * Error naming `what` — so a failure on one rank (a full disk under a checkpoint, a completion
 * that fails) stops all of them instead of leaving the others waiting at their next collective.
 */
template <class Work>
void on_root(const Communicator& comm, int root, std::string_view what, Work&& work) {
    std::exception_ptr failure;
    if (comm.rank() == root) {
        if (comm.size() == 1) return (void)work();
        try {
            work();
        } catch (...) {
            failure = std::current_exception();
        }
    }
    if (!comm.any_of(failure != nullptr)) return;
    if (failure) std::rethrow_exception(failure);
    throw Error(detail::error_message(what, " failed on rank ", root, " (its error is in rank ", root, "'s output)"));
}

/// The share of `count` consecutive items that rank `rank` of `ranks` takes: [begin, end), the
/// shares in rank order covering [0, count) with sizes differing by at most one.
struct Share {
    std::ptrdiff_t begin = 0, end = 0;
    [[nodiscard]] std::ptrdiff_t size() const noexcept { return end - begin; }
};

[[nodiscard]] constexpr Share share_of(std::ptrdiff_t count, int rank, int ranks) noexcept {
    const auto r = std::ptrdiff_t(rank), n = std::ptrdiff_t(ranks);
    return Share{count * r / n, count * (r + 1) / n};
}

}  // namespace mvae
