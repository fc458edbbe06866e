// mvae/training/epoch_sums.hpp — an epoch's losses, gradient norms and non-finite guard, kept in
// device memory so that a training step reads nothing back.
//
// Per step, the VAE's passes add their losses to a two-double sink (VariationalAutoencoder::
// set_loss_sink) and the gradient monitor leaves the guarded sum of squares on the device
// (GradientMonitor::guarded_square_sum); one one-index kernel (finish_step) then turns them into
// the step's loss, adds loss and norm to the epoch's sums, and records the first step whose loss
// or gradient was not finite. The host reads the nine doubles once per epoch, or every few steps
// for the guard (VaeTrainOptions::guard_every): one small download instead of three per step.
// The arithmetic is the host path's (EpochReport::add), in double: on the CPU the reports are the
// same; a device compiler may fuse a multiply-add, which moves a report by an ulp, never a step.
#pragma once

#include <cmath>
#include <cstdint>

#include "mvae/backend/backend.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/// The sums as the host reads them.
struct EpochSumsReading {
    double loss = 0, reconstruction = 0, kl = 0, gradient_norm = 0;  ///< sums over the steps
    std::int64_t steps = 0;
    std::int64_t first_non_finite_step = -1;  ///< -1: every step was finite
    bool nan_seen = false;  ///< a NaN (or a non-finite loss), not merely a gradient whose sum of squares overflowed
};

namespace detail {

/// Slots of the sums vector.
enum EpochSlot : index_t { kStepRec, kStepKl, kLoss, kRec, kKl, kNorm, kSteps, kFirstBad, kNanSeen, kSlots };

/// x is finite (neither NaN nor ±inf): x − x is 0 exactly for finite x, NaN otherwise.
[[nodiscard]] MVAE_HOST_DEVICE inline bool finite(double x) noexcept { return x - x == 0.0; }

struct ResetEpochSums {
    double* s;
    MVAE_HOST_DEVICE void operator()(index_t) const {
        for (index_t i = 0; i < kSlots; ++i) s[i] = 0.0;
        s[kFirstBad] = -1.0;
    }
};

/// One-index kernel at the end of a step of `batch` rows (see the file comment).
template <Real S>
struct FinishStep {
    double* s;
    const S* guarded_square_sum;
    double batch;
    double kl_weight;
    double step;

    MVAE_HOST_DEVICE void operator()(index_t) const {
        const double rec = s[kStepRec] / batch, kl = s[kStepKl] / batch;
        const double total = rec + kl_weight * kl;
        const double squares = double(*guarded_square_sum);
        s[kLoss] += total;
        s[kRec] += rec;
        s[kKl] += kl;
        s[kNorm] += std::sqrt(squares);
        s[kSteps] += 1.0;
        if (!finite(total) || !finite(squares)) {
            if (s[kFirstBad] < 0) s[kFirstBad] = step;
            if (!finite(total) || squares != squares) s[kNanSeen] = 1.0;
        }
        s[kStepRec] = 0.0;
        s[kStepKl] = 0.0;
    }
};

}  // namespace detail

/**
 * The device-resident sums of one VAE's epoch; see the file comment. The trainer owns one per
 * VAE. Not thread-safe (one trainer, one stream).
 */
template <Real S, Device D>
class EpochSums {
public:
    EpochSums() : sums_(detail::kSlots) {}

    /// Zeroes the sums (a kernel: no transfer).
    void reset(const Backend<D>& be) { be.for_each_index(1, detail::ResetEpochSums{sums_.data()}); }

    /// The two doubles a VAE's training passes add to (VariationalAutoencoder::set_loss_sink).
    [[nodiscard]] double* step_sink() noexcept { return sums_.data() + detail::kStepRec; }

    /// Ends a step of `batch` rows whose passes added to step_sink(); `guarded_square_sum` is the
    /// gradient monitor's device-resident sum (GradientMonitor::guarded_square_sum).
    void finish_step(const Backend<D>& be, const S* guarded_square_sum, index_t batch, double kl_weight, std::int64_t step) {
        be.for_each_index(1, detail::FinishStep<S>{sums_.data(), guarded_square_sum, double(batch), kl_weight, double(step)});
    }

    /// The sums so far: one download.
    [[nodiscard]] EpochSumsReading read(const Backend<D>& be) const {
        double h[detail::kSlots];
        be.download(VectorView<const double, D>(sums_.data(), detail::kSlots), h);
        EpochSumsReading r;
        r.loss = h[detail::kLoss], r.reconstruction = h[detail::kRec], r.kl = h[detail::kKl];
        r.gradient_norm = h[detail::kNorm];
        r.steps = std::int64_t(h[detail::kSteps]);
        r.first_non_finite_step = std::int64_t(h[detail::kFirstBad]);
        r.nan_seen = h[detail::kNanSeen] != 0.0;
        return r;
    }

private:
    Vector<double, D> sums_;
};

}  // namespace mvae
