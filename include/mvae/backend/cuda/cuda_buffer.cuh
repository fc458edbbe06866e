// mvae/backend/cuda/cuda_buffer.cuh — Buffer<Scalar, Cuda>: device memory owned by RAII.
//
// Plain cudaMalloc / cudaFree (no managed memory: every host↔device transfer is an explicit
// upload or download of the backend). nvcc only.
#pragma once

#include <cstddef>
#include <utility>

#include "mvae/backend/cuda/cuda_check.cuh"
#include "mvae/core/buffer.hpp"

namespace mvae {

template <Element Scalar>
class Buffer<Scalar, Cuda> {
public:
    Buffer() = default;

    /// Allocates room for n scalars of device memory (uninitialised). When the device is out of
    /// memory, throws mvae::Error naming the requested size and the device's free and total memory.
    explicit Buffer(std::size_t n) : size_(n) {
        if (n == 0) return;
        if (n > std::size_t(-1) / sizeof(Scalar))
            throw Error(detail::error_message("Buffer<cuda>: cannot allocate ", n, " scalars"));
        const std::size_t bytes = n * sizeof(Scalar);
        void* p = nullptr;
        const cudaError_t status = cudaMalloc(&p, bytes);
        if (status == cudaErrorMemoryAllocation) {
            (void)cudaGetLastError();  // clear it: an allocation failure is recoverable
            std::size_t free = 0, total = 0;
            (void)cudaMemGetInfo(&free, &total);
            throw Error(detail::error_message("Buffer<cuda>: out of GPU memory allocating ", bytes, " bytes (",
                                              bytes >> 20, " MiB); the device has ", free >> 20, " MiB free of ",
                                              total >> 20, " MiB"));
        }
        MVAE_CUDA_CHECK(status);
        data_ = static_cast<Scalar*>(p);
    }

    /// A device-to-device copy (synchronous: the copy is complete when the constructor returns).
    Buffer(const Buffer& other) : Buffer(other.size_) {
        if (size_ > 0)
            MVAE_CUDA_CHECK(cudaMemcpy(data_, other.data_, size_ * sizeof(Scalar), cudaMemcpyDeviceToDevice));
    }
    Buffer& operator=(const Buffer& other) {
        if (this != &other) {
            Buffer copy(other);
            swap(copy);
        }
        return *this;
    }
    Buffer(Buffer&& other) noexcept { swap(other); }
    Buffer& operator=(Buffer&& other) noexcept {
        Buffer moved(std::move(other));
        swap(moved);
        return *this;
    }
    /// cudaFree waits for the device's queued work, so no kernel still reads the memory.
    ~Buffer() {
        if (data_ != nullptr) (void)cudaFree(data_);  // a destructor cannot report; errors resurface on the next call
    }

    [[nodiscard]] Scalar* data() noexcept { return data_; }
    [[nodiscard]] const Scalar* data() const noexcept { return data_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

private:
    void swap(Buffer& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
    }

    Scalar* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace mvae
