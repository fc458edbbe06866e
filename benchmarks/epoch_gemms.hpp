// The GEMM ceiling of an MVAE epoch: the same epoch's matrix products replayed alone, on any
// device, so a benchmark can report "epoch time ÷ time of its GEMMs" measured in the same run.
//
// Per training step of B rows over `cols` inputs: the completion's B × k × cols product that
// builds the batch, and per Dense layer (in → out) of the VAE the forward X·W, the weight gradient
// Xᵀ·δ and, except for the first layer, the input gradient δ·Wᵀ (mvae/nn/dense.hpp). The steps
// follow the schedule: independent (every user batch, then every item batch) or paired (for each
// user batch, every item batch, one step of each side).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/random/random_stream.hpp"
#include "mvae/recommender/mvae_options.hpp"

namespace mvae_bench {

/// Median of a sample (the upper one for even sizes).
inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

/// `pairs` uniform random (user, item) pairs of an n_users × n_items matrix (duplicates merge):
/// data of a real data set's size, for timings that do not depend on which pairs they are.
inline mvae::InteractionMatrix random_pairs(mvae::index_t n_users, mvae::index_t n_items, std::size_t pairs) {
    const mvae::RandomStream stream(2024, 1);
    std::vector<mvae::Interaction> p(pairs);
    for (std::size_t e = 0; e < pairs; ++e)
        p[e] = {mvae::index_t(stream.bits(2 * e) % std::uint32_t(n_users)),
                mvae::index_t(stream.bits(2 * e + 1) % std::uint32_t(n_items))};
    return mvae::InteractionMatrix(n_users, n_items, p);
}

/// The batch sizes of one pass over `rows` rows (the last batch holds the remainder).
inline std::vector<mvae::index_t> batch_sizes(mvae::index_t rows, mvae::index_t batch) {
    std::vector<mvae::index_t> out;
    for (mvae::index_t first = 0; first < rows; first += batch) out.push_back(std::min(batch, rows - first));
    return out;
}

template <mvae::Device D>
class EpochGemms {
public:
    EpochGemms(mvae::index_t n_users, mvae::index_t n_items, const mvae::MvaeOptions& o, mvae::Backend<D> be = {})
        : users_(n_users), items_(n_items), o_(o), be_(be) {
        const mvae::index_t widest = std::max(n_users, n_items);
        const mvae::index_t narrow = std::max({o.vae.hidden1, o.vae.hidden2, o.vae.latent, o.rank});
        const mvae::index_t short_side = std::max(narrow, o.batch_size);
        x_.resize(o.batch_size, widest), y_.resize(o.batch_size, widest);
        tall_.resize(widest, short_side), wide_.resize(short_side, widest), dw_.resize(widest, narrow);
        for (auto* m : {&x_, &y_, &tall_, &wide_, &dw_}) be_.fill(m->view(), 0.01f);  // constants: no denormals, no NaN
    }

    /// Runs one epoch's GEMMs and returns the seconds they took (the device synchronised).
    double run() {
        const auto t0 = std::chrono::steady_clock::now();
        const auto users = batch_sizes(users_, o_.batch_size), items = batch_sizes(items_, o_.batch_size);
        if (o_.schedule == mvae::Schedule::Paired) {
            for (mvae::index_t bu : users)
                for (mvae::index_t bi : items) step(bu, items_), step(bi, users_);
        } else {
            for (mvae::index_t bu : users) step(bu, items_);
            for (mvae::index_t bi : items) step(bi, users_);
        }
        be_.synchronize();
        counting_ = false;
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }

    /// The FLOPs of one epoch's GEMMs (known after the first run()).
    [[nodiscard]] double flops() const noexcept { return flops_; }

private:
    void gemm(mvae::Op op_a, mvae::Op op_b, mvae::index_t m, mvae::index_t n, mvae::index_t k) {
        using mvae::Op;
        const auto a = op_a == Op::N ? x_.cview().row_block(0, m).col_block(0, k) : x_.cview().row_block(0, k).col_block(0, m);
        const mvae::index_t b_rows = op_b == Op::N ? k : n, b_cols = op_b == Op::N ? n : k;
        const auto& w = b_cols <= tall_.cols() ? tall_ : wide_;  // the operand W is tall or wide
        const auto b = w.cview().row_block(0, b_rows).col_block(0, b_cols);
        // Products of at most B rows go to y_ (B × widest), the tall weight gradient of the first
        // layer (cols × hidden) to dw_.
        auto& c = m <= y_.rows() ? y_ : dw_;
        be_.gemm(op_a, op_b, 1.0f, a, b, 0.0f, c.view().row_block(0, m).col_block(0, n));
        if (counting_) flops_ += 2.0 * double(m) * double(n) * double(k);
    }

    void step(mvae::index_t batch, mvae::index_t cols) {
        using mvae::Op;
        if (o_.rank > 0) gemm(Op::N, Op::T, batch, cols, o_.rank);  // the batch of R′: gathered factors · factorsᵀ
        const auto& c = o_.vae;
        const mvae::index_t layers[7][2] = {{cols, c.hidden1},     {c.hidden1, c.hidden2}, {c.hidden2, c.latent},
                                            {c.hidden2, c.latent}, {c.latent, c.hidden2},  {c.hidden2, c.hidden1},
                                            {c.hidden1, cols}};
        for (int l = 0; l < 7; ++l) {
            const mvae::index_t in = layers[l][0], out = layers[l][1];
            gemm(Op::N, Op::N, batch, out, in);              // forward
            gemm(Op::T, Op::N, in, out, batch);              // weight gradient
            if (l != 0) gemm(Op::N, Op::T, batch, in, out);  // input gradient
        }
    }

    mvae::index_t users_, items_;
    mvae::MvaeOptions o_;
    mvae::Backend<D> be_;
    mvae::Matrix<float, D> x_, y_, tall_, wide_, dw_;
    double flops_ = 0;
    bool counting_ = true;
};

}  // namespace mvae_bench
