// mvae/model/variational_autoencoder.hpp — one VAE of MVAE (a uVAE over rows or an iVAE over
// columns), with its hand-derived backward pass, written once against Backend<D>.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/model/vae_config.hpp"
#include "mvae/nn/activation.hpp"
#include "mvae/nn/dense.hpp"
#include "mvae/nn/gaussian_sample.hpp"
#include "mvae/nn/kl_divergence.hpp"
#include "mvae/nn/likelihood.hpp"
#include "mvae/nn/parameter_set.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

namespace detail {

// Kernel functors live at namespace scope: nvcc refuses a class's private types as arguments of
// a __global__ template, so the CUDA backend could not launch them.
template <Real S>
struct AddValues {
    MVAE_HOST_DEVICE S operator()(S a, S b) const noexcept { return a + b; }
};

template <Real S>
struct SquareOf {
    MVAE_HOST_DEVICE S operator()(S x) const noexcept { return x * x; }
};

/// s ↦ 1/√s, and 0 for s = 0 (an empty row stays empty).
template <Real S>
struct InverseSqrtOrZero {
    MVAE_HOST_DEVICE S operator()(S s) const noexcept { return s > S(0) ? S(1) / std::sqrt(s) : S(0); }
};

template <Real S>
struct MultiplyValues {
    MVAE_HOST_DEVICE S operator()(S a, S b) const noexcept { return a * b; }
};

/// No extra loss term: VariationalAutoencoder::backward_with's default.
struct NoExtraGradient {
    template <class View, class S>
    void operator()(View, S) const noexcept {}
};

/// u ∈ (0, 1) ↦ bound · (2u − 1): a uniform draw on (−bound, bound).
template <Real S>
struct SymmetricUniform {
    S bound;
    MVAE_HOST_DEVICE S operator()(S u) const noexcept { return bound * (S(2) * u - S(1)); }
};

}  // namespace detail

/// Where a forward/backward pass sits in its batch, when a batch is processed in several passes
/// (VaeTrainOptions::pass_rows): the loss is a mean over all `batch_rows` rows, so each pass's
/// gradient is scaled by 1 / batch_rows; the first pass ASSIGNS the gradients and later passes
/// (`accumulate`) ADD to them, so the parts' gradients sum to the whole batch's.
struct BatchPart {
    index_t batch_rows = 0;   ///< rows of the whole batch, ≥ the pass's rows
    bool accumulate = false;  ///< add to the gradients instead of assigning them
};

/// The loss of one batch, as means over its rows.
struct VaeLoss {
    double total = 0;           ///< reconstruction + kl_weight · kl
    double reconstruction = 0;  ///< a row's negative log-likelihood under the VAE's Likelihood
    double kl = 0;              ///< standard KL(q(z|x̄) ‖ N(0, I)) of a row
    index_t batch = 0;          ///< rows in the batch
    /// True when the values were not computed on the host: a loss sink was set
    /// (VariationalAutoencoder::set_loss_sink) and the sums went there, on the device.
    bool deferred = false;
};

namespace detail {

/// One-index kernel: adds a pass's mean row losses, times its rows, to sink[0] (reconstruction)
/// and sink[1] (KL) — the arithmetic of the host path (VaeTrainer's pass loop), in row order, in
/// double, so the deferred sums equal the host's.
template <Real S, Device D>
struct AccumulatePassLoss {
    VectorView<const S, D> bce;
    VectorView<const S, D> kl;
    double* sink;

    MVAE_HOST_DEVICE void operator()(index_t) const {
        const index_t n = bce.size();
        double r = 0, k = 0;
        for (index_t i = 0; i < n; ++i) r += double(bce[i]);
        for (index_t i = 0; i < n; ++i) k += double(kl[i]);
        r /= double(n);
        k /= double(n);
        sink[0] += r * double(n);
        sink[1] += k * double(n);
    }
};

}  // namespace detail

