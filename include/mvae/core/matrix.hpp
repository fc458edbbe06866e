// mvae/core/matrix.hpp — dense row-major matrices and vectors on a device, and non-owning views.
//
// Row-major because every batch the models see is a set of rows (users' rows of R, items' columns
// stored as rows of Rᵀ), and a batch must be a contiguous block of a larger matrix.
// Views are what kernels take: a pointer, a shape and a row stride; `T` may be const. A view of
// device memory may only be dereferenced on that device.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "mvae/core/buffer.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/// A non-owning view of a row-major matrix: element (i, j) is data[i * stride + j].
template <class T, Device D>
class MatrixView {
public:
    using value_type = std::remove_const_t<T>;
    using device_type = D;

    MatrixView() = default;
    MVAE_HOST_DEVICE MatrixView(T* data, index_t rows, index_t cols, index_t stride)
        : data_(data), rows_(rows), cols_(cols), stride_(stride) {}
    MVAE_HOST_DEVICE MatrixView(T* data, index_t rows, index_t cols)
        : MatrixView(data, rows, cols, cols) {}

    /// A mutable view converts to a const one.
    template <class U>
        requires(std::is_const_v<T> && std::is_same_v<const U, T>)
    MVAE_HOST_DEVICE MatrixView(const MatrixView<U, D>& other)
        : MatrixView(other.data(), other.rows(), other.cols(), other.stride()) {}

    [[nodiscard]] MVAE_HOST_DEVICE T* data() const noexcept { return data_; }
    [[nodiscard]] MVAE_HOST_DEVICE index_t rows() const noexcept { return rows_; }
    [[nodiscard]] MVAE_HOST_DEVICE index_t cols() const noexcept { return cols_; }
    [[nodiscard]] MVAE_HOST_DEVICE index_t stride() const noexcept { return stride_; }
    [[nodiscard]] MVAE_HOST_DEVICE std::size_t size() const noexcept {
        return std::size_t(rows_) * std::size_t(cols_);
    }
    [[nodiscard]] MVAE_HOST_DEVICE bool empty() const noexcept { return rows_ == 0 || cols_ == 0; }
    [[nodiscard]] MVAE_HOST_DEVICE bool contiguous() const noexcept { return stride_ == cols_ || rows_ <= 1; }

    [[nodiscard]] MVAE_HOST_DEVICE T& operator()(index_t i, index_t j) const noexcept {
        return data_[std::size_t(i) * std::size_t(stride_) + std::size_t(j)];
    }
    [[nodiscard]] MVAE_HOST_DEVICE T* row(index_t i) const noexcept {
        return data_ + std::size_t(i) * std::size_t(stride_);
    }

    /// Rows [begin, begin + count) as a view of the same storage.
    [[nodiscard]] MatrixView row_block(index_t begin, index_t count) const {
        require_shape(begin >= 0 && count >= 0 && begin + count <= rows_, "row_block(", begin, ", ", count,
                      ") of a matrix with ", rows_, " rows");
        return MatrixView(row(begin), count, cols_, stride_);
    }
    /// Columns [begin, begin + count) as a view of the same storage.
    [[nodiscard]] MatrixView col_block(index_t begin, index_t count) const {
        require_shape(begin >= 0 && count >= 0 && begin + count <= cols_, "col_block(", begin, ", ", count,
                      ") of a matrix with ", cols_, " columns");
        return MatrixView(data_ + begin, rows_, count, stride_);
    }

private:
    T* data_ = nullptr;
    index_t rows_ = 0;
    index_t cols_ = 0;
    index_t stride_ = 0;
};

/// A non-owning view of a contiguous vector.
template <class T, Device D>
class VectorView {
public:
    using value_type = std::remove_const_t<T>;
    using device_type = D;

    VectorView() = default;
    MVAE_HOST_DEVICE VectorView(T* data, index_t size) : data_(data), size_(size) {}

    template <class U>
        requires(std::is_const_v<T> && std::is_same_v<const U, T>)
    MVAE_HOST_DEVICE VectorView(const VectorView<U, D>& other) : VectorView(other.data(), other.size()) {}

    [[nodiscard]] MVAE_HOST_DEVICE T* data() const noexcept { return data_; }
    [[nodiscard]] MVAE_HOST_DEVICE index_t size() const noexcept { return size_; }
    [[nodiscard]] MVAE_HOST_DEVICE bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] MVAE_HOST_DEVICE T& operator[](index_t i) const noexcept { return data_[i]; }

    /// Elements [begin, begin + count) as a view of the same storage.
    [[nodiscard]] VectorView segment(index_t begin, index_t count) const {
        require_shape(begin >= 0 && count >= 0 && begin + count <= size_, "segment(", begin, ", ", count,
                      ") of a vector of size ", size_);
        return VectorView(data_ + begin, count);
    }
    /// The vector as a 1 × n matrix (for GEMMs with a vector operand).
    [[nodiscard]] MVAE_HOST_DEVICE MatrixView<T, D> as_row() const { return MatrixView<T, D>(data_, 1, size_, size_); }
    /// The vector as an n × 1 matrix.
    [[nodiscard]] MVAE_HOST_DEVICE MatrixView<T, D> as_col() const { return MatrixView<T, D>(data_, size_, 1, 1); }

