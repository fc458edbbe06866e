// mvae/recommender/mvae_model.hpp — the MVAE recommender: completion → stochastic masks → DualVAE, with
// the recommender API (fit, score, recommend, recommend for a new user's history, save, load).
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "mvae/completion/completed_matrix.hpp"
#include "mvae/completion/completed_row_source.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/row_source.hpp"
#include "mvae/eval/top_k.hpp"
#include "mvae/io/mvae_model_file.hpp"
#include "mvae/model/dual_vae.hpp"
#include "mvae/nn/likelihood.hpp"
#include "mvae/recommender/completion_from_options.hpp"
#include "mvae/recommender/mvae_options.hpp"
#include "mvae/training/dual_trainer.hpp"

namespace mvae {

/**
 * The MVAE recommender of the paper, assembled from MatrixCompleter, StochasticMasker and DualVAE.
 *
 * @tparam S float (default) or double. @tparam D the device the VAEs run on.
 * @tparam Completion the CompletionPolicy that turns R into R′ (default: weighted ALS, the
 *   paper's Eq. 2; RandomizedSvd is its SVD, NoCompletion gives R′ = R; any user type with
 *   `fit(R) -> LowRankFactors` and a `name` plugs in, see examples/custom_completer.cpp).
 * @tparam Likelihood the decoders' likelihood policy (BernoulliLikelihood, the paper's; or
 *   MultinomialLikelihood, Mult-VAE's).
 *
 * The model keeps its own copy of the training matrix (for completion, for the rows it scores and
 * for excluding seen items), the completion factors and both VAEs; nothing users × items is ever
 * held: scores are produced in blocks of users.
 *
 * Threads: score(), score_on_device(), recommend() and recommend_for_history() may be called from
 * many threads at once on a trained model; they share the model's scoring workspaces, so an
 * internal mutex runs them one at a time (for parallel scoring, give each thread its own model:
 * load() the same file once per thread). Training (prepare, train_epoch, fit, restore) must not
 * run concurrently with anything else on the same model.
 *
 * @code
 * mvae::Mvae model(options);                    // = MvaeModel<float, Cpu>
 * model.fit(train, [](const mvae::DualEpochReport& r) { std::printf("%d %.2f\n", r.epoch, r.loss()); });
 * auto top = model.recommend(user, 10);         // seen items excluded
 * auto cold = model.recommend_for_history({3, 17, 42}, 10);
 * model.save("yelp.mvae");                      // atomic; mvae::Mvae::load("yelp.mvae") reads it back
 * @endcode
 */
template <Real S = float, Device D = Cpu, CompletionPolicy Completion = WeightedAls,
          class Likelihood = BernoulliLikelihood>
class MvaeModel {
public:
    using EpochCallback = std::function<void(const DualEpochReport&)>;
    using completion_type = Completion;
    using likelihood_type = Likelihood;
    using Vae = VariationalAutoencoder<S, D, Likelihood>;

    /// A model with the completion policy built from `options` (completion_from_options).
    explicit MvaeModel(MvaeOptions options = {}, Backend<D> backend = {})
        : MvaeModel(options, completion_from_options<Completion>(options), backend) {}

    /// A model with a configured completion policy (one with settings of its own).
    MvaeModel(MvaeOptions options, Completion completion, Backend<D> backend = {})
        : options_((options.validate(), std::move(options))), completion_(std::move(completion)), backend_(backend) {}

    MvaeModel(MvaeModel&&) noexcept = default;
    MvaeModel& operator=(MvaeModel&&) noexcept = default;

