// mvae/backend/cuda/cuda_backend.cuh — Backend<Cuda>: the primitives of mvae/backend/backend.hpp
// on one NVIDIA GPU. GEMMs through cuBLAS, element-wise work through the generic kernels of
// cuda_kernels.cuh, random numbers through the in-kernel Philox4x32-10 (the generator and
// counter layout of cuRAND's Philox4_32_10, so the GPU draws the host's numbers). nvcc only.
//
// Every call is queued on the context's stream and returns without waiting, except download
// (the host reads the data) and synchronize. Launch errors are checked at every launch; errors
// of a running kernel surface at the next synchronising call.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cuda/cublas_check.cuh"
#include "mvae/backend/cuda/cuda_buffer.cuh"
#include "mvae/backend/cuda/cuda_check.cuh"
#include "mvae/backend/cuda/cuda_context.cuh"
#include "mvae/backend/cuda/cuda_kernels.cuh"
#include "mvae/backend/shape_checks.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

template <>
class Backend<Cuda> {
public:
    using device_type = Cuda;
    template <class T>
    using MView = MatrixView<T, Cuda>;
    template <class T>
    using VView = VectorView<T, Cuda>;

    /// On the process-wide default context (CudaContext::default_context()).
    Backend() : context_(&CudaContext::default_context()) {}
    /// On `context`, which must outlive the backend.
    explicit Backend(CudaContext& context) noexcept : context_(&context) {}

    [[nodiscard]] CudaContext& context() const noexcept { return *context_; }
    [[nodiscard]] cudaStream_t stream() const noexcept { return context_->stream(); }

    // --- dense linear algebra --------------------------------------------------------------

    /// C ← α·op(A)·op(B) + β·C through cublasSgemm / cublasDgemm (TF32 for float when the
    /// context allows it; cublasGemmEx with BF16 inputs under GemmPrecision::Bf16). Row-major
    /// C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, and a row-major matrix is its transpose
    /// in column-major order with the row stride as leading dimension: so cuBLAS gets (B, A) in
    /// that order with the same op flags, and no copies.
    template <Real S>
    void gemm(Op op_a, Op op_b, S alpha, MView<const S> a, MView<const S> b, S beta, MView<S> c) const {
        index_t m = 0, n = 0, k = 0;
        detail::require_gemm_shapes(op_a, op_b, a, b, c, m, n, k);
        if (m == 0 || n == 0) return;
        if (k == 0) {
            scale(c, beta);
            return;
        }
        const auto flag = [](Op op) { return op == Op::N ? CUBLAS_OP_N : CUBLAS_OP_T; };
        // A one-row view may carry any stride; cuBLAS needs ld ≥ the column-major row count.
        const auto ld = [](const auto& v) { return int(std::max({v.stride(), v.cols(), index_t(1)})); };
        if constexpr (std::is_same_v<S, float>) {
            if (context_->precision() == GemmPrecision::Bf16)  // BF16 inputs, FP32 accumulation and output
                MVAE_CUBLAS_CHECK(cublasGemmEx(context_->blas(), flag(op_b), flag(op_a), int(n), int(m), int(k), &alpha,
                                               b.data(), CUDA_R_32F, ld(b), a.data(), CUDA_R_32F, ld(a), &beta, c.data(),
                                               CUDA_R_32F, ld(c), CUBLAS_COMPUTE_32F_FAST_16BF, CUBLAS_GEMM_DEFAULT));
            else
                MVAE_CUBLAS_CHECK(cublasSgemm(context_->blas(), flag(op_b), flag(op_a), int(n), int(m), int(k), &alpha,
                                              b.data(), ld(b), a.data(), ld(a), &beta, c.data(), ld(c)));
        } else
            MVAE_CUBLAS_CHECK(cublasDgemm(context_->blas(), flag(op_b), flag(op_a), int(n), int(m), int(k), &alpha,
                                          b.data(), ld(b), a.data(), ld(a), &beta, c.data(), ld(c)));
    }

    // --- filling and copying ---------------------------------------------------------------

    template <Real S>
    void fill(MView<S> x, S value) const {
        map(x, detail::cuda::Constant<S>{value});
    }
    template <Real S>
    void fill(VView<S> x, S value) const {
        map(x, detail::cuda::Constant<S>{value});
    }

