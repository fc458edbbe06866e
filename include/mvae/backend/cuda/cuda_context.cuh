// mvae/backend/cuda/cuda_context.cuh — the execution context of the CUDA backend: one device, one
// stream, one cuBLAS handle bound to that stream, and the GEMM precision mode. nvcc only.
#pragma once

#include <cublas_v2.h>

#include "mvae/backend/cuda/cublas_check.cuh"
#include "mvae/backend/cuda/cuda_check.cuh"
#include "mvae/backend/gemm_precision.hpp"

namespace mvae {

/**
 * A device, a stream and a cuBLAS handle. Every primitive of a Backend<Cuda> is queued on its
 * context's stream, in order, so a sequence of backend calls needs no synchronisation except
 * where the host reads results (download synchronises).
 *
 * The stream is a blocking stream: it also orders against work on the legacy default stream
 * (cudaMemcpy, cudaFree), which Buffer<·, Cuda> uses.
 *
 * GEMMs are strict FP32/FP64 by default. set_precision(GemmPrecision::Tf32) (or set_tf32(true))
 * lets cuBLAS use TF32 tensor cores for float GEMMs (10-bit mantissa inputs, FP32 accumulation),
 * GemmPrecision::Bf16 BF16 tensor cores (7-bit mantissa inputs, FP32 accumulation): faster on
 * sm_80+, and a measurable loss of accuracy, so both are opt-in (backend/gemm_precision.hpp).
 */
class CudaContext {
public:
    /// A context on `device` (-1: the device current in the calling thread).
    explicit CudaContext(int device = -1) {
        if (device < 0) MVAE_CUDA_CHECK(cudaGetDevice(&device));
        device_ = device;
        MVAE_CUDA_CHECK(cudaSetDevice(device_));
        MVAE_CUDA_CHECK(cudaStreamCreate(&stream_));
        try {
            MVAE_CUBLAS_CHECK(cublasCreate(&blas_));
            MVAE_CUBLAS_CHECK(cublasSetStream(blas_, stream_));
            MVAE_CUBLAS_CHECK(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH));
        } catch (...) {
            if (blas_ != nullptr) (void)cublasDestroy(blas_);
            (void)cudaStreamDestroy(stream_);
            throw;
        }
    }
    CudaContext(const CudaContext&) = delete;
    CudaContext& operator=(const CudaContext&) = delete;
    ~CudaContext() {
        (void)cublasDestroy(blas_);
        (void)cudaStreamDestroy(stream_);
    }

    /**
     * The process-wide context most code uses (a default-constructed Backend<Cuda> takes it):
     * created on first use, on the device current then. It is not destroyed by a static
     * destructor (destroying a cuBLAS handle there races the CUDA runtime's own teardown at
     * exit): a program returns its memory (cuBLAS's workspace, 64 MiB) with release_default().
     */
    [[nodiscard]] static CudaContext& default_context() {
        CudaContext*& context = default_slot();
        if (context == nullptr) context = new CudaContext();  // NOLINT: owned by default_slot()
        return *context;
    }

    /**
     * Destroys the default context, if one was created (its stream and cuBLAS handle, with the
     * handle's device workspace), so that no device memory is left allocated at exit. Call it
     * at the end of main(), after every Backend<Cuda> that uses it is gone; a later
     * default_context() creates a new one. Not thread-safe against concurrent use of the context.
     */
    static void release_default() noexcept {
        CudaContext*& context = default_slot();
        if (context == nullptr) return;
        (void)cudaStreamSynchronize(context->stream_);
        delete context;
        context = nullptr;
    }

    [[nodiscard]] int device() const noexcept { return device_; }
    [[nodiscard]] cudaStream_t stream() const noexcept { return stream_; }
    [[nodiscard]] cublasHandle_t blas() const noexcept { return blas_; }

    /// How float GEMMs round their inputs (GemmPrecision::Fp32, the default: not at all).
    void set_precision(GemmPrecision p) {
        MVAE_CUBLAS_CHECK(cublasSetMathMode(blas_, p == GemmPrecision::Tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
        precision_ = p;
    }
    [[nodiscard]] GemmPrecision precision() const noexcept { return precision_; }

    /// set_precision(Tf32) (true) or set_precision(Fp32) (false).
    void set_tf32(bool on) { set_precision(on ? GemmPrecision::Tf32 : GemmPrecision::Fp32); }
    [[nodiscard]] bool tf32() const noexcept { return precision_ == GemmPrecision::Tf32; }

    /// Waits until everything queued on the stream has finished; rethrows a kernel's error.
    void synchronize() const { MVAE_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

private:
    static CudaContext*& default_slot() noexcept {
        static CudaContext* context = nullptr;
        return context;
    }

    int device_ = 0;
    cudaStream_t stream_ = nullptr;
    cublasHandle_t blas_ = nullptr;
    GemmPrecision precision_ = GemmPrecision::Fp32;
};

}  // namespace mvae