    [[nodiscard]] const MvaeOptions& options() const noexcept { return options_; }
    [[nodiscard]] const Completion& completion() const noexcept { return completion_; }
    /// The options, completion and likelihood as "key=value" lines (logs, history files).
    [[nodiscard]] std::string describe() const {
        return "completion=" + std::string(Completion::name) + "\nlikelihood=" + std::string(Likelihood::name) + "\n" +
               to_text(options_);
    }
    [[nodiscard]] bool prepared() const noexcept { return model_ != nullptr; }
    [[nodiscard]] index_t n_users() const { return train().n_users(); }
    [[nodiscard]] index_t n_items() const { return train().n_items(); }
    [[nodiscard]] index_t epochs_done() const noexcept { return trainer_ ? trainer_->epochs_done() : epochs_loaded_; }
    /// The training matrix the model was fitted on.
    [[nodiscard]] const InteractionMatrix& train() const {
        require_argument(prepared(), "MvaeModel: the model has not been fitted or loaded");
        return *train_;
    }
    [[nodiscard]] const CompletedMatrix& completed() const {
        require_argument(prepared(), "MvaeModel: the model has not been fitted or loaded");
        return *completed_;
    }
    [[nodiscard]] DualVAE<S, D, Likelihood>& dual() {
        require_argument(prepared(), "MvaeModel: the model has not been fitted or loaded");
        return *model_;
    }

    /// A copy of every VAE parameter (host memory), e.g. to keep the best epoch on validation.
    [[nodiscard]] std::vector<std::vector<S>> snapshot() const {
        require_argument(prepared(), "MvaeModel::snapshot: the model has not been fitted or loaded");
        std::vector<std::vector<S>> out;
        for (const Vae* vae : sides()) {
            const auto& p = vae->parameters();
            out.emplace_back(std::size_t(p.size()));
            vae->backend().download(p.values(), out.back().data());
        }
        return out;
    }

    /// Puts back the parameters of a snapshot() of this model.
    void restore(const std::vector<std::vector<S>>& snap) {
        const auto vaes = sides();
        require_shape(snap.size() == vaes.size(), "MvaeModel::restore: snapshot of ", snap.size(), " VAEs for a model with ",
                      vaes.size());
        for (std::size_t k = 0; k < vaes.size(); ++k) {
            auto& p = const_cast<Vae*>(vaes[k])->parameters();
            require_shape(index_t(snap[k].size()) == p.size(), "MvaeModel::restore: ", snap[k].size(),
                          " parameters for a VAE with ", p.size());
            vaes[k]->backend().upload(snap[k].data(), p.values());
        }
        scoring_ready_ = false;
    }

    /**
     * The parts whose epochs are selected separately (run_training): 2 when the model has both
     * VAEs under the independent schedule, where each side's training never reads the other's
     * (its own batches, masks, noise and optimiser), so side k after e epochs of a joint run is
     * side k trained alone for e epochs. 1 otherwise: under the paired schedule the sides take
     * turns block by block (and share JoVA's hinge), so they are selected together.
     */
    [[nodiscard]] index_t parts() const noexcept {
        return options_.sides == DualSides::Both && options_.schedule == Schedule::Independent ? 2 : 1;
    }

    /// Puts back part `part`'s parameters (0: the uVAE, 1: the iVAE) from a snapshot() of the
    /// whole model, leaving the other part as it is.
    void restore_part(index_t part, const std::vector<std::vector<S>>& snap) {
        const auto vaes = sides();
        require_argument(part >= 0 && part < parts(), "MvaeModel::restore_part: part ", part, " of a model with ", parts());
        require_shape(snap.size() == vaes.size(), "MvaeModel::restore_part: snapshot of ", snap.size(),
                      " VAEs for a model with ", vaes.size());
        auto& p = const_cast<Vae*>(vaes[std::size_t(part)])->parameters();
        require_shape(index_t(snap[std::size_t(part)].size()) == p.size(), "MvaeModel::restore_part: ",
                      snap[std::size_t(part)].size(), " parameters for a VAE with ", p.size());
        vaes[std::size_t(part)]->backend().upload(snap[std::size_t(part)].data(), p.values());
        scoring_ready_ = false;
    }