/**
 * A variational autoencoder for rows of an implicit-feedback matrix.
 *
 * @tparam Scalar     float (training) or double (gradient checks).
 * @tparam D          the device (mvae::Cpu, mvae::Cuda).
 * @tparam Likelihood the decoder's likelihood, a LikelihoodPolicy (mvae/nn/likelihood.hpp):
 *                    BernoulliLikelihood (MVAE, JoVA; the default) or MultinomialLikelihood (Mult-VAE).
 *
 * The loss of a batch of B rows with corrupted inputs x̄ and targets x is
 *   L = (1/B) Σ_rows [ NLL(x | logits) + w · KL(N(μ, σ²) ‖ N(0, I)) ],  w = config.kl_weight(),
 * with NLL the Likelihood's per-row negative log-likelihood: Σ_j BCE(x_j, σ(logit_j)) for
 * BernoulliLikelihood, −Σ_j x_j log softmax(logit)_j for MultinomialLikelihood;
 * with config.normalize_input the encoder reads x̄ / ‖x̄‖₂.
 * with z = μ + exp(½ log σ²) ⊙ ε in training and z = μ at inference. forward_backward() computes L
 * and ASSIGNS dL/dθ for every parameter θ into parameters().grads(). The derivation is in
 * docs/backprop.md; tests/model/test_vae_gradients.cpp checks it against finite differences.
 *
 * Workspaces are sized for the largest batch seen (reserve() sizes them up front), so training
 * steps do not allocate. The object is movable, not copyable.
 *
 * @code
 * mvae::VaeConfig config;
 * config.input_dim = n_items;
 * mvae::VariationalAutoencoder<float, mvae::Cpu> vae(config);  // Bernoulli decoder
 * // Mult-VAE's decoder: mvae::VariationalAutoencoder<float, mvae::Cpu, mvae::MultinomialLikelihood>
 * vae.reserve(1500);
 * mvae::VaeLoss loss = vae.forward_backward(batch_input, batch_target, noise);   // grads in vae.parameters()
 * vae.predict(batch_input, scores);                                              // sigmoid(logits) with z = μ
 * @endcode
 */
template <Real Scalar, Device D, class Likelihood = BernoulliLikelihood>
    requires LikelihoodPolicy<Likelihood, Scalar, D>
class VariationalAutoencoder {
public:
    using S = Scalar;
    using likelihood_type = Likelihood;
    using View = MatrixView<S, D>;
    using ConstView = MatrixView<const S, D>;

    /// Declares and allocates the parameters and initialises them (Glorot-uniform weights from
    /// config.seed, zero biases). Throws ArgumentError for an invalid config.
    explicit VariationalAutoencoder(const VaeConfig& config, Backend<D> backend = {})
        : config_((config.validate(), config)), backend_(std::move(backend)) {
        const auto& c = config_;
        enc1_ = Dense<S, D>(params_, "encoder.layer1", c.input_dim, c.hidden1);
        enc2_ = Dense<S, D>(params_, "encoder.layer2", c.hidden1, c.hidden2);
        mu_ = Dense<S, D>(params_, "encoder.mu", c.hidden2, c.latent);
        logvar_ = Dense<S, D>(params_, "encoder.logvar", c.hidden2, c.latent);
        dec2_ = Dense<S, D>(params_, "decoder.layer2", c.latent, c.hidden2);
        dec1_ = Dense<S, D>(params_, "decoder.layer1", c.hidden2, c.hidden1);
        out_ = Dense<S, D>(params_, "decoder.output", c.hidden1, c.input_dim);
        params_.allocate();
        initialize(c.seed);
    }

    VariationalAutoencoder(VariationalAutoencoder&&) noexcept = default;
    VariationalAutoencoder& operator=(VariationalAutoencoder&&) noexcept = default;

