// mvae/backend/cpu/cpu_backend.hpp — Backend<Cpu>: the primitives on the host, through Eigen and OpenMP.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cpu/blas_gemm.hpp"
#include "mvae/backend/cpu/cpu_buffer.hpp"
#include "mvae/backend/cpu/eigen_map.hpp"
#include "mvae/backend/shape_checks.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

template <>
class Backend<Cpu> {
public:
    using device_type = Cpu;
    template <class T>
    using MView = MatrixView<T, Cpu>;
    template <class T>
    using VView = VectorView<T, Cpu>;

    /// Element-wise loops smaller than this run on one thread: the fork costs more than the work.
    static constexpr std::size_t parallel_threshold = 1 << 15;

    // --- dense linear algebra --------------------------------------------------------------

    /// C ← α·op(A)·op(B) + β·C through Eigen's product or, when built with MVAE_USE_BLAS, the BLAS
    /// (cpu/blas_gemm.hpp); multi-threaded by set_num_threads.
    template <Real S>
    void gemm(Op op_a, Op op_b, S alpha, MView<const S> a, MView<const S> b, S beta, MView<S> c) const {
        index_t m = 0, n = 0, k = 0;
        detail::require_gemm_shapes(op_a, op_b, a, b, c, m, n, k);
        if (k == 0) {
            scale(c, beta);
            return;
        }
        if (m == 0 || n == 0) return;
        if constexpr (detail::cpu_gemm_uses_blas) {
            blas_gemm_parallel(op_a, op_b, m, n, k, alpha, a, b, beta, c);
            return;
        }
        auto cm = eigen_map(c);
        auto am = eigen_map(a);
        auto bm = eigen_map(b);
        auto product = [&](const auto& lhs, const auto& rhs) {
            if (beta == S(0)) {
                cm.noalias() = alpha * (lhs * rhs);
            } else {
                if (beta != S(1)) cm *= beta;
                cm.noalias() += alpha * (lhs * rhs);
            }
        };
        if (op_a == Op::N && op_b == Op::N) product(am, bm);
        else if (op_a == Op::N) product(am, bm.transpose());
        else if (op_b == Op::N) product(am.transpose(), bm);
        else product(am.transpose(), bm.transpose());
    }

    // --- filling and copying ---------------------------------------------------------------

    template <Real S>
    void fill(MView<S> x, S value) const {
        map(x, [value]() { return value; });
    }
    template <Real S>
    void fill(VView<S> x, S value) const {
        std::fill_n(x.data(), x.size(), value);
    }

    template <Real S>
    void copy(MView<const S> src, MView<S> dst) const {
        detail::require_same_shape("copy", dst, src);
        if (src.contiguous() && dst.contiguous()) {
            std::memmove(dst.data(), src.data(), src.size() * sizeof(S));
            return;
        }
        for (index_t i = 0; i < src.rows(); ++i) std::memmove(dst.row(i), src.row(i), std::size_t(src.cols()) * sizeof(S));
    }
    template <Real S>
    void copy(VView<const S> src, VView<S> dst) const {
        require_shape(src.size() == dst.size(), "copy: source has ", src.size(), " elements, destination ", dst.size());
        std::memmove(dst.data(), src.data(), std::size_t(src.size()) * sizeof(S));
    }

    /// Host memory is device memory here: these are plain copies of `dst.size()` elements.
    template <Real S>
    void upload(const S* host, MView<S> dst) const {
        transfer_counter().upload();
        copy(MView<const S>(host, dst.rows(), dst.cols()), dst);
    }
    template <Real S>
    void download(MView<const S> src, S* host) const {
        transfer_counter().download();
        copy(src, MView<S>(host, src.rows(), src.cols()));
    }
    template <Element S>
    void upload(const S* host, VView<S> dst) const {
        transfer_counter().upload();
        std::memmove(dst.data(), host, std::size_t(dst.size()) * sizeof(S));
    }
    template <Element S>
    void download(VView<const S> src, S* host) const {
        transfer_counter().download();
        std::memmove(host, src.data(), std::size_t(src.size()) * sizeof(S));
    }