    /// Whether the scores fuse two VAEs (options().sides is both).
    [[nodiscard]] bool fuses() const noexcept { return options_.sides == DualSides::Both; }
    /// The uVAE's weight and the fusion of the scores (options().alpha and options().fusion).
    [[nodiscard]] ScoreMix mix() const noexcept { return {options_.alpha, options_.fusion}; }
    /// Sets them, for scoring from now on and for save(). Cheap: no cache is recomputed.
    void set_mix(const ScoreMix& mix) {
        mix.validate();
        options_.alpha = mix.alpha;
        options_.fusion = mix.fusion;
        if (model_) model_->set_mix(mix);
    }

    /**
     * Trains data-parallel over `comm`'s ranks from now on (DualTrainer::set_communicator;
     * docs/scale.md): every rank holds the whole model and data and the same R′ (rank 0
     * completes R and broadcasts the factors) and takes its share of every batch. Every rank
     * must then make the same calls.
     */
    void set_communicator(std::shared_ptr<const Communicator> comm) {
        require_argument(comm != nullptr, "MvaeModel::set_communicator: null communicator");
        comm_ = std::move(comm);
        if (trainer_) trainer_->set_communicator(comm_);
    }
    [[nodiscard]] const Communicator& communicator() const noexcept { return *comm_; }

    /// Completes `train` (the slow part before the first epoch), builds both VAEs and their
    /// trainer, and initialises the output biases. Keeps a copy of `train`.
    void prepare(const InteractionMatrix& train) {
        require_argument(train.nnz() > 0, "MvaeModel: the training matrix (", train.n_users(), " x ", train.n_items(),
                         ") has no interactions: nothing to learn from");
        require_argument(train.n_users() >= 1 && train.n_items() >= 1, "MvaeModel: empty training matrix (",
                         train.n_users(), " x ", train.n_items(), ")");
        // Before the completion, which is itself a collective over the ranks.
        require_argument(options_.hinge_weight <= 0 || comm_->size() == 1, "MvaeModel: the hinge term (JoVA-Hinge) does not "
                         "train data-parallel; run it in one process (", comm_->size(), " ranks)");
        train_ = std::make_unique<InteractionMatrix>(train);
        complete();
        build_sources();
        model_ = std::make_unique<DualVAE<S, D, Likelihood>>(train_->n_users(), train_->n_items(), options_.dual_config(), backend_);
        trainer_ = std::make_unique<DualTrainer<S, D, Likelihood>>(*model_, options_.train_options(), options_.schedule);
        trainer_->set_communicator(comm_);
        if (options_.hinge_weight > 0)
            trainer_->enable_hinge(*train_, {.margin = options_.hinge_margin,
                                             .weight = options_.hinge_weight,
                                             .seed = stream_id(kHingePurpose, options_.seed)});
        if (options_.output_bias_from_data) with_sources([&](const auto& src) { trainer_->initialize_output_biases(src); });
    }

    /// One epoch under the configured schedule (after prepare()).
    DualEpochReport train_epoch() {
        require_argument(trainer_ != nullptr, "MvaeModel::train_epoch: call prepare() (or fit()) first");
        return with_sources([&](const auto& src) { return trainer_->train_epoch(src); });
    }

    /// prepare(train), then options().epochs epochs, calling `on_epoch` after each.
    void fit(const InteractionMatrix& train, const EpochCallback& on_epoch = {}) {
        prepare(train);
        for (index_t e = 0; e < options_.epochs; ++e) {
            const DualEpochReport r = train_epoch();
            if (on_epoch) on_epoch(r);
        }
    }

    /// out (count × n_items, host memory) ← the scores of users [first_user, first_user + count):
    /// the score-provider signature of evaluate_ranking. Scores are in [0, 1].
    void score(index_t first_user, index_t count, MatrixView<S, Cpu> out) {
        const std::lock_guard lock(*scoring_mutex_);
        ensure_scoring();
        score_to_host(backend_, first_user, count, out);
    }

    /// As score(), into memory of device D: the score-provider signature of evaluate_ranking_on,
    /// which ranks where the scores are and never copies them to the host.
    void score_on_device(index_t first_user, index_t count, MatrixView<S, D> out) {
        const std::lock_guard lock(*scoring_mutex_);
        ensure_scoring();
        model_->score(user_input(), first_user, count, out);
    }

