// Backend<Cuda> against Backend<Cpu>: every primitive on the same inputs, float and double.
#include <catch2/catch.hpp>

#include <curand_kernel.h>

#include <string>
#include <vector>

#include "cuda_parity.cuh"

using mvae::Backend;
using mvae::Cpu;
using mvae::Cuda;
using mvae::index_t;
using mvae::Op;
using namespace mvae_test;

namespace {

template <class S>
struct Affine {
    S a, b;
    MVAE_HOST_DEVICE S operator()(S x, S y) const noexcept { return a * x + b * y; }
};
template <class S>
struct Fma3 {
    MVAE_HOST_DEVICE S operator()(S x, S y, S z) const noexcept { return x * y + z; }
};
template <class S>
struct Square {
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return x * x; }
};
template <class S>
struct AddInto {
    MVAE_HOST_DEVICE void operator()(S& x, const S& y) const noexcept { x += S(2) * y; }
};
template <class S>
struct WriteIndex {
    mvae::VectorView<S, Cuda> out;
    MVAE_HOST_DEVICE void operator()(index_t i) const noexcept { out[i] = S(i) * S(0.5); }
};

__global__ void curand_blocks(std::uint64_t seed, std::uint64_t subsequence, std::uint64_t first_block, int blocks,
                              std::uint32_t* out) {
    curandStatePhilox4_32_10_t state;
    curand_init(seed, subsequence, 4 * first_block, &state);  // offset counts 32-bit words
    for (int b = 0; b < blocks; ++b) {
        const uint4 w = curand4(&state);
        out[4 * b] = w.x, out[4 * b + 1] = w.y, out[4 * b + 2] = w.z, out[4 * b + 3] = w.w;
    }
}

}  // namespace

TEMPLATE_TEST_CASE("gemm matches the CPU for every transpose, beta and strided views", "[cuda][backend][gemm]", float,
                   double) {
    using S = TestType;
    const Backend<Cpu> cpu;
    const Backend<Cuda> gpu;
    const index_t m = 37, n = 29, k = 53;
    for (Op op_a : {Op::N, Op::T})
        for (Op op_b : {Op::N, Op::T})
            for (S beta : {S(0), S(0.5)}) {
                CAPTURE(int(op_a), int(op_b), double(beta));
                // Embed every operand in a wider matrix, so the views are strided.
                const auto a = random_host<S>(op_a == Op::N ? m : k, (op_a == Op::N ? k : m) + 3, 1);
                const auto b = random_host<S>(op_b == Op::N ? k : n, (op_b == Op::N ? n : k) + 5, 2);
                auto c = random_host<S>(m, n + 7, 3);
                const auto da = to_device(a), db = to_device(b);
                auto dc = to_device(c);
                const auto av = [&](const auto& x) { return x.cview().col_block(0, x.cols() - 3); };
                const auto bv = [&](const auto& x) { return x.cview().col_block(0, x.cols() - 5); };
                cpu.gemm(op_a, op_b, S(1.5), av(a), bv(b), beta, c.view().col_block(0, n));
                gpu.gemm(op_a, op_b, S(1.5), av(da), bv(db), beta, dc.view().col_block(0, n));
                REQUIRE(max_scaled_difference(to_host(dc), c) < 10 * parity_tolerance<S>);
            }
}

TEMPLATE_TEST_CASE("gemm with an empty inner dimension scales C by beta", "[cuda][backend][gemm]", float, double) {
    using S = TestType;
    DeviceMatrix<S> a(4, 0), b(0, 3);
    auto c = random_host<S>(4, 3, 9);
    auto dc = to_device(c);
    Backend<Cuda>().gemm(Op::N, Op::N, S(1), a.cview(), b.cview(), S(2), dc.view());
    const auto h = to_host(dc);
    for (std::size_t i = 0; i < h.size(); ++i) REQUIRE(h.data()[i] == S(2) * c.data()[i]);
}

