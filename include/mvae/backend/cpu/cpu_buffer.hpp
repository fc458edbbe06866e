// mvae/backend/cpu/cpu_buffer.hpp — Buffer<Scalar, Cpu>: 64-byte aligned host memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

#include "mvae/core/buffer.hpp"
#include "mvae/core/error.hpp"

namespace mvae {

template <Element Scalar>
class Buffer<Scalar, Cpu> {
public:
    /// Alignment of the first element: one AVX-512 register, one cache line.
    static constexpr std::size_t alignment = 64;

    Buffer() = default;

    /// Allocates room for n scalars (uninitialised). Throws mvae::Error when the allocation fails.
    explicit Buffer(std::size_t n) : size_(n) {
        if (n == 0) return;
        if (n > (std::size_t(-1) - alignment) / sizeof(Scalar))
            throw Error(detail::error_message("Buffer<cpu>: cannot allocate ", n, " scalars"));
        const std::size_t bytes = (n * sizeof(Scalar) + alignment - 1) / alignment * alignment;
        void* p = std::aligned_alloc(alignment, bytes);
        if (p == nullptr)
            throw Error(detail::error_message("Buffer<cpu>: out of memory allocating ", bytes, " bytes"));
        data_.reset(static_cast<Scalar*>(p));
    }

    Buffer(const Buffer& other) : Buffer(other.size_) {
        std::copy_n(other.data(), size_, data());
    }
    Buffer& operator=(const Buffer& other) {
        if (this != &other) {
            Buffer copy(other);
            *this = std::move(copy);
        }
        return *this;
    }
    Buffer(Buffer&& other) noexcept : data_(std::move(other.data_)), size_(other.size_) { other.size_ = 0; }
    Buffer& operator=(Buffer&& other) noexcept {
        data_ = std::move(other.data_);
        size_ = other.size_;
        other.size_ = 0;
        return *this;
    }
    ~Buffer() = default;

    [[nodiscard]] Scalar* data() noexcept { return data_.get(); }
    [[nodiscard]] const Scalar* data() const noexcept { return data_.get(); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

private:
    struct Free {
        void operator()(Scalar* p) const noexcept { std::free(p); }
    };
    std::unique_ptr<Scalar[], Free> data_;
    std::size_t size_ = 0;
};

}  // namespace mvae