private:
    T* data_ = nullptr;
    index_t size_ = 0;
};

/// An owning dense row-major matrix in a device's memory.
///
/// `resize` keeps the allocation when the new shape fits in it, so workspaces sized once for the
/// largest batch are reused by smaller ones without allocating.
template <Real Scalar, Device D>
class Matrix {
public:
    using value_type = Scalar;
    using device_type = D;
    using View = MatrixView<Scalar, D>;
    using ConstView = MatrixView<const Scalar, D>;

    Matrix() = default;
    /// A rows × cols matrix with unspecified contents.
    Matrix(index_t rows, index_t cols) { resize(rows, cols); }

    /// Sets the shape; allocates only when rows · cols exceeds the capacity. Contents become unspecified.
    void resize(index_t rows, index_t cols) {
        require_shape(rows >= 0 && cols >= 0, "Matrix::resize: negative shape ", rows, " x ", cols);
        const std::size_t n = std::size_t(rows) * std::size_t(cols);
        if (n > buffer_.size()) buffer_ = Buffer<Scalar, D>(n);
        rows_ = rows;
        cols_ = cols;
    }

    [[nodiscard]] index_t rows() const noexcept { return rows_; }
    [[nodiscard]] index_t cols() const noexcept { return cols_; }
    [[nodiscard]] std::size_t size() const noexcept { return std::size_t(rows_) * std::size_t(cols_); }
    [[nodiscard]] std::size_t capacity() const noexcept { return buffer_.size(); }
    [[nodiscard]] Scalar* data() noexcept { return buffer_.data(); }
    [[nodiscard]] const Scalar* data() const noexcept { return buffer_.data(); }

    [[nodiscard]] View view() noexcept { return View(data(), rows_, cols_, cols_); }
    [[nodiscard]] ConstView view() const noexcept { return ConstView(data(), rows_, cols_, cols_); }
    [[nodiscard]] ConstView cview() const noexcept { return view(); }
    operator View() noexcept { return view(); }                // NOLINT: views are the kernel currency
    operator ConstView() const noexcept { return view(); }     // NOLINT

    /// Host-side element access; only meaningful for host devices.
    [[nodiscard]] Scalar& operator()(index_t i, index_t j) noexcept
        requires std::is_same_v<D, Cpu>
    {
        return data()[std::size_t(i) * std::size_t(cols_) + std::size_t(j)];
    }
    [[nodiscard]] const Scalar& operator()(index_t i, index_t j) const noexcept
        requires std::is_same_v<D, Cpu>
    {
        return data()[std::size_t(i) * std::size_t(cols_) + std::size_t(j)];
    }

private:
    Buffer<Scalar, D> buffer_;
    index_t rows_ = 0;
    index_t cols_ = 0;
};

/// An owning dense vector in a device's memory.
template <Real Scalar, Device D>
class Vector {
public:
    using value_type = Scalar;
    using device_type = D;
    using View = VectorView<Scalar, D>;
    using ConstView = VectorView<const Scalar, D>;

    Vector() = default;
    explicit Vector(index_t size) { resize(size); }

    /// Sets the size; allocates only when it exceeds the capacity. Contents become unspecified.
    void resize(index_t size) {
        require_shape(size >= 0, "Vector::resize: negative size ", size);
        if (std::size_t(size) > buffer_.size()) buffer_ = Buffer<Scalar, D>(std::size_t(size));
        size_ = size;
    }

    [[nodiscard]] index_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return buffer_.size(); }
    [[nodiscard]] Scalar* data() noexcept { return buffer_.data(); }
    [[nodiscard]] const Scalar* data() const noexcept { return buffer_.data(); }

    [[nodiscard]] View view() noexcept { return View(data(), size_); }
    [[nodiscard]] ConstView view() const noexcept { return ConstView(data(), size_); }
    [[nodiscard]] ConstView cview() const noexcept { return view(); }
    operator View() noexcept { return view(); }             // NOLINT
    operator ConstView() const noexcept { return view(); }  // NOLINT

    [[nodiscard]] Scalar& operator[](index_t i) noexcept
        requires std::is_same_v<D, Cpu>
    {
        return data()[i];
    }
    [[nodiscard]] const Scalar& operator[](index_t i) const noexcept
        requires std::is_same_v<D, Cpu>
    {
        return data()[i];
    }

private:
    Buffer<Scalar, D> buffer_;
    index_t size_ = 0;
};

}  // namespace mvae
