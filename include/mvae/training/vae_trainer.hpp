// mvae/training/vae_trainer.hpp — training one VAE: batches, masks, noise, the guard, Adam.
//
// One step on a batch of rows: fill the target rows from a row source, copy them to the input and
// mask a share ρ of the input's entries (StochasticMasker), draw ε, run forward_backward, stop on
// any non-finite loss, gradient or parameter (NumericalError naming the tensor and the step), and
// update with Adam. Every random draw is keyed by (seed, step), so the same seed gives the same
// run for the same thread count. Steps allocate nothing once the first batch has sized the
// workspaces.
//
// Data-parallel (set_communicator, docs/scale.md): every rank runs the same steps over the same
// global batches; rank r of N takes rows [B·r/N, B·(r+1)/N) of each batch of B rows, with the
// masks' and the noise's rows of the whole batch (the passes' mechanism below), the ranks' gradients
// are summed before the guard and Adam, and the losses when they are read. N ranks thus take the
// steps of one rank, up to the order of the sums.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mvae/backend/all_reduce.hpp"
#include "mvae/backend/backend.hpp"
#include "mvae/backend/device_copy.hpp"
#include "mvae/completion/low_rank_batch.hpp"
#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/row_source.hpp"
#include "mvae/masking/stochastic_masker.hpp"
#include "mvae/model/variational_autoencoder.hpp"
#include "mvae/optim/adam.hpp"
#include "mvae/optim/gradient_monitor.hpp"
#include "mvae/random/random_stream.hpp"
#include "mvae/training/batch_iterator.hpp"
#include "mvae/training/epoch_sums.hpp"

namespace mvae {

/// How one VAE is trained.
struct VaeTrainOptions {
    index_t epochs = 200;        ///< passes over all rows, ≥ 0
    index_t batch_size = 1500;   ///< rows per step, ≥ 1 (the last batch of an epoch may be smaller)
    double mask_ratio = 0.0;     ///< ρ: share of each input batch's entries set to 0, in [0, 1]
    AdamOptions adam;            ///< optimiser settings (lr 0.003, …)
    std::uint64_t seed = 0;      ///< key of the batch order, the masks and the noise
    bool shuffle = true;         ///< a fresh random row order every epoch
    /// Start the output bias at the log-odds of each column's frequency in the data (see
    /// VariationalAutoencoder::set_output_bias_log_odds). Without it the model can stall at the
    /// popularity ranking (../shared/notes/yelp-measurements.md).
    bool output_bias_from_data = true;
    /// Rows per forward/backward pass, ≥ 0. A batch with more rows is processed in parts of this
    /// many rows whose gradients add up to the whole batch's (the same masks and noise, one Adam
    /// step per batch: the same step up to the order of floating-point sums), so the step's three
    /// rows × cols workspaces (input, target, logits) hold only this many rows. 0 chooses it from
    /// `workspace_mib`.
    index_t pass_rows = 0;
    /// With pass_rows = 0: the memory the step's three rows × cols workspaces may take, in MiB
    /// (> 0). The default keeps a Yelp or ML-1M batch of 1500 in one pass and splits wide batches
    /// (an iVAE over Pinterest's 55,187 users: 100 rows per pass).
    double workspace_mib = 64;

    /// Feed the encoder the masked batch as low rank plus sparse (nn/low_rank_input.hpp) instead
    /// of a dense batch: the first layer's forward and weight gradient then cost about a twelfth
    /// of their dense GEMMs (k = 50, ρ = 4 %) and the dense input workspace goes away. Needs an
    /// input source with fill_low_rank (CompletedRowSource) and reads its completion UNCLAMPED
    /// (the decoder's target is unchanged). docs/performance.md has its speed and its quality.
    bool low_rank_input = false;

    /// KL annealing (Mult-VAE): with T > 0 steps, the VAE's β at step t is min(β_max, t / T), β_max
    /// being its β when the trainer is built (Liang et al. 2018: T = 200,000, β_max = 0.2). 0: off.
    index_t kl_anneal_steps = 0;

    /// In train_epoch (and the dual schedules), the non-finite guard reads the device-resident sums
    /// every this many steps (≥ 0; 0: only at the end of the epoch). Losses and norms stay on the
    /// device (training/epoch_sums.hpp), so this read is the only one inside an epoch. A divergence
    /// is reported naming its first step, at most this many steps after it.
    index_t guard_every = 32;

