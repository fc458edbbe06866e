// mvae/model/dual_vae.hpp — the user-side and the item-side VAE of MVAE, and their combined scores.
//
// The uVAE reconstructs rows of R′ (a user's row over all items), the iVAE columns of R′ (an item's
// row of R′ᵀ over all users). Scores are R̂ = α · σ(uVAE) + (1 − α) · σ(iVAE)ᵀ (Eq. 7) with z = μ,
// or the z-score fusion of model/fusion.hpp.
// Scoring never forms the users × items matrix: a block of users gets the uVAE's rows directly,
// and the iVAE's columns for those users from the item side's last hidden layer (items × hidden,
// computed once per model state by prepare_scoring) times the matching columns of its output layer.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/model/fusion.hpp"
#include "mvae/model/variational_autoencoder.hpp"
#include "mvae/data/row_source.hpp"

namespace mvae {

namespace detail {

/// α σ(u) + (1 − α) σ(i) of a user-side and an item-side logit (a namespace-scope kernel functor,
/// see mvae/model/variational_autoencoder.hpp).
template <Real S>
struct BlendSigmoids {
    S alpha;
    MVAE_HOST_DEVICE S operator()(S user_logit, S item_logit) const noexcept {
        return alpha * stable_sigmoid(user_logit) + (S(1) - alpha) * stable_sigmoid(item_logit);
    }
};

/// x ↦ c · x.
template <Real S>
struct ScaledBy {
    S c;
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return c * x; }
};

template <Real S>
struct SubtractValues {
    MVAE_HOST_DEVICE S operator()(S a, S b) const noexcept { return a - b; }
};

/// A row's sum of squared deviations s over n entries ↦ 1/√(s/n), and 0 for a constant row.
template <Real S>
struct InverseStd {
    S n;
    MVAE_HOST_DEVICE S operator()(S s) const noexcept { return s > S(0) ? S(1) / std::sqrt(s / n) : S(0); }
};

/// σ(α zu + (1 − α) zi) of two standardised logits.
template <Real S>
struct BlendStandardised {
    S alpha;
    MVAE_HOST_DEVICE S operator()(S zu, S zi) const noexcept { return stable_sigmoid(alpha * zu + (S(1) - alpha) * zi); }
};

}  // namespace detail

/// Which VAEs a DualVAE has: both (MVAE), or one of them (the paper's Fig. 2 ablations).
enum class DualSides { Both, UserOnly, ItemOnly };

[[nodiscard]] inline const char* to_string(DualSides s) noexcept {
    switch (s) {
        case DualSides::Both: return "both";
        case DualSides::UserOnly: return "user";
        case DualSides::ItemOnly: return "item";
    }
    return "?";
}

/// The shape of a DualVAE: each side's VaeConfig (input_dim is set from the data) and α.
struct DualVaeConfig {
    VaeConfig user;           ///< the uVAE; input_dim = #items
    VaeConfig item;           ///< the iVAE; input_dim = #users
    double alpha = 0.5;       ///< weight of the uVAE in the scores, in [0, 1] (used when both sides exist)
    Fusion fusion = Fusion::Probability;  ///< how the two sides' scores are fused (model/fusion.hpp)
    DualSides sides = DualSides::Both;

    void validate() const {
        require_argument(alpha >= 0.0 && alpha <= 1.0, "DualVaeConfig::alpha must be in [0, 1], got ", alpha);
    }
};

/**
 * A uVAE and an iVAE over an n_users × n_items matrix.
 *
 * @tparam S float or double. @tparam D the device.
 * @tparam Likelihood both VAEs' decoder likelihood (mvae/nn/likelihood.hpp): BernoulliLikelihood
 *         (MVAE, JoVA; the default) or MultinomialLikelihood (Mult-VAE).
 *
 * @code
 * mvae::DualVAE<float, mvae::Cpu> model(n_users, n_items, config);
 * model.prepare_scoring(item_rows);              // after training, before scoring
 * model.score(user_rows, first_user, count, out);  // out: count × n_items
 * @endcode
 */
template <Real S, Device D, class Likelihood = BernoulliLikelihood>
    requires LikelihoodPolicy<Likelihood, S, D>
class DualVAE {
public:
    using View = MatrixView<S, D>;
    using ConstView = MatrixView<const S, D>;
    using likelihood_type = Likelihood;
    using Vae = VariationalAutoencoder<S, D, Likelihood>;  ///< the type of each side

    DualVAE(index_t n_users, index_t n_items, DualVaeConfig config, Backend<D> backend = {})
        : config_((config.validate(), std::move(config))), backend_(backend), n_users_(n_users), n_items_(n_items) {
        require_argument(n_users >= 1 && n_items >= 1, "DualVAE: the matrix must be at least 1 x 1, got ", n_users,
                         " x ", n_items);
        config_.user.input_dim = n_items;
        config_.item.input_dim = n_users;
        if (config_.sides != DualSides::ItemOnly) user_.emplace(config_.user, backend_);
        if (config_.sides != DualSides::UserOnly) item_.emplace(config_.item, backend_);
    }

    [[nodiscard]] const DualVaeConfig& config() const noexcept { return config_; }
    [[nodiscard]] index_t n_users() const noexcept { return n_users_; }
    [[nodiscard]] index_t n_items() const noexcept { return n_items_; }
    [[nodiscard]] bool has_user_side() const noexcept { return user_.has_value(); }
    [[nodiscard]] bool has_item_side() const noexcept { return item_.has_value(); }

