// mvae/backend/cuda/cuda_kernels.cuh — the generic kernels behind Backend<Cuda>'s element-wise
// primitives. Each takes views and a functor by value; the functor's operator() must be
// MVAE_HOST_DEVICE. nvcc only.
//
// Reductions use a fixed tree order for a given shape, so they are deterministic run to run
// (not bit-equal to the CPU's left-to-right sums; parity tests compare with a tolerance).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "mvae/backend/cuda/cuda_check.cuh"
#include "mvae/core/matrix.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae::detail::cuda {

inline constexpr int threads_per_block = 256;

/// Blocks for a grid-stride loop over n elements: enough to fill the GPU, never more than needed.
[[nodiscard]] inline unsigned grid_for(std::size_t n) noexcept {
    const std::size_t blocks = (n + threads_per_block - 1) / threads_per_block;
    return unsigned(std::clamp<std::size_t>(blocks, 1, std::size_t(1) << 16));
}

/// The global thread index and the grid's stride, as 64-bit counts.
struct GridStride {
    std::size_t first;
    std::size_t step;
};
__device__ inline GridStride grid_stride() noexcept {
    return {std::size_t(blockIdx.x) * blockDim.x + threadIdx.x, std::size_t(gridDim.x) * blockDim.x};
}

// Kernel functors must be namespace-scope types: nvcc refuses private nested ones as kernel arguments.
template <class S>
struct Constant {
    S value;
    MVAE_HOST_DEVICE S operator()() const noexcept { return value; }
};
template <class S>
struct Scale {
    S factor;
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return factor * x; }
};

template <class S, class F, class... In>
__global__ void map_matrix(MatrixView<S, Cuda> out, F f, In... in) {
    const std::size_t total = out.size();
    const std::size_t cols = std::size_t(out.cols());
    for (auto [k, step] = grid_stride(); k < total; k += step) {
        const index_t i = index_t(k / cols), j = index_t(k % cols);
        out(i, j) = f(in(i, j)...);
    }
}

template <class S, class F, class... In>
__global__ void map_vector(VectorView<S, Cuda> out, F f, In... in) {
    const std::size_t total = std::size_t(out.size());
    for (auto [k, step] = grid_stride(); k < total; k += step) out[index_t(k)] = f(in[index_t(k)]...);
}

/// out(i, j) ← f(in(i, j), v[j]) when `by_row`, f(in(i, j), v[i]) otherwise.
template <bool by_row, class S, class F, class TI, class TV>
__global__ void map_broadcast(MatrixView<S, Cuda> out, F f, MatrixView<TI, Cuda> in, VectorView<TV, Cuda> v) {
    const std::size_t total = out.size();
    const std::size_t cols = std::size_t(out.cols());
    for (auto [k, step] = grid_stride(); k < total; k += step) {
        const index_t i = index_t(k / cols), j = index_t(k % cols);
        out(i, j) = f(in(i, j), v[by_row ? j : i]);
    }
}

/// One block per row (grid-stride over rows): strided partial sums, then a shared-memory tree.
template <class S, class F, class First, class... In>
__global__ void reduce_rows(VectorView<S, Cuda> out, F f, First first, In... in) {
    __shared__ S partial[threads_per_block];
    const index_t cols = first.cols();
    for (index_t i = index_t(blockIdx.x); i < first.rows(); i += index_t(gridDim.x)) {
        S acc = S(0);
        for (index_t j = index_t(threadIdx.x); j < cols; j += threads_per_block) acc += f(first(i, j), in(i, j)...);
        partial[threadIdx.x] = acc;
        __syncthreads();
        for (int width = threads_per_block / 2; width > 0; width /= 2) {
            if (int(threadIdx.x) < width) partial[threadIdx.x] += partial[threadIdx.x + width];
            __syncthreads();
        }
        if (threadIdx.x == 0) out[i] = partial[0];
        __syncthreads();  // partial[] is reused by the next row
    }
}

/// map_reduce_rows: one block per row (grid-strided), as reduce_rows, writing each element's value.
template <class S, class F, class... In>
__global__ void map_reduce_rows(MatrixView<S, Cuda> out, VectorView<S, Cuda> sums, F f, In... in) {
    __shared__ S partial[threads_per_block];
    const index_t cols = out.cols();
    for (index_t i = index_t(blockIdx.x); i < out.rows(); i += index_t(gridDim.x)) {
        S acc = S(0);
        for (index_t j = index_t(threadIdx.x); j < cols; j += threads_per_block) {
            const MappedTerm<S> r = f(in(i, j)...);
            out(i, j) = r.value;
            acc += r.term;
        }
        partial[threadIdx.x] = acc;
        __syncthreads();
        for (int width = threads_per_block / 2; width > 0; width /= 2) {
            if (int(threadIdx.x) < width) partial[threadIdx.x] += partial[threadIdx.x + width];
            __syncthreads();
        }
        if (threadIdx.x == 0) sums[i] = partial[0];
        __syncthreads();
    }
}

/// Column sums: blocks of 32 columns × 8 row lanes; lane r sums rows r, r + 8, …, then the 8
/// lanes are added in a fixed order. Reads are coalesced along a row.
inline constexpr int reduce_cols_width = 32;
inline constexpr int reduce_cols_lanes = threads_per_block / reduce_cols_width;

template <bool Accumulate, class S, class F, class First, class... In>
__global__ void reduce_cols(VectorView<S, Cuda> out, F f, First first, In... in) {
    __shared__ S partial[reduce_cols_lanes][reduce_cols_width];
    const index_t j = index_t(blockIdx.x) * reduce_cols_width + index_t(threadIdx.x);
    const index_t lane = index_t(threadIdx.y);
    S acc = S(0);
    if (j < first.cols())
        for (index_t i = lane; i < first.rows(); i += reduce_cols_lanes) acc += f(first(i, j), in(i, j)...);
    partial[lane][threadIdx.x] = acc;
    __syncthreads();
    if (lane == 0 && j < first.cols()) {
        S sum = partial[0][threadIdx.x];
        for (int r = 1; r < reduce_cols_lanes; ++r) sum += partial[r][threadIdx.x];
        out[j] = Accumulate ? out[j] + sum : sum;
    }
}

template <class F, class First, class... Rest>
__global__ void for_each(F f, First first, Rest... rest) {
    const std::size_t total = std::size_t(first.size());
    for (auto [k, step] = grid_stride(); k < total; k += step) f(first[index_t(k)], rest[index_t(k)]...);
}

template <class F>
__global__ void for_each_index(index_t n, F f) {
    for (auto [k, step] = grid_stride(); k < std::size_t(n); k += step) f(index_t(k));
}

template <class S, bool normal>
__global__ void fill_random(MatrixView<S, Cuda> x, RandomStream stream, std::uint64_t offset) {
    const std::size_t total = x.size();
    const std::size_t cols = std::size_t(x.cols());
    for (auto [k, step] = grid_stride(); k < total; k += step) {
        const index_t i = index_t(k / cols), j = index_t(k % cols);
        // Element (i, j) is stream element offset + i·cols + j, as on the host.
        if constexpr (normal) x(i, j) = stream.normal<S>(offset + std::uint64_t(k));
        else x(i, j) = stream.uniform<S>(offset + std::uint64_t(k));
    }
}

}  // namespace mvae::detail::cuda
