// mvae/training/pairwise_hinge.hpp — JoVA's pairwise hinge term over one users × items block of a
// dual VAE's combined prediction (Askari et al., "Joint Variational Autoencoders for
// Recommendation with Implicit Feedback", JoVA-Hinge).
//
// In a block of users U (the uVAE's batch) and items I (the iVAE's batch) the combined prediction is
//   r̂(u, i) = α σ(a_{u,i}) + (1 − α) σ(b_{i,u}),
// a the uVAE's logits (row u, column i), b the iVAE's (row i, column u). For every observed pair
// (u, i) with u ∈ U, i ∈ I one negative j ∈ I with R(u, j) = 0 is drawn uniformly, and
//   H = (w / |U|) Σ_(u,i,j) max(0, m − r̂(u, i) + r̂(u, j)),
// m the margin (0.15), w the weight. For an active triple (the max is positive), with s = w / |U|:
//   ∂H/∂a_{u,i} = −s α σ′(a_{u,i}),   ∂H/∂a_{u,j} = s α σ′(a_{u,j}),
//   ∂H/∂b_{i,u} = −s (1 − α) σ′(b_{i,u}),   ∂H/∂b_{j,u} = s (1 − α) σ′(b_{j,u}),   σ′ = σ(1 − σ).
// Sampling and the sums run on the host (a block holds a few thousand observed pairs); only the
// four logits of each triple travel from the device, and only the gradient entries travel back,
// added by one kernel per row (so a row's entries, duplicates included, are added by one thread).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/backend/device_copy.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/random/random_cursor.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

/// The hinge term's settings.
struct PairwiseHingeOptions {
    double margin = 0.15;  ///< m, ≥ 0
    double weight = 1.0;   ///< w, ≥ 0 (0: no hinge term)
    std::uint64_t seed = 0;  ///< key of the negative draws

    void validate() const {
        require_argument(std::isfinite(margin) && margin >= 0, "PairwiseHingeOptions::margin must be >= 0, got ", margin);
        require_argument(std::isfinite(weight) && weight >= 0, "PairwiseHingeOptions::weight must be >= 0, got ", weight);
    }
};

namespace detail {

/// values[p] ← m.data()[offsets[p]] (element offsets into a contiguous-row matrix).
template <Real S, Device D>
struct GatherElements {
    MatrixView<const S, D> m;
    const std::int64_t* rows_cols;  // pairs (row, col)
    S* values;
    MVAE_HOST_DEVICE void operator()(index_t p) const { values[p] = m.row(index_t(rows_cols[2 * p]))[rows_cols[2 * p + 1]]; }
};

/// For row r: m(r, cols[e]) += values[e] for e in [offsets[r], offsets[r + 1]).
template <Real S, Device D>
struct AddRowEntries {
    MatrixView<S, D> m;
    const std::int64_t* offsets;
    const std::int64_t* cols;
    const S* values;
    MVAE_HOST_DEVICE void operator()(index_t r) const {
        S* row = m.row(r);
        for (std::int64_t e = offsets[r]; e < offsets[r + 1]; ++e) row[cols[e]] += values[e];
    }
};

}  // namespace detail

/**
 * The hinge term of one block: compute() samples the triples, reads their logits and forms the
 * loss and its gradient; add_user_gradient() / add_item_gradient() add that gradient to each
 * side's dL/dlogits. Workspaces keep their capacity across blocks.
 */
template <Real S, Device D>
class PairwiseHinge {
public:
    using View = MatrixView<S, D>;
    using ConstView = MatrixView<const S, D>;

    explicit PairwiseHinge(PairwiseHingeOptions options = {}) : options_((options.validate(), options)) {}

    [[nodiscard]] const PairwiseHingeOptions& options() const noexcept { return options_; }
    /// Triples drawn in the last compute(), and how many had a positive hinge.
    [[nodiscard]] index_t triples() const noexcept { return index_t(triple_user_.size()); }
    [[nodiscard]] index_t active() const noexcept { return active_; }

