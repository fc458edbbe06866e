// mvae/backend/all_reduce.hpp — a communicator's sum over the ranks of a vector in a device's
// memory: handed over directly when the communicator accepts that memory (host buffers under
// MPI, GPU buffers under NCCL), else staged through a host copy (GPU buffers under MPI).
#pragma once

#include <cstddef>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/core/communicator.hpp"
#include "mvae/core/matrix.hpp"

namespace mvae {

/**
 * v ← Σ over the ranks of v, on every rank (a collective). `staging` is the host copy used when
 * the communicator cannot read D's memory; it keeps its capacity, so a caller that passes the
 * same vector every step allocates once.
 */
template <Real S, Device D>
void all_reduce_sum(const Communicator& comm, const Backend<D>& be, VectorView<S, D> v, std::vector<S>& staging) {
    if (comm.size() == 1 || v.size() == 0) return;
    const auto n = std::size_t(v.size());
    const MemorySpace where = memory_is_host<D> ? MemorySpace::Host : MemorySpace::Device;
    if (comm.accepts(where)) {
        void* stream = nullptr;
        if constexpr (requires { be.stream(); }) stream = static_cast<void*>(be.stream());
        comm.all_reduce_sum(v.data(), n, where, stream);
        return;
    }
    staging.resize(n);
    be.download(VectorView<const S, D>(v), staging.data());
    comm.all_reduce_sum(staging.data(), n, MemorySpace::Host, nullptr);
    be.upload(staging.data(), v);
}

}  // namespace mvae
