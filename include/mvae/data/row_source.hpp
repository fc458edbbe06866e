// mvae/data/row_source.hpp — where the dense batches a VAE trains on come from.
//
// A row source hands out rows of an n × m matrix as a dense B × m batch on the device, on demand,
// so the whole matrix never has to be dense. Two sources ship: the rows of a sparse 0/1
// InteractionMatrix (R itself; its transpose gives an iVAE the columns) and the rows of a dense
// host matrix. The MVAE pipeline adds the rows of the completed pseudo-matrix.
//
// A row source provides:
//   index_t rows() const; index_t cols() const;
//   void fill(const Backend<D>&, std::span<const index_t> rows, MatrixView<S, D> out) const;  // out: |rows| × cols()
//   std::vector<double> column_frequencies() const;  // mean of each column, in [0, 1]
#pragma once

#include <concepts>
#include <memory>
#include <span>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/backend/device_copy.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/// The rows of a batch, where the host and where the device can read them: the trainer keeps an
/// epoch's row order in device memory (one upload per epoch), so a source that can take its row
/// ids from there (a DeviceRowSource) builds a batch without any transfer.
struct BatchRows {
    std::span<const index_t> host;  ///< the row ids, in host memory
    const index_t* device;          ///< the same ids in the device's memory (host memory on the CPU)

    /// Rows [first, first + count) of the batch.
    [[nodiscard]] BatchRows subspan(index_t first, index_t count) const noexcept {
        return {host.subspan(std::size_t(first), std::size_t(count)), device + first};
    }
};

/// What VaeTrainer needs from a source of training rows.
template <class Src, class S, class D>
concept RowSource = requires(const Src& src, const Backend<D>& be, std::span<const index_t> rows, MatrixView<S, D> out) {
    { src.rows() } -> std::convertible_to<index_t>;
    { src.cols() } -> std::convertible_to<index_t>;
    src.fill(be, rows, out);
    { src.column_frequencies() } -> std::convertible_to<std::vector<double>>;
};

/// A source that builds a batch from device-resident row ids (BatchRows) without a transfer.
template <class Src, class S, class D>
concept DeviceRowSource = RowSource<Src, S, D> && requires(const Src& src, const Backend<D>& be, BatchRows rows,
                                                            MatrixView<S, D> out) { src.fill(be, rows, out); };

/// out ← the rows of `src`: from the device-resident ids when the source can, else from the host ids.
template <class Src, Real S, Device D>
    requires RowSource<Src, S, D>
void fill_rows(const Src& src, const Backend<D>& be, const BatchRows& rows, MatrixView<S, D> out) {
    if constexpr (DeviceRowSource<Src, S, D>) src.fill(be, rows, out);
    else src.fill(be, rows.host, out);
}

namespace detail {

/// Row kernel: sets out(b, j) = 1 for the entries j of CSR row rows[b] (out already zero).
template <Real S, Device D>
struct SetRowOnes {
    MatrixView<S, D> out;
    const index_t* rows;
    const offset_t* offsets;
    const index_t* indices;

    MVAE_HOST_DEVICE void operator()(index_t b) const {
        S* row = out.row(b);
        const index_t r = rows[b];
        for (offset_t e = offsets[r]; e < offsets[r + 1]; ++e) row[indices[e]] = S(1);
    }
};

inline void require_batch_shape(const char* who, std::span<const index_t> rows, index_t n_rows, index_t n_cols,
                                index_t out_rows, index_t out_cols) {
    require_shape(out_rows == index_t(rows.size()) && out_cols == n_cols, who, ": batch of ", rows.size(),
                  " rows needs a ", rows.size(), " x ", n_cols, " output, got ", out_rows, " x ", out_cols);
    for (index_t r : rows)
        require_argument(r >= 0 && r < n_rows, who, ": row ", r, " is outside [0, ", n_rows, ")");
}

}  // namespace detail

/// The rows of a sparse 0/1 matrix (1 where an interaction exists, whatever its count).
/// The source keeps a reference: the matrix must outlive it.
template <Real S>
class SparseRowSource {
public:
    explicit SparseRowSource(const InteractionMatrix& matrix) : matrix_(&matrix) {}

    [[nodiscard]] index_t rows() const noexcept { return matrix_->n_users(); }
    [[nodiscard]] index_t cols() const noexcept { return matrix_->n_items(); }