    /**
     * The term for the block users × items of `train`: user_logits is |users| × n_items (row r is
     * user users[r]), item_logits is |items| × n_users (row c is item items[c]); α weighs the
     * user side. `key` selects the negative draws (the step number). Returns H.
     */
    double compute(const Backend<D>& be, const InteractionMatrix& train, std::span<const index_t> users,
                   std::span<const index_t> items, ConstView user_logits, ConstView item_logits, double alpha,
                   std::uint64_t key) {
        const auto n_u = index_t(users.size()), n_i = index_t(items.size());
        require_shape(user_logits.rows() == n_u && user_logits.cols() == train.n_items() &&
                          item_logits.rows() == n_i && item_logits.cols() == train.n_users(),
                      "PairwiseHinge::compute: logits ", user_logits.rows(), " x ", user_logits.cols(), " and ",
                      item_logits.rows(), " x ", item_logits.cols(), " for a block of ", n_u, " users and ", n_i,
                      " items of a ", train.n_users(), " x ", train.n_items(), " matrix");
        require_argument(alpha >= 0 && alpha <= 1, "PairwiseHinge::compute: alpha must be in [0, 1], got ", alpha);
        sample(train, users, items, key);
        users_.assign(users.begin(), users.end());
        items_.assign(items.begin(), items.end());
        const auto t = triples();
        active_ = 0;
        user_entries_.clear();
        item_entries_.clear();
        if (t == 0 || options_.weight == 0) return 0.0;
        // The four logits of each triple: a(u,i), a(u,j), b(i,u), b(j,u), in that order.
        gather_(be, user_logits, item_logits);
        const double s = options_.weight / double(n_u);
        double loss = 0;
        for (index_t p = 0; p < t; ++p) {
            const auto v = [&](int k) { return double(logits_host_[std::size_t(4 * p + k)]); };
            const double sa_pos = sigmoid(v(0)), sa_neg = sigmoid(v(1)), sb_pos = sigmoid(v(2)), sb_neg = sigmoid(v(3));
            const double pos = alpha * sa_pos + (1 - alpha) * sb_pos;
            const double neg = alpha * sa_neg + (1 - alpha) * sb_neg;
            const double h = options_.margin - pos + neg;
            if (h <= 0) continue;
            loss += h;
            ++active_;
            const index_t r = triple_user_[std::size_t(p)], ci = triple_pos_[std::size_t(p)], cj = triple_neg_[std::size_t(p)];
            user_entries_.push_back({r, items[std::size_t(ci)], -s * alpha * sa_pos * (1 - sa_pos)});
            user_entries_.push_back({r, items[std::size_t(cj)], s * alpha * sa_neg * (1 - sa_neg)});
            item_entries_.push_back({ci, users[std::size_t(r)], -s * (1 - alpha) * sb_pos * (1 - sb_pos)});
            item_entries_.push_back({cj, users[std::size_t(r)], s * (1 - alpha) * sb_neg * (1 - sb_neg)});
        }
        return s * loss;
    }

    /// d_user_logits (|users| × n_items) += ∂H/∂a from the last compute().
    void add_user_gradient(const Backend<D>& be, View d_user_logits) { add_entries(be, user_entries_, d_user_logits, user_side_); }
    /// d_item_logits (|items| × n_users) += ∂H/∂b from the last compute().
    void add_item_gradient(const Backend<D>& be, View d_item_logits) { add_entries(be, item_entries_, d_item_logits, item_side_); }

private:
    struct Entry {
        index_t row;
        index_t col;
        double value;
    };
    /// Rows' entries in CSR form on the device.
    struct DeviceEntries {
        std::vector<std::int64_t> offsets, cols;
        std::vector<S> values;
        DeviceCopy<std::int64_t, D> d_offsets, d_cols;
        DeviceCopy<S, D> d_values;
    };

