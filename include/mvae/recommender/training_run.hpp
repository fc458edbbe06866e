// mvae/recommender/training_run.hpp — one model trained and tested on a split under a stated
// protocol: what `mvae train` runs, callable from C++ for any Recommender on any device.
//
// The test split is never used for a choice. Without selection the model trains on all of train
// and its last epoch is tested. With select_on_validation it trains on train minus validation,
// is evaluated on validation every `eval_every` epochs, and the best epoch (validation NDCG@k, the
// earliest of equal bests) is restored from a snapshot and tested; with retrain_full a fresh model
// is then trained on all of train for that many epochs, and its metrics are the headline. A
// non-iterative model is fitted on train minus validation for the validation figure, then on all
// of train for the test.
//
// A model of two separately selectable parts (Recommender::parts(): MVAE's uVAE and iVAE under the
// independent schedule) has each part's epochs selected on its own validation NDCG (the part
// scored alone), and each part restored from its own best epoch; a refit trains both and keeps
// each part at its own count. A model that fuses two parts (Recommender::mix()) then has the
// fusion (α and rule) chosen on validation from TrainingProtocol::mixes. Both only with
// select_on_validation, so no choice ever looks at the test split.
#pragma once

#include <algorithm>
#include <any>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/set_difference.hpp"
#include "mvae/data/split_data.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/io/model_file.hpp"
#include "mvae/model/fusion.hpp"
#include "mvae/recommender/epoch_selection.hpp"
#include "mvae/recommender/recommender.hpp"
#include "mvae/recommender/training_checkpoint.hpp"

namespace mvae {

/// The protocol of a training run; see the file comment.
struct TrainingProtocol {
    index_t epochs = 0;               ///< epochs of an iterative model, ≥ 0
    index_t eval_every = 0;           ///< evaluate every N epochs (and after the last); 0: only at the end
    bool select_on_validation = false;
    bool retrain_full = false;        ///< with select_on_validation: refit on all of train
    EvalOptions eval;                 ///< cut-offs of the reported metrics
    index_t select_k = 10;            ///< select on validation NDCG@select_k (one of eval.ks, else the last)
    bool select_parts = true;         ///< with selection: each part of a model with parts() > 1 its own epochs
    bool choose_mix = true;           ///< with selection: the fusion of a model with mix() chosen among `mixes`
    /// The fusions tried (after the model's own, which wins ties).
    std::vector<ScoreMix> mixes = default_score_mixes();