    /// The backend (device context) the model runs on.
    [[nodiscard]] const Backend<D>& backend() const noexcept { return backend_; }

    /**
     * The k best items for a training user, the user's training items excluded, ties broken by the
     * lower item index. Throws ArgumentError for an unknown user or k < 0.
     */
    [[nodiscard]] std::vector<index_t> recommend(index_t user, index_t k) {
        require_argument(prepared(), "MvaeModel::recommend: the model has not been fitted or loaded");
        require_argument(user >= 0 && user < n_users(), "recommend: user ", user, " is not in [0, ", n_users(), ")");
        require_argument(k >= 0, "recommend: k must be >= 0, got ", k);
        const std::lock_guard lock(*scoring_mutex_);
        host_scores_.resize(1, n_items());
        ensure_scoring();
        score_to_host(backend_, user, 1, host_scores_.view());
        return top_items(train_->items_of(user), k);
    }

    /**
     * The k best items for a user who was not in training, from the items of their history (0-based,
     * any order, duplicates allowed), which are excluded from the result.
     *
     * The history is folded in: its completed row is the history's ones plus, elsewhere, the
     * completion of the least-squares fit p = argmin ‖r − p·Qᵀ‖² + 10⁻⁶‖p‖² (r the 0/1 history), as
     * the training rows were; the uVAE encodes it and its decoder scores every item. The iVAE has
     * no output for a user it was not trained on (its output layer has one unit per training
     * user), so a new user's score is the uVAE's alone (α = 1). Throws ArgumentError for items out
     * of range or for a model without a user side.
     */
    [[nodiscard]] std::vector<index_t> recommend_for_history(std::span<const index_t> history, index_t k) {
        require_argument(prepared(), "MvaeModel::recommend_for_history: the model has not been fitted or loaded");
        require_argument(model_->has_user_side(), "recommend_for_history: the model '", to_string(options_.sides),
                         "' has no user-side VAE to fold a new user into");
        require_argument(k >= 0, "recommend_for_history: k must be >= 0, got ", k);
        std::vector<index_t> items(history.begin(), history.end());
        for (index_t i : items)
            require_argument(i >= 0 && i < n_items(), "recommend_for_history: item ", i, " is not in [0, ", n_items(), ")");
        std::sort(items.begin(), items.end());
        items.erase(std::unique(items.begin(), items.end()), items.end());

        const std::lock_guard lock(*scoring_mutex_);
        host_scores_.resize(1, n_items());
        // Clamped as the encoders were trained: not under low_rank_input.
        completed_->new_user_row(std::span<const index_t>(items), std::span<S>(host_scores_.data(), std::size_t(n_items())),
                                 !options_.low_rank_input);
        row_device_.resize(1, n_items());
        backend_.upload(host_scores_.data(), row_device_.view());
        scores_device_.resize(1, n_items());
        model_->user_vae().predict(row_device_.cview(), scores_device_.view());
        backend_.download(scores_device_.cview(), host_scores_.data());
        return top_items(items, k);
    }

    /**
     * Saves the model (options, completion and likelihood names, training matrix, completion
     * factors, both VAEs' parameters) as io/mvae_model_file.hpp lays it out, atomically: an
     * interrupted save leaves the previous file intact. The optimiser state is not saved: a loaded
     * model scores and recommends (write_checkpoint() keeps what continuing the training needs).
     */
    void save(const std::filesystem::path& file) const {
        require_argument(prepared(), "MvaeModel::save: the model has not been fitted or loaded");
        save_mvae_model_file(file, to_file());
    }