    void synchronize() const noexcept { transfer_counter().synchronization(); }

    // --- element-wise maps and reductions --------------------------------------------------

    /// out(i, j) ← f(in(i, j)...). Inputs are views of any constness with out's shape.
    template <Real S, class F, class... In>
    void map(MView<S> out, F f, In... in) const {
        (detail::require_same_shape("map", out, in), ...);
        const index_t cols = out.cols();
        auto row_kernel = [&](index_t i) { map_row(out.row(i), cols, f, in.row(i)...); };
        for_rows(out.rows(), out.size(), row_kernel);
    }

    /// out[i] ← f(in[i]...).
    template <Real S, class F, class... In>
    void map(VView<S> out, F f, In... in) const {
        (require_shape(in.size() == out.size(), "map: input has ", in.size(), " elements, output ", out.size()), ...);
        for (index_t i = 0; i < out.size(); ++i) out[i] = f(in[i]...);
    }

    /// out(i, j) ← f(in(i, j), v[j]).
    template <Real S, class F, class TI, class TV>
    void map_broadcast_row(MView<S> out, F f, MView<TI> in, VView<TV> v) const {
        detail::require_same_shape("map_broadcast_row", out, in);
        require_shape(v.size() == out.cols(), "map_broadcast_row: vector has ", v.size(), " elements, matrix has ",
                      out.cols(), " columns");
        const index_t cols = out.cols();
        auto row_kernel = [&](index_t i) { map_row(out.row(i), cols, f, in.row(i), v.data()); };
        for_rows(out.rows(), out.size(), row_kernel);
    }

    /// out(i, j) ← f(in(i, j), v[i]).
    template <Real S, class F, class TI, class TV>
    void map_broadcast_col(MView<S> out, F f, MView<TI> in, VView<TV> v) const {
        detail::require_same_shape("map_broadcast_col", out, in);
        require_shape(v.size() == out.rows(), "map_broadcast_col: vector has ", v.size(), " elements, matrix has ",
                      out.rows(), " rows");
        const index_t cols = out.cols();
        auto row_kernel = [&](index_t i) {
            S* o = out.row(i);
            const auto* x = in.row(i);
            const auto vi = v[i];
            for (index_t j = 0; j < cols; ++j) o[j] = f(x[j], vi);
        };
        for_rows(out.rows(), out.size(), row_kernel);
    }

    /// out[i] ← Σ_j f(in(i, j)...), summed left to right.
    template <Real S, class F, class First, class... In>
    void reduce_rows(VView<S> out, F f, First first, In... in) const {
        require_shape(out.size() == first.rows(), "reduce_rows: output has ", out.size(), " elements, input has ",
                      first.rows(), " rows");
        (detail::require_same_shape("reduce_rows", first, in), ...);
        const index_t cols = first.cols();
        auto row_kernel = [&](index_t i) {
            S acc = S(0);
            for (index_t j = 0; j < cols; ++j) acc += f(first.row(i)[j], in.row(i)[j]...);
            out[i] = acc;
        };
        for_rows(first.rows(), first.size(), row_kernel);
    }

    /// With (v, t) = f(in(i, j)...): out(i, j) ← v and sums[i] ← Σ_j t. The inner loop is an
    /// OpenMP SIMD loop (each row summed in vector lanes, then the lanes in a fixed order): the
    /// same bits for any thread count. `out` may alias an input, element for element.
    template <Real S, class F, class... In>
    void map_reduce_rows(MView<S> out, VView<S> sums, F f, In... in) const {
        (detail::require_same_shape("map_reduce_rows", out, in), ...);
        require_shape(sums.size() == out.rows(), "map_reduce_rows: sums have ", sums.size(), " elements, matrix has ",
                      out.rows(), " rows");
        const index_t cols = out.cols();
        auto row_kernel = [&](index_t i) { sums[i] = map_reduce_row(out.row(i), cols, f, in.row(i)...); };
        for_rows(out.rows(), out.size(), row_kernel);
    }

