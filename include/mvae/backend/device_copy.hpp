// mvae/backend/device_copy.hpp — host data made readable by a device's kernels.
//
// Algorithms written once for every device need host-side arrays (CSR offsets and indices, a
// batch's row ids) where their kernels run. On the CPU that is the host array itself: DeviceCopy
// keeps a pointer and copies nothing. On a device with its own memory it uploads a copy into a
// buffer that keeps its capacity, so refreshing it with an array no longer than any before
// allocates nothing.
#pragma once

#include <span>
#include <type_traits>

#include "mvae/backend/backend.hpp"
#include "mvae/core/buffer.hpp"
#include "mvae/core/device.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/**
 * A read-only array of T in D's memory with the contents of a host array.
 *
 * For D = Cpu the host array must outlive the copy (only its address is kept); for other devices
 * the copy owns its memory and the host array may go away after assign().
 */
template <Element T, Device D>
class DeviceCopy {
public:
    DeviceCopy() = default;
    DeviceCopy(const Backend<D>& backend, std::span<const T> host) { assign(backend, host); }

    /// Makes the copy hold `host` (an upload on devices with their own memory; synchronous).
    void assign(const Backend<D>& backend, std::span<const T> host) {
        size_ = index_t(host.size());
        if constexpr (std::is_same_v<D, Cpu>) {
            (void)backend;
            transfer_counter().upload();  // what a device with its own memory would do here
            data_ = host.data();
        } else {
            if (host.size() > storage_.size()) storage_ = Buffer<T, D>(host.size());
            if (!host.empty()) backend.upload(host.data(), VectorView<T, D>(storage_.data(), size_));
            data_ = storage_.data();
        }
    }

    /// The elements, in D's memory.
    [[nodiscard]] const T* data() const noexcept { return data_; }
    [[nodiscard]] index_t size() const noexcept { return size_; }
    [[nodiscard]] VectorView<const T, D> view() const noexcept { return VectorView<const T, D>(data_, size_); }

private:
    const T* data_ = nullptr;
    index_t size_ = 0;
    Buffer<T, D> storage_;  // unused on the CPU
};

}  // namespace mvae