    void validate() const {
        require_argument(epochs >= 0, "TrainingProtocol::epochs must be >= 0, got ", epochs);
        require_argument(eval_every >= 0, "TrainingProtocol::eval_every must be >= 0, got ", eval_every);
        require_argument(!retrain_full || select_on_validation, "retrain_full needs select_on_validation");
        validate_eval_options(eval);
        for (const ScoreMix& m : mixes) m.validate();
    }
};

/// What a training run measured.
struct TrainingOutcome {
    EvalReport headline;                   ///< the run's answer: retrained, else selected, else last
    EvalReport last;                       ///< test metrics after the last epoch
    std::optional<EvalReport> selected;    ///< test metrics of the restored best epoch
    std::optional<EvalReport> retrained;   ///< test metrics of the refit on all of train
    std::optional<EvalReport> validation;  ///< a non-iterative model's validation metrics
    index_t selected_epoch = 0;            ///< 0 when nothing was selected (with parts: the larger count)
    double selected_validation = 0;        ///< validation NDCG@select_k of the selected model (and mix)
    std::vector<index_t> part_epochs;      ///< each part's selected epochs (models with parts() > 1)
    std::optional<ScoreMix> mix;           ///< the fusion chosen on validation (models with mix())
    /// Test metrics of each part of the headline model alone (α = 1, then α = 0), for models with
    /// two fused parts (MVAE: the uVAE, then the iVAE): the model's own sides, trained in the same
    /// run on the same R′ and masks, so the fusion's gain over either is measured without seed noise.
    std::vector<EvalReport> part_tests;
    double prepare_seconds = 0;            ///< start() of the first model (completion, set-up)
    double train_seconds = 0;              ///< the epochs of the first model
    double total_seconds = 0;
    std::vector<EpochRecord> history;
    std::unique_ptr<Recommender> model;    ///< the model of the headline (to save); when stopped, the one in training
    bool stopped = false;                  ///< TrainingControl::stop ended the run early: the reports are not set
    TrainingRunState::Phase stopped_phase = TrainingRunState::Phase::Train;
    index_t stopped_epoch = 0;             ///< epochs of that phase done when it stopped
    bool checkpoint_written = false;       ///< at least one checkpoint was written
};

/// Messages of a run as it goes (one line each, no newline).
using ProgressFn = std::function<void(const std::string&)>;

/**
 * Checkpoints, resumption and stopping of a training run; all optional. Only a model whose
 * Recommender::resumable() is true (the MVAE family) can be checkpointed or resumed.
 *
 * Checkpoints are taken at epoch boundaries: an epoch is the unit of the protocol (evaluation,
 * selection) and the state between two epochs is small (parameters, Adam's moments, counters).
 * A stop request is honoured after the epoch in progress.
 */
struct TrainingControl {
    std::filesystem::path checkpoint{};       ///< where checkpoints go (atomically); empty: none
    index_t checkpoint_every = 1;             ///< a checkpoint after every N epochs, ≥ 1
    std::filesystem::path resume{};           ///< continue the run this checkpoint holds; empty: start
    /// Polled after the model is started and after every epoch: when true, the run writes a
    /// checkpoint (when `checkpoint` is set) and returns with TrainingOutcome::stopped.
    const std::atomic<bool>* stop = nullptr;
    /// The ranks of a data-parallel run (docs/scale.md): every rank calls run_training with the
    /// same arguments; the models train on their shares of every batch (Recommender::
    /// set_communicator), every evaluation is split by users and added over the ranks, a stop
    /// request on any rank stops all of them after the same epoch, and only rank 0 writes the
    /// checkpoints. Every rank returns the same outcome. Null: one process.
    std::shared_ptr<const Communicator> communicator = nullptr;

