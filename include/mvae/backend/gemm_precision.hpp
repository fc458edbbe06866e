// mvae/backend/gemm_precision.hpp — how a device's float GEMMs may round their inputs: a setting
// of the CUDA backend's context (CudaContext::set_precision), named here without CUDA so that
// host code (the command line, option tables) can parse and print it.
//
//   fp32  strict FP32 products (the default)
//   tf32  inputs rounded to TF32 (10-bit mantissa) on tensor cores, FP32 accumulation
//   bf16  inputs rounded to BF16 (7-bit mantissa) on tensor cores, FP32 accumulation
// In every mode the matrices stay in FP32 in memory, the weights and Adam's moments are FP32, and
// only the GEMMs' inputs are rounded: mixed precision with FP32 master weights. Double GEMMs and
// the CPU backend ignore the setting.
#pragma once

#include <string_view>

#include "mvae/core/error.hpp"

namespace mvae {

enum class GemmPrecision { Fp32, Tf32, Bf16 };

[[nodiscard]] inline const char* to_string(GemmPrecision p) noexcept {
    switch (p) {
        case GemmPrecision::Fp32: return "fp32";
        case GemmPrecision::Tf32: return "tf32";
        case GemmPrecision::Bf16: return "bf16";
    }
    return "?";
}

[[nodiscard]] inline GemmPrecision parse_gemm_precision(std::string_view name) {
    if (name == "fp32") return GemmPrecision::Fp32;
    if (name == "tf32") return GemmPrecision::Tf32;
    if (name == "bf16") return GemmPrecision::Bf16;
    throw ArgumentError(detail::error_message("unknown precision '", name, "' (expected fp32, tf32 or bf16)"));
}

}  // namespace mvae
