// mvae/optim/adam.hpp — the Adam optimiser over one flat parameter vector, with staircase decay.
//
// The update is PyTorch's torch.optim.Adam (no weight decay, no AMSGrad), evaluated in PyTorch's
// order, so that a PyTorch implementation of the same model follows the same trajectory up to
// rounding. Each step is one fused pass over parameters, gradients and both moments
// (Backend::for_each); nothing is allocated after construction. The math: docs/optimization.md.
#pragma once

#include <cmath>
#include <cstdint>

#include "mvae/backend/backend.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/// Hyper-parameters of Adam and of its staircase learning-rate decay.
struct AdamOptions {
    /// What the decay counts: optimiser steps or completed epochs (end_epoch() calls).
    enum class DecayUnit { Steps, Epochs };

    /// Base learning rate (the paper's 0.003); finite and > 0.
    double learning_rate = 0.003;
    /// Decay of the first moment, in [0, 1).
    double beta1 = 0.9;
    /// Decay of the second moment, in [0, 1).
    double beta2 = 0.999;
    /// Added to the bias-corrected root of the second moment; finite and > 0.
    double epsilon = 1e-8;
    /// The rate is multiplied by decay_rate every `decay_every` units; 0 disables decay.
    index_t decay_every = 0;
    /// Factor applied at each decay boundary, in (0, 1].
    double decay_rate = 0.96;
    /// Whether `decay_every` counts steps or epochs.
    DecayUnit decay_unit = DecayUnit::Steps;

    /// Throws ArgumentError naming the first field outside its domain and its value.
    void validate() const {
        require_argument(std::isfinite(learning_rate) && learning_rate > 0,
                         "AdamOptions.learning_rate must be a finite number > 0, got ", learning_rate);
        require_argument(beta1 >= 0 && beta1 < 1, "AdamOptions.beta1 must be in [0, 1), got ", beta1);
        require_argument(beta2 >= 0 && beta2 < 1, "AdamOptions.beta2 must be in [0, 1), got ", beta2);
        require_argument(std::isfinite(epsilon) && epsilon > 0,
                         "AdamOptions.epsilon must be a finite number > 0, got ", epsilon);
        require_argument(decay_every >= 0, "AdamOptions.decay_every must be >= 0 (0 = no decay), got ", decay_every);
        require_argument(decay_rate > 0 && decay_rate <= 1, "AdamOptions.decay_rate must be in (0, 1], got ",
                         decay_rate);
        require_argument(decay_unit == DecayUnit::Steps || decay_unit == DecayUnit::Epochs,
                         "AdamOptions.decay_unit must be Steps or Epochs, got ", static_cast<int>(decay_unit));
    }
};

namespace detail {

/// One Adam update of one element, in PyTorch's evaluation order:
///   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − step_size · m / (√v / √(1−β2^t) + ε)
/// with step_size = lr / (1−β1^t). `Fresh` is the first step, where the moments are taken as zero
/// without being read (β1·0 + x = x exactly, so this equals the zero-initialised update bit for bit,
/// and the moments need no separate zeroing pass).
template <Real S, bool Fresh>
struct AdamUpdate {
    S beta1;
    S one_minus_beta1;
    S beta2;
    S one_minus_beta2;
    S step_size;
    S bias_correction2_sqrt;
    S epsilon;

    MVAE_HOST_DEVICE void operator()(S& p, const S& g, S& m, S& v) const {
        if constexpr (Fresh) {
            m = one_minus_beta1 * g;
            v = one_minus_beta2 * g * g;
        } else {
            m = beta1 * m + one_minus_beta1 * g;
            v = beta2 * v + one_minus_beta2 * g * g;
        }
        const S denom = std::sqrt(v) / bias_correction2_sqrt + epsilon;
        p = p - step_size * (m / denom);
    }
};

}  // namespace detail

/**
 * Adam (Kingma & Ba) over a flat parameter vector, in the form of PyTorch's torch.optim.Adam.
 *
 * @tparam Scalar float or double: the type of parameters, gradients and moments.
 * @tparam D      the device holding them.
 *
 * For step t = 1, 2, … with gradient g and the current (decayed) rate lr:
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  p ← p − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε).
 * The scalar factors are computed in double on the host and rounded to Scalar once per step.
 * The rate is lr = learning_rate · decay_rate^⌊count / decay_every⌋, where count is the number of
 * completed steps (DecayUnit::Steps) or epochs (DecayUnit::Epochs) before the step.
 * step() does not check for non-finite values: see mvae/optim/gradient_monitor.hpp.
 *
 * @code
 * mvae::Adam<float, mvae::Cpu> adam(params.size(), {.learning_rate = 0.003});
 * for (...) { model.backward(...); adam.step(backend, params.values(), params.grads()); }
 * adam.end_epoch();
 * @endcode
 */