    /// The rows per pass for batches of `batch` rows of `cols` columns of `scalar_bytes`-byte scalars.
    [[nodiscard]] index_t rows_per_pass(index_t batch, index_t cols, std::size_t scalar_bytes) const {
        if (pass_rows > 0) return std::min(pass_rows, batch);
        const double workspaces = low_rank_input ? 2.0 : 3.0;  // (input,) target, logits
        const double per_row = workspaces * double(std::max<index_t>(cols, 1)) * double(scalar_bytes);
        const double fit = std::floor(workspace_mib * 1048576.0 / per_row);
        return index_t(std::clamp(fit, 1.0, double(std::max<index_t>(batch, 1))));
    }

    /// Throws ArgumentError naming the first invalid field and its value.
    void validate() const {
        require_argument(epochs >= 0, "VaeTrainOptions::epochs must be >= 0, got ", epochs);
        require_argument(batch_size >= 1, "VaeTrainOptions::batch_size must be >= 1, got ", batch_size);
        require_argument(mask_ratio >= 0.0 && mask_ratio <= 1.0, "VaeTrainOptions::mask_ratio must be in [0, 1], got ",
                         mask_ratio);
        require_argument(pass_rows >= 0, "VaeTrainOptions::pass_rows must be >= 0 (0 = from workspace_mib), got ",
                         pass_rows);
        require_argument(std::isfinite(workspace_mib) && workspace_mib > 0,
                         "VaeTrainOptions::workspace_mib must be a finite number > 0, got ", workspace_mib);
        require_argument(kl_anneal_steps >= 0, "VaeTrainOptions::kl_anneal_steps must be >= 0 (0 = off), got ",
                         kl_anneal_steps);
        require_argument(guard_every >= 0, "VaeTrainOptions::guard_every must be >= 0 (0 = once per epoch), got ",
                         guard_every);
        adam.validate();
    }
};

/// What one epoch did: loss terms are means over its steps (each a mean over its rows).
struct EpochReport {
    index_t epoch = 0;            ///< 1-based number of the completed epoch
    index_t steps = 0;            ///< optimiser steps in the epoch
    double loss = 0;              ///< reconstruction + kl_weight · kl
    double reconstruction = 0;    ///< summed BCE of a row
    double kl = 0;                ///< KL of a row
    double gradient_norm = 0;     ///< mean L2 norm of the whole gradient
    double learning_rate = 0;     ///< at the end of the epoch
    double seconds = 0;           ///< wall time of the epoch

    /// Adds one step's loss and gradient norm (sums until average()).
    void add(const VaeLoss& step_loss, double step_gradient_norm) noexcept {
        loss += step_loss.total;
        reconstruction += step_loss.reconstruction;
        kl += step_loss.kl;
        gradient_norm += step_gradient_norm;
        ++steps;
    }
    /// Turns the sums of add() into means over the steps.
    void average() noexcept {
        if (steps == 0) return;
        const double n = steps;
        loss /= n;
        reconstruction /= n;
        kl /= n;
        gradient_norm /= n;
    }
};

/// What a VaeTrainer carries from one epoch to the next, in host memory: with the VAE's
/// parameters it is everything later epochs depend on (every random draw is keyed by the seed and
/// the step or epoch count, so no generator state exists). For checkpoints.
template <class S>
struct VaeTrainerState {
    std::int64_t steps = 0;               ///< optimiser steps taken
    index_t epochs = 0;                   ///< epochs completed
    std::int64_t adam_steps = 0, adam_epochs = 0;
    std::vector<S> first_moment, second_moment;  ///< Adam's m and v, one value per parameter
};

/**
 * Trains a VariationalAutoencoder on the rows of a row source.
 *
 * @tparam S float or double. @tparam D the device.
 * @tparam Likelihood the VAE's likelihood policy (mvae/nn/likelihood.hpp); BernoulliLikelihood by default.
 *
 * The trainer keeps a reference to the VAE (which must outlive it) and owns the optimiser, the
 * masker and the batch workspaces.
 *
 * @code
 * mvae::SparseRowSource<float> rows(train);         // the users' rows of R
 * mvae::VaeTrainOptions options;
 * options.epochs = 50;
 * mvae::VaeTrainer<float, mvae::Cpu> trainer(vae, options);
 * trainer.fit(rows, [](const mvae::EpochReport& r) { std::printf("%d %.3f\n", r.epoch, r.loss); });
 * @endcode
 */
template <Real S, Device D, class Likelihood = BernoulliLikelihood>
    requires LikelihoodPolicy<Likelihood, S, D>
class VaeTrainer {
public:
    using Callback = std::function<void(const EpochReport&)>;
    using Vae = VariationalAutoencoder<S, D, Likelihood>;

