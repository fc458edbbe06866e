// mvae/backend/mpi/mpi_communicator.hpp — the communicator of processes under MPI (needs <mpi.h>
// and an MPI library: the CMake target mvae::mpi, or MVAE_ENABLE_MPI for the project's programs).
//
// Sums are MPI_Allreduce over host memory; a GPU's buffers reach it through host staging
// (backend/all_reduce.hpp), or through NcclCommunicator, which sums on the GPUs. Every MPI error
// is turned into an mvae::Error naming the call (the communicator sets MPI_ERRORS_RETURN on its
// own duplicate of the communicator it is given, so an error comes back instead of aborting).
#pragma once

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <string>

#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"

namespace mvae {

namespace detail {

inline void mpi_check(int code, const char* call) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
    throw Error(error_message(call, " failed: ", std::string(text, std::size_t(length))));
}

}  // namespace detail

/**
 * MPI's initialisation for the lifetime of the object: MPI_Init_thread (funneled: only the
 * thread that made it calls MPI; the OpenMP threads of the kernels never do) unless MPI is
 * already initialised, and MPI_Finalize at the end when this object initialised it.
 */
class MpiEnvironment {
public:
    MpiEnvironment(int* argc, char*** argv) {
        int initialized = 0;
        detail::mpi_check(MPI_Initialized(&initialized), "MPI_Initialized");
        if (initialized) return;
        int provided = 0;
        detail::mpi_check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
        owns_ = true;
    }
    ~MpiEnvironment() {
        if (!owns_) return;
        int finalized = 0;
        if (MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Finalize();
    }
    MpiEnvironment(const MpiEnvironment&) = delete;
    MpiEnvironment& operator=(const MpiEnvironment&) = delete;

private:
    bool owns_ = false;
};

/// The ranks of an MPI communicator (MPI_COMM_WORLD by default); MPI must be initialised.
class MpiCommunicator final : public Communicator {
public:
    explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD) {
        detail::mpi_check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
        detail::mpi_check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
        detail::mpi_check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
        detail::mpi_check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    }
    ~MpiCommunicator() override {
        int finalized = 0;
        if (MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Comm_free(&comm_);
    }
    MpiCommunicator(const MpiCommunicator&) = delete;
    MpiCommunicator& operator=(const MpiCommunicator&) = delete;

    [[nodiscard]] int rank() const noexcept override { return rank_; }
    [[nodiscard]] int size() const noexcept override { return size_; }
    [[nodiscard]] const char* name() const noexcept override { return "mpi"; }
    /// The duplicate of the communicator given (for a caller's own collectives).
    [[nodiscard]] MPI_Comm handle() const noexcept { return comm_; }

    void all_reduce_sum(float* data, std::size_t count, MemorySpace where, void*) const override {
        reduce(data, count, MPI_FLOAT, MPI_SUM, where);
    }
    void all_reduce_sum(double* data, std::size_t count, MemorySpace where, void*) const override {
        reduce(data, count, MPI_DOUBLE, MPI_SUM, where);
    }
    void all_reduce_max(double* data, std::size_t count) const override {
        reduce(data, count, MPI_DOUBLE, MPI_MAX, MemorySpace::Host);
    }
    void broadcast(void* data, std::size_t bytes, int root) const override {
        auto* p = static_cast<char*>(data);
        for (std::size_t done = 0; done < bytes;) {  // MPI counts are ints
            const std::size_t n = std::min<std::size_t>(bytes - done, std::size_t(INT_MAX));
            detail::mpi_check(MPI_Bcast(p + done, int(n), MPI_BYTE, root, comm_), "MPI_Bcast");
            done += n;
        }
    }

private:
    void reduce(void* data, std::size_t count, MPI_Datatype type, MPI_Op op, MemorySpace where) const {
        require_argument(where == MemorySpace::Host, "MpiCommunicator: device memory needs host staging (all_reduce_sum in "
                                                     "mvae/backend/all_reduce.hpp does it)");
        int bytes = 0;
        detail::mpi_check(MPI_Type_size(type, &bytes), "MPI_Type_size");
        auto* p = static_cast<char*>(data);
        for (std::size_t done = 0; done < count;) {  // MPI counts are ints
            const std::size_t n = std::min<std::size_t>(count - done, std::size_t(INT_MAX));
            detail::mpi_check(MPI_Allreduce(MPI_IN_PLACE, p + done * std::size_t(bytes), int(n), type, op, comm_),
                              "MPI_Allreduce");
            done += n;
        }
    }

    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0;
    int size_ = 1;
};

}  // namespace mvae
