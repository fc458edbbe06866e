// mvae/recommender/recommender.hpp — one interface for every model, for code that treats models
// alike (training with validation, comparisons, the command line), and the adapter that gives it
// to any model class.
//
// A model class needs fit(train) and score(first_user, count, out) (the evaluator's score-provider
// signature). What else it has, the adapter finds and forwards:
//   - prepare(train), train_epoch(), epochs_done(): the model is *iterative* (its number of epochs
//     can be chosen on validation);
//   - backend() and score_on_device(first, count, out): evaluation ranks where the scores are;
//   - snapshot() / restore(snapshot): the best epoch on validation can be kept;
//   - save(path): the model can be saved;
//   - describe(): its settings as "key=value" lines, for logs;
//   - write_checkpoint(writer) / read_checkpoint(reader, train), write_snapshot / read_snapshot:
//     the training can be checkpointed and resumed (training_run.hpp's TrainingControl);
//   - recommend(user, k), recommend_for_history(items, k), n_users(), n_items().
#pragma once

#include <any>
#include <concepts>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/eval/device_ranking.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/io/model_file.hpp"
#include "mvae/model/fusion.hpp"

namespace mvae {

/// What one epoch of an iterative model reports: named values (losses), for progress and logs.
struct EpochLog {
    index_t epoch = 0;     ///< epochs done after it
    double seconds = 0;    ///< its wall time
    std::vector<std::pair<std::string, double>> values;
};

/// A recommender behind a virtual interface. Scores are floats in host memory.
class Recommender {
public:
    virtual ~Recommender() = default;

    /// Starts training on `train` (which must outlive the recommender). A non-iterative model is
    /// fitted here completely.
    virtual void start(const InteractionMatrix& train) = 0;
    /// One more epoch after start(). Throws ArgumentError for a non-iterative model.
    virtual EpochLog train_epoch() = 0;
    /// Whether train_epoch() does anything (the model's epoch count can then be selected).
    [[nodiscard]] virtual bool iterative() const noexcept = 0;
    /// Epochs trained so far (0 for a non-iterative model).
    [[nodiscard]] virtual index_t epochs_done() const = 0;
    /// out (count × n_items) ← the scores of users [first_user, first_user + count).
    virtual void score(index_t first_user, index_t count, MatrixView<float, Cpu> out) = 0;

    /// `epochs` more epochs; nothing for a non-iterative model.
    void train_epochs(index_t epochs) {
        if (iterative())
            for (index_t e = 0; e < epochs; ++e) train_epoch();
    }

    /// The metrics of ranking every item but `exclude`'s against `truth` (evaluate_ranking's
    /// protocol). A model that scores on a device ranks there.
    [[nodiscard]] virtual EvalReport evaluate(const InteractionMatrix& exclude, const InteractionMatrix& truth,
                                              const EvalOptions& options) {
        return evaluate_ranking<float>(
            exclude, truth, [&](index_t first, index_t count, MatrixView<float, Cpu> out) { score(first, count, out); },
            options);
    }

    /// A copy of the trained state, for restore(); empty when the model cannot take snapshots.
    [[nodiscard]] virtual std::any snapshot() const { return {}; }
    /// Puts back a snapshot() of this model.
    virtual void restore(const std::any& /*snapshot*/) {
        throw ArgumentError("Recommender::restore: this model does not take snapshots");
    }
    /// The parts whose epochs can be selected separately (MvaeModel::parts: the uVAE and the iVAE
    /// under the independent schedule); 1 for a model trained as one.
    [[nodiscard]] virtual index_t parts() const { return 1; }
    /// Puts back one part's parameters from a snapshot() of the whole model.
    virtual void restore_part(index_t /*part*/, const std::any& /*snapshot*/) {
        throw ArgumentError("Recommender::restore_part: this model has no separately selectable parts");
    }
    /// How the scores of the model's two parts are fused (MVAE, JoVA: the uVAE's and the iVAE's),
    /// whether or not their epochs are selected separately; empty for a model of one part.
    [[nodiscard]] virtual std::optional<ScoreMix> mix() const { return std::nullopt; }
    /// Sets how the parts' scores are fused (also for save()). Throws ArgumentError when mix() is empty.
    virtual void set_mix(const ScoreMix& /*mix*/) {
        throw ArgumentError("Recommender::set_mix: this model does not fuse parts");
    }

    /// Trains data-parallel over `comm`'s ranks (docs/scale.md), before start(); every rank makes
    /// the same calls. A model that cannot accepts only a communicator of one rank (ArgumentError).
    virtual void set_communicator(const std::shared_ptr<const Communicator>& comm) {
        require_argument(comm != nullptr && comm->size() == 1, "this model does not train data-parallel: run it in one "
                                                               "process (", comm ? comm->size() : 0, " ranks)");
    }

    /// Saves the trained model. Throws ArgumentError when the model has no file format.
    virtual void save(const std::filesystem::path& file) const {
        throw ArgumentError(detail::error_message("this model cannot be saved (to ", file.string(), ")"));
    }
    /// The model's settings as "key=value" lines (empty when it has none to tell).
    [[nodiscard]] virtual std::string describe() const { return {}; }