    /// Device-to-device; strided views are copied row by row in one cudaMemcpy2DAsync.
    template <Real S>
    void copy(MView<const S> src, MView<S> dst) const {
        detail::require_same_shape("copy", dst, src);
        if (src.empty()) return;
        MVAE_CUDA_CHECK(cudaMemcpy2DAsync(dst.data(), pitch(dst), src.data(), pitch(src), row_bytes(src),
                                          std::size_t(src.rows()), cudaMemcpyDeviceToDevice, stream()));
    }
    template <Real S>
    void copy(VView<const S> src, VView<S> dst) const {
        require_shape(src.size() == dst.size(), "copy: source has ", src.size(), " elements, destination ", dst.size());
        if (src.empty()) return;
        MVAE_CUDA_CHECK(cudaMemcpyAsync(dst.data(), src.data(), std::size_t(src.size()) * sizeof(S),
                                        cudaMemcpyDeviceToDevice, stream()));
    }

    /// Host → device of dst.size() elements (host contiguous, row-major). Returns once the host
    /// buffer may be reused (pageable memory is staged before the call returns).
    template <Real S>
    void upload(const S* host, MView<S> dst) const {
        transfer_counter().upload();
        if (dst.empty()) return;
        MVAE_CUDA_CHECK(cudaMemcpy2DAsync(dst.data(), pitch(dst), host, row_bytes(dst), row_bytes(dst),
                                          std::size_t(dst.rows()), cudaMemcpyHostToDevice, stream()));
        MVAE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    }
    template <Element S>
    void upload(const S* host, VView<S> dst) const {
        transfer_counter().upload();
        if (dst.empty()) return;
        MVAE_CUDA_CHECK(cudaMemcpyAsync(dst.data(), host, std::size_t(dst.size()) * sizeof(S), cudaMemcpyHostToDevice,
                                        stream()));
        MVAE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    }
    /// Device → host; waits for the data (and for everything queued before it).
    template <Real S>
    void download(MView<const S> src, S* host) const {
        transfer_counter().download();
        if (src.empty()) return;
        MVAE_CUDA_CHECK(cudaMemcpy2DAsync(host, row_bytes(src), src.data(), pitch(src), row_bytes(src),
                                          std::size_t(src.rows()), cudaMemcpyDeviceToHost, stream()));
        MVAE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    }
    template <Element S>
    void download(VView<const S> src, S* host) const {
        transfer_counter().download();
        if (src.empty()) return;
        MVAE_CUDA_CHECK(cudaMemcpyAsync(host, src.data(), std::size_t(src.size()) * sizeof(S), cudaMemcpyDeviceToHost,
                                        stream()));
        MVAE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    }

    void synchronize() const {
        transfer_counter().synchronization();
        context_->synchronize();
    }

    // --- element-wise maps and reductions --------------------------------------------------

    template <Real S, class F, class... In>
    void map(MView<S> out, F f, In... in) const {
        (detail::require_same_shape("map", out, in), ...);
        if (out.empty()) return;
        launch(out.size(), detail::cuda::map_matrix<S, F, In...>, out, f, in...);
    }
    template <Real S, class F, class... In>
    void map(VView<S> out, F f, In... in) const {
        (require_shape(in.size() == out.size(), "map: input has ", in.size(), " elements, output ", out.size()), ...);
        if (out.empty()) return;
        launch(std::size_t(out.size()), detail::cuda::map_vector<S, F, In...>, out, f, in...);
    }

    template <Real S, class F, class TI, class TV>
    void map_broadcast_row(MView<S> out, F f, MView<TI> in, VView<TV> v) const {
        detail::require_same_shape("map_broadcast_row", out, in);
        require_shape(v.size() == out.cols(), "map_broadcast_row: vector has ", v.size(), " elements, matrix has ",
                      out.cols(), " columns");
        if (out.empty()) return;
        launch(out.size(), detail::cuda::map_broadcast<true, S, F, TI, TV>, out, f, in, v);
    }
    template <Real S, class F, class TI, class TV>
    void map_broadcast_col(MView<S> out, F f, MView<TI> in, VView<TV> v) const {
        detail::require_same_shape("map_broadcast_col", out, in);
        require_shape(v.size() == out.rows(), "map_broadcast_col: vector has ", v.size(), " elements, matrix has ",
                      out.rows(), " rows");
        if (out.empty()) return;
        launch(out.size(), detail::cuda::map_broadcast<false, S, F, TI, TV>, out, f, in, v);
    }

    template <Real S, class F, class First, class... In>
    void reduce_rows(VView<S> out, F f, First first, In... in) const {
        require_shape(out.size() == first.rows(), "reduce_rows: output has ", out.size(), " elements, input has ",
                      first.rows(), " rows");
        (detail::require_same_shape("reduce_rows", first, in), ...);
        if (out.empty()) return;
        const unsigned blocks = unsigned(std::min<index_t>(first.rows(), index_t(1) << 16));
        detail::cuda::reduce_rows<S, F, First, In...>
            <<<blocks, detail::cuda::threads_per_block, 0, stream()>>>(out, f, first, in...);
        MVAE_CUDA_CHECK(cudaPeekAtLastError());
    }

