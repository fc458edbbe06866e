// mvae/backend/cpu/eigen_map.hpp — Eigen::Map adaptors for host views (CPU backend internals and tests).
#pragma once

#include <type_traits>

#include <Eigen/Core>

#include "mvae/core/matrix.hpp"

namespace mvae {

template <class T>
using EigenRowMajor = Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The view as an Eigen row-major map with its row stride; constness follows T.
template <class T>
[[nodiscard]] auto eigen_map(MatrixView<T, Cpu> v) {
    using Base = std::conditional_t<std::is_const_v<T>, const EigenRowMajor<T>, EigenRowMajor<T>>;
    return Eigen::Map<Base, Eigen::Unaligned, Eigen::OuterStride<>>(v.data(), v.rows(), v.cols(),
                                                                     Eigen::OuterStride<>(v.stride()));
}

/// The vector view as an Eigen column-vector map; constness follows T.
template <class T>
[[nodiscard]] auto eigen_map(VectorView<T, Cpu> v) {
    using Vec = Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, 1>;
    using Base = std::conditional_t<std::is_const_v<T>, const Vec, Vec>;
    return Eigen::Map<Base>(v.data(), v.size());
}

}  // namespace mvae
