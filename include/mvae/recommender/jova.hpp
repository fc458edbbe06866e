// mvae/recommender/jova.hpp — JoVA-Hinge (Askari, Szlichta, Salehi-Abari, "Variational Autoencoders for
// Top-N Recommendation with Implicit Feedback", SIGIR 2021) as a baseline beside MVAE: a user-side
// and an item-side VAE over the observed 0/1 matrix, trained together block by block (users ×
// items submatrices of 1500 × 1500), with a pairwise hinge term on their averaged prediction.
//
// It is the MVAE pipeline with other policies: no completion, no masks, the decoders reconstruct
// R, the paired schedule, JoVA's KL convention (0.02 · KL) and sigmoid second encoder layer, and
// the hinge term (training/pairwise_hinge.hpp: margin 0.15, one negative per observed pair of a block).
// Like every model here its output biases start at the data's log-odds (see
// ../shared/notes/yelp-measurements.md: without that the VAEs can stall at the popularity ranking).
#pragma once

#include <cstdint>

#include "mvae/recommender/mvae_model.hpp"

namespace mvae {

/// JoVA-Hinge's settings; the defaults follow the JoVA reference code and the MVAE paper's shared
/// settings (320-320-80, Adam 0.003, batch 1500, α = 0.5, margin 0.15).
struct JovaOptions {
    index_t hidden = 320;
    index_t latent = 80;
    double hinge_weight = 1.0;  ///< weight of the hinge term (0: plain JoVA)
    double margin = 0.15;
    double alpha = 0.5;         ///< weight of the user side in the combined prediction
    index_t epochs = 200;       ///< paired epochs: each is ⌈#items/batch⌉ uVAE and ⌈#users/batch⌉ iVAE passes
    index_t batch_size = 1500;
    double learning_rate = 0.003;
    std::uint64_t seed = 0;

    /// The pipeline settings that, with no completion, make an MvaeModel JoVA-Hinge.
    [[nodiscard]] MvaeOptions pipeline() const {
        MvaeOptions o = vae_preset(hidden, latent, epochs, batch_size, learning_rate, seed);
        o.sides = DualSides::Both;
        o.alpha = alpha;
        o.target = ReconstructionTarget::Observed;
        o.schedule = Schedule::Paired;
        o.mask_ratio = 0.0;
        o.vae.encoder2 = Activation::Sigmoid;
        o.vae.kl_convention = KlConvention::JoVA;
        o.hinge_weight = hinge_weight;
        o.hinge_margin = margin;
        return o;
    }
};

/**
 * A JoVA-Hinge recommender: MvaeModel<S, D, NoCompletion> built from JovaOptions.
 *
 * @code
 * mvae::Jova<> model({.epochs = 5});
 * model.fit(train);
 * @endcode
 */
template <Real S = float, Device D = Cpu>
class Jova : public MvaeModel<S, D, NoCompletion> {
public:
    using Base = MvaeModel<S, D, NoCompletion>;
    explicit Jova(const JovaOptions& options = {}, Backend<D> backend = {}) : Base(options.pipeline(), std::move(backend)) {}
    /// A JoVA model saved by save() (Base::load under this name).
    [[nodiscard]] static Jova load(const std::filesystem::path& file, Backend<D> backend = {}) {
        return Jova(Base::load(file, std::move(backend)));
    }

private:
    explicit Jova(Base&& loaded) : Base(std::move(loaded)) {}
};

}  // namespace mvae
