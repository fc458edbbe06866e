// mvae/model/recommender.hpp — one interface for every model, for code that treats models alike
// (the comparison command, model selection), and the adapter that gives it to any model class.
//
// A model class needs fit(train) and score(first_user, count, out) (the evaluator's score-provider
// signature). A model that also has prepare(train), train_epoch() and epochs_done() is
// *iterative*: its number of epochs can be chosen on validation (eval/epoch_selection.hpp).
#pragma once

#include <concepts>
#include <memory>
#include <utility>

#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/// A recommender behind a virtual interface. Scores are floats in host memory.
class Recommender {
public:
    virtual ~Recommender() = default;

    /// Starts training on `train` (a copy or reference is the model's business; `train` must outlive
    /// the recommender). A non-iterative model is fitted here completely.
    virtual void start(const InteractionMatrix& train) = 0;
    /// Trains `epochs` more epochs after start(); nothing for a non-iterative model.
    virtual void train_epochs(index_t epochs) = 0;
    /// Whether train_epochs() does anything (the model's epoch count can then be selected).
    [[nodiscard]] virtual bool iterative() const noexcept = 0;
    /// Epochs trained so far (0 for a non-iterative model).
    [[nodiscard]] virtual index_t epochs_done() const = 0;
    /// out (count × n_items) ← the scores of users [first_user, first_user + count).
    virtual void score(index_t first_user, index_t count, MatrixView<float, Cpu> out) = 0;
};

/// A model with an epoch loop the caller can drive.
template <class M>
concept IterativeModel = requires(M& m, const InteractionMatrix& train) {
    m.prepare(train);
    m.train_epoch();
    { m.epochs_done() } -> std::convertible_to<index_t>;
};

/// A model fitted in one call.
template <class M>
concept FittableModel = requires(M& m, const InteractionMatrix& train, MatrixView<float, Cpu> out) {
    m.fit(train);
    m.score(index_t(0), index_t(0), out);
};

/// Recommender for any FittableModel (and IterativeModel, when it is one).
template <FittableModel Model>
class RecommenderAdapter final : public Recommender {
public:
    explicit RecommenderAdapter(Model model) : model_(std::move(model)) {}

    void start(const InteractionMatrix& train) override {
        if constexpr (IterativeModel<Model>) model_.prepare(train);
        else model_.fit(train);
        started_ = true;
    }
    void train_epochs(index_t epochs) override {
        require_argument(started_, "Recommender::train_epochs: call start() first");
        if constexpr (IterativeModel<Model>)
            for (index_t e = 0; e < epochs; ++e) model_.train_epoch();
    }
    [[nodiscard]] bool iterative() const noexcept override { return IterativeModel<Model>; }
    [[nodiscard]] index_t epochs_done() const override {
        if constexpr (IterativeModel<Model>) return model_.epochs_done();
        else return 0;
    }
    void score(index_t first_user, index_t count, MatrixView<float, Cpu> out) override {
        require_argument(started_, "Recommender::score: call start() first");
        model_.score(first_user, count, out);
    }

    /// The wrapped model.
    [[nodiscard]] Model& model() noexcept { return model_; }

private:
    Model model_;
    bool started_ = false;
};

/// A heap-allocated Recommender around Model(args...).
template <class Model, class... Args>
[[nodiscard]] std::unique_ptr<Recommender> make_recommender(Args&&... args) {
    return std::make_unique<RecommenderAdapter<Model>>(Model(std::forward<Args>(args)...));
}

}  // namespace mvae