TEMPLATE_TEST_CASE("maps, broadcasts and fills match the CPU", "[cuda][backend][map]", float, double) {
    using S = TestType;
    const Backend<Cpu> cpu;
    const Backend<Cuda> gpu;
    const auto x = random_host<S>(65, 300, 4), y = random_host<S>(65, 300, 5), z = random_host<S>(65, 300, 6);
    const auto dx = to_device(x), dy = to_device(y), dz = to_device(z);
    HostMatrix<S> out(65, 300);
    DeviceMatrix<S> dout(65, 300);

    cpu.map(out.view(), Affine<S>{S(2), S(-3)}, x.cview(), y.cview());
    gpu.map(dout.view(), Affine<S>{S(2), S(-3)}, dx.cview(), dy.cview());
    REQUIRE(max_scaled_difference(to_host(dout), out) == 0.0);

    cpu.map(out.view(), Fma3<S>{}, x.cview(), y.cview(), z.cview());
    gpu.map(dout.view(), Fma3<S>{}, dx.cview(), dy.cview(), dz.cview());
    REQUIRE(max_scaled_difference(to_host(dout), out) < parity_tolerance<S>);  // FMA contraction may differ

    const auto v_row = random_host<S>(1, 300, 7), v_col = random_host<S>(1, 65, 8);
    const auto dv_row = to_device(v_row), dv_col = to_device(v_col);
    const auto vec = [](const auto& m) { return mvae::VectorView<const S, typename std::decay_t<decltype(m)>::device_type>(m.data(), m.cols()); };
    cpu.map_broadcast_row(out.view(), Affine<S>{S(1), S(1)}, x.cview(), vec(v_row));
    gpu.map_broadcast_row(dout.view(), Affine<S>{S(1), S(1)}, dx.cview(), vec(dv_row));
    REQUIRE(max_scaled_difference(to_host(dout), out) == 0.0);
    cpu.map_broadcast_col(out.view(), Affine<S>{S(1), S(-1)}, x.cview(), vec(v_col));
    gpu.map_broadcast_col(dout.view(), Affine<S>{S(1), S(-1)}, dx.cview(), vec(dv_col));
    REQUIRE(max_scaled_difference(to_host(dout), out) == 0.0);

    gpu.fill(dout.view().col_block(10, 20), S(7));  // strided fill touches only its block
    const auto filled = to_host(dout);
    REQUIRE(filled(3, 10) == S(7));
    REQUIRE(filled(64, 29) == S(7));
    REQUIRE(filled(3, 9) == out(3, 9));
    REQUIRE(filled(3, 30) == out(3, 30));

    DeviceMatrix<S> copy(65, 20);
    gpu.copy(mvae::MatrixView<const S, Cuda>(dout.view().col_block(5, 20)), copy.view());
    const auto copied = to_host(copy);
    REQUIRE(copied(0, 0) == filled(0, 5));
    REQUIRE(copied(64, 19) == filled(64, 24));
}

TEMPLATE_TEST_CASE("row and column reductions match the CPU", "[cuda][backend][reduce]", float, double) {
    using S = TestType;
    const Backend<Cpu> cpu;
    const Backend<Cuda> gpu;
    for (index_t rows : {1, 7, 1500})
        for (index_t cols : {1, 80, 1031}) {
            CAPTURE(rows, cols);
            const auto x = random_host<S>(rows, cols, 11), y = random_host<S>(rows, cols, 12);
            const auto dx = to_device(x), dy = to_device(y);
            HostMatrix<S> r(1, rows), c(1, cols);
            DeviceMatrix<S> dr(1, rows), dc(1, cols);
            const auto vec = [](auto& m) { return mvae::VectorView<S, typename std::decay_t<decltype(m)>::device_type>(m.data(), m.cols()); };
            cpu.reduce_rows(vec(r), Affine<S>{S(1), S(2)}, x.cview(), y.cview());
            gpu.reduce_rows(vec(dr), Affine<S>{S(1), S(2)}, dx.cview(), dy.cview());
            REQUIRE(max_scaled_difference(to_host(dr), r) < parity_tolerance<S> * (1 + cols / 100.0));
            cpu.reduce_cols(vec(c), Square<S>{}, x.cview());
            gpu.reduce_cols(vec(dc), Square<S>{}, dx.cview());
            REQUIRE(max_scaled_difference(to_host(dc), c) < parity_tolerance<S> * (1 + rows / 100.0));
            // Deterministic: the same launch gives the same bits.
            DeviceMatrix<S> again(1, cols);
            gpu.reduce_cols(vec(again), Square<S>{}, dx.cview());
            REQUIRE(max_scaled_difference(to_host(again), to_host(dc)) == 0.0);
        }
}

TEMPLATE_TEST_CASE("for_each and for_each_index run on every element", "[cuda][backend]", float, double) {
    using S = TestType;
    const Backend<Cuda> gpu;
    const index_t n = 100'003;
    const auto x = random_host<S>(1, n, 21), y = random_host<S>(1, n, 22);
    auto dx = to_device(x);
    const auto dy = to_device(y);
    gpu.for_each(AddInto<S>{}, mvae::VectorView<S, Cuda>(dx.data(), n), mvae::VectorView<const S, Cuda>(dy.data(), n));
    const auto hx = to_host(dx);
    for (index_t i = 0; i < n; ++i) REQUIRE(hx(0, i) == x(0, i) + S(2) * y(0, i));
    DeviceMatrix<S> idx(1, n);
    gpu.for_each_index(n, WriteIndex<S>{mvae::VectorView<S, Cuda>(idx.data(), n)});
    const auto hi = to_host(idx);
    for (index_t i = 0; i < n; i += 997) REQUIRE(hi(0, i) == S(i) * S(0.5));
    REQUIRE(hi(0, n - 1) == S(n - 1) * S(0.5));
}