    VaeTrainer(Vae& vae, const VaeTrainOptions& options)
        : vae_(&vae), options_((options.validate(), options)),
          adam_(vae.parameters().size(), options.adam), masker_(options.mask_ratio, options.seed),
          beta_max_(vae.config().beta) {}

    [[nodiscard]] const VaeTrainOptions& options() const noexcept { return options_; }
    /// The backend of the VAE it trains.
    [[nodiscard]] const Backend<D>& backend() const noexcept { return vae_->backend(); }
    [[nodiscard]] Adam<S, D>& optimizer() noexcept { return adam_; }
    /// Optimiser steps taken so far.
    [[nodiscard]] std::int64_t steps() const noexcept { return step_; }
    /// Epochs completed so far.
    [[nodiscard]] index_t epochs_done() const noexcept { return epoch_; }

    /// Trains data-parallel over `comm`'s ranks (file comment); every rank must make the same
    /// calls. The solo communicator (the default) is one process.
    void set_communicator(std::shared_ptr<const Communicator> comm) {
        require_argument(comm != nullptr, "VaeTrainer::set_communicator: null communicator");
        comm_ = std::move(comm);
    }
    [[nodiscard]] const Communicator& communicator() const noexcept { return *comm_; }

    /// The state after the last completed step (see VaeTrainerState). Not during a begin_step /
    /// finish_step pair.
    [[nodiscard]] VaeTrainerState<S> state() const {
        require_argument(open_batch_ == 0, "VaeTrainer::state: a step is open (begin_step without finish_step)");
        VaeTrainerState<S> s{step_, epoch_, adam_.steps(), adam_.epochs(), std::vector<S>(std::size_t(adam_.size())),
                             std::vector<S>(std::size_t(adam_.size()))};
        if (adam_.steps() > 0) {  // before the first step the moments are unspecified: leave zeros
            backend().download(adam_.first_moment(), s.first_moment.data());
            backend().download(adam_.second_moment(), s.second_moment.data());
        }
        return s;
    }

    /// Continues from a state() of a trainer of the same VAE shape and options. Throws
    /// ArgumentError for negative counters and ShapeError for moments of another size.
    void set_state(const VaeTrainerState<S>& s) {
        require_argument(s.steps >= 0 && s.epochs >= 0, "VaeTrainer::set_state: negative counters (steps ", s.steps,
                         ", epochs ", s.epochs, ")");
        require_shape(index_t(s.first_moment.size()) == adam_.size() && index_t(s.second_moment.size()) == adam_.size(),
                      "VaeTrainer::set_state: moments of ", s.first_moment.size(), " and ", s.second_moment.size(),
                      " values for an optimiser of ", adam_.size());
        Vector<S, D> m(adam_.size()), v(adam_.size());  // staging: set_state copies on the device
        backend().upload(s.first_moment.data(), m.view());
        backend().upload(s.second_moment.data(), v.view());
        adam_.set_state(backend(), s.adam_steps, s.adam_epochs, m.cview(), v.cview());
        step_ = s.steps;
        epoch_ = s.epochs;
        steps_since_guard_ = 0;
        open_batch_ = 0;
    }

    /// Sets the VAE's output bias to the log-odds of the source's column frequencies.
    template <class Src>
        requires RowSource<Src, S, D>
    void initialize_output_bias(const Src& source) {
        vae_->set_output_bias_log_odds(source.column_frequencies());
    }

    /// One optimiser step on the given rows of `source` (input and target alike); returns the
    /// batch's loss.
    template <class Src>
        requires RowSource<Src, S, D>
    VaeLoss train_step(const Src& source, std::span<const index_t> rows) {
        return train_step(source, source, rows);
    }