    template <Real S, class F, class... In>
    void map_reduce_rows(MView<S> out, VView<S> sums, F f, In... in) const {
        (detail::require_same_shape("map_reduce_rows", out, in), ...);
        require_shape(sums.size() == out.rows(), "map_reduce_rows: sums have ", sums.size(), " elements, matrix has ",
                      out.rows(), " rows");
        if (out.empty()) {
            if (!sums.empty()) fill(sums, S(0));
            return;
        }
        const unsigned blocks = unsigned(std::min<index_t>(out.rows(), index_t(1) << 16));
        detail::cuda::map_reduce_rows<S, F, In...>
            <<<blocks, detail::cuda::threads_per_block, 0, stream()>>>(out, sums, f, in...);
        MVAE_CUDA_CHECK(cudaPeekAtLastError());
    }

    template <Real S, class F, class First, class... In>
    void reduce_cols(VView<S> out, F f, First first, In... in) const {
        column_sums<false>(out, f, first, in...);
    }

    /// out[j] ← out[j] + Σ_i f(in(i, j)...).
    template <Real S, class F, class First, class... In>
    void accumulate_cols(VView<S> out, F f, First first, In... in) const {
        column_sums<true>(out, f, first, in...);
    }

    template <bool Accumulate, Real S, class F, class First, class... In>
    void column_sums(VView<S> out, F f, First first, In... in) const {
        require_shape(out.size() == first.cols(), "reduce_cols: output has ", out.size(), " elements, input has ",
                      first.cols(), " columns");
        (detail::require_same_shape("reduce_cols", first, in), ...);
        if (out.empty()) return;
        constexpr int width = detail::cuda::reduce_cols_width;
        const dim3 block(width, detail::cuda::reduce_cols_lanes);
        const unsigned blocks = unsigned((out.size() + width - 1) / width);
        detail::cuda::reduce_cols<Accumulate, S, F, First, In...>
            <<<blocks, block, 0, stream()>>>(out, f, first, in...);
        MVAE_CUDA_CHECK(cudaPeekAtLastError());
    }

    /// f(v0[i], v1[i], ...) by reference for every i, one kernel.
    template <class F, class First, class... Rest>
    void for_each(F f, First first, Rest... rest) const {
        (require_shape(rest.size() == first.size(), "for_each: vector sizes differ, ", first.size(), " vs ",
                       rest.size()),
         ...);
        if (first.empty()) return;
        launch(std::size_t(first.size()), detail::cuda::for_each<F, First, Rest...>, f, first, rest...);
    }

    /// f(i) for i in [0, n), one thread per index. f is a functor with an MVAE_HOST_DEVICE
    /// operator() (or an __device__ lambda); it must not throw.
    template <class F>
    void for_each_index(index_t n, F f) const {
        if (n <= 0) return;
        launch(std::size_t(n), detail::cuda::for_each_index<F>, n, f);
    }

    // --- random numbers --------------------------------------------------------------------

    template <Real S>
    void fill_uniform(MView<S> x, RandomStream stream, std::uint64_t offset = 0) const {
        if (x.empty()) return;
        launch(x.size(), detail::cuda::fill_random<S, false>, x, stream, offset);
    }
    template <Real S>
    void fill_normal(MView<S> x, RandomStream stream, std::uint64_t offset = 0) const {
        if (x.empty()) return;
        launch(x.size(), detail::cuda::fill_random<S, true>, x, stream, offset);
    }

private:
    template <Real S>
    void scale(MView<S> c, S beta) const {
        if (beta == S(0)) fill(c, S(0));
        else if (beta != S(1)) map(c, detail::cuda::Scale<S>{beta}, MView<const S>(c));
    }

    /// Launches a grid-stride kernel over n elements on the context's stream and checks the launch.
    template <class... KernelArgs, class... Args>
    void launch(std::size_t n, void (*kernel)(KernelArgs...), Args... args) const {
        kernel<<<detail::cuda::grid_for(n), detail::cuda::threads_per_block, 0, stream()>>>(args...);
        MVAE_CUDA_CHECK(cudaPeekAtLastError());
    }

    template <class V>
    static std::size_t pitch(const V& v) noexcept {  // a one-row view may carry any stride
        return std::size_t(v.rows() <= 1 ? v.cols() : v.stride()) * sizeof(typename V::value_type);
    }
    template <class V>
    static std::size_t row_bytes(const V& v) noexcept {
        return std::size_t(v.cols()) * sizeof(typename V::value_type);
    }

    CudaContext* context_;
};

}  // namespace mvae
