// mvae/training/dual_trainer.hpp — the training schedules of a DualVAE.
//
// independent: every epoch, the uVAE passes once over all user rows and the iVAE once over all
//   item rows (in shuffled batches).
// paired: the paper's "1500 × 1500 submatrices", as in the JoVA reference code: for every batch of
//   users and every batch of items, one uVAE step on those users' rows and one iVAE step on those
//   items' columns. A user batch is thus trained ⌈#items / batch⌉ times per epoch and an item
//   batch ⌈#users / batch⌉ times. (The JoVA code skips the last item batch by an off-by-one; every
//   batch is trained here.) With a hinge term (enable_hinge: JoVA-Hinge) each block's two steps
//   share it: both forward passes run, the hinge over the block's combined prediction adds its
//   gradient to both sides' logits, then both backward passes and updates.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "mvae/backend/device_copy.hpp"
#include "mvae/core/error.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/model/dual_vae.hpp"
#include "mvae/random/random_stream.hpp"
#include "mvae/training/batch_iterator.hpp"
#include "mvae/training/pairwise_hinge.hpp"
#include "mvae/training/vae_trainer.hpp"

namespace mvae {

enum class Schedule { Independent, Paired };

[[nodiscard]] inline const char* to_string(Schedule s) noexcept {
    return s == Schedule::Paired ? "paired" : "independent";
}

[[nodiscard]] inline Schedule parse_schedule(std::string_view name) {
    if (name == "independent") return Schedule::Independent;
    if (name == "paired") return Schedule::Paired;
    throw ArgumentError(detail::error_message("unknown schedule '", name, "' (expected paired or independent)"));
}

/// The rows each side reads: its encoder's input (masked by the trainer) and its decoder's target.
template <class UserIn, class UserTarget, class ItemIn, class ItemTarget>
struct DualSources {
    const UserIn& user_input;
    const UserTarget& user_target;
    const ItemIn& item_input;
    const ItemTarget& item_target;
};

template <class UserIn, class UserTarget, class ItemIn, class ItemTarget>
DualSources(const UserIn&, const UserTarget&, const ItemIn&, const ItemTarget&)
    -> DualSources<UserIn, UserTarget, ItemIn, ItemTarget>;

/// One epoch of both sides. A side the model lacks reports zero steps.
struct DualEpochReport {
    index_t epoch = 0;
    EpochReport user;
    EpochReport item;
    double seconds = 0;
    double hinge = 0;          ///< the hinge term, mean over the epoch's blocks (0 without one)
    double hinge_active = 0;   ///< share of the sampled triples whose hinge was positive
    /// The summed loss of Eq. 8: uVAE + iVAE (each a mean over its steps' rows), plus the hinge term.
    [[nodiscard]] double loss() const noexcept { return user.loss + item.loss + hinge; }
};

/**
 * Trains both sides of a DualVAE under a schedule. Each side has its own VaeTrainer (optimiser,
 * masks, noise); the item side's streams are keyed by a seed derived from options.seed.
 * Likelihood is the model's likelihood policy (DualVAE's third parameter; BernoulliLikelihood by default).
 */
template <Real S, Device D, class Likelihood = BernoulliLikelihood>
    requires LikelihoodPolicy<Likelihood, S, D>
class DualTrainer {
public:
    using Model = DualVAE<S, D, Likelihood>;
    using Trainer = VaeTrainer<S, D, Likelihood>;  ///< each side's trainer

    DualTrainer(Model& model, const VaeTrainOptions& options, Schedule schedule)
        : model_(&model), options_((options.validate(), options)), schedule_(schedule) {
        if (model.has_user_side()) user_.emplace(model.user_vae(), options);
        if (model.has_item_side()) {
            VaeTrainOptions item_options = options;
            item_options.seed = stream_id(kItemSidePurpose, options.seed);
            item_.emplace(model.item_vae(), item_options);
        }
    }