    /// One optimiser step whose encoder sees (masked) rows of `input_source` and whose decoder
    /// reconstructs the same rows of `target_source` (e.g. the completed matrix in, R out).
    template <class InSrc, class TargetSrc>
        requires RowSource<InSrc, S, D> && RowSource<TargetSrc, S, D>
    VaeLoss train_step(const InSrc& input_source, const TargetSrc& target_source, std::span<const index_t> rows) {
        return update(run_passes(input_source, target_source, BatchRows{rows, nullptr}));
    }

    /**
     * train_step() that reads nothing back: the rows' ids are also in D's memory
     * (`rows.device`, e.g. an epoch's order uploaded once), the loss and the gradient norm are
     * added to the epoch's device-resident sums (begin_epoch_sums / end_epoch_sums), and the
     * non-finite guard reads them every options().guard_every steps. What train_epoch runs.
     */
    template <class InSrc, class TargetSrc>
        requires RowSource<InSrc, S, D> && RowSource<TargetSrc, S, D>
    void deferred_step(const InSrc& input_source, const TargetSrc& target_source, const BatchRows& rows) {
        const auto& be = vae_->backend();
        const index_t b = index_t(rows.host.size());
        vae_->set_loss_sink(sums_.step_sink());
        try {
            (void)run_passes(input_source, target_source, rows);
        } catch (...) {
            vae_->set_loss_sink(nullptr);
            throw;
        }
        vae_->set_loss_sink(nullptr);
        sums_.finish_step(be, monitor_.guarded_square_sum(be, vae_->parameters()), b, vae_->config().kl_weight(), step_);
        adam_.step(be, vae_->parameters().values(), vae_->parameters().grads());
        ++step_;
        if (options_.guard_every > 0 && ++steps_since_guard_ >= options_.guard_every) {
            steps_since_guard_ = 0;
            guard(read_sums());
        }
    }

    /**
     * Draws the masks' row counts of the next steps — rows_per_step[i] rows at step steps() + i —
     * on the host and uploads them at once (StochasticMasker::plan_counts), so that those steps
     * move nothing. The masks are the ones the steps would draw without a plan.
     */
    void plan_masks(std::span<const index_t> rows_per_step) {
        mask_plan_.resize(rows_per_step.size());  // keeps its capacity
        for (std::size_t i = 0; i < rows_per_step.size(); ++i)
            mask_plan_[i] = MaskShape{std::uint64_t(step_) + i, rows_per_step[i], vae_->input_dim()};
        masker_.plan_counts(vae_->backend(), mask_plan_);
    }

    /// Starts an epoch of deferred_step()s: zeroes the device-resident sums (no transfer).
    void begin_epoch_sums() {
        sums_.reset(vae_->backend());
        steps_since_guard_ = 0;
    }

    /// Reads the sums of the deferred_step()s since begin_epoch_sums() (one download), runs the
    /// guard over them, and returns them as an EpochReport (means over the steps; epoch, learning
    /// rate and seconds are the caller's).
    [[nodiscard]] EpochReport end_epoch_sums() {
        const EpochSumsReading r = read_sums();
        guard(r);
        EpochReport report;
        report.steps = index_t(r.steps);
        report.loss = r.loss;
        report.reconstruction = r.reconstruction;
        report.kl = r.kl;
        report.gradient_norm = r.gradient_norm;
        report.average();
        return report;
    }

    /**
     * The first half of a step whose loss couples this VAE with another model's output (JoVA's
     * hinge): fills the rows, masks the input, draws ε and runs the forward pass over the whole
     * batch at once (pass_rows does not apply: the workspaces hold the batch). Returns the logits,
     * |rows| × input_dim, valid until finish_step(), which must come next.
     */
    template <class InSrc, class TargetSrc>
        requires RowSource<InSrc, S, D> && RowSource<TargetSrc, S, D>
    MatrixView<const S, D> begin_step(const InSrc& input_source, const TargetSrc& target_source,
                                      std::span<const index_t> rows) {
        require_source_shape(input_source);
        require_source_shape(target_source);
        require_argument(!rows.empty(), "VaeTrainer::begin_step: empty batch");
        require_argument(!options_.low_rank_input, "VaeTrainer::begin_step: low_rank_input is not supported here");
        require_argument(comm_->size() == 1, "VaeTrainer::begin_step: coupled steps (JoVA's hinge) do not train "
                                             "data-parallel; run them in one process");
        const auto& be = vae_->backend();
        const auto b = index_t(rows.size());
        reserve(b);
        anneal_kl();
        const auto key = std::uint64_t(step_);
        const RandomStream noise_stream(options_.seed, stream_id(kNoisePurpose, key));
        auto target = target_.view().row_block(0, b);
        auto input = input_.view().row_block(0, b);
        auto noise = noise_.view().row_block(0, b);
        target_source.fill(be, rows, target);
        input_source.fill(be, rows, input);
        masker_.apply_rows(be, input, key, 0, b);
        vae_->draw_noise(noise, noise_stream);
        open_batch_ = b;
        return vae_->forward_for_training(MatrixView<const S, D>(input), MatrixView<const S, D>(noise));
    }