    [[nodiscard]] const VaeConfig& config() const noexcept { return config_; }
    [[nodiscard]] const Backend<D>& backend() const noexcept { return backend_; }
    [[nodiscard]] ParameterSet<S, D>& parameters() noexcept { return params_; }
    [[nodiscard]] const ParameterSet<S, D>& parameters() const noexcept { return params_; }
    [[nodiscard]] index_t input_dim() const noexcept { return config_.input_dim; }
    [[nodiscard]] index_t latent_dim() const noexcept { return config_.latent; }

    /// The output layer, whose bias callers may set (see set_output_bias_log_odds).
    [[nodiscard]] const Dense<S, D>& output_layer() const noexcept { return out_; }

    /// Re-draws every weight Glorot-uniform, U(±√(6 / (fan_in + fan_out))), from `seed`, and zeroes
    /// every bias. Each tensor draws from its own stream, so the result does not depend on threads.
    void initialize(std::uint64_t seed) {
        for (const Dense<S, D>* layer : layers()) {
            const auto w = params_.value(layer->weight());
            const S bound = S(std::sqrt(6.0 / double(layer->in_features() + layer->out_features())));
            backend_.fill_uniform(w, RandomStream(seed, stream_id(kInitPurpose, std::uint64_t(layer->weight()))));
            backend_.map(w, detail::SymmetricUniform<S>{bound}, ConstView(w));
            backend_.fill(params_.value(layer->bias()), S(0));
        }
    }

    /**
     * Sets the output layer's bias to the log-odds of `frequency` (one value in [0, 1] per output:
     * how often that output is 1 in the training data, e.g. item popularity for a uVAE), with the
     * frequency clamped to [1e-6, 1 − 1e-6]. Starting the mean logit where the data are keeps the
     * first gradients per-row residuals instead of one huge shared push (see docs/results.md).
     */
    void set_output_bias_log_odds(std::span<const double> frequency) {
        require_shape(index_t(frequency.size()) == config_.input_dim, "set_output_bias_log_odds: ", frequency.size(),
                      " frequencies for an output of ", config_.input_dim);
        std::vector<S> bias(frequency.size());
        for (std::size_t j = 0; j < frequency.size(); ++j) {
            require_argument(frequency[j] >= 0.0 && frequency[j] <= 1.0, "set_output_bias_log_odds: frequency ", j,
                             " is ", frequency[j], ", expected a value in [0, 1]");
            const double p = std::min(std::max(frequency[j], 1e-6), 1.0 - 1e-6);
            bias[j] = S(std::log(p / (1.0 - p)));
        }
        backend_.upload(bias.data(), params_.value(out_.bias()));
    }

    /// Sets β, the weight of the standard KL (KL annealing changes it between steps; ≥ 0).
    void set_beta(double beta) {
        require_argument(std::isfinite(beta) && beta >= 0, "VariationalAutoencoder::set_beta: beta must be >= 0, got ", beta);
        config_.beta = beta;
    }

    /// Sizes the workspaces for batches of up to `max_batch` rows (allocates only when growing).
    void reserve(index_t max_batch) {
        require_argument(max_batch >= 1, "VariationalAutoencoder::reserve: batch size must be >= 1, got ", max_batch);
        if (max_batch <= reserved_) return;
        const auto& c = config_;
        h1_.resize(max_batch, c.hidden1);
        h2_.resize(max_batch, c.hidden2);
        mu_out_.resize(max_batch, c.latent);
        logvar_out_.resize(max_batch, c.latent);
        z_.resize(max_batch, c.latent);
        g2_.resize(max_batch, c.hidden2);
        g1_.resize(max_batch, c.hidden1);
        logits_.resize(max_batch, c.input_dim);
        d_hidden1_.resize(max_batch, c.hidden1);
        d_hidden2_.resize(max_batch, c.hidden2);
        d_z_.resize(max_batch, c.latent);
        d_mu_.resize(max_batch, c.latent);
        d_logvar_.resize(max_batch, c.latent);
        row_bce_.resize(max_batch);
        row_kl_.resize(max_batch);
        if (config_.normalize_input) {
            normalized_input_.resize(max_batch, c.input_dim);
            inverse_norms_.resize(max_batch);
        }
        host_rows_.resize(std::size_t(max_batch));
        reserved_ = max_batch;
    }

