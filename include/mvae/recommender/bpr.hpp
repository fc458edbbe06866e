// mvae/recommender/bpr.hpp — BPR matrix factorisation (Rendle et al., "BPR: Bayesian Personalized
// Ranking from Implicit Feedback", UAI 2009), with hand-derived gradients.
//
// Score s(u, i) = p_u·q_i + b_i. For a sampled triple (u, i, j) — i a training item of u, j an item
// u has not interacted with — x = s(u, i) − s(u, j) and the triple's loss is
//   ℓ = −log σ(x) + (λ/2)(‖p_u‖² + ‖q_i‖² + ‖q_j‖² + b_i² + b_j²).
// With g = ∂(−log σ(x))/∂x = −σ(−x):
//   ∂ℓ/∂p_u = g (q_i − q_j) + λ p_u,  ∂ℓ/∂q_i = g p_u + λ q_i,  ∂ℓ/∂q_j = −g p_u + λ q_j,
//   ∂ℓ/∂b_i = g + λ b_i,              ∂ℓ/∂b_j = −g + λ b_j.
// Training is plain SGD over nnz(R) triples per epoch, positives drawn uniformly from R's pairs and
// negatives uniformly from the items outside the user's row (rejection), all from one Philox
// stream keyed by (seed, epoch): sequential, so a seed gives the same model on any thread count.
// tests/model/test_bpr.cpp checks the gradients by finite differences.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "mvae/core/device.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/option_table.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/random/random_cursor.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

struct BprOptions {
    index_t factors = 64;          ///< k, ≥ 1
    index_t epochs = 50;           ///< passes of nnz(R) sampled triples, ≥ 0
    double learning_rate = 0.05;   ///< SGD step, > 0
    double lambda = 1e-4;          ///< L2 weight λ, ≥ 0
    double init_scale = 0.1;       ///< factors start N(0, init_scale²); biases at 0
    std::uint64_t seed = 0;

    /// Throws ArgumentError naming the first invalid field and its value.
    void validate() const {
        require_argument(factors >= 1, "BprOptions::factors must be >= 1, got ", factors);
        require_argument(epochs >= 0, "BprOptions::epochs must be >= 0, got ", epochs);
        require_argument(std::isfinite(learning_rate) && learning_rate > 0,
                         "BprOptions::learning_rate must be a finite number > 0, got ", learning_rate);
        require_argument(std::isfinite(lambda) && lambda >= 0, "BprOptions::lambda must be >= 0, got ", lambda);
        require_argument(std::isfinite(init_scale) && init_scale >= 0, "BprOptions::init_scale must be >= 0, got ",
                         init_scale);
    }
};

/// BprOptions by name (registry overrides, `mvae train --bpr-…`).
[[nodiscard]] inline const OptionTable<BprOptions>& bpr_option_table() {
    static const OptionTable<BprOptions> table = [] {
        OptionTable<BprOptions> t;
        t.number("bpr_factors", "bpr-factors", [](auto& o) -> auto& { return o.factors; }, "With --model bpr: factors k")
            .number("bpr_epochs", "bpr-epochs", [](auto& o) -> auto& { return o.epochs; },
                    "With --model bpr: epochs of nnz(R) sampled triples")
            .number("bpr_lr", "bpr-lr", [](auto& o) -> auto& { return o.learning_rate; }, "With --model bpr: SGD learning rate")
            .number("bpr_lambda", "bpr-lambda", [](auto& o) -> auto& { return o.lambda; }, "With --model bpr: L2 weight")
            .number("bpr_init_scale", "", [](auto& o) -> auto& { return o.init_scale; }, "Standard deviation of the initial factors")
            .number("seed", "", [](auto& o) -> auto& { return o.seed; }, "Seed of the sampling and the initial factors");
        return t;
    }();
    return table;
}

/// One (user, positive item, negative item) triple.
struct BprTriple {
    index_t user, positive, negative;
};

/**
 * BPR-MF. fit() trains; score() follows the evaluator's score-provider convention.
 *
 * @code
 * mvae::Bpr bpr({.factors = 64, .epochs = 50});
 * bpr.fit(train, [](mvae::index_t epoch, double loss) { std::printf("%d %.4f\n", epoch, loss); });
 * bpr.score(first_user, count, out);
 * @endcode
 */