    /**
     * Adds a checkpoint of the training to `w`: save()'s sections, and the trainer's state after
     * epochs_done() epochs (trainer.*: each side's step and epoch counts and Adam's moments). With
     * the training matrix, read_checkpoint() continues from it exactly: the epochs that follow are
     * bit-identical to those of the run that wrote it (every random draw is keyed by the seed and
     * the step or epoch count). Throws ArgumentError before prepare().
     */
    void write_checkpoint(ModelWriter& w) const {
        require_argument(trainer_ != nullptr, "MvaeModel::write_checkpoint: the model is not training (call prepare() first)");
        add_mvae_model_sections(w, to_file());
        w.add_scalar<std::int64_t>("trainer.epochs", trainer_->epochs_done());
        const auto add_side = [&](const std::string& side, const auto* t) {
            if (t == nullptr) return;
            const VaeTrainerState<S> st = t->state();
            w.add_scalar<std::int64_t>("trainer." + side + ".steps", st.steps);
            w.add_scalar<std::int64_t>("trainer." + side + ".epochs", st.epochs);
            w.add_scalar<std::int64_t>("trainer." + side + ".adam_steps", st.adam_steps);
            w.add_scalar<std::int64_t>("trainer." + side + ".adam_epochs", st.adam_epochs);
            w.add("trainer." + side + ".first_moment", std::span<const S>(st.first_moment), {std::int64_t(st.first_moment.size())});
            w.add("trainer." + side + ".second_moment", std::span<const S>(st.second_moment),
                  {std::int64_t(st.second_moment.size())});
        };
        auto& trainer = const_cast<DualTrainer<S, D, Likelihood>&>(*trainer_);  // state() reads only
        add_side("user", trainer.user_trainer());
        add_side("item", trainer.item_trainer());
    }

    /**
     * Continues the training a write_checkpoint() recorded, in place of prepare(train): `train`
     * must be the checkpoint's training matrix and this model's options and policies the
     * checkpoint's (a ParseError naming the file and the first differing option otherwise). The
     * completion is read, not recomputed.
     */
    void read_checkpoint(const ModelReader& r, const InteractionMatrix& train) {
        const std::string& source = r.source();
        const MvaeModelFile<S> f = read_mvae_model_sections<S>(r);
        if (const std::string mine = to_text(options_); f.options != mine)
            throw ParseError(source, 0, "the checkpoint was written with other options: " + first_difference(f.options, mine));
        MvaeModel m = from_file(f, source, backend_);
        if (!same_matrix(*m.train_, train))
            throw ParseError(source, 0, detail::error_message("the checkpoint was trained on another matrix (",
                                                              m.train_->n_users(), " x ", m.train_->n_items(), ", ",
                                                              m.train_->nnz(), " interactions) than this one (",
                                                              train.n_users(), " x ", train.n_items(), ", ", train.nnz(), ")"));
        m.completion_ = std::move(completion_);  // a configured policy keeps its settings
        m.comm_ = comm_;
        m.trainer_ = std::make_unique<DualTrainer<S, D, Likelihood>>(*m.model_, m.options_.train_options(), m.options_.schedule);
        m.trainer_->set_communicator(m.comm_);
        if (m.options_.hinge_weight > 0)
            m.trainer_->enable_hinge(*m.train_, {.margin = m.options_.hinge_margin,
                                                 .weight = m.options_.hinge_weight,
                                                 .seed = stream_id(kHingePurpose, m.options_.seed)});
        const auto read_side = [&](const std::string& side, auto* t) {
            if (t == nullptr) return;
            const auto n = std::int64_t(t->optimizer().size());
            VaeTrainerState<S> st;
            st.steps = r.scalar<std::int64_t>("trainer." + side + ".steps");
            st.epochs = index_t(r.scalar<std::int64_t>("trainer." + side + ".epochs"));
            st.adam_steps = r.scalar<std::int64_t>("trainer." + side + ".adam_steps");
            st.adam_epochs = r.scalar<std::int64_t>("trainer." + side + ".adam_epochs");
            st.first_moment = r.get<S>("trainer." + side + ".first_moment", {n});
            st.second_moment = r.get<S>("trainer." + side + ".second_moment", {n});
            if (st.steps < 0 || st.epochs < 0 || st.adam_steps < 0 || st.adam_epochs < 0)
                throw ParseError(source, 0, "trainer." + side + ": negative step or epoch counts");
            t->set_state(st);
        };
        read_side("user", m.trainer_->user_trainer());
        read_side("item", m.trainer_->item_trainer());
        const auto epochs = r.scalar<std::int64_t>("trainer.epochs");
        if (epochs < 0 || epochs != f.epochs_done)
            throw ParseError(source, 0, detail::error_message("trainer.epochs (", epochs, ") disagrees with epochs_done (",
                                                              f.epochs_done, ")"));
        m.trainer_->set_epochs_done(index_t(epochs));
        *this = std::move(m);
    }

