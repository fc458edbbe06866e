// Helpers of the GPU tests: copies between host and device matrices, random host data, and
// element-wise comparison with a tolerance.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "mvae/cuda.cuh"

namespace mvae_test {

template <class S>
using HostMatrix = mvae::Matrix<S, mvae::Cpu>;
template <class S>
using DeviceMatrix = mvae::Matrix<S, mvae::Cuda>;

/// A host matrix of uniform(-1, 1) values drawn from (seed, stream).
template <class S>
HostMatrix<S> random_host(mvae::index_t rows, mvae::index_t cols, std::uint64_t seed, std::uint64_t stream = 0) {
    HostMatrix<S> m(rows, cols);
    const mvae::RandomStream rs(seed, stream);
    for (std::size_t k = 0; k < m.size(); ++k) m.data()[k] = S(2) * rs.uniform<S>(k) - S(1);
    return m;
}

template <class S>
DeviceMatrix<S> to_device(const HostMatrix<S>& host) {
    DeviceMatrix<S> d(host.rows(), host.cols());
    mvae::Backend<mvae::Cuda>().upload(host.data(), d.view());
    return d;
}

template <class S>
HostMatrix<S> to_host(const DeviceMatrix<S>& device) {
    HostMatrix<S> h(device.rows(), device.cols());
    mvae::Backend<mvae::Cuda>().download(device.cview(), h.data());
    return h;
}

/// max |a − b| / (|b| + 1) over all elements: a relative error that tolerates values near zero.
template <class S>
double max_scaled_difference(const S* a, const S* b, std::size_t n) {
    double worst = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const double d = std::abs(double(a[k]) - double(b[k])) / (std::abs(double(b[k])) + 1.0);
        worst = std::isnan(d) ? INFINITY : std::max(worst, d);
    }
    return worst;
}

template <class S>
double max_scaled_difference(const HostMatrix<S>& a, const HostMatrix<S>& b) {
    REQUIRE(a.rows() == b.rows());
    REQUIRE(a.cols() == b.cols());
    return max_scaled_difference(a.data(), b.data(), a.size());
}

/// Tolerance of a float or double comparison of results that went through different summation orders.
template <class S>
constexpr double parity_tolerance = std::is_same_v<S, float> ? 2e-5 : 1e-12;

}  // namespace mvae_test