    /**
     * One training pass over a batch: the loss, and ASSIGNS every parameter gradient.
     *
     * @param input  x̄, B × input_dim (the corrupted/masked rows the encoder sees)
     * @param target x, B × input_dim (what the decoder must reconstruct; soft targets allowed)
     * @param noise  ε, B × latent, standard normal (see draw_noise)
     */
    VaeLoss forward_backward(ConstView input, ConstView target, ConstView noise) {
        return forward_backward(input, target, noise, BatchPart{input.rows(), false});
    }

    /**
     * forward_backward() on the rows of one pass over part of a batch (see BatchPart): the
     * returned loss is the mean over THIS pass's rows; the gradients are those of the batch's
     * mean loss restricted to these rows, assigned or added as `part` says.
     * @throws ArgumentError when part.batch_rows is smaller than the pass.
     */
    VaeLoss forward_backward(ConstView input, ConstView target, ConstView noise, BatchPart part) {
        require_shape(input.cols() == config_.input_dim, "forward_backward: input is ", input.rows(), " x ",
                      input.cols(), ", expected B x ", config_.input_dim);
        return forward_backward_impl(input, target, noise, part);
    }

    /**
     * The first half of a training pass whose loss has a term beyond the VAE's own (JoVA's hinge
     * couples two VAEs' outputs): the forward pass with z = μ + σ ⊙ ε. Returns the logits
     * (B × input_dim), valid until backward_with(), which must follow with the same input and noise.
     */
    ConstView forward_for_training(ConstView input, ConstView noise) {
        require_shape(input.cols() == config_.input_dim, "forward_for_training: input is ", input.rows(), " x ",
                      input.cols(), ", expected B x ", config_.input_dim);
        const index_t batch = check_rows("forward_for_training", input.rows(), nullptr, &noise);
        forward(input, noise, /*sample=*/true);
        return ConstView(rows(logits_, batch));
    }

    /**
     * The second half: the VAE's own loss and its gradient on the logits, then
     * `extra(dlogits, inv_batch)` adds the gradient of the caller's term (dlogits: B × input_dim,
     * already holding the VAE's own; inv_batch = 1 / part.batch_rows), then the backward pass
     * assigns (or, per `part`, adds) every parameter gradient. Returns the VAE's own loss.
     */
    template <class Extra>
    VaeLoss backward_with(ConstView input, ConstView target, ConstView noise, BatchPart part, Extra&& extra) {
        const index_t batch = check_rows("backward_with", input.rows(), &target, &noise);
        return loss_and_backward(input, target, noise, batch, part, extra);
    }

private:
    template <class In>
    VaeLoss forward_backward_impl(const In& input, ConstView target, ConstView noise, BatchPart part) {
        const index_t batch = check_rows("forward_backward", input.rows(), &target, &noise);
        forward(input, noise, /*sample=*/true);
        return loss_and_backward(input, target, noise, batch, part, detail::NoExtraGradient{});
    }

    template <class In, class Extra>
    VaeLoss loss_and_backward(const In& input, ConstView target, ConstView noise, index_t batch, BatchPart part,
                              Extra&& extra) {
        require_argument(part.batch_rows >= batch, "forward_backward: a pass of ", batch,
                         " rows in a batch of ", part.batch_rows);
        // The reconstruction loss and its gradient dL/dlogits (e.g. (σ(l) − x) / B) in one pass,
        // written over the logits.
        auto logits = rows(logits_, batch);
        const S inv_batch = S(1) / S(part.batch_rows);
        auto row_loss = row_bce_.view().segment(0, batch);
        Likelihood::template forward_backward<S, D>(backend_, logits, target, inv_batch, row_loss, logits);
        const VaeLoss loss = loss_sink_ ? defer_loss(batch) : sum_loss(batch);
        extra(logits, inv_batch);
        backward(input, noise, batch, inv_batch, part.accumulate);
        return loss;
    }

public:

