// mvae/model/mvae_options.hpp — every setting of the MVAE pipeline (completion → masking → DualVAE),
// with the paper's values as defaults and the switches of its ablations.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "mvae/core/error.hpp"
#include "mvae/model/dual_vae.hpp"
#include "mvae/model/vae_config.hpp"
#include "mvae/optim/adam.hpp"
#include "mvae/training/dual_trainer.hpp"

namespace mvae {

/// How R is completed into the pseudo-matrix R′.
enum class CompletionKind {
    None,  ///< R′ = R (the JoVA setting)
    Svd,   ///< rank-k truncated SVD (the paper's)
    Als,   ///< weighted alternating least squares (Eq. 2 with unobserved entries weighted by w0)
};

[[nodiscard]] inline const char* to_string(CompletionKind c) noexcept {
    switch (c) {
        case CompletionKind::None: return "none";
        case CompletionKind::Svd: return "svd";
        case CompletionKind::Als: return "als";
    }
    return "?";
}

[[nodiscard]] inline CompletionKind parse_completion(std::string_view name) {
    if (name == "none") return CompletionKind::None;
    if (name == "svd") return CompletionKind::Svd;
    if (name == "als") return CompletionKind::Als;
    throw ArgumentError(detail::error_message("unknown completion '", name, "' (expected svd, als or none)"));
}

/// What each VAE's decoder reconstructs.
enum class ReconstructionTarget {
    Completed,  ///< the unmasked completed rows R′ (the input before masking)
    Observed,   ///< the observed 0/1 rows of R
};

[[nodiscard]] inline const char* to_string(ReconstructionTarget t) noexcept {
    return t == ReconstructionTarget::Completed ? "completed" : "observed";
}

[[nodiscard]] inline ReconstructionTarget parse_target(std::string_view name) {
    if (name == "completed") return ReconstructionTarget::Completed;
    if (name == "observed") return ReconstructionTarget::Observed;
    throw ArgumentError(detail::error_message("unknown reconstruction target '", name, "' (expected completed or observed)"));
}

[[nodiscard]] inline DualSides parse_sides(std::string_view name) {
    if (name == "mvae" || name == "dual" || name == "both") return DualSides::Both;
    if (name == "uvae" || name == "user") return DualSides::UserOnly;
    if (name == "ivae" || name == "item") return DualSides::ItemOnly;
    throw ArgumentError(detail::error_message("unknown model '", name, "' (expected mvae, uvae or ivae)"));
}

/**
 * The MVAE pipeline's settings. Defaults follow the paper (section V-C): ρ = 4% masks, 320-320-80
 * tanh VAEs, β = 0.15, α = 0.5, Adam 0.003, batch 1500, 200 epochs; plus the output-bias
 * initialisation that the paper does not mention but that decides whether training leaves the
 * popularity ranking. The completion is the paper's Eq. 2 factorisation (weighted ALS, rank 50),
 * chosen over its rank-50 SVD on Yelp's validation split (NDCG@10 0.0501 vs 0.0475; none: 0.0464);
 * both are in docs/results.md.
 */
struct MvaeOptions {
    // --- completion ---
    CompletionKind completion = CompletionKind::Als;
    index_t rank = 50;               ///< k of the factorisation
    bool clamp = true;               ///< clamp completed values to [0, 1]
    index_t svd_power_iterations = 2;
    double als_lambda = 1.0;         ///< ALS ridge weight
    double als_unobserved_weight = 0.1;   ///< w0: weight of the unobserved entries in ALS, in (0, 1]
    index_t als_iterations = 10;

    // --- model ---
    DualSides sides = DualSides::Both;
    double alpha = 0.5;
    VaeConfig vae;                   ///< both sides' shape and loss (input_dim is set from the data)
    ReconstructionTarget target = ReconstructionTarget::Completed;

    // --- training ---
    Schedule schedule = Schedule::Independent;
    double mask_ratio = 0.04;        ///< ρ: share of each input batch's entries set to 0
    index_t epochs = 200;
    index_t batch_size = 1500;
    AdamOptions adam;
    bool output_bias_from_data = true;
    std::uint64_t seed = 0;
    index_t pass_rows = 0;           ///< rows per forward/backward pass (0: from workspace_mib), VaeTrainOptions
    double workspace_mib = 64;       ///< per side: the step's rows × cols workspaces, VaeTrainOptions
    bool low_rank_input = false;     ///< encoders read the unclamped R′ as low rank + sparse, VaeTrainOptions
    index_t kl_anneal_steps = 0;     ///< β(step) = min(vae.beta, step / T) (Mult-VAE); 0: constant β
    /// JoVA's pairwise hinge term on each block's combined prediction (needs both sides and the
    /// paired schedule): weight w (0: none) and margin m. See nn/pairwise_hinge.hpp.
    double hinge_weight = 0;
    double hinge_margin = 0.15;

