// mvae/core/device.hpp — device tags: empty types that select a backend at compile time.
//
// A device is named by a type, never by a run-time enum: Backend<Device> is only declared in
// general and specialised per device, so an unsupported device fails to compile, not to run.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

namespace mvae {

/// The host CPU; kernels are Eigen expressions and OpenMP loops.
struct Cpu {
    static constexpr const char* name = "cpu";
};

/// One NVIDIA GPU through the CUDA runtime, cuBLAS and cuRAND. Its backend lives in
/// mvae/backend/cuda/ and needs nvcc; CPU-only users never include it.
struct Cuda {
    static constexpr const char* name = "cuda";
};

/// True for the device tags above.
template <class T>
struct is_device : std::false_type {};
template <>
struct is_device<Cpu> : std::true_type {};
template <>
struct is_device<Cuda> : std::true_type {};

template <class T>
inline constexpr bool is_device_v = is_device<T>::value;

/// A device tag.
template <class T>
concept Device = is_device_v<T>;

/// Whether D's buffers are host memory (a host library such as MPI can read them directly).
template <Device D>
inline constexpr bool memory_is_host = std::is_same_v<D, Cpu>;

/// A scalar type the numerical templates are instantiated with: float for speed, double for checks.
template <class T>
concept Real = std::same_as<T, float> || std::same_as<T, double>;

/// What device memory holds: the scalars, and the 32/64-bit indices of sparse structure (CSR/CSC
/// offsets and indices, a batch's row ids) that kernels read beside them, and 64-bit words of
/// bitsets (the masker's per-row workspace).
template <class T>
concept Element = Real<T> || std::same_as<T, std::int32_t> || std::same_as<T, std::int64_t> ||
                  std::same_as<T, std::uint64_t>;

}  // namespace mvae