    /// The uVAE; throws ArgumentError when the model has no user side.
    [[nodiscard]] Vae& user_vae() { return side(user_, "user"); }
    [[nodiscard]] const Vae& user_vae() const { return side(user_, "user"); }
    /// The iVAE; throws ArgumentError when the model has no item side.
    [[nodiscard]] Vae& item_vae() { return side(item_, "item"); }
    [[nodiscard]] const Vae& item_vae() const { return side(item_, "item"); }

    /// Computes the item side's hidden layer for every item from `item_rows` (the rows of R′ᵀ), in
    /// batches of `batch` items. Call after training and before score(); training invalidates it.
    template <class ItemSrc>
        requires RowSource<ItemSrc, S, D>
    void prepare_scoring(const ItemSrc& item_rows, index_t batch = 1024) {
        prepared_ = true;
        if (!item_) return;
        require_shape(item_rows.rows() == n_items_ && item_rows.cols() == n_users_, "DualVAE::prepare_scoring: item rows are ",
                      item_rows.rows(), " x ", item_rows.cols(), ", expected ", n_items_, " x ", n_users_);
        item_hidden_.resize(n_items_, config_.item.hidden1);
        std::vector<index_t> ids;
        Matrix<S, D> input;
        for (index_t first = 0; first < n_items_; first += batch) {
            const index_t count = std::min(batch, n_items_ - first);
            ids.resize(std::size_t(count));
            for (index_t k = 0; k < count; ++k) ids[std::size_t(k)] = first + k;
            input.resize(count, n_users_);
            item_rows.fill(backend_, ids, input.view());
            item_->predict_hidden(input.cview(), item_hidden_.view().row_block(first, count));
        }
    }

    /// Marks the item-side cache stale (after a training step).
    void invalidate_scoring() noexcept { prepared_ = false; }

    /// The weight of the uVAE and the fusion rule of score().
    [[nodiscard]] ScoreMix mix() const noexcept { return {config_.alpha, config_.fusion}; }
    /// Sets them; the item-side cache stays valid (it does not depend on the mix).
    void set_mix(const ScoreMix& mix) {
        mix.validate();
        config_.alpha = mix.alpha;
        config_.fusion = mix.fusion;
    }

    /**
     * out (count × n_items) ← R̂ for users [first_user, first_user + count): α · σ(uVAE(rows)) +
     * (1 − α) · σ(iVAE)ᵀ, or one side alone. `user_rows` gives the uVAE's input rows (R′).
     */
    template <class UserSrc>
        requires RowSource<UserSrc, S, D>
    void score(const UserSrc& user_rows, index_t first_user, index_t count, View out) {
        require_argument(prepared_, "DualVAE::score: call prepare_scoring() after training and before scoring");
        require_shape(first_user >= 0 && count >= 0 && first_user + count <= n_users_, "DualVAE::score: users [",
                      first_user, ", ", first_user + count, ") of ", n_users_);
        require_shape(out.rows() == count && out.cols() == n_items_, "DualVAE::score: output is ", out.rows(), " x ",
                      out.cols(), ", expected ", count, " x ", n_items_);
        if (count == 0) return;
        if (item_) {
            item_->output_logits_transposed(item_hidden_.cview(), first_user, count, out);
            if (!user_) {
                backend_.map(out, act::ValueOf<act::Sigmoid>{}, ConstView(out));
                return;
            }
        }
        ids_.resize(std::size_t(count));
        for (index_t k = 0; k < count; ++k) ids_[std::size_t(k)] = first_user + k;
        user_input_.resize(count, n_items_);
        user_rows.fill(backend_, ids_, user_input_.view());
        if (!item_) {
            user_->predict(user_input_.cview(), out);
            return;
        }
        user_logits_.resize(count, n_items_);
        user_->predict_logits(user_input_.cview(), user_logits_.view());
        if (config_.fusion == Fusion::ZScore) {
            standardise_rows(user_logits_.view());
            standardise_rows(out);
            backend_.map(out, detail::BlendStandardised<S>{S(config_.alpha)}, ConstView(user_logits_.view()), ConstView(out));
            return;
        }
        backend_.map(out, detail::BlendSigmoids<S>{S(config_.alpha)}, ConstView(user_logits_.view()), ConstView(out));
    }

private:
    // Each row of x ← (x − its mean) / its standard deviation (two passes: the centred squares).
    void standardise_rows(View x) {
        const index_t n = x.cols();
        row_stats_.resize(x.rows());
        const auto stats = row_stats_.view();
        backend_.reduce_rows(stats, detail::ScaledBy<S>{S(1) / S(n)}, ConstView(x));
        backend_.map_broadcast_col(x, detail::SubtractValues<S>{}, ConstView(x), VectorView<const S, D>(stats));
        backend_.reduce_rows(stats, detail::SquareOf<S>{}, ConstView(x));
        backend_.map(stats, detail::InverseStd<S>{S(n)}, VectorView<const S, D>(stats));
        backend_.map_broadcast_col(x, detail::MultiplyValues<S>{}, ConstView(x), VectorView<const S, D>(stats));
    }

    template <class Opt>
    static auto& side(Opt& vae, const char* which) {
        require_argument(vae.has_value(), "DualVAE: this model has no ", which, " side");
        return *vae;
    }

    DualVaeConfig config_;
    Backend<D> backend_;
    index_t n_users_;
    index_t n_items_;
    std::optional<Vae> user_;
    std::optional<Vae> item_;
    bool prepared_ = false;
    Matrix<S, D> item_hidden_;
    Matrix<S, D> user_input_, user_logits_;
    Vector<S, D> row_stats_;
    std::vector<index_t> ids_;
};

}  // namespace mvae