    /// The second half: the VAE's loss and gradient, plus `extra(dlogits, inv_batch)` (see
    /// VariationalAutoencoder::backward_with), then the guard and the Adam step. Returns the VAE's loss.
    template <class Extra>
    VaeLoss finish_step(Extra&& extra) {
        require_argument(open_batch_ > 0, "VaeTrainer::finish_step: no begin_step() before it");
        const index_t b = open_batch_;
        open_batch_ = 0;
        const VaeLoss loss = vae_->backward_with(MatrixView<const S, D>(input_.view().row_block(0, b)),
                                                 MatrixView<const S, D>(target_.view().row_block(0, b)),
                                                 MatrixView<const S, D>(noise_.view().row_block(0, b)),
                                                 BatchPart{b, false}, extra);
        return update(loss);
    }

    /// Marks the end of an epoch for schedules that drive train_step themselves (epoch-based
    /// learning-rate decay counts these).
    void finish_epoch() {
        adam_.end_epoch();
        ++epoch_;
    }

    /// The last step's gradient statistics (norm, …).
    [[nodiscard]] const GradientStats& last_gradient_stats() const noexcept { return last_stats_; }

    /// One pass over every row of `source` in batches of options().batch_size.
    template <class Src>
        requires RowSource<Src, S, D>
    EpochReport train_epoch(const Src& source) {
        return train_epoch(source, source);
    }

    /// One pass over every row, the encoder reading `input_source` and the decoder reconstructing
    /// `target_source`.
    template <class InSrc, class TargetSrc>
        requires RowSource<InSrc, S, D> && RowSource<TargetSrc, S, D>
    EpochReport train_epoch(const InSrc& input_source, const TargetSrc& target_source) {
        const auto& source = input_source;
        const auto start = std::chrono::steady_clock::now();
        if (!batches_ || batches_->rows() != source.rows())
            batches_.emplace(source.rows(), options_.batch_size, options_.seed, options_.shuffle);
        batches_->start_epoch(std::uint64_t(epoch_));
        order_.assign(vae_->backend(), batches_->order());  // the epoch's uploads: its order and masks
        plan_rows_.resize(std::size_t(batches_->batch_count()));
        for (index_t k = 0; k < batches_->batch_count(); ++k) plan_rows_[std::size_t(k)] = index_t(batches_->batch(k).size());
        plan_masks(plan_rows_);
        begin_epoch_sums();
        for (index_t k = 0; k < batches_->batch_count(); ++k)
            deferred_step(input_source, target_source, device_batch(*batches_, order_, k));
        finish_epoch();
        EpochReport report = end_epoch_sums();
        report.epoch = epoch_;
        report.learning_rate = adam_.learning_rate();
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return report;
    }

    /// options().epochs epochs (the output bias first set from the data when asked and not yet
    /// trained); calls `on_epoch` after each.
    template <class Src>
        requires RowSource<Src, S, D>
    std::vector<EpochReport> fit(const Src& source, const Callback& on_epoch = {}) {
        require_source_shape(source);
        if (options_.output_bias_from_data && step_ == 0) initialize_output_bias(source);
        std::vector<EpochReport> reports;
        reports.reserve(std::size_t(options_.epochs));
        for (index_t e = 0; e < options_.epochs; ++e) {
            reports.push_back(train_epoch(source));
            if (on_epoch) on_epoch(reports.back());
        }
        return reports;
    }

