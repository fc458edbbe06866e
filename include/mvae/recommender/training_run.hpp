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
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/set_difference.hpp"
#include "mvae/data/split_data.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/recommender/recommender.hpp"

namespace mvae {

/// The protocol of a training run; see the file comment.
struct TrainingProtocol {
    index_t epochs = 0;               ///< epochs of an iterative model, ≥ 0
    index_t eval_every = 0;           ///< evaluate every N epochs (and after the last); 0: only at the end
    bool select_on_validation = false;
    bool retrain_full = false;        ///< with select_on_validation: refit on all of train
    EvalOptions eval;                 ///< cut-offs of the reported metrics
    index_t select_k = 10;            ///< select on validation NDCG@select_k (one of eval.ks, else the last)

    void validate() const {
        require_argument(epochs >= 0, "TrainingProtocol::epochs must be >= 0, got ", epochs);
        require_argument(eval_every >= 0, "TrainingProtocol::eval_every must be >= 0, got ", eval_every);
        require_argument(!retrain_full || select_on_validation, "retrain_full needs select_on_validation");
        validate_eval_options(eval);
    }
};

/// One epoch of the run: its log and the evaluations after it.
struct EpochRecord {
    EpochLog log;
    std::optional<EvalReport> test;        ///< recorded for curves, never used for a choice
    std::optional<EvalReport> validation;  ///< under select_on_validation
};

/// What a training run measured.
struct TrainingOutcome {
    EvalReport headline;                   ///< the run's answer: retrained, else selected, else last
    EvalReport last;                       ///< test metrics after the last epoch
    std::optional<EvalReport> selected;    ///< test metrics of the restored best epoch
    std::optional<EvalReport> retrained;   ///< test metrics of the refit on all of train
    std::optional<EvalReport> validation;  ///< a non-iterative model's validation metrics
    index_t selected_epoch = 0;            ///< 0 when nothing was selected
    double selected_validation = 0;        ///< validation NDCG@select_k of the selected epoch
    double prepare_seconds = 0;            ///< start() of the first model (completion, set-up)
    double train_seconds = 0;              ///< the epochs of the first model
    double total_seconds = 0;
    std::vector<EpochRecord> history;
    std::unique_ptr<Recommender> model;    ///< the model of the headline (to save)
};

/// Messages of a run as it goes (one line each, no newline).
using ProgressFn = std::function<void(const std::string&)>;

/**
 * Runs `protocol` for the models `make()` builds on `data` (train, validation, test); see the
 * file comment. Throws ArgumentError when selection is asked for without validation pairs or
 * without eval_every > 0.
 */
inline TrainingOutcome run_training(const std::function<std::unique_ptr<Recommender>()>& make, const SplitData& data,
                                    const TrainingProtocol& protocol, const ProgressFn& progress = {}) {
    protocol.validate();
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
    model->start(fit_matrix);
    out.prepare_seconds = seconds_since(t_start);

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
    std::any best_snapshot;
    double best = -1;
    for (index_t e = 1; e <= protocol.epochs; ++e) {
        EpochRecord record{model->train_epoch(), std::nullopt, std::nullopt};
        out.train_seconds += record.log.seconds;
        std::string line = detail::error_message("epoch ", e, "/", protocol.epochs);
        for (const auto& [name, value] : record.log.values) line += detail::error_message("  ", name, " ", value);
        line += detail::error_message("  ", record.log.seconds, " s");
        if (protocol.eval_every > 0 && (e % protocol.eval_every == 0 || e == protocol.epochs)) {
            record.test = model->evaluate(data.train, data.test, protocol.eval);
            if (selecting) {
                record.validation = model->evaluate(fit_matrix, data.validation, protocol.eval);
                const double v = record.validation->ndcg[at_k];
                line += detail::error_message("  validation NDCG@", protocol.eval.ks[at_k], " ", v);
                if (v > best) {
                    best = v;
                    out.selected_epoch = e;
                    out.selected_validation = v;
                    best_snapshot = model->snapshot();
                }
            } else {
                line += detail::error_message("  test NDCG@", protocol.eval.ks[at_k], " ", record.test->ndcg[at_k]);
            }
        }
        say(line);
        out.history.push_back(std::move(record));
    }
    out.headline = out.last = model->evaluate(data.train, data.test, protocol.eval);
    if (selecting && best_snapshot.has_value()) {
        model->restore(best_snapshot);
        out.headline = *(out.selected = model->evaluate(data.train, data.test, protocol.eval));
        say(detail::error_message("selected epoch ", out.selected_epoch, " (validation NDCG@", protocol.eval.ks[at_k], " ",
                                  out.selected_validation, ")"));
    }
    if (selecting && protocol.retrain_full && out.selected_epoch > 0) {
        std::unique_ptr<Recommender> full = make();
        full->start(data.train);
        for (index_t e = 1; e <= out.selected_epoch; ++e) {
            const EpochLog log = full->train_epoch();
            say(detail::error_message("retrain on all of train: epoch ", e, "/", out.selected_epoch, "  ", log.seconds, " s"));
        }
        out.headline = *(out.retrained = full->evaluate(data.train, data.test, protocol.eval));
        model = std::move(full);
    }
    out.model = std::move(model);
    out.total_seconds = seconds_since(t_start);
    return out;
}

}  // namespace mvae