    /**
     * forward_backward() for an input held as low rank plus sparse (nn/low_rank_input.hpp): the
     * first layer's two products use the factors and the sparse rows instead of a dense
     * n × input_dim input. Equal to forward_backward() on the dense X̄ up to rounding.
     */
    VaeLoss forward_backward(const LowRankSparseRows<S, D>& input, ConstView target, ConstView noise, BatchPart part) {
        require_shape(input.cols() == config_.input_dim, "forward_backward: low-rank input has ", input.cols(),
                      " columns, expected ", config_.input_dim);
        return forward_backward_impl(input, target, noise, part);
    }

    /**
     * Makes the training passes (forward_backward, backward_with) add their losses to `sink` —
     * two doubles in D's memory: Σ over passes of the pass's row-mean reconstruction and KL times
     * its rows — on the device instead of returning them (VaeLoss::deferred), so that a training
     * step reads nothing back (training/epoch_sums.hpp). nullptr returns to the host sums. The
     * evaluation paths (loss, predict) are not affected.
     */
    void set_loss_sink(double* sink) noexcept { loss_sink_ = sink; }
    /// Whether a loss sink is set.
    [[nodiscard]] bool has_loss_sink() const noexcept { return loss_sink_ != nullptr; }

    /// The loss of a batch without gradients (z sampled with `noise`, as in training).
    VaeLoss loss(ConstView input, ConstView target, ConstView noise) {
        const index_t batch = check_batch("loss", input, &target, &noise);
        forward(input, noise, /*sample=*/true);
        return batch_loss(target, batch);
    }

    /// logits ← the decoder's output for z = μ (inference). logits: B × input_dim.
    void predict_logits(ConstView input, View logits) {
        const index_t batch = check_batch("predict_logits", input, nullptr, nullptr);
        require_shape(logits.rows() == batch && logits.cols() == config_.input_dim, "predict_logits: output is ",
                      logits.rows(), " x ", logits.cols(), ", expected ", batch, " x ", config_.input_dim);
        encode_to_hidden(input, batch);
        decode(ConstView(mu_out_.view().row_block(0, batch)), batch, logits);
    }

    /// scores ← σ(logits) for z = μ: the reconstruction used for ranking. scores: B × input_dim.
    void predict(ConstView input, View scores) {
        predict_logits(input, scores);
        backend_.map(scores, act::ValueOf<act::Sigmoid>{}, ConstView(scores));
    }

    /// hidden ← the decoder's last hidden layer for z = μ (B × hidden1): the representation the
    /// output layer maps to logits. With output_logits() it lets a caller score a subset of the
    /// outputs without forming all of them (DualVAE scores users' columns of the iVAE this way).
    void predict_hidden(ConstView input, View hidden) {
        const index_t batch = check_batch("predict_hidden", input, nullptr, nullptr);
        require_shape(hidden.rows() == batch && hidden.cols() == config_.hidden1, "predict_hidden: output is ",
                      hidden.rows(), " x ", hidden.cols(), ", expected ", batch, " x ", config_.hidden1);
        encode_to_hidden(input, batch);
        const auto& c = config_;
        dec2_.forward(backend_, params_, ConstView(rows(mu_out_, batch)), rows(g2_, batch), c.decoder2);
        dec1_.forward(backend_, params_, ConstView(rows(g2_, batch)), hidden, c.decoder1);
    }

