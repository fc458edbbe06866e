// mvae/model/vae_config.hpp — the shape and loss settings of one VariationalAutoencoder.
#pragma once

#include <cmath>
#include <cstdint>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"
#include "mvae/nn/activation.hpp"

namespace mvae {

/// How the KL term of the loss is weighted.
enum class KlConvention {
    /// loss = BCE + β · KL, with KL = ½ Σ (μ² + σ² − 1 − log σ²), the standard divergence.
    Standard,
    /// JoVA's code: loss = BCE − 0.01 · Σ (1 + log σ² − μ² − σ²) = BCE + 0.02 · KL; β is not used.
    JoVA,
};

[[nodiscard]] inline const char* to_string(KlConvention c) noexcept {
    return c == KlConvention::Standard ? "standard" : "jova";
}

/**
 * Sizes, activations and loss weights of a VAE. The defaults are the paper's: hidden layers of
 * 320, latent dimension 80, tanh everywhere, β = 0.15 on the standard KL.
 *
 * Encoder: input → hidden1 (encoder1) → hidden2 (encoder2) → μ, log σ² (latent).
 * Decoder: latent → hidden2 (decoder2) → hidden1 (decoder1) → logits over the input length.
 * The decoder's likelihood is not a field: it is VariationalAutoencoder's third template parameter
 * (mvae/nn/likelihood.hpp).
 */
struct VaeConfig {
    index_t input_dim = 0;  ///< input and output length (#items for a uVAE, #users for an iVAE), ≥ 1
    index_t hidden1 = 320;  ///< width of the outer hidden layers, ≥ 1
    index_t hidden2 = 320;  ///< width of the inner hidden layers, ≥ 1
    index_t latent = 80;    ///< dimension d of z, ≥ 1
    Activation encoder1 = Activation::Tanh;
    Activation encoder2 = Activation::Tanh;  ///< JoVA's reference code uses sigmoid here
    Activation decoder2 = Activation::Tanh;
    Activation decoder1 = Activation::Tanh;
    double beta = 0.15;  ///< weight of the standard KL, ≥ 0 (KlConvention::Standard)
    KlConvention kl_convention = KlConvention::Standard;
    /// Divide each input row by its L2 norm before the encoder (Mult-VAE), in training (after the
    /// masks) and in inference; an all-zero row stays zero. Dense inputs only.
    bool normalize_input = false;
    std::uint64_t seed = 0;  ///< seed of the Glorot initialisation

    /// The factor that multiplies the standard KL in the loss: β, or 0.02 under JoVA's convention.
    [[nodiscard]] double kl_weight() const noexcept { return kl_convention == KlConvention::JoVA ? 0.02 : beta; }

    /// Throws ArgumentError naming the first invalid field and its value.
    void validate() const {
        require_argument(input_dim >= 1, "VaeConfig::input_dim must be >= 1, got ", input_dim);
        require_argument(hidden1 >= 1, "VaeConfig::hidden1 must be >= 1, got ", hidden1);
        require_argument(hidden2 >= 1, "VaeConfig::hidden2 must be >= 1, got ", hidden2);
        require_argument(latent >= 1, "VaeConfig::latent must be >= 1, got ", latent);
        require_argument(std::isfinite(beta) && beta >= 0, "VaeConfig::beta must be finite and >= 0, got ", beta);
    }
};

}  // namespace mvae