    static double sigmoid(double x) noexcept { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

    // One triple per observed (u, i) of the block: j uniform among the block's items u has not
    // interacted with (up to 64 draws; a user with no such item in the block gets no triple).
    void sample(const InteractionMatrix& train, std::span<const index_t> users, std::span<const index_t> items,
                std::uint64_t key) {
        triple_user_.clear();
        triple_pos_.clear();
        triple_neg_.clear();
        if (local_col_.size() != std::size_t(train.n_items())) local_col_.assign(std::size_t(train.n_items()), -1);
        for (std::size_t c = 0; c < items.size(); ++c) {
            require_argument(items[c] >= 0 && items[c] < train.n_items(), "PairwiseHinge: item ", items[c],
                             " outside [0, ", train.n_items(), ")");
            local_col_[std::size_t(items[c])] = index_t(c);
        }
        RandomCursor cursor(RandomStream(options_.seed, stream_id(kNegativePurpose, key)));
        const auto n_i = std::uint32_t(items.size());
        for (std::size_t r = 0; r < users.size(); ++r) {
            require_argument(users[r] >= 0 && users[r] < train.n_users(), "PairwiseHinge: user ", users[r],
                             " outside [0, ", train.n_users(), ")");
            const auto seen = train.items_of(users[r]);
            for (index_t i : seen) {
                const index_t ci = local_col_[std::size_t(i)];
                if (ci < 0) continue;
                for (int attempt = 0; attempt < 64; ++attempt) {
                    const auto cj = index_t(cursor.below(n_i));
                    if (std::binary_search(seen.begin(), seen.end(), items[std::size_t(cj)])) continue;
                    triple_user_.push_back(index_t(r));
                    triple_pos_.push_back(ci);
                    triple_neg_.push_back(cj);
                    break;
                }
            }
        }
        for (index_t i : items) local_col_[std::size_t(i)] = -1;
    }

    void gather_(const Backend<D>& be, ConstView user_logits, ConstView item_logits) {
        const auto t = std::size_t(triples());
        // Element (row, col) pairs: the first 2t values come from the user logits, the last 2t from the items'.
        coords_.resize(8 * t);
        for (std::size_t p = 0; p < t; ++p) {
            const index_t r = triple_user_[p], ci = triple_pos_[p], cj = triple_neg_[p];
            const std::int64_t user = users_[std::size_t(r)];
            std::int64_t* u = coords_.data() + 4 * p;        // user side: (r, item i), (r, item j)
            std::int64_t* v = coords_.data() + 4 * (t + p);  // item side: (ci, user u), (cj, user u)
            u[0] = r;
            u[1] = items_[std::size_t(ci)];
            u[2] = r;
            u[3] = items_[std::size_t(cj)];
            v[0] = ci;
            v[1] = user;
            v[2] = cj;
            v[3] = user;
        }
        d_coords_.assign(be, coords_);
        if (values_.size() < index_t(4 * t)) values_ = Vector<S, D>(index_t(4 * t));
        be.for_each_index(index_t(2 * t), detail::GatherElements<S, D>{user_logits, d_coords_.data(), values_.data()});
        be.for_each_index(index_t(2 * t), detail::GatherElements<S, D>{item_logits, d_coords_.data() + 4 * t,
                                                                       values_.data() + 2 * t});
        gathered_.resize(4 * t);
        be.download(VectorView<const S, D>(values_.data(), index_t(4 * t)), gathered_.data());
        // Reorder to a(u,i), a(u,j), b(i,u), b(j,u) per triple.
        logits_host_.resize(4 * t);
        for (std::size_t p = 0; p < t; ++p) {
            logits_host_[4 * p + 0] = gathered_[2 * p];
            logits_host_[4 * p + 1] = gathered_[2 * p + 1];
            logits_host_[4 * p + 2] = gathered_[2 * t + 2 * p];
            logits_host_[4 * p + 3] = gathered_[2 * t + 2 * p + 1];
        }
    }

    void add_entries(const Backend<D>& be, std::vector<Entry>& entries, View m, DeviceEntries& dev) {
        if (entries.empty()) return;
        // Counting sort by row (stable: a row's entries keep their order, so the sums are deterministic).
        const index_t rows = m.rows();
        dev.offsets.assign(std::size_t(rows) + 1, 0);
        for (const Entry& e : entries) ++dev.offsets[std::size_t(e.row) + 1];
        for (index_t r = 0; r < rows; ++r) dev.offsets[std::size_t(r) + 1] += dev.offsets[std::size_t(r)];
        dev.cols.resize(entries.size());
        dev.values.resize(entries.size());
        std::vector<std::int64_t>& next = scratch_;
        next.assign(dev.offsets.begin(), dev.offsets.end() - 1);
        for (const Entry& e : entries) {
            const auto k = std::size_t(next[std::size_t(e.row)]++);
            dev.cols[k] = e.col;
            dev.values[k] = S(e.value);
        }
        dev.d_offsets.assign(be, dev.offsets);
        dev.d_cols.assign(be, dev.cols);
        dev.d_values.assign(be, dev.values);
        be.for_each_index(rows, detail::AddRowEntries<S, D>{m, dev.d_offsets.data(), dev.d_cols.data(), dev.d_values.data()});
    }

    static constexpr std::uint64_t kNegativePurpose = 0x68696E6765ull;  // "hinge"

    PairwiseHingeOptions options_;
    index_t active_ = 0;
    std::vector<index_t> local_col_;
    std::vector<index_t> triple_user_, triple_pos_, triple_neg_;
    std::vector<index_t> users_, items_;
    std::vector<std::int64_t> coords_, scratch_;
    DeviceCopy<std::int64_t, D> d_coords_;
    Vector<S, D> values_;
    std::vector<S> gathered_, logits_host_;
    std::vector<Entry> user_entries_, item_entries_;
    DeviceEntries user_side_, item_side_;
};

}  // namespace mvae