    /// out[j] ← Σ_i f(in(i, j)...), summed top to bottom (threads split the columns, not the sum).
    template <Real S, class F, class First, class... In>
    void reduce_cols(VView<S> out, F f, First first, In... in) const {
        column_sums<false>(out, f, first, in...);
    }

    /// out[j] ← out[j] + Σ_i f(in(i, j)...): reduce_cols added to what out holds.
    template <Real S, class F, class First, class... In>
    void accumulate_cols(VView<S> out, F f, First first, In... in) const {
        column_sums<true>(out, f, first, in...);
    }

private:
    template <bool Accumulate, Real S, class F, class First, class... In>
    void column_sums(VView<S> out, F f, First first, In... in) const {
        require_shape(out.size() == first.cols(), "reduce_cols: output has ", out.size(), " elements, input has ",
                      first.cols(), " columns");
        (detail::require_same_shape("reduce_cols", first, in), ...);
        const index_t rows = first.rows(), cols = first.cols();
        constexpr index_t chunk = 256;  // columns per task: a contiguous strip of every row
        const index_t chunks = (cols + chunk - 1) / chunk;
        auto chunk_kernel = [&](index_t c) {
            const index_t j0 = c * chunk, j1 = std::min(cols, j0 + chunk);
            S sums[chunk];  // the part's column sums, added to out once (one rounding per part)
            for (index_t j = j0; j < j1; ++j) sums[j - j0] = S(0);
            for (index_t i = 0; i < rows; ++i)
                for (index_t j = j0; j < j1; ++j) sums[j - j0] += f(first.row(i)[j], in.row(i)[j]...);
            for (index_t j = j0; j < j1; ++j) out[j] = Accumulate ? out[j] + sums[j - j0] : sums[j - j0];
        };
        if (first.size() >= parallel_threshold) parallel_for(0, chunks, chunk_kernel);
        else for (index_t c = 0; c < chunks; ++c) chunk_kernel(c);
    }

public:

    /// f(v0[i], v1[i], ...) for every i, with references: one fused pass that may update several
    /// vectors at once (e.g. Adam's parameters and moments). All vectors have the same size.
    template <class F, class First, class... Rest>
    void for_each(F f, First first, Rest... rest) const {
        (require_shape(rest.size() == first.size(), "for_each: vector sizes differ, ", first.size(), " vs ",
                       rest.size()),
         ...);
        const index_t n = first.size();
        constexpr index_t chunk = 4096;
        const index_t chunks = (n + chunk - 1) / chunk;
        auto chunk_kernel = [&](index_t c) {
            const index_t i1 = std::min(n, (c + 1) * chunk);
            for (index_t i = c * chunk; i < i1; ++i) f(first[i], rest[i]...);
        };
        if (std::size_t(n) >= parallel_threshold) parallel_for(0, chunks, chunk_kernel);
        else for (index_t c = 0; c < chunks; ++c) chunk_kernel(c);
    }

    /// f(i) for every i in [0, n), in parallel on the device, in unspecified order: the launch
    /// primitive for kernels that own one index each (a row of a batch, a user). f must not throw.
    template <class F>
    void for_each_index(index_t n, F f) const {
        parallel_for(0, n, f);
    }

    // --- random numbers --------------------------------------------------------------------

    /// X(i, j) ← uniform(0, 1) element (offset + i·cols + j) of `stream`.
    template <Real S>
    void fill_uniform(MView<S> x, RandomStream stream, std::uint64_t offset = 0) const {
        const index_t cols = x.cols();
        auto row_kernel = [&](index_t i) {
            const std::uint64_t base = offset + std::uint64_t(i) * std::uint64_t(cols);
            S* o = x.row(i);
            for (index_t j = 0; j < cols; ++j) o[j] = stream.uniform<S>(base + std::uint64_t(j));
        };
        for_rows(x.rows(), x.size(), row_kernel);
    }