    /// Throws ArgumentError naming the first invalid setting and its value.
    void validate() const {
        require_argument(rank >= 1, "rank must be >= 1, got ", rank);
        require_argument(svd_power_iterations >= 0, "svd power iterations must be >= 0, got ", svd_power_iterations);
        require_argument(std::isfinite(als_lambda) && als_lambda >= 0, "ALS lambda must be >= 0, got ", als_lambda);
        require_argument(als_unobserved_weight > 0 && als_unobserved_weight <= 1,
                         "ALS unobserved weight w0 must be in (0, 1], got ", als_unobserved_weight);
        require_argument(als_iterations >= 1, "ALS iterations must be >= 1, got ", als_iterations);
        require_argument(alpha >= 0 && alpha <= 1, "alpha must be in [0, 1], got ", alpha);
        require_argument(mask_ratio >= 0 && mask_ratio <= 1, "mask ratio must be in [0, 1], got ", mask_ratio);
        require_argument(epochs >= 0, "epochs must be >= 0, got ", epochs);
        require_argument(batch_size >= 1, "batch size must be >= 1, got ", batch_size);
        require_argument(pass_rows >= 0, "pass rows must be >= 0 (0 = from the workspace budget), got ", pass_rows);
        require_argument(std::isfinite(workspace_mib) && workspace_mib > 0, "workspace MiB must be > 0, got ",
                         workspace_mib);
        require_argument(kl_anneal_steps >= 0, "KL annealing steps must be >= 0, got ", kl_anneal_steps);
        require_argument(std::isfinite(hinge_weight) && hinge_weight >= 0, "hinge weight must be >= 0, got ", hinge_weight);
        require_argument(std::isfinite(hinge_margin) && hinge_margin >= 0, "hinge margin must be >= 0, got ", hinge_margin);
        require_argument(hinge_weight == 0 || (sides == DualSides::Both && schedule == Schedule::Paired),
                         "the hinge term (weight ", hinge_weight, ") needs both VAEs and the paired schedule");
        require_argument(!(vae.normalize_input && low_rank_input), "normalize_input needs dense inputs (not low_rank_input)");
        adam.validate();
        VaeConfig probe = vae;
        probe.input_dim = 1;
        probe.validate();
    }

    /// The DualVAE shape these options describe.
    [[nodiscard]] DualVaeConfig dual_config() const {
        DualVaeConfig c;
        c.user = vae;
        c.item = vae;
        c.item.seed = vae.seed + 1;  // the two sides start from different weights
        c.alpha = alpha;
        c.sides = sides;
        return c;
    }

    /// The per-side training options these options describe.
    [[nodiscard]] VaeTrainOptions train_options() const {
        VaeTrainOptions t;
        t.epochs = epochs;
        t.batch_size = batch_size;
        t.mask_ratio = mask_ratio;
        t.adam = adam;
        t.seed = seed;
        t.output_bias_from_data = output_bias_from_data;
        t.pass_rows = pass_rows;
        t.workspace_mib = workspace_mib;
        t.low_rank_input = low_rank_input;
        t.kl_anneal_steps = kl_anneal_steps;
        return t;
    }
};

/// The settings every VAE preset (Mult-VAE, JoVA) chooses, on top of MvaeOptions' defaults: the
/// layer widths, the training length, the optimiser's step and one seed for data and weights.
[[nodiscard]] inline MvaeOptions vae_preset(index_t hidden, index_t latent, index_t epochs, index_t batch_size,
                                            double learning_rate, std::uint64_t seed) {
    MvaeOptions o;
    o.vae.hidden1 = o.vae.hidden2 = hidden;
    o.vae.latent = latent;
    o.epochs = epochs;
    o.batch_size = batch_size;
    o.adam.learning_rate = learning_rate;
    o.seed = seed;
    o.vae.seed = seed;
    return o;
}

}  // namespace mvae