    /// out ← the 0/1 rows `rows`, written directly into host memory.
    void fill(const Backend<Cpu>& be, std::span<const index_t> rows, MatrixView<S, Cpu> out) const {
        detail::require_batch_shape("SparseRowSource::fill", rows, this->rows(), cols(), out.rows(), out.cols());
        be.fill(out, S(0));
        be.for_each_index(index_t(rows.size()), [&](index_t b) {
            S* row = out.row(b);
            for (index_t item : matrix_->items_of(rows[std::size_t(b)])) row[item] = S(1);
        });
    }

    /// For devices with their own memory: built on the host, then one upload.
    template <Device D>
    void fill(const Backend<D>& be, std::span<const index_t> rows, MatrixView<S, D> out) const {
        staging_.resize(index_t(rows.size()), cols());
        fill(Backend<Cpu>(), rows, staging_.view());
        be.upload(staging_.data(), out);
    }

    /// The same rows built where D's kernels run, from device-resident row ids: the matrix's CSR
    /// structure is copied to D once (on the first call), and no batch crosses after that.
    template <Device D>
    void fill(const Backend<D>& be, const BatchRows& rows, MatrixView<S, D> out) const {
        detail::require_batch_shape("SparseRowSource::fill", rows.host, this->rows(), cols(), out.rows(), out.cols());
        auto& csr = device_csr<D>(be);
        be.fill(out, S(0));
        be.for_each_index(index_t(rows.host.size()),
                          detail::SetRowOnes<S, D>{out, rows.device, csr.offsets.data(), csr.indices.data()});
    }

    /// How often each column is 1: degree / rows.
    [[nodiscard]] std::vector<double> column_frequencies() const {
        std::vector<double> f(static_cast<std::size_t>(cols()));
        for (index_t j = 0; j < cols(); ++j) f[std::size_t(j)] = rows() > 0 ? double(matrix_->item_degree(j)) / rows() : 0.0;
        return f;
    }

private:
    template <Device D>
    struct DeviceCsr {
        DeviceCopy<offset_t, D> offsets;
        DeviceCopy<index_t, D> indices;
    };

    // The CSR structure in D's memory, copied on first use (a source used on several devices
    // keeps the last one's).
    template <Device D>
    DeviceCsr<D>& device_csr(const Backend<D>& be) const {
        if (csr_device_ != &device_tag<D>) {
            auto csr = std::make_shared<DeviceCsr<D>>();
            csr->offsets.assign(be, matrix_->user_offsets());
            csr->indices.assign(be, matrix_->user_items());
            csr_ = csr;
            csr_device_ = &device_tag<D>;
        }
        return *std::static_pointer_cast<DeviceCsr<D>>(csr_);
    }

    template <Device D>
    static inline const char device_tag = 0;

    const InteractionMatrix* matrix_;
    mutable Matrix<S, Cpu> staging_;
    mutable std::shared_ptr<void> csr_;       // DeviceCsr<D> of the device csr_device_ names
    mutable const char* csr_device_ = nullptr;
};

/// The rows of a dense host matrix (for small problems and tests). Keeps a view: the matrix must
/// outlive the source.
template <Real S>
class DenseRowSource {
public:
    explicit DenseRowSource(MatrixView<const S, Cpu> matrix) : matrix_(matrix) {}

    [[nodiscard]] index_t rows() const noexcept { return matrix_.rows(); }
    [[nodiscard]] index_t cols() const noexcept { return matrix_.cols(); }

    template <Device D>
    void fill(const Backend<D>& be, std::span<const index_t> rows, MatrixView<S, D> out) const {
        detail::require_batch_shape("DenseRowSource::fill", rows, this->rows(), cols(), out.rows(), out.cols());
        for (std::size_t b = 0; b < rows.size(); ++b)
            be.upload(matrix_.row(rows[b]), out.row_block(index_t(b), 1));
    }

    /// The column means, clamped to [0, 1].
    [[nodiscard]] std::vector<double> column_frequencies() const {
        std::vector<double> f(static_cast<std::size_t>(cols()), 0.0);
        for (index_t i = 0; i < rows(); ++i)
            for (index_t j = 0; j < cols(); ++j) f[std::size_t(j)] += double(matrix_(i, j));
        for (double& v : f) v = std::min(1.0, std::max(0.0, rows() > 0 ? v / rows() : 0.0));
        return f;
    }

private:
    MatrixView<const S, Cpu> matrix_;
};

}  // namespace mvae