    /// logitsᵀ for outputs [first, first + count): out (count × H) ← (hidden · W[:, first:first+count]
    /// + b[first:first+count])ᵀ, with hidden (H × hidden1) from predict_hidden. Row c of `out` holds
    /// output first + c's logit for each of the H hidden rows.
    void output_logits_transposed(ConstView hidden, index_t first, index_t count, View out) const {
        require_shape(hidden.cols() == config_.hidden1, "output_logits_transposed: hidden has ", hidden.cols(),
                      " columns, expected ", config_.hidden1);
        require_shape(first >= 0 && count >= 0 && first + count <= config_.input_dim,
                      "output_logits_transposed: outputs [", first, ", ", first + count, ") of ", config_.input_dim);
        require_shape(out.rows() == count && out.cols() == hidden.rows(), "output_logits_transposed: output is ",
                      out.rows(), " x ", out.cols(), ", expected ", count, " x ", hidden.rows());
        const auto w = params_.value(out_.weight()).col_block(first, count);  // hidden1 × count, strided
        backend_.gemm(Op::T, Op::T, S(1), w, hidden, S(0), out);
        const VectorView<const S, D> b(params_.value(out_.bias()).data() + first, count);
        backend_.map_broadcast_col(out, detail::AddValues<S>{}, ConstView(out), b);
    }

    /// mu ← μ(x̄), B × latent.
    void encode(ConstView input, View mu) {
        const index_t batch = check_batch("encode", input, nullptr, nullptr);
        encode_to_hidden(input, batch);
        backend_.copy(ConstView(mu_out_.view().row_block(0, batch)), mu);
    }

    /// Fills ε (B × latent) with standard normal draws: element offset + i·latent + j of `stream`.
    void draw_noise(View noise, RandomStream stream, std::uint64_t offset = 0) const {
        backend_.fill_normal(noise, stream, offset);
    }

private:
    static constexpr std::uint64_t kInitPurpose = 0x696E6974ull;  // "init"

    [[nodiscard]] std::array<const Dense<S, D>*, 7> layers() const {
        return {&enc1_, &enc2_, &mu_, &logvar_, &dec2_, &dec1_, &out_};
    }

    index_t check_batch(const char* op, ConstView input, const ConstView* target, const ConstView* noise) {
        require_shape(input.cols() == config_.input_dim, op, ": input is ", input.rows(), " x ", input.cols(),
                      ", expected B x ", config_.input_dim, " with B >= 1");
        return check_rows(op, input.rows(), target, noise);
    }

    index_t check_rows(const char* op, index_t batch, const ConstView* target, const ConstView* noise) {
        require_shape(batch >= 1, op, ": the input has ", batch, " rows, expected B >= 1");
        if (target)
            require_shape(target->rows() == batch && target->cols() == config_.input_dim, op, ": target is ",
                          target->rows(), " x ", target->cols(), ", expected ", batch, " x ", config_.input_dim);
        if (noise)
            require_shape(noise->rows() == batch && noise->cols() == config_.latent, op, ": noise is ", noise->rows(),
                          " x ", noise->cols(), ", expected ", batch, " x ", config_.latent);
        reserve(batch);
        return batch;
    }

    static View rows(auto& m, index_t batch) { return m.view().row_block(0, batch); }