    /// Whether the training can be checkpointed and resumed (the four functions below work).
    [[nodiscard]] virtual bool resumable() const noexcept { return false; }
    /// Adds to `w` everything continuing the training after epochs_done() epochs needs.
    virtual void write_checkpoint(ModelWriter& /*w*/) const { not_resumable(); }
    /// Continues the training `r` holds (write_checkpoint()), in place of start(train); `train`
    /// must be the matrix it was trained on.
    virtual void read_checkpoint(const ModelReader& /*r*/, const InteractionMatrix& /*train*/) { not_resumable(); }
    /// Adds a snapshot() of this model to `w` under `prefix`.
    virtual void write_snapshot(ModelWriter& /*w*/, const std::string& /*prefix*/, const std::any& /*snapshot*/) const {
        not_resumable();
    }
    /// Reads what write_snapshot() wrote, for restore().
    [[nodiscard]] virtual std::any read_snapshot(const ModelReader& /*r*/, const std::string& /*prefix*/) const {
        not_resumable();
    }

    /// The k best unseen items of a training user. Throws ArgumentError when the model does not
    /// recommend by itself (it does not keep its training matrix).
    [[nodiscard]] virtual std::vector<index_t> recommend(index_t /*user*/, index_t /*k*/) {
        throw ArgumentError("this model does not recommend by itself (score() ranks for it)");
    }
    /// The k best items for a new user's history (0-based item ids), the history excluded. Throws
    /// ArgumentError when the model cannot fold in a new user.
    [[nodiscard]] virtual std::vector<index_t> recommend_for_history(std::span<const index_t> /*history*/, index_t /*k*/) {
        throw ArgumentError("this model cannot fold in a new user's history");
    }
    /// The users and items of the trained model (0 when it does not tell).
    [[nodiscard]] virtual index_t n_users() const { return 0; }
    [[nodiscard]] virtual index_t n_items() const { return 0; }

private:
    [[noreturn]] static void not_resumable() {
        throw ArgumentError("this model's training cannot be checkpointed or resumed");
    }
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

namespace detail {

// Named values of an epoch report that has a user and an item side (DualEpochReport).
template <class R>
void add_epoch_values(EpochLog& log, const R& r) {
    if constexpr (requires { r.seconds; }) log.seconds = r.seconds;
    if constexpr (requires { r.user.loss; r.item.loss; }) {
        log.values = {{"user_loss", r.user.loss}, {"user_bce", r.user.reconstruction}, {"user_kl", r.user.kl},
                      {"item_loss", r.item.loss}, {"item_bce", r.item.reconstruction}, {"item_kl", r.item.kl}};
    }
}

}  // namespace detail

/// Recommender for any FittableModel; see the file comment for what else it forwards.
template <FittableModel Model>
class RecommenderAdapter final : public Recommender {
public:
    explicit RecommenderAdapter(Model model) : model_(std::move(model)) {}
    /// Around a model that is already trained (loaded from a file): it scores without start().
    RecommenderAdapter(Model model, bool trained) : model_(std::move(model)), started_(trained) {}

