// mvae/recommender/epoch_selection.hpp — choosing an iterative model's number of epochs on validation,
// then training a fresh model on all of the training data for that many (the protocol of every
// VAE row in docs/results.md). The test split is never looked at.
//
// A model of two separately selectable parts (Recommender::parts(): MVAE's uVAE and iVAE under the
// independent schedule) gets an epoch count per part, each chosen on its own validation NDCG (the
// part scored alone); a model that fuses two parts (Recommender::mix()) then gets its fusion chosen
// on validation among a grid of α and rules (model/fusion.hpp). run_training
// (recommender/training_run.hpp) follows the same rules with the helpers below.
#pragma once

#include <algorithm>
#include <any>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/model/fusion.hpp"
#include "mvae/recommender/recommender.hpp"

namespace mvae {

/// Validation NDCG@options.ks[at] of `model` as it scores now.
[[nodiscard]] inline double validation_ndcg(Recommender& model, const InteractionMatrix& fit_part,
                                            const InteractionMatrix& validation, const EvalOptions& options, std::size_t at) {
    return model.evaluate(fit_part, validation, options).ndcg[at];
}

/// Each part of a two-part model scored alone on validation (α = 1, then α = 0); the model's
/// mix is put back after.
[[nodiscard]] inline std::vector<double> part_validation_ndcg(Recommender& model, const InteractionMatrix& fit_part,
                                                              const InteractionMatrix& validation,
                                                              const EvalOptions& options, std::size_t at) {
    const std::optional<ScoreMix> own = model.mix();
    require_argument(own.has_value() && model.parts() == 2, "part_validation_ndcg: the model has no two parts to score alone");
    std::vector<double> v;
    for (const double alpha : {1.0, 0.0}) {
        model.set_mix({alpha, Fusion::Probability});
        v.push_back(validation_ndcg(model, fit_part, validation, options, at));
    }
    model.set_mix(*own);
    return v;
}

/// The fusion with the best validation NDCG among the model's own (scoring `own_value`; it wins
/// ties) and `mixes`, in that order; sets it on the model and returns it with its value.
inline std::pair<ScoreMix, double> choose_mix(Recommender& model, const InteractionMatrix& fit_part,
                                              const InteractionMatrix& validation, const EvalOptions& options,
                                              std::size_t at, const std::vector<ScoreMix>& mixes, double own_value) {
    const std::optional<ScoreMix> own = model.mix();
    require_argument(own.has_value(), "choose_mix: the model does not fuse parts");
    std::pair<ScoreMix, double> best{*own, own_value};
    for (const ScoreMix& m : mixes) {
        if (m == *own) continue;
        model.set_mix(m);
        const double v = validation_ndcg(model, fit_part, validation, options, at);
        if (v > best.second) best = {m, v};
    }
    model.set_mix(best.first);
    return best;
}

/// The grid and the criterion.
struct EpochSelectionOptions {
    index_t max_epochs = 40;  ///< the last epoch tried, ≥ 1
    index_t every = 5;        ///< evaluate after every `every` epochs, ≥ 1
    index_t k = 10;           ///< select on validation NDCG@k, ≥ 1
    /// Stop after this many evaluations without a new best (of any part) (0: always go to max_epochs).
    index_t patience = 0;
    bool select_parts = true;  ///< each part of a model with parts() > 1 its own epochs
    bool choose_mix = true;    ///< the fusion of a model with mix() chosen among `mixes`
    std::vector<ScoreMix> mixes = default_score_mixes();

