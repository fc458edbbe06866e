// mvae/recommender/epoch_selection.hpp — choosing an iterative model's number of epochs on validation,
// then training a fresh model on all of the training data for that many (the protocol of every
// VAE row in docs/results.md). The test split is never looked at.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/recommender/recommender.hpp"

namespace mvae {

/// The grid and the criterion.
struct EpochSelectionOptions {
    index_t max_epochs = 40;  ///< the last epoch tried, ≥ 1
    index_t every = 5;        ///< evaluate after every `every` epochs, ≥ 1
    index_t k = 10;           ///< select on validation NDCG@k, ≥ 1
    /// Stop after this many evaluations without a new best (0: always go to max_epochs).
    index_t patience = 0;

    void validate() const {
        require_argument(max_epochs >= 1, "EpochSelectionOptions::max_epochs must be >= 1, got ", max_epochs);
        require_argument(every >= 1, "EpochSelectionOptions::every must be >= 1, got ", every);
        require_argument(k >= 1, "EpochSelectionOptions::k must be >= 1, got ", k);
        require_argument(patience >= 0, "EpochSelectionOptions::patience must be >= 0, got ", patience);
    }
};

/// What the selection saw.
struct EpochSelection {
    index_t epochs = 0;             ///< the chosen number (the earliest of equal bests)
    double validation_ndcg = 0;     ///< validation NDCG@k there
    std::vector<index_t> tried;     ///< epochs evaluated
    std::vector<double> curve;      ///< validation NDCG@k at each
};

/**
 * Trains `model` (started on `fit_part` here) and evaluates NDCG@k on `validation` (fit_part's
 * items excluded) after every `every` epochs; returns the best epoch count. `on_eval(epochs, ndcg)`
 * reports each evaluation (progress). A non-iterative model is evaluated once, at 0 epochs.
 */
inline EpochSelection select_epochs(Recommender& model, const InteractionMatrix& fit_part,
                                    const InteractionMatrix& validation, const EpochSelectionOptions& options,
                                    const std::function<void(index_t, double)>& on_eval = {}) {
    options.validate();
    // Built without the default {1, 5, 10}: inlined into a caller, that list trips a GCC 12
    // -Wdangling-pointer false positive.
    const EvalOptions eval{.ks = std::vector<index_t>(1, options.k)};
    const auto ndcg = [&] {
        return evaluate_ranking<float>(
                   fit_part, validation,
                   [&](index_t first, index_t count, MatrixView<float, Cpu> out) { model.score(first, count, out); },
                   eval)
            .ndcg[0];
    };
    EpochSelection s;
    model.start(fit_part);
    const auto record = [&](index_t epochs) {
        const double v = ndcg();
        s.tried.push_back(epochs);
        s.curve.push_back(v);
        if (on_eval) on_eval(epochs, v);
        const bool best = s.tried.size() == 1 || v > s.validation_ndcg;
        if (best) {
            s.epochs = epochs;
            s.validation_ndcg = v;
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
    return s;
}

}  // namespace mvae