    /// Batch k of `batches` with its ids also in D's memory, `order` holding batches.order() there.
    [[nodiscard]] static BatchRows device_batch(const BatchIterator& batches, const DeviceCopy<index_t, D>& order, index_t k) {
        return BatchRows{batches.batch(k), order.data() + std::size_t(k) * std::size_t(batches.batch_size())};
    }

private:
    static constexpr std::uint64_t kNoisePurpose = 0x6E6F697365ull;  // "noise"

    // The passes of one step over `rows` (fills, masks, noise, forward and backward): the batch's
    // loss, or a deferred one when the VAE has a loss sink. Ids on the device are used when given.
    template <class InSrc, class TargetSrc>
    VaeLoss run_passes(const InSrc& input_source, const TargetSrc& target_source, const BatchRows& rows) {
        require_source_shape(input_source);
        require_source_shape(target_source);
        require_argument(!rows.host.empty(), "VaeTrainer::train_step: empty batch");
        const auto& be = vae_->backend();
        const auto b = index_t(rows.host.size());
        // This rank's share of the batch (all of it in one process).
        const Share share = share_of(b, comm_->rank(), comm_->size());
        const auto lo = index_t(share.begin), hi = index_t(share.end);
        const index_t pass = options_.rows_per_pass(std::max<index_t>(hi - lo, 1), vae_->input_dim(), sizeof(S));
        reserve(pass);
        anneal_kl();
        const auto key = std::uint64_t(step_);
        const RandomStream noise_stream(options_.seed, stream_id(kNoisePurpose, key));
        const bool same_source = static_cast<const void*>(&input_source) == static_cast<const void*>(&target_source);
        const auto fill = [&](const auto& source, const BatchRows& part, MatrixView<S, D> out) {
            if (part.device != nullptr) fill_rows(source, be, part, out);
            else source.fill(be, part.host, out);
        };
        VaeLoss loss;
        loss.batch = b;
        loss.deferred = vae_->has_loss_sink();
        if (lo == hi) be.fill(vae_->parameters().grads(), S(0));  // a batch smaller than the ranks
        for (index_t first = lo; first < hi; first += pass) {
            // Rows [first, first + n) of the batch: their rows of the mask and of ε are the whole
            // batch's (apply_rows, the noise offset), so the parts add up to the one-pass step.
            const index_t n = std::min(pass, hi - first);
            const BatchRows part_rows = rows.subspan(first, n);
            auto target = target_.view().row_block(0, n);
            auto noise = noise_.view().row_block(0, n);
            fill(target_source, part_rows, target);
            vae_->draw_noise(noise, noise_stream, std::uint64_t(first) * std::uint64_t(vae_->latent_dim()));
            VaeLoss part;
            if (options_.low_rank_input) {
                if constexpr (LowRankRowSource<InSrc, S, D>) {
                    // The low-rank batch is laid out on the host from the mask's counts: this path
                    // still moves its row ids and offsets every step.
                    const auto masked = masker_.masked_rows(be, n, vae_->input_dim(), key, first, b);
                    const auto x =
                        input_source.fill_low_rank(be, part_rows.host, masked, masker_.host_counts(), low_rank_);
                    part = vae_->forward_backward(x, target, noise, BatchPart{b, first > lo});
                } else {
                    throw ArgumentError(
                        "VaeTrainer: low_rank_input needs an input source with fill_low_rank (a CompletedRowSource)");
                }
            } else {
                auto input = input_.view().row_block(0, n);
                if (same_source) be.copy(MatrixView<const S, D>(target), input);
                else fill(input_source, part_rows, input);
                masker_.apply_rows(be, input, key, first, b);
                part = vae_->forward_backward(input, target, noise, BatchPart{b, first > lo});
            }
            loss.deferred = part.deferred;
            loss.reconstruction += part.reconstruction * double(n);
            loss.kl += part.kl * double(n);
        }
        loss.reconstruction /= double(b);
        loss.kl /= double(b);
        if (comm_->size() > 1) {
            // The batch's gradient and (unless it went to the device-resident sums) its loss.
            all_reduce_sum(*comm_, be, vae_->parameters().grads(), staging_);
            if (!loss.deferred) {
                double terms[2] = {loss.reconstruction, loss.kl};
                comm_->all_reduce_sum(terms, 2, MemorySpace::Host, nullptr);
                loss.reconstruction = terms[0];
                loss.kl = terms[1];
            }
        }
        return loss;
    }

