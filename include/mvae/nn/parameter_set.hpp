// mvae/nn/parameter_set.hpp — all trainable tensors of a model in one flat buffer, with names.
//
// Layers register their tensors (declare), then the set allocates one values vector and one
// gradients vector for all of them (allocate), and layers see their tensors as matrix views into
// those vectors. An optimiser therefore updates every parameter in one pass over one vector, and
// a checkpoint is one contiguous block.
#pragma once

#include <string>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"

namespace mvae {

/// Where one named tensor lies in the flat buffers: rows × cols elements from `offset`.
struct TensorInfo {
    std::string name;
    index_t rows = 0;
    index_t cols = 0;
    index_t offset = 0;
    [[nodiscard]] index_t size() const noexcept { return rows * cols; }
};

/// Identifies a tensor of a ParameterSet (its declaration order).
using TensorId = index_t;

/**
 * Flat parameter and gradient storage with named tensor views.
 *
 * @tparam Scalar float or double.
 * @tparam D      the device whose memory holds the buffers.
 *
 * Tensors are declared first, then allocate() sizes both buffers once; views stay valid for the
 * lifetime of the set, also across moves (the buffers move, their storage does not).
 */
template <Real Scalar, Device D>
class ParameterSet {
public:
    ParameterSet() = default;
    ParameterSet(ParameterSet&&) noexcept = default;
    ParameterSet& operator=(ParameterSet&&) noexcept = default;
    ParameterSet(const ParameterSet&) = delete;  // views held by layers would point at the original
    ParameterSet& operator=(const ParameterSet&) = delete;

    /// Registers a rows × cols tensor; only before allocate(). Names must be unique.
    TensorId declare(std::string name, index_t rows, index_t cols) {
        require_argument(!allocated_, "ParameterSet::declare('", name, "') after allocate()");
        require_argument(rows > 0 && cols > 0, "ParameterSet::declare('", name, "'): shape must be positive, got ", rows,
                         " x ", cols);
        for (const auto& t : tensors_) require_argument(t.name != name, "ParameterSet: tensor '", name, "' declared twice");
        tensors_.push_back(TensorInfo{std::move(name), rows, cols, size_});
        size_ += rows * cols;
        return TensorId(tensors_.size() - 1);
    }

    /// Sizes the value and gradient buffers for every declared tensor (contents unspecified).
    void allocate() {
        require_argument(!allocated_, "ParameterSet::allocate() called twice");
        values_.resize(size_);
        grads_.resize(size_);
        allocated_ = true;
    }

    [[nodiscard]] bool allocated() const noexcept { return allocated_; }
    /// Total number of scalars over all tensors.
    [[nodiscard]] index_t size() const noexcept { return size_; }
    [[nodiscard]] const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }
    [[nodiscard]] const TensorInfo& info(TensorId id) const { return tensors_.at(std::size_t(id)); }

    /// The flat buffers.
    [[nodiscard]] VectorView<Scalar, D> values() { return values_.view(); }
    [[nodiscard]] VectorView<const Scalar, D> values() const { return values_.view(); }
    [[nodiscard]] VectorView<Scalar, D> grads() { return grads_.view(); }
    [[nodiscard]] VectorView<const Scalar, D> grads() const { return grads_.view(); }

    /// One tensor's values or gradients as a row-major matrix view.
    [[nodiscard]] MatrixView<Scalar, D> value(TensorId id) { return view_of(values_, id); }
    [[nodiscard]] MatrixView<const Scalar, D> value(TensorId id) const { return view_of(values_, id); }
    [[nodiscard]] MatrixView<Scalar, D> grad(TensorId id) { return view_of(grads_, id); }
    [[nodiscard]] MatrixView<const Scalar, D> grad(TensorId id) const { return view_of(grads_, id); }

private:
    template <class Vec>
    auto view_of(Vec& buffer, TensorId id) const {
        require_argument(allocated_, "ParameterSet: tensor views requested before allocate()");
        const TensorInfo& t = info(id);
        using T = std::remove_pointer_t<decltype(buffer.data())>;
        return MatrixView<T, D>(buffer.data() + t.offset, t.rows, t.cols, t.cols);
    }

    std::vector<TensorInfo> tensors_;
    index_t size_ = 0;
    bool allocated_ = false;
    Vector<Scalar, D> values_;
    Vector<Scalar, D> grads_;
};

}  // namespace mvae