    void first_layer_forward(ConstView input, index_t batch) {
        if (config_.normalize_input) {  // x̂ = x / ‖x‖₂ per row, kept for the backward pass
            auto norms = inverse_norms_.view().segment(0, batch);
            backend_.reduce_rows(norms, detail::SquareOf<S>{}, input);
            backend_.map(norms, detail::InverseSqrtOrZero<S>{}, VectorView<const S, D>(norms));
            backend_.map_broadcast_col(rows(normalized_input_, batch), detail::MultiplyValues<S>{}, input,
                                       VectorView<const S, D>(norms));
            input = ConstView(rows(normalized_input_, batch));
        }
        enc1_.forward(backend_, params_, input, rows(h1_, batch), config_.encoder1);
    }
    void first_layer_forward(const LowRankSparseRows<S, D>& input, index_t batch) {
        require_argument(!config_.normalize_input, "VariationalAutoencoder: normalize_input needs dense inputs, not low rank");
        enc1_.forward(backend_, params_, input, rows(h1_, batch), config_.encoder1, low_rank_scratch(input.rank()));
    }
    void first_layer_backward(ConstView input, index_t batch, bool acc) {
        if (config_.normalize_input) input = ConstView(rows(normalized_input_, batch));  // from the forward pass
        enc1_.backward(backend_, params_, input, rows(d_hidden1_, batch), View(), false, acc);  // no input gradient
    }
    void first_layer_backward(const LowRankSparseRows<S, D>& input, index_t batch, bool acc) {
        enc1_.backward(backend_, params_, input, rows(d_hidden1_, batch), acc, low_rank_scratch(input.rank()));
    }
    /// A rank × hidden1 workspace for the low-rank products (grows only).
    View low_rank_scratch(index_t rank) {
        if (low_rank_scratch_.rows() < rank) low_rank_scratch_.resize(rank, config_.hidden1);
        return low_rank_scratch_.view().row_block(0, rank);
    }

    template <class In>
    void encode_to_hidden(const In& input, index_t batch) {
        const auto& c = config_;
        first_layer_forward(input, batch);
        enc2_.forward(backend_, params_, rows(h1_, batch), rows(h2_, batch), c.encoder2);
        mu_.forward(backend_, params_, rows(h2_, batch), rows(mu_out_, batch));
        logvar_.forward(backend_, params_, rows(h2_, batch), rows(logvar_out_, batch));
    }

    void decode(ConstView z, index_t batch, View logits) {
        const auto& c = config_;
        dec2_.forward(backend_, params_, z, rows(g2_, batch), c.decoder2);
        dec1_.forward(backend_, params_, rows(g2_, batch), rows(g1_, batch), c.decoder1);
        out_.forward(backend_, params_, rows(g1_, batch), logits);
    }

    template <class In>
    void forward(const In& input, ConstView noise, bool sample) {
        const index_t batch = input.rows();
        encode_to_hidden(input, batch);
        if (sample) gaussian_sample_forward<S, D>(backend_, rows(mu_out_, batch), rows(logvar_out_, batch), noise, rows(z_, batch));
        else backend_.copy(ConstView(rows(mu_out_, batch)), rows(z_, batch));
        decode(rows(z_, batch), batch, rows(logits_, batch));
    }

    VaeLoss batch_loss(ConstView target, index_t batch) {
        Likelihood::template forward<S, D>(backend_, rows(logits_, batch), target, row_bce_.view().segment(0, batch));
        return sum_loss(batch);
    }

    /// The KL of the current μ, log σ² and the per-row losses already in row_bce_, summed on the
    /// device into the loss sink (see set_loss_sink): nothing is downloaded.
    VaeLoss defer_loss(index_t batch) {
        auto bce = row_bce_.view().segment(0, batch);
        auto kl = row_kl_.view().segment(0, batch);
        kl_divergence_forward<S, D>(backend_, rows(mu_out_, batch), rows(logvar_out_, batch), kl);
        backend_.for_each_index(1, detail::AccumulatePassLoss<S, D>{VectorView<const S, D>(bce), VectorView<const S, D>(kl),
                                                                    loss_sink_});
        VaeLoss loss;
        loss.batch = batch;
        loss.deferred = true;
        return loss;
    }