TEMPLATE_TEST_CASE("uniform and normal fills draw the host's numbers", "[cuda][backend][random]", float, double) {
    using S = TestType;
    const mvae::RandomStream stream(77, mvae::stream_id(3, 4));
    HostMatrix<S> u(33, 257), z(33, 257);
    DeviceMatrix<S> du(33, 257), dz(33, 257);
    Backend<Cpu>().fill_uniform(u.view(), stream, 1000);
    Backend<Cuda>().fill_uniform(du.view(), stream, 1000);
    REQUIRE(max_scaled_difference(to_host(du), u) == 0.0);  // integer arithmetic and one scaling
    Backend<Cpu>().fill_normal(z.view(), stream, 5);
    Backend<Cuda>().fill_normal(dz.view(), stream, 5);
    REQUIRE(max_scaled_difference(to_host(dz), z) < 1e-5);  // libm vs CUDA log/sin/cos ulps
}

TEST_CASE("the Philox stream is cuRAND's Philox4_32_10 (seed, subsequence, offset)", "[cuda][random]") {
    const std::uint64_t seed = 0x1234'5678'9abcULL, stream = 42, first = 1000;
    constexpr int blocks = 64;
    std::uint32_t* d = nullptr;
    MVAE_CUDA_CHECK(cudaMalloc(&d, 4 * blocks * sizeof(std::uint32_t)));
    curand_blocks<<<1, 1>>>(seed, stream, first, blocks, d);
    MVAE_CUDA_CHECK(cudaGetLastError());
    std::vector<std::uint32_t> h(4 * blocks);
    MVAE_CUDA_CHECK(cudaMemcpy(h.data(), d, h.size() * sizeof(std::uint32_t), cudaMemcpyDeviceToHost));
    MVAE_CUDA_CHECK(cudaFree(d));
    const mvae::RandomStream ours(seed, stream);
    for (int b = 0; b < blocks; ++b) {
        const auto w = ours.block(first + std::uint64_t(b));
        for (int i = 0; i < 4; ++i) REQUIRE(h[std::size_t(4 * b + i)] == w.v[i]);
    }
}

TEST_CASE("CUDA errors name the call, shapes and sizes", "[cuda][backend][errors]") {
    const Backend<Cuda> gpu;
    DeviceMatrix<float> a(3, 4), b(5, 6), c(3, 6);
    CHECK_THROWS_AS(gpu.gemm(Op::N, Op::N, 1.0f, a.cview(), b.cview(), 0.0f, c.view()), mvae::ShapeError);
    CHECK_THROWS_WITH(gpu.map(c.view(), Square<float>{}, a.cview()), Catch::Contains("shapes differ, 3 x 6 vs 3 x 4"));
    // 2^40 floats = 4 TiB: more than any GPU has.
    using DeviceFloats = mvae::Buffer<float, Cuda>;
    CHECK_THROWS_WITH(DeviceFloats(std::size_t(1) << 40),
                      Catch::Contains("out of GPU memory allocating 4398046511104 bytes"));
    // The failed allocation leaves the device usable.
    DeviceMatrix<float> after(2, 2);
    gpu.fill(after.view(), 1.0f);
    REQUIRE(to_host(after)(1, 1) == 1.0f);
    CHECK_THROWS_WITH(MVAE_CUDA_CHECK(cudaSetDevice(9999)), Catch::Contains("cudaSetDevice(9999) failed"));
    (void)cudaGetLastError();
}

TEST_CASE("TF32 is off by default and can be switched on per context", "[cuda][backend][tf32]") {
    mvae::CudaContext context;
    REQUIRE_FALSE(context.tf32());
    const Backend<Cuda> gpu(context);
    const index_t n = 256;
    const auto a = random_host<float>(n, n, 31), b = random_host<float>(n, n, 32);
    const auto da = to_device(a), db = to_device(b);
    HostMatrix<float> c(n, n);
    DeviceMatrix<float> strict(n, n), fast(n, n);
    Backend<Cpu>().gemm(Op::N, Op::N, 1.0f, a.cview(), b.cview(), 0.0f, c.view());
    gpu.gemm(Op::N, Op::N, 1.0f, da.cview(), db.cview(), 0.0f, strict.view());
    context.set_tf32(true);
    gpu.gemm(Op::N, Op::N, 1.0f, da.cview(), db.cview(), 0.0f, fast.view());
    context.synchronize();
    const double strict_error = max_scaled_difference(to_host(strict), c);
    const double tf32_error = max_scaled_difference(to_host(fast), c);
    CAPTURE(strict_error, tf32_error);
    REQUIRE(strict_error < 1e-5);
    REQUIRE(tf32_error < 2e-2);  // 10-bit mantissas: about 1e-3 relative per product, summed over 256
    // BF16 inputs (7-bit mantissas), FP32 accumulation, through cublasGemmEx.
    context.set_precision(mvae::GemmPrecision::Bf16);
    REQUIRE_FALSE(context.tf32());
    gpu.gemm(Op::N, Op::N, 1.0f, da.cview(), db.cview(), 0.0f, fast.view());
    context.synchronize();
    const double bf16_error = max_scaled_difference(to_host(fast), c);
    CAPTURE(bf16_error);
    REQUIRE(bf16_error > strict_error);
    REQUIRE(bf16_error < 1e-1);  // about 8e-3 relative per product
    context.set_precision(mvae::GemmPrecision::Fp32);
    REQUIRE(context.precision() == mvae::GemmPrecision::Fp32);
}