    /// Adds a snapshot() to `w` as sections `prefix`.0, `prefix`.1, … (one per VAE).
    static void write_snapshot(ModelWriter& w, const std::string& prefix, const std::vector<std::vector<S>>& snap) {
        for (std::size_t k = 0; k < snap.size(); ++k)
            w.add(prefix + "." + std::to_string(k), std::span<const S>(snap[k]), {std::int64_t(snap[k].size())});
    }
    /// Reads what write_snapshot() wrote (restore() checks it against the model).
    [[nodiscard]] static std::vector<std::vector<S>> read_snapshot(const ModelReader& r, const std::string& prefix) {
        std::vector<std::vector<S>> snap;
        for (std::size_t k = 0; r.has(prefix + "." + std::to_string(k)); ++k) snap.push_back(r.get<S>(prefix + "." + std::to_string(k)));
        return snap;
    }


    /**
     * Loads a model saved by save(). Every section is validated (ParseError/IoError naming the
     * file); a file of another completion or likelihood than this type's is refused with a
     * ParseError naming both (load_mvae_recommender() picks the type from the file).
     */
    [[nodiscard]] static MvaeModel load(const std::filesystem::path& file, Backend<D> backend = {}) {
        return from_file(load_mvae_model_file<S>(file), file.string(), backend);
    }

    /// load() from contents already read (load_mvae_model_file), `source` naming them in errors.
    [[nodiscard]] static MvaeModel from_file(const MvaeModelFile<S>& f, const std::string& source, Backend<D> backend = {}) {
        if (f.completion != Completion::name || f.likelihood != Likelihood::name)
            throw ParseError(source, 0, detail::error_message("the model was completed by '", f.completion,
                                                              "' with the '", f.likelihood, "' likelihood; this MvaeModel type is '",
                                                              Completion::name, "' and '", Likelihood::name, "'"));
        MvaeOptions options = mvae_options_from_text(f.options, source);
        try {
            options.validate();
        } catch (const ArgumentError& e) {
            throw ParseError(source, 0, std::string("options: ") + e.what());
        }
        MvaeModel m(options, completion_from_options<Completion>(options), backend);
        const auto n_users = index_t(f.n_users), n_items = index_t(f.n_items);
        std::vector<Interaction> pairs;
        for (index_t u = 0; u < n_users; ++u)
            for (auto e = f.user_offsets[std::size_t(u)]; e < f.user_offsets[std::size_t(u) + 1]; ++e)
                for (index_t c = 0; c < f.counts[std::size_t(e)]; ++c) pairs.push_back({u, f.items[std::size_t(e)]});
        m.train_ = std::make_unique<InteractionMatrix>(n_users, n_items, pairs);
        LowRankFactors factors;
        factors.p = Eigen::Map<const EigenRowMajor<double>>(f.p.data(), f.n_users, f.rank);
        factors.q = Eigen::Map<const EigenRowMajor<double>>(f.q.data(), f.n_items, f.rank);
        m.completed_ = std::make_unique<CompletedMatrix>(*m.train_, std::move(factors), m.options_.clamp);
        m.build_sources();
        m.model_ = std::make_unique<DualVAE<S, D, Likelihood>>(n_users, n_items, m.options_.dual_config(), backend);
        const auto upload = [&](const std::vector<S>& values, Vae& vae, const char* section) {
            auto& p = vae.parameters();
            if (index_t(values.size()) != p.size())
                throw ParseError(source, 0, detail::error_message(section, ": ", values.size(), " parameters for a VAE with ",
                                                                  p.size(), " (options and parameters disagree)"));
            vae.backend().upload(values.data(), p.values());
        };
        if (m.model_->has_user_side()) upload(f.user_parameters, m.model_->user_vae(), "user_vae.parameters");
        if (m.model_->has_item_side()) upload(f.item_parameters, m.model_->item_vae(), "item_vae.parameters");
        m.epochs_loaded_ = index_t(f.epochs_done);
        return m;
    }

private:
    // The model's sections (save(), write_checkpoint()).
    [[nodiscard]] MvaeModelFile<S> to_file() const {
        MvaeModelFile<S> f;
        f.completion = Completion::name;
        f.likelihood = Likelihood::name;
        f.options = to_text(options_);
        f.epochs_done = epochs_done();
        f.n_users = train_->n_users();
        f.n_items = train_->n_items();
        const auto offsets = train_->user_offsets();
        f.user_offsets.assign(offsets.begin(), offsets.end());
        f.items.assign(train_->user_items().begin(), train_->user_items().end());
        f.counts.assign(train_->user_counts().begin(), train_->user_counts().end());
        const auto& factors = completed_->factors();
        f.rank = factors.rank();
        f.p.assign(factors.p.data(), factors.p.data() + factors.p.size());
        f.q.assign(factors.q.data(), factors.q.data() + factors.q.size());
        if (model_->has_user_side()) f.user_parameters = download_parameters(model_->user_vae());
        if (model_->has_item_side()) f.item_parameters = download_parameters(model_->item_vae());
        return f;
    }

