// mvae/backend/cuda/nccl_communicator.cuh — one GPU per rank, the gradients summed by NCCL on the
// GPUs (NVLink, InfiniBand) instead of through host memory. nvcc only; needs <nccl.h> and libnccl
// (MVAE_ENABLE_NCCL finds them: a system install, the CUDA toolkit, or the nvidia-nccl wheel).
//
// NCCL does not start processes: it is built over a host communicator (MpiCommunicator) that
// hands NCCL's unique id from rank 0 to the others and that keeps the host collectives (flags,
// evaluation sums). Device sums are enqueued on the caller's stream (the backend's), so they are
// ordered after the backward pass that wrote the gradient and before the Adam step that reads it,
// with no synchronisation on the host.
#pragma once

#include <nccl.h>

#include <memory>

#include "mvae/backend/cuda/cuda_check.cuh"
#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"

namespace mvae {

namespace detail {

inline void nccl_check(ncclResult_t status, const char* call) {
    if (status != ncclSuccess) throw Error(error_message(call, " failed: ", ncclGetErrorString(status)));
}

}  // namespace detail

/// The ranks of `host` (one process per GPU), device sums by NCCL on `device` (the rank's GPU).
class NcclCommunicator final : public Communicator {
public:
    NcclCommunicator(std::shared_ptr<const Communicator> host, int device) : host_(std::move(host)) {
        require_argument(host_ != nullptr, "NcclCommunicator: null host communicator");
        ncclUniqueId id{};
        if (host_->rank() == 0) detail::nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
        host_->broadcast(&id, sizeof id, 0);
        MVAE_CUDA_CHECK(cudaSetDevice(device));
        detail::nccl_check(ncclCommInitRank(&comm_, host_->size(), id, host_->rank()), "ncclCommInitRank");
    }
    ~NcclCommunicator() override {
        if (comm_ != nullptr) (void)ncclCommDestroy(comm_);
    }
    NcclCommunicator(const NcclCommunicator&) = delete;
    NcclCommunicator& operator=(const NcclCommunicator&) = delete;

    [[nodiscard]] int rank() const noexcept override { return host_->rank(); }
    [[nodiscard]] int size() const noexcept override { return host_->size(); }
    [[nodiscard]] const char* name() const noexcept override { return "nccl"; }
    [[nodiscard]] bool accepts(MemorySpace) const noexcept override { return true; }

    void all_reduce_sum(float* data, std::size_t count, MemorySpace where, void* stream) const override {
        if (where == MemorySpace::Host) return host_->all_reduce_sum(data, count, where, stream);
        detail::nccl_check(ncclAllReduce(data, data, count, ncclFloat32, ncclSum, comm_, static_cast<cudaStream_t>(stream)),
                           "ncclAllReduce");
    }
    void all_reduce_sum(double* data, std::size_t count, MemorySpace where, void* stream) const override {
        if (where == MemorySpace::Host) return host_->all_reduce_sum(data, count, where, stream);
        detail::nccl_check(ncclAllReduce(data, data, count, ncclFloat64, ncclSum, comm_, static_cast<cudaStream_t>(stream)),
                           "ncclAllReduce");
    }
    void all_reduce_max(double* data, std::size_t count) const override { host_->all_reduce_max(data, count); }
    void broadcast(void* data, std::size_t bytes, int root) const override { host_->broadcast(data, bytes, root); }

private:
    std::shared_ptr<const Communicator> host_;
    ncclComm_t comm_ = nullptr;
};

}  // namespace mvae