    // The epoch's sums, over the ranks: each rank's losses are its share's, so they are summed;
    // the gradient norms and step counts are of the summed gradients, the same on every rank.
    [[nodiscard]] EpochSumsReading read_sums() const {
        EpochSumsReading r = sums_.read(vae_->backend());
        if (comm_->size() == 1) return r;
        double sums[3] = {r.loss, r.reconstruction, r.kl};
        comm_->all_reduce_sum(sums, 3, MemorySpace::Host, nullptr);
        r.loss = sums[0], r.reconstruction = sums[1], r.kl = sums[2];
        // The first non-finite step of any rank: a max over negated steps (none: −∞).
        double flags[2] = {r.first_non_finite_step >= 0 ? -double(r.first_non_finite_step) : -1e300, r.nan_seen ? 1.0 : 0.0};
        comm_->all_reduce_max(flags, 2);
        r.first_non_finite_step = flags[0] > -1e299 ? std::int64_t(-flags[0]) : -1;
        r.nan_seen = flags[1] != 0.0;
        return r;
    }

    // Throws NumericalError when the sums saw a non-finite loss or gradient: naming its first
    // step, with the tensor and element found in the current state when there is one. A sum of
    // squares that merely overflowed (every entry finite) is not an error (as in check_finite).
    void guard(const EpochSumsReading& r) {
        if (r.first_non_finite_step < 0) return;
        const auto& be = vae_->backend();
        const std::string when = detail::error_message("step ", r.first_non_finite_step, " (found at the guard after step ",
                                                       step_ - 1, ")");
        try {
            (void)monitor_.check(be, vae_->parameters(), 0.0, r.first_non_finite_step);
        } catch (const NumericalError& e) {
            throw NumericalError(detail::error_message(when, ": ", e.what()));
        }
        if (r.nan_seen)
            throw NumericalError(detail::error_message(when, ": the loss or the gradient became non-finite"));
    }

    // β for this step under KL annealing.
    void anneal_kl() {
        if (options_.kl_anneal_steps > 0)
            vae_->set_beta(std::min(beta_max_, double(step_) / double(options_.kl_anneal_steps)));
    }

    // The step's total loss, the non-finite guard, the Adam update.
    VaeLoss update(VaeLoss loss) {
        const auto& be = vae_->backend();
        loss.total = loss.reconstruction + vae_->config().kl_weight() * loss.kl;
        last_stats_ = monitor_.check(be, vae_->parameters(), loss.total, step_);
        adam_.step(be, vae_->parameters().values(), vae_->parameters().grads());
        ++step_;
        return loss;
    }

    template <class Src>
    void require_source_shape(const Src& source) const {
        require_shape(source.cols() == vae_->input_dim(), "VaeTrainer: the source has ", source.cols(),
                      " columns, the VAE's input length is ", vae_->input_dim());
    }

    void reserve(index_t rows) {
        if (rows <= reserved_) return;
        target_.resize(rows, vae_->input_dim());
        if (!options_.low_rank_input) input_.resize(rows, vae_->input_dim());
        noise_.resize(rows, vae_->latent_dim());
        vae_->reserve(rows);
        reserved_ = rows;
    }

    Vae* vae_;
    VaeTrainOptions options_;
    std::shared_ptr<const Communicator> comm_ = solo_communicator();
    std::vector<S> staging_;  // host copy of the gradient for a communicator that cannot read D's memory
    EpochSums<S, D> sums_;
    DeviceCopy<index_t, D> order_;  // the epoch's row order, in D's memory
    std::vector<index_t> plan_rows_;
    std::vector<MaskShape> mask_plan_;
    index_t steps_since_guard_ = 0;
    Adam<S, D> adam_;
    StochasticMasker<S, D> masker_;
    GradientMonitor<S, D> monitor_;
    GradientStats last_stats_;
    std::optional<BatchIterator> batches_;
    Matrix<S, D> target_, input_, noise_;
    LowRankBatch<S, D> low_rank_;
    index_t reserved_ = 0;
    index_t open_batch_ = 0;  // rows of a begin_step() awaiting its finish_step()
    double beta_max_;
    std::int64_t step_ = 0;
    index_t epoch_ = 0;
};

}  // namespace mvae