    /// The loss from the per-row negative log-likelihoods already in row_bce_ and the KL of the current μ, log σ².
    VaeLoss sum_loss(index_t batch) {
        auto bce = row_bce_.view().segment(0, batch);
        auto kl = row_kl_.view().segment(0, batch);
        kl_divergence_forward<S, D>(backend_, rows(mu_out_, batch), rows(logvar_out_, batch), kl);
        // Sum the B row terms on the host in double, in row order: exact enough and deterministic.
        VaeLoss loss;
        loss.batch = batch;
        backend_.download(VectorView<const S, D>(bce), host_rows_.data());
        for (index_t i = 0; i < batch; ++i) loss.reconstruction += double(host_rows_[std::size_t(i)]);
        backend_.download(VectorView<const S, D>(kl), host_rows_.data());
        for (index_t i = 0; i < batch; ++i) loss.kl += double(host_rows_[std::size_t(i)]);
        loss.reconstruction /= double(batch);
        loss.kl /= double(batch);
        loss.total = loss.reconstruction + config_.kl_weight() * loss.kl;
        return loss;
    }

    /// Backpropagates from dL/dlogits (e.g. (σ(l) − x) / B), which the caller wrote over the logits;
    /// `inv_batch` = 1 / B for the batch's B rows, `acc`: add to the gradients (BatchPart).
    template <class In>
    void backward(const In& input, ConstView noise, index_t batch, S inv_batch, bool acc) {
        const auto& c = config_;
        auto logits = rows(logits_, batch);
        out_.backward(backend_, params_, rows(g1_, batch), logits, rows(d_hidden1_, batch), false, acc);
        // Decoder hidden layers.
        activation_backward<S, D>(backend_, c.decoder1, rows(g1_, batch), rows(d_hidden1_, batch));
        dec1_.backward(backend_, params_, rows(g2_, batch), rows(d_hidden1_, batch), rows(d_hidden2_, batch), false, acc);
        activation_backward<S, D>(backend_, c.decoder2, rows(g2_, batch), rows(d_hidden2_, batch));
        dec2_.backward(backend_, params_, rows(z_, batch), rows(d_hidden2_, batch), rows(d_z_, batch), false, acc);
        // Reparameterisation, then the KL term's own gradient on μ and log σ².
        gaussian_sample_backward<S, D>(backend_, rows(d_z_, batch), rows(logvar_out_, batch), noise, rows(d_mu_, batch),
                                       rows(d_logvar_, batch));
        kl_divergence_backward<S, D>(backend_, rows(mu_out_, batch), rows(logvar_out_, batch),
                                     S(c.kl_weight()) * inv_batch, rows(d_mu_, batch), rows(d_logvar_, batch));
        // The two heads both read h2: the second ACCUMULATES into dL/dh2.
        mu_.backward(backend_, params_, rows(h2_, batch), rows(d_mu_, batch), rows(d_hidden2_, batch), false, acc);
        logvar_.backward(backend_, params_, rows(h2_, batch), rows(d_logvar_, batch), rows(d_hidden2_, batch),
                         /*accumulate_dx=*/true, acc);
        activation_backward<S, D>(backend_, c.encoder2, rows(h2_, batch), rows(d_hidden2_, batch));
        enc2_.backward(backend_, params_, rows(h1_, batch), rows(d_hidden2_, batch), rows(d_hidden1_, batch), false, acc);
        activation_backward<S, D>(backend_, c.encoder1, rows(h1_, batch), rows(d_hidden1_, batch));
        first_layer_backward(input, batch, acc);
    }

    VaeConfig config_;
    Backend<D> backend_;
    ParameterSet<S, D> params_;
    Dense<S, D> enc1_, enc2_, mu_, logvar_, dec2_, dec1_, out_;

    index_t reserved_ = 0;
    Matrix<S, D> h1_, h2_, mu_out_, logvar_out_, z_, g2_, g1_, logits_;
    Matrix<S, D> d_hidden1_, d_hidden2_, d_z_, d_mu_, d_logvar_;
    Matrix<S, D> low_rank_scratch_;
    Matrix<S, D> normalized_input_;  // x̂ (normalize_input only)
    Vector<S, D> row_bce_, row_kl_, inverse_norms_;
    std::vector<S> host_rows_;
    double* loss_sink_ = nullptr;  ///< in D's memory: two doubles the training passes add to
};

}  // namespace mvae
