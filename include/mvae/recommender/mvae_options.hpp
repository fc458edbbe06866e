// mvae/recommender/mvae_options.hpp — every setting of the MVAE pipeline (completion → masking → DualVAE),
// with the paper's values as defaults and the switches of its ablations.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "mvae/core/error.hpp"
#include "mvae/core/option_table.hpp"
#include "mvae/model/dual_vae.hpp"
#include "mvae/model/vae_config.hpp"
#include "mvae/optim/adam.hpp"
#include "mvae/training/dual_trainer.hpp"

namespace mvae {

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
    // --- completion (the settings of the built-in completions; which one runs is the model's
    // Completion policy, see mvae_model.hpp) ---
    index_t rank = 50;               ///< k of the factorisation
    bool clamp = true;               ///< clamp completed values to [0, 1]
    index_t svd_power_iterations = 2;
    double als_lambda = 1.0;         ///< ALS ridge weight
    double als_unobserved_weight = 0.1;   ///< w0: weight of the unobserved entries in ALS, in (0, 1]
    index_t als_iterations = 10;
    index_t als_cg_steps = 0;        ///< 0: exact ALS solves; N: N conjugate-gradient steps per row (WeightedAlsOptions::cg_steps)

    // --- model ---
    DualSides sides = DualSides::Both;
    double alpha = 0.5;
    Fusion fusion = Fusion::Probability;  ///< how the sides' scores are fused (model/fusion.hpp)
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
    index_t guard_every = 32;        ///< the non-finite guard's read every N steps (0: per epoch), VaeTrainOptions
    /// JoVA's pairwise hinge term on each block's combined prediction (needs both sides and the
    /// paired schedule): weight w (0: none) and margin m. See training/pairwise_hinge.hpp.
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
        require_argument(als_cg_steps >= 0, "ALS CG steps must be >= 0 (0: exact solves), got ", als_cg_steps);
        require_argument(alpha >= 0 && alpha <= 1, "alpha must be in [0, 1], got ", alpha);
        require_argument(mask_ratio >= 0 && mask_ratio <= 1, "mask ratio must be in [0, 1], got ", mask_ratio);
        require_argument(epochs >= 0, "epochs must be >= 0, got ", epochs);
        require_argument(batch_size >= 1, "batch size must be >= 1, got ", batch_size);
        require_argument(pass_rows >= 0, "pass rows must be >= 0 (0 = from the workspace budget), got ", pass_rows);
        require_argument(std::isfinite(workspace_mib) && workspace_mib > 0, "workspace MiB must be > 0, got ",
                         workspace_mib);
        require_argument(kl_anneal_steps >= 0, "KL annealing steps must be >= 0, got ", kl_anneal_steps);
        require_argument(guard_every >= 0, "guard every must be >= 0 (0 = once per epoch), got ", guard_every);
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
        c.fusion = fusion;
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
        t.guard_every = guard_every;
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

namespace detail {

[[nodiscard]] inline KlConvention parse_kl_convention(std::string_view name) {
    if (name == "standard") return KlConvention::Standard;
    if (name == "jova") return KlConvention::JoVA;
    throw ArgumentError(error_message("unknown KL convention '", name, "' (expected standard or jova)"));
}

[[nodiscard]] inline const char* to_string(AdamOptions::DecayUnit u) noexcept {
    return u == AdamOptions::DecayUnit::Epochs ? "epochs" : "steps";
}

[[nodiscard]] inline AdamOptions::DecayUnit parse_decay_unit(std::string_view name) {
    if (name == "steps") return AdamOptions::DecayUnit::Steps;
    if (name == "epochs") return AdamOptions::DecayUnit::Epochs;
    throw ArgumentError(error_message("unknown learning-rate decay unit '", name, "' (expected steps or epochs)"));
}

}  // namespace detail

/**
 * Every MvaeOptions setting by name: the one table through which options are saved with a model
 * (MvaeModel::save), read back (an unknown key or value is a ParseError naming the file and the
 * line), printed, overridden by name (ModelSettings::options) and offered as `mvae train` flags.
 * The keys of the first 34 entries are those of the files written before the table existed.
 */
[[nodiscard]] inline const OptionTable<MvaeOptions>& mvae_option_table() {
    static const OptionTable<MvaeOptions> table = [] {
        using O = MvaeOptions;
        const auto activation = [](std::string_view v) { return parse_activation(v); };
        const auto name_of = [](auto v) { return to_string(v); };
        OptionTable<O> t;
        t.number("rank", "rank", [](auto& o) -> auto& { return o.rank; }, "Rank k of the completion")
            .number("clamp", "", [](auto& o) -> auto& { return o.clamp; }, "Clamp completed values to [0, 1]")
            .alias("no_clamp", "no-clamp", [](O& o, std::string_view) { o.clamp = false; },
                   "Do not clamp completed values to [0, 1]", true)
            .number("svd_power_iterations", "svd-power-iterations", [](auto& o) -> auto& { return o.svd_power_iterations; },
                    "Power iterations of the randomized SVD")
            .number("als_lambda", "als-lambda", [](auto& o) -> auto& { return o.als_lambda; }, "ALS ridge weight")
            .number("als_unobserved_weight", "als-w0", [](auto& o) -> auto& { return o.als_unobserved_weight; },
                    "ALS weight w0 of the unobserved entries, in (0, 1]")
            .number("als_iterations", "als-iterations", [](auto& o) -> auto& { return o.als_iterations; }, "ALS iterations")
            .number("als_cg_steps", "als-cg-steps", [](auto& o) -> auto& { return o.als_cg_steps; },
                    "ALS: conjugate-gradient steps per row instead of exact solves (0: exact)")
            .choice("sides", "", [](auto& o) -> auto& { return o.sides; }, parse_sides, name_of,
                    "Which VAEs: mvae (both), uvae, ivae")
            .number("alpha", "alpha", [](auto& o) -> auto& { return o.alpha; }, "Weight of the uVAE in the scores, in [0, 1]")
            .choice("fusion", "fusion", [](auto& o) -> auto& { return o.fusion; }, parse_fusion, name_of,
                    "How the sides' scores are fused: probability (Eq. 7) or zscore (per-user standardised logits)")
            .number("hidden1", "", [](auto& o) -> auto& { return o.vae.hidden1; }, "Width of the outer hidden layers")
            .number("hidden2", "", [](auto& o) -> auto& { return o.vae.hidden2; }, "Width of the inner hidden layers")
            .alias("hidden", "hidden", [](O& o, std::string_view v) {
                       mvae_option_table().set(o, "hidden1", v);
                       o.vae.hidden2 = o.vae.hidden1;
                   }, "Width of both hidden layers")
            .number("latent", "latent", [](auto& o) -> auto& { return o.vae.latent; }, "Latent dimension")
            .choice("encoder1", "", [](auto& o) -> auto& { return o.vae.encoder1; }, activation, name_of, "Encoder layer 1 activation")
            .choice("encoder2", "encoder2", [](auto& o) -> auto& { return o.vae.encoder2; }, activation, name_of,
                    "Activation of the encoder's second layer (tanh, sigmoid, relu, identity; JoVA: sigmoid)")
            .choice("decoder2", "", [](auto& o) -> auto& { return o.vae.decoder2; }, activation, name_of, "Decoder layer 2 activation")
            .choice("decoder1", "", [](auto& o) -> auto& { return o.vae.decoder1; }, activation, name_of, "Decoder layer 1 activation")
            .number("beta", "beta", [](auto& o) -> auto& { return o.vae.beta; }, "Weight of the standard KL")
            .choice("kl_convention", "kl", [](auto& o) -> auto& { return o.vae.kl_convention; }, detail::parse_kl_convention,
                    name_of, "KL convention: standard (beta x KL) or jova (0.02 x KL)")
            .number("vae_seed", "", [](auto& o) -> auto& { return o.vae.seed; }, "Seed of the VAEs' initial weights")
            .choice("target", "target", [](auto& o) -> auto& { return o.target; }, parse_target, name_of,
                    "What the decoders reconstruct: completed (R') or observed (R)")
            .choice("schedule", "schedule", [](auto& o) -> auto& { return o.schedule; }, parse_schedule, name_of,
                    "paired (1500 x 1500 blocks, as JoVA) or independent")
            .number("mask_ratio", "mask-ratio", [](auto& o) -> auto& { return o.mask_ratio; },
                    "Share of each input batch's entries set to 0")
            .number("epochs", "epochs", [](auto& o) -> auto& { return o.epochs; }, "Training epochs")
            .number("batch_size", "batch", [](auto& o) -> auto& { return o.batch_size; }, "Rows per step")
            .number("learning_rate", "lr", [](auto& o) -> auto& { return o.adam.learning_rate; }, "Adam learning rate")
            .number("decay_every", "lr-decay-every", [](auto& o) -> auto& { return o.adam.decay_every; },
                    "Multiply the learning rate by the decay rate every N units (0: never)")
            .number("decay_rate", "lr-decay-rate", [](auto& o) -> auto& { return o.adam.decay_rate; }, "Staircase decay factor")
            .number("output_bias_from_data", "", [](auto& o) -> auto& { return o.output_bias_from_data; },
                    "Start the output biases at the data's log-odds")
            .alias("no_output_bias_init", "no-output-bias-init", [](O& o, std::string_view) { o.output_bias_from_data = false; },
                   "Start the output biases at 0 instead of the data's log-odds", true)
            .number("seed", "seed", [](auto& o) -> auto& { return o.seed; }, "Seed of every random draw")
            .number("low_rank_input", "low-rank-input", [](auto& o) -> auto& { return o.low_rank_input; },
                    "Encoders read the masked, unclamped R' as low rank + sparse (no dense input; faster)")
            .number("normalize_input", "", [](auto& o) -> auto& { return o.vae.normalize_input; },
                    "L2-normalise each input row (Mult-VAE)")
            .number("kl_anneal_steps", "", [](auto& o) -> auto& { return o.kl_anneal_steps; },
                    "KL annealing: beta(step) = min(beta, step / T); 0: constant")
            .number("hinge_weight", "", [](auto& o) -> auto& { return o.hinge_weight; }, "Weight of JoVA's hinge term")
            .number("hinge_margin", "", [](auto& o) -> auto& { return o.hinge_margin; }, "Margin of JoVA's hinge term")
            .number("pass_rows", "pass-rows", [](auto& o) -> auto& { return o.pass_rows; },
                    "Rows per forward/backward pass; larger batches run in parts (0: from --workspace-mib)")
            .number("workspace_mib", "workspace-mib", [](auto& o) -> auto& { return o.workspace_mib; },
                    "Memory of each side's rows x cols step workspaces, in MiB (with --pass-rows 0)")
            .choice("decay_unit", "", [](auto& o) -> auto& { return o.adam.decay_unit; }, detail::parse_decay_unit,
                    [](auto v) { return detail::to_string(v); }, "What decay_every counts: steps or epochs")
            .number("adam_beta1", "", [](auto& o) -> auto& { return o.adam.beta1; }, "Adam's first-moment decay")
            .number("adam_beta2", "", [](auto& o) -> auto& { return o.adam.beta2; }, "Adam's second-moment decay")
            .number("adam_epsilon", "", [](auto& o) -> auto& { return o.adam.epsilon; }, "Adam's epsilon")
            .number("guard_every", "guard-every", [](auto& o) -> auto& { return o.guard_every; },
                    "Read the non-finite guard (and nothing else) every N training steps (0: once per epoch)");
        return t;
    }();
    return table;
}

/// The options as "key=value" lines (mvae_option_table()).
[[nodiscard]] inline std::string to_text(const MvaeOptions& o) { return mvae_option_table().to_text(o); }

/// Options from to_text()'s lines; keys absent from `text` keep their defaults. Throws ParseError
/// naming `source` and the line for an unknown key or value.
[[nodiscard]] inline MvaeOptions mvae_options_from_text(const std::string& text, const std::string& source) {
    return mvae_option_table().from_text(text, source);
}

}  // namespace mvae