    static bool same_matrix(const InteractionMatrix& a, const InteractionMatrix& b) {
        const auto eq = [](auto x, auto y) { return std::equal(x.begin(), x.end(), y.begin(), y.end()); };
        return a.n_users() == b.n_users() && a.n_items() == b.n_items() && eq(a.user_offsets(), b.user_offsets()) &&
               eq(a.user_items(), b.user_items()) && eq(a.user_counts(), b.user_counts());
    }

    // "key: a (checkpoint) vs b (now)" for the first line where two option texts differ.
    static std::string first_difference(const std::string& was, const std::string& now) {
        std::istringstream a(was), b(now);
        std::string la, lb;
        while (true) {
            const bool ga = bool(std::getline(a, la)), gb = bool(std::getline(b, lb));
            if (!ga && !gb) return "(none)";
            if (la != lb || ga != gb)
                return "'" + (ga ? la : std::string("(nothing)")) + "' in the checkpoint, '" + (gb ? lb : std::string("(nothing)")) +
                       "' now";
        }
    }

    static constexpr std::uint64_t kHingePurpose = 0x68696E6765ull;  // "hinge"

    void complete() {
        // Under data-parallel training rank 0 completes and broadcasts the factors (at rank 400 on
        // Yelp the completion takes two minutes, which every rank would otherwise repeat).
        completed_ = std::make_unique<CompletedMatrix>(MatrixCompleter<Completion>(completion_, options_.clamp).complete(*train_, *comm_));
    }

    void build_sources() {
        user_rows_ = std::make_unique<CompletedRowSource<S, D>>(*completed_, RowsOf::Users, backend_);
        item_rows_ = std::make_unique<CompletedRowSource<S, D>>(*completed_, RowsOf::Items, backend_);
        if (options_.low_rank_input) {  // the encoders read the unclamped R′ (in training and scoring)
            user_inputs_ = std::make_unique<CompletedRowSource<S, D>>(*completed_, RowsOf::Users, backend_, Clamping::Off);
            item_inputs_ = std::make_unique<CompletedRowSource<S, D>>(*completed_, RowsOf::Items, backend_, Clamping::Off);
        }
        if (options_.target == ReconstructionTarget::Observed) {
            train_t_ = std::make_unique<InteractionMatrix>(train_->transposed());
            user_observed_ = std::make_unique<SparseRowSource<S>>(*train_);
            item_observed_ = std::make_unique<SparseRowSource<S>>(*train_t_);
        }
    }

