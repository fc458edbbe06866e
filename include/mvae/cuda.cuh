// mvae/cuda.cuh — the whole library plus its CUDA backend, for translation units compiled by nvcc.
//
// With this header, every template of the library instantiates with mvae::Cuda as its device:
//   mvae::MvaeModel<float, mvae::Cuda> model(options);
// Host-only code includes mvae/mvae.hpp instead and never needs the CUDA toolkit.
#pragma once

#include "mvae/backend/cuda/cuda_backend.cuh"
#include "mvae/backend/cuda/device_info.cuh"
#include "mvae/mvae.hpp"
