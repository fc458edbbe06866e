// mvae/recommender/factor_model.hpp — a completion policy's own factors as a recommender: score(u, i)
// = p_u · q_i. With RandomizedSvd this is PureSVD (Cremonesi et al., 2010); with WeightedAls it is
// WALS / one-class MF (Hu et al.; Pan et al., 2008). They are the baselines of docs/completion.md:
// how well the completion ranks before any VAE sees it.
#pragma once

#include <string>

#include "mvae/completion/low_rank_factors.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/recommender/completion_from_options.hpp"
#include "mvae/recommender/mvae_options.hpp"

namespace mvae {

/// The factors of a CompletionPolicy as a recommender; see the file comment.
template <CompletionPolicy Completion>
class FactorModel {
public:
    /// The policy built from the completion settings of `options` (rank, power iterations, ALS
    /// weights, seed), as MvaeModel<…, Completion> builds it.
    explicit FactorModel(const MvaeOptions& options = {})
        : policy_(completion_from_options<Completion>(options)), options_(options) {}

    /// Fits the factors of `train`.
    void fit(const InteractionMatrix& train) {
        require_argument(train.nnz() > 0, "FactorModel::fit: the training matrix (", train.n_users(), " x ", train.n_items(),
                         ") has no interactions: nothing to learn from");
        factors_ = policy_.fit(train);
        fitted_ = true;
    }

    [[nodiscard]] const LowRankFactors& factors() const {
        require_argument(fitted_, "FactorModel: call fit() first");
        return factors_;
    }

    /// out (count × n_items) ← p_u · q_i for the users [first_user, first_user + count).
    void score(index_t first_user, index_t count, MatrixView<float, Cpu> out) const {
        const LowRankFactors& f = factors();
        require_argument(first_user >= 0 && count >= 0 && first_user + count <= f.n_users(), "FactorModel::score: users [",
                         first_user, ", ", first_user + count, ") are not in [0, ", f.n_users(), ")");
        require_shape(out.rows() == count && out.cols() == f.n_items(), "FactorModel::score: output is ", out.rows(), " x ",
                      out.cols(), ", expected ", count, " x ", f.n_items());
        for (index_t b = 0; b < count; ++b)
            for (index_t i = 0; i < f.n_items(); ++i) out(b, i) = float(f.p.row(first_user + b).dot(f.q.row(i)));
    }

    /// The policy and its settings, for logs.
    [[nodiscard]] std::string describe() const {
        return "completion=" + std::string(Completion::name) + "\nrank=" + std::to_string(options_.rank) + "\n";
    }

private:
    Completion policy_;
    MvaeOptions options_;
    LowRankFactors factors_;
    bool fitted_ = false;
};

/// PureSVD: the randomized SVD's factors.
using PureSvd = FactorModel<RandomizedSvd>;
/// WALS: the weighted ALS factors.
using Wals = FactorModel<WeightedAls>;

}  // namespace mvae