    // Calls f with the DualSources of the configured reconstruction target.
    template <class F>
    decltype(auto) with_sources(F&& f) {
        if (options_.target == ReconstructionTarget::Observed)
            return f(DualSources{user_input(), *user_observed_, item_input(), *item_observed_});
        return f(DualSources{user_input(), *user_rows_, item_input(), *item_rows_});
    }

    // What the encoders read: R′ as completed, or unclamped under low_rank_input.
    const CompletedRowSource<S, D>& user_input() const { return user_inputs_ ? *user_inputs_ : *user_rows_; }
    const CompletedRowSource<S, D>& item_input() const { return item_inputs_ ? *item_inputs_ : *item_rows_; }

    void ensure_scoring() {
        require_argument(prepared(), "MvaeModel::score: the model has not been fitted or loaded");
        if (scoring_epoch_ != epochs_done() || !scoring_ready_) {
            model_->prepare_scoring(item_input());
            scoring_epoch_ = epochs_done();
            scoring_ready_ = true;
        }
    }

    // Host backends score straight into the caller's memory; other devices through a staging block.
    void score_to_host(const Backend<Cpu>&, index_t first_user, index_t count, MatrixView<S, Cpu> out) {
        model_->score(user_input(), first_user, count, out);
    }
    template <Device Dev>
    void score_to_host(const Backend<Dev>& be, index_t first_user, index_t count, MatrixView<S, Cpu> out) {
        scores_device_.resize(count, n_items());
        model_->score(user_input(), first_user, count, scores_device_.view());
        be.download(scores_device_.cview(), out.data());
    }

    // top_k over host_scores_ with `seen` (sorted) excluded.
    std::vector<index_t> top_items(std::span<const index_t> seen, index_t k) {
        std::vector<index_t> out(std::size_t(std::min<index_t>(k, n_items())));
        const std::span<const S> scores(host_scores_.data(), std::size_t(n_items()));
        const index_t found = top_k<S>(scores, seen, index_t(out.size()), out);
        out.resize(std::size_t(found));
        return out;
    }

    [[nodiscard]] std::vector<const Vae*> sides() const {
        std::vector<const Vae*> v;
        if (model_->has_user_side()) v.push_back(&model_->user_vae());
        if (model_->has_item_side()) v.push_back(&model_->item_vae());
        return v;
    }

    static std::vector<S> download_parameters(const Vae& vae) {
        const auto& p = vae.parameters();
        std::vector<S> host(std::size_t(p.size()));
        vae.backend().download(p.values(), host.data());
        return host;
    }

    MvaeOptions options_;
    Completion completion_;
    Backend<D> backend_;
    std::unique_ptr<InteractionMatrix> train_, train_t_;
    std::unique_ptr<CompletedMatrix> completed_;
    std::unique_ptr<CompletedRowSource<S, D>> user_rows_, item_rows_;
    std::unique_ptr<CompletedRowSource<S, D>> user_inputs_, item_inputs_;  ///< only under low_rank_input
    std::unique_ptr<SparseRowSource<S>> user_observed_, item_observed_;
    std::unique_ptr<DualVAE<S, D, Likelihood>> model_;
    std::unique_ptr<DualTrainer<S, D, Likelihood>> trainer_;
    std::shared_ptr<const Communicator> comm_ = solo_communicator();
    index_t epochs_loaded_ = 0;
    // score, score_on_device, recommend and recommend_for_history share the scoring workspaces
    // (and the VAEs' activations): one at a time. Behind a pointer so the model stays movable.
    std::unique_ptr<std::mutex> scoring_mutex_ = std::make_unique<std::mutex>();
    index_t scoring_epoch_ = -1;
    bool scoring_ready_ = false;
    Matrix<S, Cpu> host_scores_;
    Matrix<S, D> row_device_, scores_device_;
};

/// The common case: float on the CPU.
using Mvae = MvaeModel<float, Cpu>;

}  // namespace mvae