    void start(const InteractionMatrix& train) override {
        if constexpr (IterativeModel<Model>) model_.prepare(train);
        else model_.fit(train);
        started_ = true;
    }
    EpochLog train_epoch() override {
        require_argument(started_, "Recommender::train_epoch: call start() first");
        if constexpr (IterativeModel<Model>) {
            EpochLog log;
            if constexpr (std::is_void_v<decltype(model_.train_epoch())>) model_.train_epoch();
            else detail::add_epoch_values(log, model_.train_epoch());
            log.epoch = index_t(model_.epochs_done());
            return log;
        } else {
            throw ArgumentError("Recommender::train_epoch: the model is fitted in one call (not iterative)");
        }
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
    [[nodiscard]] EvalReport evaluate(const InteractionMatrix& exclude, const InteractionMatrix& truth,
                                      const EvalOptions& options) override {
        if constexpr (requires { model_.backend(); }) {
            require_argument(started_, "Recommender::evaluate: call start() first");
            return evaluate_on(model_.backend(), exclude, truth, options);
        } else {
            return Recommender::evaluate(exclude, truth, options);
        }
    }
    [[nodiscard]] std::any snapshot() const override {
        if constexpr (requires { model_.snapshot(); }) return std::any(model_.snapshot());
        else return {};
    }
    void restore(const std::any& snapshot) override {
        if constexpr (requires { model_.restore(model_.snapshot()); }) {
            using Snapshot = decltype(model_.snapshot());
            const auto* s = std::any_cast<Snapshot>(&snapshot);
            require_argument(s != nullptr, "Recommender::restore: not a snapshot of this model");
            model_.restore(*s);
        } else {
            Recommender::restore(snapshot);
        }
    }
    [[nodiscard]] index_t parts() const override {
        if constexpr (requires { model_.parts(); }) return index_t(model_.parts());
        else return 1;
    }
    void restore_part(index_t part, const std::any& snapshot) override {
        if constexpr (requires { model_.restore_part(part, model_.snapshot()); }) {
            using Snapshot = decltype(model_.snapshot());
            const auto* s = std::any_cast<Snapshot>(&snapshot);
            require_argument(s != nullptr, "Recommender::restore_part: not a snapshot of this model");
            model_.restore_part(part, *s);
        } else {
            Recommender::restore_part(part, snapshot);
        }
    }
    [[nodiscard]] std::optional<ScoreMix> mix() const override {
        if constexpr (requires { { model_.mix() } -> std::convertible_to<ScoreMix>; model_.fuses(); }) {
            if (model_.fuses()) return model_.mix();
        }
        return std::nullopt;
    }
    void set_mix(const ScoreMix& mix) override {
        if constexpr (requires { model_.set_mix(mix); }) model_.set_mix(mix);
        else Recommender::set_mix(mix);
    }
    void set_communicator(const std::shared_ptr<const Communicator>& comm) override {
        if constexpr (requires { model_.set_communicator(comm); }) model_.set_communicator(comm);
        else Recommender::set_communicator(comm);
    }
    void save(const std::filesystem::path& file) const override {
        if constexpr (requires { model_.save(file); }) model_.save(file);
        else Recommender::save(file);
    }
    [[nodiscard]] bool resumable() const noexcept override {
        return requires(const Model& m, ModelWriter& w) { m.write_checkpoint(w); };
    }
    void write_checkpoint(ModelWriter& w) const override {
        if constexpr (requires { model_.write_checkpoint(w); }) {
            require_argument(started_, "Recommender::write_checkpoint: call start() first");
            model_.write_checkpoint(w);
        } else {
            Recommender::write_checkpoint(w);
        }
    }
    void read_checkpoint(const ModelReader& r, const InteractionMatrix& train) override {
        if constexpr (requires(Model& m) { m.read_checkpoint(r, train); }) {
            model_.read_checkpoint(r, train);
            started_ = true;
        } else {
            Recommender::read_checkpoint(r, train);
        }
    }
    void write_snapshot(ModelWriter& w, const std::string& prefix, const std::any& snapshot) const override {
        if constexpr (requires { Model::write_snapshot(w, prefix, model_.snapshot()); }) {
            using Snapshot = decltype(model_.snapshot());
            const auto* s = std::any_cast<Snapshot>(&snapshot);
            require_argument(s != nullptr, "Recommender::write_snapshot: not a snapshot of this model");
            Model::write_snapshot(w, prefix, *s);
        } else {
            Recommender::write_snapshot(w, prefix, snapshot);
        }
    }
    [[nodiscard]] std::any read_snapshot(const ModelReader& r, const std::string& prefix) const override {
        if constexpr (requires { Model::read_snapshot(r, prefix); }) return std::any(Model::read_snapshot(r, prefix));
        else return Recommender::read_snapshot(r, prefix);
    }
    [[nodiscard]] std::string describe() const override {
        if constexpr (requires { { model_.describe() } -> std::convertible_to<std::string>; }) return model_.describe();
        else return {};
    }

    [[nodiscard]] std::vector<index_t> recommend(index_t user, index_t k) override {
        if constexpr (requires { model_.recommend(user, k); }) return model_.recommend(user, k);
        else return Recommender::recommend(user, k);
    }
    [[nodiscard]] std::vector<index_t> recommend_for_history(std::span<const index_t> history, index_t k) override {
        if constexpr (requires { model_.recommend_for_history(history, k); }) return model_.recommend_for_history(history, k);
        else return Recommender::recommend_for_history(history, k);
    }
    [[nodiscard]] index_t n_users() const override {
        if constexpr (requires { model_.n_users(); }) return started_ ? index_t(model_.n_users()) : 0;
        else return 0;
    }
    [[nodiscard]] index_t n_items() const override {
        if constexpr (requires { model_.n_items(); }) return started_ ? index_t(model_.n_items()) : 0;
        else return 0;
    }

    /// The wrapped model.
    [[nodiscard]] Model& model() noexcept { return model_; }

private:
    template <Device D>
    EvalReport evaluate_on(const Backend<D>& backend, const InteractionMatrix& exclude, const InteractionMatrix& truth,
                           const EvalOptions& options) {
        return evaluate_ranking_on<float, D>(
            backend, exclude, truth,
            [&](index_t first, index_t count, MatrixView<float, D> out) { model_.score_on_device(first, count, out); },
            options);
    }

    Model model_;
    bool started_ = false;
};

/// A heap-allocated Recommender around a trained (e.g. loaded) model.
template <FittableModel Model>
[[nodiscard]] std::unique_ptr<Recommender> wrap_trained(Model model) {
    return std::make_unique<RecommenderAdapter<Model>>(std::move(model), true);
}

/// A heap-allocated Recommender around Model(args...).
template <class Model, class... Args>
[[nodiscard]] std::unique_ptr<Recommender> make_recommender(Args&&... args) {
    return std::make_unique<RecommenderAdapter<Model>>(Model(std::forward<Args>(args)...));
}

}  // namespace mvae
