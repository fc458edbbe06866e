// mvae/core/buffer.hpp — owning, uninitialised storage for N elements in a device's memory.
//
// Buffer<Scalar, Device> is declared here and specialised by each backend
// (mvae/backend/cpu/cpu_buffer.hpp, mvae/backend/cuda/…): an unsupported device fails to compile.
// Every specialisation provides:
//   Buffer(); explicit Buffer(std::size_t n);  move construction and assignment;
//   Scalar* data(); const Scalar* data() const; std::size_t size() const;
// Contents after construction are unspecified; a Buffer never reallocates by itself.
#pragma once

#include "mvae/core/device.hpp"

namespace mvae {

template <Element Scalar, Device D>
class Buffer;

}  // namespace mvae