class Bpr {
public:
    using Factors = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

    explicit Bpr(BprOptions options = {}) : options_((options.validate(), options)) {}

    [[nodiscard]] const BprOptions& options() const noexcept { return options_; }
    [[nodiscard]] const Factors& user_factors() const noexcept { return p_; }
    [[nodiscard]] const Factors& item_factors() const noexcept { return q_; }
    [[nodiscard]] const Eigen::VectorXd& item_bias() const noexcept { return b_; }

    /// Starts the factors N(0, init_scale²) from the seed and the biases at 0, for an
    /// n_users × n_items matrix.
    void initialize(index_t n_users, index_t n_items) {
        require_argument(n_users >= 1 && n_items >= 2, "Bpr: needs at least 1 user and 2 items, got ", n_users,
                         " x ", n_items);
        const index_t k = options_.factors;
        p_.resize(n_users, k);
        q_.resize(n_items, k);
        b_ = Eigen::VectorXd::Zero(n_items);
        pu_.resize(k);
        diff_.resize(k);
        const RandomStream stream(options_.seed, stream_id(kInitPurpose));
        for (index_t u = 0; u < n_users; ++u)
            for (index_t f = 0; f < k; ++f)
                p_(u, f) = options_.init_scale * stream.normal<double>(std::uint64_t(u) * std::uint64_t(k) + std::uint64_t(f));
        const std::uint64_t offset = std::uint64_t(n_users) * std::uint64_t(k);
        for (index_t i = 0; i < n_items; ++i)
            for (index_t f = 0; f < k; ++f)
                q_(i, f) = options_.init_scale *
                           stream.normal<double>(offset + std::uint64_t(i) * std::uint64_t(k) + std::uint64_t(f));
    }

    /// The summed loss of `triples` (log-sigmoid terms and the L2 terms of each triple's rows).
    [[nodiscard]] double loss(std::span<const BprTriple> triples) const {
        double total = 0;
        for (const BprTriple& t : triples) {
            const double x = difference(t);
            total += softplus(-x) + 0.5 * options_.lambda * regulariser(t);
        }
        return total;
    }

    /**
     * ASSIGNS the gradient of loss(triples) into dp (n_users × k), dq (n_items × k), db (n_items):
     * the formulas of the file comment, summed over the triples.
     */
    void gradient(std::span<const BprTriple> triples, Factors& dp, Factors& dq, Eigen::VectorXd& db) const {
        dp = Factors::Zero(p_.rows(), p_.cols());
        dq = Factors::Zero(q_.rows(), q_.cols());
        db = Eigen::VectorXd::Zero(b_.size());
        const double lambda = options_.lambda;
        for (const BprTriple& t : triples) {
            const double g = -sigmoid(-difference(t));
            dp.row(t.user) += g * (q_.row(t.positive) - q_.row(t.negative)) + lambda * p_.row(t.user);
            dq.row(t.positive) += g * p_.row(t.user) + lambda * q_.row(t.positive);
            dq.row(t.negative) += -g * p_.row(t.user) + lambda * q_.row(t.negative);
            db(t.positive) += g + lambda * b_(t.positive);
            db(t.negative) += -g + lambda * b_(t.negative);
        }
    }

    /// Trains on `train` (kept by pointer for scoring: it must outlive the model). Users without
    /// items are never sampled.
    void fit(const InteractionMatrix& train) {
        fit(train, [](index_t, double) {});
    }