template <Real Scalar, Device D>
class Adam {
public:
    /// An optimiser for `n_params` parameters; the moments are allocated here, once.
    explicit Adam(index_t n_params, AdamOptions options = {}) : options_(options) {
        require_argument(n_params >= 0, "Adam: n_params must be >= 0, got ", n_params);
        options_.validate();
        m_.resize(n_params);
        v_.resize(n_params);
    }

    /// One update of `params` from `grads` (both of size size()); one fused pass, no allocation.
    /// Throws ShapeError, naming both sizes, when a size differs.
    void step(const Backend<D>& backend, VectorView<Scalar, D> params, VectorView<const Scalar, D> grads) {
        require_shape(params.size() == size(), "Adam::step: params has ", params.size(),
                      " elements, the optimiser was built for ", size());
        require_shape(grads.size() == size(), "Adam::step: grads has ", grads.size(),
                      " elements, the optimiser was built for ", size());
        const double lr = learning_rate();
        const std::int64_t t = steps_ + 1;
        // The scalars are formed in double (as PyTorch forms them in Python floats), then rounded.
        const double bias_correction1 = 1.0 - std::pow(options_.beta1, double(t));
        const double bias_correction2 = 1.0 - std::pow(options_.beta2, double(t));
        if (steps_ == 0)
            backend.for_each(update<true>(lr, bias_correction1, bias_correction2), params, grads, m_.view(), v_.view());
        else
            backend.for_each(update<false>(lr, bias_correction1, bias_correction2), params, grads, m_.view(), v_.view());
        steps_ = t;
    }

    /// Marks the end of an epoch (counts towards DecayUnit::Epochs decay).
    void end_epoch() noexcept { ++epochs_; }

    /// The rate the next step will use, after decay.
    [[nodiscard]] double learning_rate() const noexcept {
        if (options_.decay_every == 0) return options_.learning_rate;
        const std::int64_t count = options_.decay_unit == AdamOptions::DecayUnit::Steps ? steps_ : epochs_;
        return options_.learning_rate * std::pow(options_.decay_rate, double(count / options_.decay_every));
    }

    /// Steps taken (t of the last step).
    [[nodiscard]] std::int64_t steps() const noexcept { return steps_; }
    /// Epochs completed (end_epoch() calls).
    [[nodiscard]] std::int64_t epochs() const noexcept { return epochs_; }
    /// Number of parameters.
    [[nodiscard]] index_t size() const noexcept { return m_.size(); }
    [[nodiscard]] const AdamOptions& options() const noexcept { return options_; }

    /// The first and second moments. Meaningful once steps() > 0 (or after set_state/reset);
    /// before the first step their contents are unspecified, and the first step does not read them.
    [[nodiscard]] VectorView<const Scalar, D> first_moment() const noexcept { return m_.view(); }
    [[nodiscard]] VectorView<const Scalar, D> second_moment() const noexcept { return v_.view(); }

    /// Restores a saved state: counters and moments (copied on the device). With steps = 0 the
    /// moments are not used: the next step starts from zero moments, as a fresh optimiser does.
    /// Throws ArgumentError for negative counters and ShapeError (naming both sizes) for moments
    /// of the wrong size.
    void set_state(const Backend<D>& backend, std::int64_t steps, std::int64_t epochs,
                   VectorView<const Scalar, D> first_moment, VectorView<const Scalar, D> second_moment) {
        require_argument(steps >= 0, "Adam::set_state: steps must be >= 0, got ", steps);
        require_argument(epochs >= 0, "Adam::set_state: epochs must be >= 0, got ", epochs);
        require_shape(first_moment.size() == size(), "Adam::set_state: first moment has ", first_moment.size(),
                      " elements, the optimiser was built for ", size());
        require_shape(second_moment.size() == size(), "Adam::set_state: second moment has ", second_moment.size(),
                      " elements, the optimiser was built for ", size());
        backend.copy(first_moment, m_.view());
        backend.copy(second_moment, v_.view());
        steps_ = steps;
        epochs_ = epochs;
    }

    /// Back to the state of a fresh optimiser, with zeroed moments and counters.
    void reset(const Backend<D>& backend) {
        backend.fill(m_.view(), Scalar(0));
        backend.fill(v_.view(), Scalar(0));
        steps_ = 0;
        epochs_ = 0;
    }

private:
    template <bool Fresh>
    [[nodiscard]] detail::AdamUpdate<Scalar, Fresh> update(double lr, double bias_correction1,
                                                           double bias_correction2) const {
        return {Scalar(options_.beta1),        Scalar(1.0 - options_.beta1),
                Scalar(options_.beta2),        Scalar(1.0 - options_.beta2),
                Scalar(lr / bias_correction1), Scalar(std::sqrt(bias_correction2)),
                Scalar(options_.epsilon)};
    }

    AdamOptions options_;
    Vector<Scalar, D> m_;
    Vector<Scalar, D> v_;
    std::int64_t steps_ = 0;
    std::int64_t epochs_ = 0;
};

}  // namespace mvae