    /**
     * Adds JoVA's pairwise hinge term over each block's combined prediction (training/pairwise_hinge.hpp),
     * with the positives of `train` (which must outlive the trainer). Needs both sides and the
     * paired schedule (ArgumentError otherwise). The blocks then run each side's batch in one pass.
     */
    void enable_hinge(const InteractionMatrix& train, PairwiseHingeOptions options) {
        require_argument(user_ && item_, "DualTrainer::enable_hinge: the hinge term needs both VAEs");
        require_argument(schedule_ == Schedule::Paired, "DualTrainer::enable_hinge: the hinge term needs the paired schedule");
        require_argument(user_->communicator().size() == 1, "DualTrainer::enable_hinge: the hinge term does not train "
                                                            "data-parallel; run it in one process");
        require_shape(train.n_users() == model_->n_users() && train.n_items() == model_->n_items(),
                      "DualTrainer::enable_hinge: a ", train.n_users(), " x ", train.n_items(), " matrix for a ",
                      model_->n_users(), " x ", model_->n_items(), " model");
        hinge_train_ = &train;
        hinge_.emplace(options);
    }

    /// Trains both sides data-parallel over `comm`'s ranks (VaeTrainer::set_communicator): under
    /// either schedule each rank takes its share of every batch of users and of items. Not with
    /// the hinge term (ArgumentError).
    void set_communicator(const std::shared_ptr<const Communicator>& comm) {
        require_argument(comm != nullptr, "DualTrainer::set_communicator: null communicator");
        require_argument(comm->size() == 1 || !hinge_, "DualTrainer: the hinge term (JoVA-Hinge) does not train "
                                                       "data-parallel; run it in one process");
        if (user_) user_->set_communicator(comm);
        if (item_) item_->set_communicator(comm);
    }

    [[nodiscard]] Schedule schedule() const noexcept { return schedule_; }
    [[nodiscard]] index_t epochs_done() const noexcept { return epoch_; }
    /// Sets the epochs completed (with each side's VaeTrainer::set_state: resuming from a checkpoint).
    void set_epochs_done(index_t epochs) {
        require_argument(epochs >= 0, "DualTrainer::set_epochs_done: epochs must be >= 0, got ", epochs);
        epoch_ = epochs;
    }
    [[nodiscard]] Trainer* user_trainer() noexcept { return user_ ? &*user_ : nullptr; }
    [[nodiscard]] Trainer* item_trainer() noexcept { return item_ ? &*item_ : nullptr; }

    /// Starts each side's output bias at the log-odds of its target's column frequencies.
    template <class UI, class UT, class II, class IT>
    void initialize_output_biases(const DualSources<UI, UT, II, IT>& src) {
        if (user_) user_->initialize_output_bias(src.user_target);
        if (item_) item_->initialize_output_bias(src.item_target);
    }

    /// One epoch under the schedule. Invalidates the model's scoring cache.
    template <class UI, class UT, class II, class IT>
    DualEpochReport train_epoch(const DualSources<UI, UT, II, IT>& src) {
        const auto start = std::chrono::steady_clock::now();
        model_->invalidate_scoring();
        DualEpochReport report;
        if (schedule_ == Schedule::Independent) {
            if (user_) report.user = user_->train_epoch(src.user_input, src.user_target);
            if (item_) report.item = item_->train_epoch(src.item_input, src.item_target);
        } else {
            train_paired(src, report);
        }
        ++epoch_;
        report.epoch = epoch_;
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return report;
    }

private:
    static constexpr std::uint64_t kItemSidePurpose = 0x6974656D73696465ull;  // "itemside"
    static constexpr std::uint64_t kPairedPurpose = 0x706169726564ull;        // "paired"