    void validate() const {
        require_argument(max_epochs >= 1, "EpochSelectionOptions::max_epochs must be >= 1, got ", max_epochs);
        require_argument(every >= 1, "EpochSelectionOptions::every must be >= 1, got ", every);
        require_argument(k >= 1, "EpochSelectionOptions::k must be >= 1, got ", k);
        require_argument(patience >= 0, "EpochSelectionOptions::patience must be >= 0, got ", patience);
        for (const ScoreMix& m : mixes) m.validate();
    }
};

/// What the selection saw.
struct EpochSelection {
    index_t epochs = 0;             ///< the chosen number (the earliest of equal bests; with parts, the larger count)
    double validation_ndcg = 0;     ///< validation NDCG@k of the chosen model (and fusion)
    std::vector<index_t> tried;     ///< epochs evaluated
    std::vector<double> curve;      ///< validation NDCG@k at each (the model at its own fusion)
    std::vector<index_t> part_epochs;               ///< each part's chosen epochs (models with parts)
    std::vector<std::vector<double>> part_curves;   ///< each part's validation NDCG@k alone, at `tried`
    std::optional<ScoreMix> mix;                    ///< the chosen fusion (models with mix())
};

/**
 * Trains `model` (started on `fit_part` here) and evaluates NDCG@k on `validation` (fit_part's
 * items excluded) after every `every` epochs; returns the best epoch count, per part for a model
 * with parts, and the best fusion (file comment). The model is left as selected (parts restored,
 * fusion set) when it has parts or its fusion is chosen, else at its last epoch.
 * `on_eval(epochs, ndcg)` reports each evaluation (progress). A non-iterative model is evaluated
 * once, at 0 epochs.
 */
inline EpochSelection select_epochs(Recommender& model, const InteractionMatrix& fit_part,
                                    const InteractionMatrix& validation, const EpochSelectionOptions& options,
                                    const std::function<void(index_t, double)>& on_eval = {}) {
    options.validate();
    // Built without the default {1, 5, 10}: inlined into a caller, that list trips a GCC 12
    // -Wdangling-pointer false positive.
    const EvalOptions eval{.ks = std::vector<index_t>(1, options.k)};
    EpochSelection s;
    model.start(fit_part);
    const bool by_parts = options.select_parts && model.iterative() && model.parts() == 2 && model.mix().has_value();
    const bool mixing = options.choose_mix && model.iterative() && model.mix().has_value();
    std::any best_snapshot;  // the whole model at its best epoch, to choose the fusion on
    std::vector<double> part_best;
    std::vector<std::any> part_snapshot;
    if (by_parts) part_best.assign(2, -1.0), part_snapshot.resize(2), s.part_epochs.assign(2, 0), s.part_curves.resize(2);
    const auto record = [&](index_t epochs) {
        const double v = validation_ndcg(model, fit_part, validation, eval, 0);
        s.tried.push_back(epochs);
        s.curve.push_back(v);
        if (on_eval) on_eval(epochs, v);
        if (by_parts) {
            bool improved = false;
            const std::vector<double> parts = part_validation_ndcg(model, fit_part, validation, eval, 0);
            for (std::size_t p = 0; p < 2; ++p) {
                s.part_curves[p].push_back(parts[p]);
                if (parts[p] > part_best[p]) {
                    part_best[p] = parts[p], s.part_epochs[p] = epochs, improved = true;
                    part_snapshot[p] = model.snapshot();
                }
            }
            return improved;
        }
        const bool best = s.tried.size() == 1 || v > s.validation_ndcg;
        if (best) {
            s.epochs = epochs;
            s.validation_ndcg = v;
            if (mixing) best_snapshot = model.snapshot();
        }
        return best;
    };
    if (!model.iterative()) {
        record(0);
        return s;
    }
    index_t since_best = 0;
    for (index_t e = options.every; e <= options.max_epochs; e += options.every) {
        model.train_epochs(e - model.epochs_done());
        since_best = record(e) ? 0 : since_best + 1;
        if (options.patience > 0 && since_best >= options.patience) break;
    }
    if (by_parts) {
        // The selected model: each part at its own epochs.
        s.epochs = std::max(s.part_epochs[0], s.part_epochs[1]);
        model.restore(part_snapshot[0]);
        model.restore_part(1, part_snapshot[1]);
        s.validation_ndcg = validation_ndcg(model, fit_part, validation, eval, 0);
    }
    if (mixing) {
        if (!by_parts) {  // the fusion is chosen on the model at its best epoch
            if (best_snapshot.has_value())
                model.restore(best_snapshot);
            else if (s.epochs != model.epochs_done())
                return s;  // a model without snapshots: the fusion is left as it is
        }
        const auto [mix, value] = choose_mix(model, fit_part, validation, eval, 0, options.mixes, s.validation_ndcg);
        s.mix = mix;
        s.validation_ndcg = value;
    }
    return s;
}

/**
 * Trains a model (started on all training data) for a selection's epochs: each part to its own
 * count when the selection has them (the part with fewer is kept from a snapshot while the other
 * trains on), then sets the chosen fusion.
 */
inline void train_selected(Recommender& model, const EpochSelection& selection) {
    if (selection.part_epochs.empty()) {
        model.train_epochs(selection.epochs - model.epochs_done());
    } else {
        std::vector<std::any> kept(selection.part_epochs.size());
        while (model.epochs_done() < selection.epochs) {
            model.train_epochs(1);
            for (std::size_t p = 0; p < kept.size(); ++p)
                if (selection.part_epochs[p] == model.epochs_done() && model.epochs_done() < selection.epochs)
                    kept[p] = model.snapshot();
        }
        for (std::size_t p = 0; p < kept.size(); ++p)
            if (kept[p].has_value()) model.restore_part(index_t(p), kept[p]);
    }
    if (selection.mix) model.set_mix(*selection.mix);
}

}  // namespace mvae
