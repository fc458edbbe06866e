// mvae/mvae.hpp — the umbrella header: everything a host (CPU) user of mvae needs.
//
// CUDA users additionally include mvae/backend/cuda/cuda.cuh from a .cu file compiled by nvcc.
#pragma once

#include "mvae/version.hpp"

#include "mvae/core/device.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cpu/cpu_backend.hpp"

#include "mvae/random/philox.hpp"
#include "mvae/random/random_stream.hpp"

#include "mvae/data/interaction_matrix.hpp"