    template <class UI, class UT, class II, class IT>
    void train_paired(const DualSources<UI, UT, II, IT>& src, DualEpochReport& report) {
        const index_t n_users = model_->n_users(), n_items = model_->n_items();
        if (!user_batches_) {
            user_batches_.emplace(n_users, options_.batch_size, stream_id(kPairedPurpose, options_.seed, 0), options_.shuffle);
            item_batches_.emplace(n_items, options_.batch_size, stream_id(kPairedPurpose, options_.seed, 1), options_.shuffle);
        }
        user_batches_->start_epoch(std::uint64_t(epoch_));
        item_batches_->start_epoch(std::uint64_t(epoch_));
        if (!hinge_) {  // the epoch's row orders on the device, and its sums there: one upload each
            const auto& be = (user_ ? *user_ : *item_).backend();
            user_order_.assign(be, user_batches_->order());
            item_order_.assign(be, item_batches_->order());
            // Each side steps once per block: its masks' sizes are its batch's, block by block.
            user_plan_rows_.clear();
            item_plan_rows_.clear();
            for (index_t bu = 0; bu < user_batches_->batch_count(); ++bu)
                for (index_t bi = 0; bi < item_batches_->batch_count(); ++bi) {
                    user_plan_rows_.push_back(index_t(user_batches_->batch(bu).size()));
                    item_plan_rows_.push_back(index_t(item_batches_->batch(bi).size()));
                }
            if (user_) user_->plan_masks(user_plan_rows_), user_->begin_epoch_sums();
            if (item_) item_->plan_masks(item_plan_rows_), item_->begin_epoch_sums();
        }
        double user_seconds = 0, item_seconds = 0;
        index_t blocks = 0;
        index_t triples = 0, active = 0;
        for (index_t bu = 0; bu < user_batches_->batch_count(); ++bu) {
            for (index_t bi = 0; bi < item_batches_->batch_count(); ++bi) {
                ++blocks;
                if (hinge_) {  // the two steps interleave: the block's time is shared between the sides
                    const auto t0 = std::chrono::steady_clock::now();
                    report.hinge += hinge_step(src, report, user_batches_->batch(bu), item_batches_->batch(bi));
                    const double half = 0.5 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    user_seconds += half;
                    item_seconds += half;
                    triples += hinge_->triples();
                    active += hinge_->active();
                    continue;
                }
                auto t0 = std::chrono::steady_clock::now();
                if (user_) user_->deferred_step(src.user_input, src.user_target, Trainer::device_batch(*user_batches_, user_order_, bu));
                auto t1 = std::chrono::steady_clock::now();
                if (item_) item_->deferred_step(src.item_input, src.item_target, Trainer::device_batch(*item_batches_, item_order_, bi));
                auto t2 = std::chrono::steady_clock::now();
                user_seconds += std::chrono::duration<double>(t1 - t0).count();
                item_seconds += std::chrono::duration<double>(t2 - t1).count();
            }
        }
        if (!hinge_) {  // the deferred sums: one read per side (means over the steps)
            if (user_) report.user = user_->end_epoch_sums();
            if (item_) report.item = item_->end_epoch_sums();
        } else {
            report.user.average();
            report.item.average();
        }
        if (user_) finish(report.user, *user_, user_seconds);
        if (item_) finish(report.item, *item_, item_seconds);
        if (hinge_ && blocks > 0) {
            report.hinge /= double(blocks);
            report.hinge_active = triples > 0 ? double(active) / double(triples) : 0.0;
        }
    }

    // One block with the hinge term: both forward passes, the hinge, both backward passes.
    template <class UI, class UT, class II, class IT>
    double hinge_step(const DualSources<UI, UT, II, IT>& src, DualEpochReport& report, std::span<const index_t> users,
                      std::span<const index_t> items) {
        const auto& be = model_->user_vae().backend();
        const auto key = std::uint64_t(user_->steps());
        const auto user_logits = user_->begin_step(src.user_input, src.user_target, users);
        const auto item_logits = item_->begin_step(src.item_input, src.item_target, items);
        const double h = hinge_->compute(be, *hinge_train_, users, items, user_logits, item_logits,
                                         model_->config().alpha, key);
        report.user.add(user_->finish_step([&](MatrixView<S, D> d, S) { hinge_->add_user_gradient(be, d); }),
                        user_->last_gradient_stats().norm);
        report.item.add(item_->finish_step([&](MatrixView<S, D> d, S) { hinge_->add_item_gradient(be, d); }),
                        item_->last_gradient_stats().norm);
        return h;
    }

    static void finish(EpochReport& r, Trainer& trainer, double seconds) {
        trainer.finish_epoch();
        r.epoch = trainer.epochs_done();
        r.learning_rate = trainer.optimizer().learning_rate();
        r.seconds = seconds;
    }

    Model* model_;
    VaeTrainOptions options_;
    Schedule schedule_;
    std::optional<Trainer> user_;
    std::optional<Trainer> item_;
    std::optional<BatchIterator> user_batches_, item_batches_;
    DeviceCopy<index_t, D> user_order_, item_order_;  // the paired epoch's row orders, in D's memory
    std::vector<index_t> user_plan_rows_, item_plan_rows_;
    const InteractionMatrix* hinge_train_ = nullptr;
    std::optional<PairwiseHinge<S, D>> hinge_;
    index_t epoch_ = 0;
};

}  // namespace mvae