    /// fit() calling on_epoch(epoch, mean triple loss) after each epoch.
    template <class OnEpoch>
    void fit(const InteractionMatrix& train, OnEpoch on_epoch) {
        require_argument(train.nnz() > 0, "Bpr::fit: the training matrix has no interactions");
        initialize(train.n_users(), train.n_items());
        train_ = &train;
        const auto offsets = train.user_offsets();
        const auto items = train.user_items();
        const offset_t nnz = train.nnz();
        for (index_t epoch = 0; epoch < options_.epochs; ++epoch) {
            RandomCursor cursor(RandomStream(options_.seed, stream_id(kEpochPurpose, std::uint64_t(epoch))));
            double total = 0;
            for (offset_t s = 0; s < nnz; ++s) {
                // A pair of R uniformly: an entry of the CSR arrays, its user by binary search.
                const offset_t e = offset_t(uniform_below(cursor, std::uint64_t(nnz)));
                const auto user = index_t(std::upper_bound(offsets.begin(), offsets.end(), e) - offsets.begin() - 1);
                const auto row = train.items_of(user);
                if (index_t(row.size()) == train.n_items()) continue;  // no negative exists for this user
                index_t negative;
                do negative = index_t(cursor.below(std::uint32_t(train.n_items())));
                while (std::binary_search(row.begin(), row.end(), negative));
                total += step({user, items[std::size_t(e)], negative});
            }
            on_epoch(epoch + 1, total / double(nnz));
        }
    }

    /// out(r, i) ← p_u·q_i + b_i for users u = first_user + r. Throws Error before fit,
    /// ArgumentError for users outside [0, n_users), ShapeError unless out is count × n_items.
    template <Real S>
    void score(index_t first_user, index_t count, MatrixView<S, Cpu> out) const {
        if (train_ == nullptr) throw Error("Bpr::score called before fit");
        require_argument(first_user >= 0 && count >= 0 && first_user <= index_t(p_.rows()) - count, "Bpr::score: users [",
                         first_user, ", ", first_user + count, ") are outside [0, ", p_.rows(), ")");
        require_shape(out.rows() == count && out.cols() == index_t(q_.rows()), "Bpr::score: out must be ", count, " x ",
                      q_.rows(), ", got ", out.rows(), " x ", out.cols());
        parallel_for(0, count, [&](index_t r) {
            const auto pu = p_.row(first_user + r);
            S* row = out.row(r);
            for (index_t i = 0; i < index_t(q_.rows()); ++i) row[i] = S(pu.dot(q_.row(i)) + b_(i));
        });
    }

private:
    static constexpr std::uint64_t kInitPurpose = 0x627072696E6974ull;  // "bprinit"
    static constexpr std::uint64_t kEpochPurpose = 0x62707265706F63ull; // "bprepoc"

    static double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }
    static double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

    /// An integer uniform on [0, n) for n up to 2^64 from two words (n ≤ 2^32 uses one exact draw).
    static std::uint64_t uniform_below(RandomCursor& cursor, std::uint64_t n) {
        if (n <= 0xFFFFFFFFull) return cursor.below(std::uint32_t(n));
        const std::uint64_t high = cursor.next(), low = cursor.next();
        return ((high << 32) | low) % n;  // n > 2^32 pairs: the bias is below n / 2^64
    }

    [[nodiscard]] double difference(const BprTriple& t) const {
        return p_.row(t.user).dot(q_.row(t.positive) - q_.row(t.negative)) + b_(t.positive) - b_(t.negative);
    }
    [[nodiscard]] double regulariser(const BprTriple& t) const {
        return p_.row(t.user).squaredNorm() + q_.row(t.positive).squaredNorm() + q_.row(t.negative).squaredNorm() +
               b_(t.positive) * b_(t.positive) + b_(t.negative) * b_(t.negative);
    }

    /// One SGD step on one triple; returns its log-sigmoid loss before the step.
    double step(const BprTriple& t) {
        const double x = difference(t);
        const double g = -sigmoid(-x);
        const double lr = options_.learning_rate, lambda = options_.lambda;
        pu_ = p_.row(t.user);  // workspaces sized once: no allocation per step
        diff_ = q_.row(t.positive) - q_.row(t.negative);
        p_.row(t.user) -= lr * (g * diff_ + lambda * pu_);
        q_.row(t.positive) -= lr * (g * pu_ + lambda * q_.row(t.positive));
        q_.row(t.negative) -= lr * (-g * pu_ + lambda * q_.row(t.negative));
        b_(t.positive) -= lr * (g + lambda * b_(t.positive));
        b_(t.negative) -= lr * (-g + lambda * b_(t.negative));
        return softplus(-x);
    }

    BprOptions options_;
    Factors p_, q_;
    Eigen::VectorXd b_;
    Eigen::RowVectorXd pu_, diff_;  ///< step() workspaces
    const InteractionMatrix* train_ = nullptr;
};

}  // namespace mvae