    void validate() const {
        require_argument(checkpoint_every >= 1, "TrainingControl::checkpoint_every must be >= 1, got ", checkpoint_every);
    }
};

/**
 * Runs `protocol` for the models `make()` builds on `data` (train, validation, test); see the
 * file comment, and TrainingControl for checkpoints, resumption and stopping. A resumed run gives
 * the same figures and model, bit for bit, as the uninterrupted run with the same seed and threads.
 * Throws ArgumentError when selection is asked for without validation pairs or without
 * eval_every > 0, or a checkpoint for a model that cannot take one; ParseError (naming the file)
 * when the checkpoint to resume is of another protocol, data or model settings.
 */
inline TrainingOutcome run_training(const std::function<std::unique_ptr<Recommender>()>& make_model,
                                    const SplitData& data, const TrainingProtocol& run_protocol,
                                    const ProgressFn& progress = {}, const TrainingControl& control = {}) {
    run_protocol.validate();
    const std::shared_ptr<const Communicator>& comm = control.communicator;
    TrainingProtocol protocol = run_protocol;
    protocol.eval.communicator = comm;  // every evaluation split over the ranks
    const auto make = [&] {
        std::unique_ptr<Recommender> m = make_model();
        if (comm) m->set_communicator(comm);
        return m;
    };
    control.validate();
    const bool selecting = protocol.select_on_validation;
    require_argument(data.train.nnz() > 0, "the training split has no interactions (", data.n_users(), " x ",
                     data.n_items(), "): nothing to train on");
    require_argument(!selecting || data.validation.nnz() > 0,
                     "select_on_validation: the split has no validation pairs (vali.csv missing or empty)");
    const auto say = [&](const std::string& line) {
        if (progress) progress(line);
    };
    const auto now = [] { return std::chrono::steady_clock::now(); };
    const auto seconds_since = [&](auto t) { return std::chrono::duration<double>(now() - t).count(); };
    // Agreed by every rank (a collective), so that all stop after the same epoch.
    const auto stop_requested = [&] {
        const bool mine = control.stop != nullptr && control.stop->load();
        return comm ? comm->any_of(mine) : mine;
    };
    const auto t_start = now();
    const std::size_t at_k = [&] {
        for (std::size_t n = 0; n < protocol.eval.ks.size(); ++n)
            if (protocol.eval.ks[n] == protocol.select_k) return n;
        return protocol.eval.ks.size() - 1;
    }();

    TrainingOutcome out;
    const InteractionMatrix fit_part = selecting ? without(data.train, data.validation) : InteractionMatrix();
    require_argument(!selecting || fit_part.nnz() > 0, "select_on_validation: nothing is left of the training split ",
                     "after removing its ", data.validation.nnz(), " validation pairs");
    const InteractionMatrix& fit_matrix = selecting ? fit_part : data.train;
    std::unique_ptr<Recommender> model = make();
    const bool checkpointing = !control.checkpoint.empty() || !control.resume.empty();
    require_argument(!checkpointing || (model->iterative() && model->resumable()),
                     "checkpoints: this model's training cannot be checkpointed or resumed (only the MVAE family's)");

    using Phase = TrainingRunState::Phase;
    TrainingRunState state;
    std::string mixes_text;
    for (const ScoreMix& m : protocol.mixes) mixes_text += detail::error_message(mixes_text.empty() ? "" : ",", to_string(m.fusion), ":", m.alpha);
    const std::string protocol_text = detail::error_message(
        "epochs=", protocol.epochs, " eval_every=", protocol.eval_every, " select_on_validation=", selecting,
        " retrain_full=", protocol.retrain_full, " select_k=", protocol.select_k, " ks=", detail::join_ks(protocol.eval.ks),
        " select_parts=", protocol.select_parts, " choose_mix=", protocol.choose_mix, " mixes=", mixes_text);
    // Each part's epochs selected on its own, and the fusion chosen: see the file comment.
    const bool by_parts = selecting && protocol.select_parts && model->parts() > 1 && model->mix().has_value();
    const bool mixing = selecting && protocol.choose_mix && model->mix().has_value();

    const std::string data_text = checkpointing ? split_fingerprint(data) : std::string();
    // The checkpoint of `m` after state.epoch epochs of the phase.
    // The ranks' states are the same: rank 0 writes it, and a failed write stops every rank.
    const auto write_checkpoint = [&](const Recommender& m) {
        on_root(comm ? *comm : *solo_communicator(), 0, "writing the checkpoint " + control.checkpoint.string(), [&] {
            ModelWriter w(training_checkpoint_kind);
            m.write_checkpoint(w);
            write_run_state(w, state, protocol_text, data_text, m);
            w.save(control.checkpoint);
        });
    };
    // After epoch state.epoch: a checkpoint when one is due or the run stops. True: stop.
    const auto after_epoch = [&](const Recommender& m) {
        const bool stop = stop_requested();
        if (!control.checkpoint.empty() && (stop || (state.epoch > 0 && state.epoch % control.checkpoint_every == 0))) {
            write_checkpoint(m);
            out.checkpoint_written = true;
        }
        if (stop) {
            out.stopped = true;
            say(detail::error_message("stopped after epoch ", state.epoch, state.phase == Phase::Retrain ? " of the retraining" : "",
                                      control.checkpoint.empty() ? ": no checkpoint was asked for"
                                                                 : ": checkpoint written to " + control.checkpoint.string()));
        }
        return stop;
    };
    const auto stopped_outcome = [&](std::unique_ptr<Recommender> m) {
        out.history = state.history;
        out.selected_epoch = state.selected_epoch;
        out.selected_validation = state.selected_validation;
        out.prepare_seconds = state.prepare_seconds;
        out.train_seconds = state.train_seconds;
        out.stopped_phase = state.phase;
        out.stopped_epoch = state.epoch;
        out.model = std::move(m);
        out.total_seconds = seconds_since(t_start);
        return std::move(out);
    };

    std::optional<ModelReader> resume;
    if (!control.resume.empty()) {
        resume.emplace(ModelReader::open(control.resume, training_checkpoint_kind));
        state = read_run_state(*resume, protocol_text, data_text, *model);
        if (state.phase == Phase::Train) {
            model->read_checkpoint(*resume, fit_matrix);
            say(detail::error_message("resumed from ", control.resume.string(), " after epoch ", state.epoch));
        }
    } else {
        model->start(fit_matrix);
        state.prepare_seconds = seconds_since(t_start);
    }
    out.prepare_seconds = state.prepare_seconds;

    if (!model->iterative()) {
        if (selecting) {
            out.validation = model->evaluate(fit_matrix, data.validation, protocol.eval);
            say(detail::error_message("validation NDCG@", protocol.eval.ks[at_k], " ", out.validation->ndcg[at_k],
                                      " (fitted on train minus validation)"));
            model = make();
            model->start(data.train);
        }
        out.headline = out.last = model->evaluate(data.train, data.test, protocol.eval);
        out.model = std::move(model);
        out.total_seconds = seconds_since(t_start);
        return out;
    }

    require_argument(!selecting || protocol.eval_every > 0, "select_on_validation needs eval_every > 0");
    if (state.phase == Phase::Train) {
        if (!resume && after_epoch(*model)) return stopped_outcome(std::move(model));
        for (index_t e = state.epoch + 1; e <= protocol.epochs; ++e) {
            EpochRecord record{model->train_epoch(), std::nullopt, std::nullopt, {}};
            state.train_seconds += record.log.seconds;
            std::string line = detail::error_message("epoch ", e, "/", protocol.epochs);
            for (const auto& [name, value] : record.log.values) line += detail::error_message("  ", name, " ", value);
            line += detail::error_message("  ", record.log.seconds, " s");
            if (protocol.eval_every > 0 && (e % protocol.eval_every == 0 || e == protocol.epochs)) {
                record.test = model->evaluate(data.train, data.test, protocol.eval);
                if (selecting) {
                    record.validation = model->evaluate(fit_matrix, data.validation, protocol.eval);
                    const double v = record.validation->ndcg[at_k];
                    line += detail::error_message("  validation NDCG@", protocol.eval.ks[at_k], " ", v);
                    if (by_parts) {  // each part scored alone, its best epoch kept in a snapshot
                        record.part_validation = part_validation_ndcg(*model, fit_matrix, data.validation, protocol.eval, at_k);
                        state.parts.resize(record.part_validation.size());
                        std::any snapshot;
                        for (std::size_t p = 0; p < state.parts.size(); ++p) {
                            const double vp = record.part_validation[p];
                            line += detail::error_message("  part ", p, " ", vp);
                            if (vp > state.parts[p].best) {
                                if (!snapshot.has_value()) snapshot = model->snapshot();
                                state.parts[p] = {vp, e, snapshot};
                            }
                        }
                    } else if (v > state.best) {
                        state.best = v;
                        state.selected_epoch = e;
                        state.selected_validation = v;
                        state.best_snapshot = model->snapshot();
                    }
                } else {
                    line += detail::error_message("  test NDCG@", protocol.eval.ks[at_k], " ", record.test->ndcg[at_k]);
                }
            }
            say(line);
            state.history.push_back(std::move(record));
            state.epoch = e;
            if (after_epoch(*model)) return stopped_outcome(std::move(model));
        }
        state.last = model->evaluate(data.train, data.test, protocol.eval);
        if (by_parts && !state.parts.empty() && state.parts[0].snapshot.has_value()) {
            model->restore(state.parts[0].snapshot);
            for (std::size_t p = 1; p < state.parts.size(); ++p) model->restore_part(index_t(p), state.parts[p].snapshot);
            std::string line = "selected epochs";
            for (std::size_t p = 0; p < state.parts.size(); ++p) {
                state.selected_epoch = std::max(state.selected_epoch, state.parts[p].epoch);
                line += detail::error_message(p == 0 ? " " : ", ", state.parts[p].epoch, " for part ", p, " (validation NDCG@",
                                              protocol.eval.ks[at_k], " ", state.parts[p].best, ")");
            }
            say(line);
            state.selected_validation = validation_ndcg(*model, fit_matrix, data.validation, protocol.eval, at_k);
        }
        if (selecting && state.best_snapshot.has_value()) {
            model->restore(state.best_snapshot);
            say(detail::error_message("selected epoch ", state.selected_epoch, " (validation NDCG@", protocol.eval.ks[at_k],
                                      " ", state.selected_validation, ")"));
        }
        if (mixing && state.selected_epoch > 0) {
            const auto [mix, value] = choose_mix(*model, fit_matrix, data.validation, protocol.eval, at_k, protocol.mixes,
                                                 state.selected_validation);
            state.mix = mix;
            state.selected_validation = value;
            say(detail::error_message("chosen fusion: ", to_string(mix.fusion), " with alpha ", mix.alpha,
                                      " (validation NDCG@", protocol.eval.ks[at_k], " ", value, ")"));
        }
        if (state.selected_epoch > 0) state.selected = model->evaluate(data.train, data.test, protocol.eval);
    }
    out.headline = out.last = *state.last;
    if (state.selected) out.headline = *(out.selected = state.selected);
    if (selecting && protocol.retrain_full && state.selected_epoch > 0) {
        std::unique_ptr<Recommender> full = make();
        if (state.phase == Phase::Retrain) {  // resumed in the retraining
            full->read_checkpoint(*resume, data.train);
            say(detail::error_message("resumed from ", control.resume.string(), " after epoch ", state.epoch,
                                      " of the retraining"));
        } else {
            full->start(data.train);
            state.phase = Phase::Retrain;
            state.epoch = 0;
            state.best_snapshot.reset();
            for (PartSelection& part : state.parts) part.snapshot.reset();
            if (after_epoch(*full)) return stopped_outcome(std::move(full));
        }
        for (index_t e = state.epoch + 1; e <= state.selected_epoch; ++e) {
            const EpochLog log = full->train_epoch();
            say(detail::error_message("retrain on all of train: epoch ", e, "/", state.selected_epoch, "  ", log.seconds, " s"));
            state.epoch = e;
            // A part whose count is reached is kept as it is now; the other trains on.
            for (PartSelection& part : state.parts)
                if (part.epoch == e && e < state.selected_epoch) part.snapshot = full->snapshot();
            if (after_epoch(*full)) return stopped_outcome(std::move(full));
        }
        for (std::size_t p = 0; p < state.parts.size(); ++p)
            if (state.parts[p].snapshot.has_value()) full->restore_part(index_t(p), state.parts[p].snapshot);
        if (state.mix) full->set_mix(*state.mix);
        out.headline = *(out.retrained = full->evaluate(data.train, data.test, protocol.eval));
        model = std::move(full);
    }
    if (const std::optional<ScoreMix> fused = model->mix(); fused.has_value() && model->parts() == 2) {
        for (const double alpha : {1.0, 0.0}) {
            model->set_mix({alpha, fused->fusion});
            out.part_tests.push_back(model->evaluate(data.train, data.test, protocol.eval));
        }
        model->set_mix(*fused);
    }
    out.history = std::move(state.history);
    out.selected_epoch = state.selected_epoch;
    out.selected_validation = state.selected_validation;
    for (const PartSelection& part : state.parts) out.part_epochs.push_back(part.epoch);
    out.mix = state.mix;
    out.train_seconds = state.train_seconds;
    out.model = std::move(model);
    out.total_seconds = seconds_since(t_start);
    return out;
}

}  // namespace mvae
