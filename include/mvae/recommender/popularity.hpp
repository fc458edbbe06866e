// mvae/recommender/popularity.hpp — the popularity baseline: every user gets the items with the most
// training users.
//
// It ignores the user entirely, so it is the reference any personalised model must beat, and under
// popularity-driven exposure (docs/synthetic.md) it is also the ranking that exposure bias rewards.
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "mvae/core/device.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/**
 * Scores item i by its number of distinct training users (its item_degree), the same for every user.
 *
 * @code
 * mvae::Popularity pop;
 * pop.fit(train);
 * const std::vector<mvae::index_t> top = pop.recommend(user, 10, train);  // unseen items, most popular first
 * @endcode
 */
class Popularity {
public:
    /// Learns the item scores from `train`: score(i) = train.item_degree(i). Replaces an earlier fit.
    void fit(const InteractionMatrix& train) {
        require_argument(train.nnz() > 0, "Popularity::fit: the training matrix (", train.n_users(), " x ", train.n_items(),
                         ") has no interactions: every item would tie");
        n_users_ = train.n_users();
        scores_.assign(static_cast<std::size_t>(train.n_items()), 0.0);
        for (index_t i = 0; i < train.n_items(); ++i) scores_[std::size_t(i)] = double(train.item_degree(i));
        // The ranking is the same for every user: sort it once, ties by lower item index.
        order_.resize(scores_.size());
        std::iota(order_.begin(), order_.end(), index_t(0));
        std::stable_sort(order_.begin(), order_.end(),
                         [&](index_t a, index_t b) { return scores_[std::size_t(a)] > scores_[std::size_t(b)]; });
        fitted_ = true;
    }

    /// Whether fit() has run.
    [[nodiscard]] bool fitted() const noexcept { return fitted_; }
    /// Users of the training matrix (0 before fit).
    [[nodiscard]] index_t n_users() const noexcept { return n_users_; }
    /// Items of the training matrix (0 before fit).
    [[nodiscard]] index_t n_items() const noexcept { return index_t(scores_.size()); }

    /// The score of every item: its number of distinct training users. Throws Error before fit.
    [[nodiscard]] std::span<const double> item_scores() const {
        require_fitted("item_scores");
        return scores_;
    }

    /// All items, most popular first, ties by lower item index. Throws Error before fit.
    [[nodiscard]] std::span<const index_t> ranking() const {
        require_fitted("ranking");
        return order_;
    }

    /**
     * Fills row r of `out` with the scores of user first_user + r, for r in [0, count): every row is
     * item_scores(). This is the score-provider convention of the evaluator, fill_scores(first_user, count, out).
     * Throws Error before fit, ArgumentError when the users lie outside [0, n_users()), ShapeError
     * unless out is count × n_items().
     */
    template <Real S>
    void score(index_t first_user, index_t count, MatrixView<S, Cpu> out) const {
        require_fitted("score");
        require_argument(first_user >= 0 && count >= 0 && first_user <= n_users_ - count, "Popularity::score: users [",
                         first_user, ", ", first_user + count, ") are outside [0, ", n_users_, ")");
        require_shape(out.rows() == count && out.cols() == n_items(), "Popularity::score: out must be ", count, " x ",
                      n_items(), ", got ", out.rows(), " x ", out.cols());
        for (index_t r = 0; r < count; ++r) {
            S* row = out.row(r);
            for (index_t i = 0; i < n_items(); ++i) row[i] = static_cast<S>(scores_[std::size_t(i)]);
        }
    }

    /**
     * The k most popular items that `user` has not interacted with in `seen`, best first, ties by
     * lower item index; fewer than k when fewer remain unseen. Throws Error before fit,
     * ArgumentError for k < 0 or a user outside seen, ShapeError when seen has another item count.
     */
    [[nodiscard]] std::vector<index_t> recommend(index_t user, index_t k, const InteractionMatrix& seen) const {
        require_fitted("recommend");
        require_argument(k >= 0, "Popularity::recommend: k must be non-negative, got ", k);
        require_argument(user >= 0 && user < seen.n_users(), "Popularity::recommend: user ", user, " is outside [0, ",
                         seen.n_users(), ")");
        require_shape(seen.n_items() == n_items(), "Popularity::recommend: seen has ", seen.n_items(),
                      " items, the model was fit on ", n_items());
        const auto items = seen.items_of(user);
        std::vector<index_t> out;
        out.reserve(static_cast<std::size_t>(std::min<index_t>(k, n_items())));
        for (index_t i : order_) {
            if (index_t(out.size()) >= k) break;
            if (!std::binary_search(items.begin(), items.end(), i)) out.push_back(i);
        }
        return out;
    }

private:
    void require_fitted(const char* method) const {
        if (!fitted_) throw Error(std::string("Popularity::") + method + " called before fit");
    }

    std::vector<double> scores_;
    std::vector<index_t> order_;
    index_t n_users_ = 0;
    bool fitted_ = false;
};

}  // namespace mvae
