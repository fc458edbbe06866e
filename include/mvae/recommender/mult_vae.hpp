// mvae/recommender/mult_vae.hpp — Mult-VAE (Liang et al., "Variational Autoencoders for Collaborative
// Filtering", WWW 2018) as a baseline beside MVAE: one user-side VAE over the observed 0/1 rows,
// multinomial likelihood, L2-normalised input with dropout, KL annealing to β_max.
//
// It is the MVAE pipeline with other policies, not a copy of it: no completion, the uVAE only, the
// multinomial likelihood (nn/multinomial_log_likelihood.hpp), input normalisation in the encoder
// and the trainer's KL annealing. Differences from the reference code, all small: our encoder and
// decoder have two hidden layers (I → 600 → 600 → 200 and back) where Liang et al. have one
// (I → 600 → 200); dropout is the stochastic masker (each row loses `dropout` of its entries,
// exactly, rather than each entry independently), applied before the normalisation so training
// and scoring inputs both have unit norm; the output bias starts at the items' log frequencies.
#pragma once

#include <cstdint>

#include "mvae/recommender/mvae_model.hpp"

namespace mvae {

/// Mult-VAE's settings; the defaults are Liang et al.'s (batch 500, Adam 1e-3, β annealed by
/// 1/200,000 per step up to 0.2, dropout 0.5, 600 hidden units, latent 200, tanh).
struct MultVaeOptions {
    index_t hidden = 600;
    index_t latent = 200;
    double dropout = 0.5;           ///< share of each input row's entries zeroed in training
    double beta_max = 0.2;          ///< the cap of the annealed KL weight
    index_t anneal_steps = 200000;  ///< β(step) = min(β_max, step / anneal_steps)
    index_t epochs = 200;
    index_t batch_size = 500;
    double learning_rate = 1e-3;
    std::uint64_t seed = 0;

    /// The pipeline settings that, with no completion and the multinomial likelihood, make an
    /// MvaeModel a Mult-VAE.
    [[nodiscard]] MvaeOptions pipeline() const {
        MvaeOptions o = vae_preset(hidden, latent, epochs, batch_size, learning_rate, seed);
        o.sides = DualSides::UserOnly;
        o.target = ReconstructionTarget::Observed;
        o.vae.normalize_input = true;
        o.vae.beta = beta_max;
        o.kl_anneal_steps = anneal_steps;
        o.mask_ratio = dropout;
        return o;
    }
};

/**
 * A Mult-VAE recommender: MvaeModel<S, D, NoCompletion, MultinomialLikelihood> built from
 * MultVaeOptions (fit, score, recommend, recommend_for_history, save, load).
 *
 * @code
 * mvae::MultVae<> model({.epochs = 50});
 * model.fit(train);
 * auto top = model.recommend(user, 10);
 * @endcode
 */
template <Real S = float, Device D = Cpu>
class MultVae : public MvaeModel<S, D, NoCompletion, MultinomialLikelihood> {
public:
    using Base = MvaeModel<S, D, NoCompletion, MultinomialLikelihood>;
    explicit MultVae(const MultVaeOptions& options = {}, Backend<D> backend = {}) : Base(options.pipeline(), std::move(backend)) {}
    /// A Mult-VAE saved by save() (Base::load under this name).
    [[nodiscard]] static MultVae load(const std::filesystem::path& file, Backend<D> backend = {}) {
        return MultVae(Base::load(file, std::move(backend)));
    }

private:
    explicit MultVae(Base&& loaded) : Base(std::move(loaded)) {}
};

}  // namespace mvae
