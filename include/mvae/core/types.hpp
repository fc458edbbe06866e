// mvae/core/types.hpp — index types and small enums shared by every component.
#pragma once

#include <cstdint>

namespace mvae {

/// Index of a user, an item or a stored entry. 32-bit: the largest supported data set
/// (Pinterest: 1.5 M interactions, 55 k users) is far below 2^31, and half-width indices halve the
/// memory traffic of sparse kernels.
using index_t = std::int32_t;

/// Offset into the entries of a sparse matrix (CSR/CSC row pointers).
using offset_t = std::int64_t;

/// Whether a GEMM operand is used as stored or transposed.
enum class Op : std::uint8_t { N, T };

}  // namespace mvae