    /// X(i, j) ← standard normal element (offset + i·cols + j) of `stream`.
    template <Real S>
    void fill_normal(MView<S> x, RandomStream stream, std::uint64_t offset = 0) const {
        const index_t cols = x.cols();
        auto row_kernel = [&](index_t i) {
            const std::uint64_t base = offset + std::uint64_t(i) * std::uint64_t(cols);
            S* o = x.row(i);
            for (index_t j = 0; j < cols; ++j) o[j] = stream.normal<S>(base + std::uint64_t(j));
        };
        for_rows(x.rows(), x.size(), row_kernel);
    }

private:
    // The row loops take the functor by value and the rows as plain pointers, so that nothing in
    // the loop is read through a reference the stores might alias: GCC then vectorises them.
    // Inputs may alias the output element for element (in-place maps).
    template <class S, class F, class... P>
    MVAE_FORCE_INLINE static void map_row(S* o, index_t cols, F f, const P*... p) {
        MVAE_SIMD
        for (index_t j = 0; j < cols; ++j) o[j] = f(p[j]...);
    }

    template <class S, class F, class... P>
    MVAE_FORCE_INLINE static S map_reduce_row(S* o, index_t cols, F f, const P*... p) {
        S acc = S(0);
        MVAE_SIMD_REDUCTION(+ : acc)
        for (index_t j = 0; j < cols; ++j) {
            const MappedTerm<S> r = f(p[j]...);
            o[j] = r.value;
            acc += r.term;
        }
        return acc;
    }

    /// The BLAS GEMM with C split into blocks along its longer side (rows of op(A) or columns of
    /// op(B)), each a single-threaded BLAS call, handed to the threads dynamically. Small products
    /// run on the calling thread. The blocks depend on the shape only, never on the thread count,
    /// so the product is the same bits with any number of threads; and there are several per
    /// thread, so a thread slowed by another process's load (a shared core) takes fewer of them
    /// instead of holding the others at the end of the region (docs/reliability.md, under load).
    template <Real S>
    static void blas_gemm_parallel(Op op_a, Op op_b, index_t m, index_t n, index_t k, S alpha, MView<const S> a,
                                   MView<const S> b, S beta, MView<S> c) {
        const bool ta = op_a == Op::T, tb = op_b == Op::T;
        constexpr index_t align = 16;        // block edges on 64-byte boundaries of C's rows
        constexpr index_t min_block = 128;   // narrower blocks lose BLAS efficiency
        constexpr index_t max_parts = 32;    // enough for dynamic balance on a few cores
        const bool split_rows = m >= n;
        const index_t extent = split_rows ? m : n;
        const index_t parts = std::min<index_t>(max_parts, extent / min_block);
        if (parts <= 1 || double(m) * double(n) * double(k) < double(1 << 21)) {
            detail::blas_gemm(ta, tb, m, n, k, alpha, a, b, beta, c);
            return;
        }
        const index_t step = (extent / parts + align - 1) / align * align;
        parallel_for_dynamic(0, (extent + step - 1) / step, 1, [&](index_t p) {
            const index_t first = p * step;
            const index_t count = std::min(extent, first + step) - first;
            if (count <= 0) return;
            if (split_rows) {  // rows [first, first + count) of C and of op(A)
                const auto a_part = ta ? a.col_block(first, count) : a.row_block(first, count);
                detail::blas_gemm(ta, tb, count, n, k, alpha, a_part, b, beta, c.row_block(first, count));
            } else {           // columns of C and of op(B)
                const auto b_part = tb ? b.row_block(first, count) : b.col_block(first, count);
                detail::blas_gemm(ta, tb, m, count, k, alpha, a, b_part, beta, c.col_block(first, count));
            }
        });
    }

    template <Real S>
    void scale(MView<S> c, S beta) const {
        if (beta == S(0)) fill(c, S(0));
        else if (beta != S(1)) map(c, [beta](S x) { return beta * x; }, MView<const S>(c));
    }

    template <class K>
    static void for_rows(index_t rows, std::size_t elements, K& kernel) {
        if (elements >= parallel_threshold) parallel_for(0, rows, kernel);
        else for (index_t i = 0; i < rows; ++i) kernel(i);
    }
};

}  // namespace mvae
