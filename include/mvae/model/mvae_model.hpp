// mvae/model/mvae_model.hpp — the MVAE recommender: completion → stochastic masks → DualVAE, with
// the recommender API (fit, score, recommend, recommend for a new user's history, save, load).
#pragma once

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mvae/completion/completed_matrix.hpp"
#include "mvae/completion/completed_row_source.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/core/error.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/eval/top_k.hpp"
#include "mvae/io/model_file.hpp"
#include "mvae/model/dual_vae.hpp"
#include "mvae/model/mvae_options.hpp"
#include "mvae/training/dual_trainer.hpp"
#include "mvae/training/row_source.hpp"

namespace mvae {

namespace detail {

/// MvaeOptions as "key=value" lines (saved with a model, and printed by the CLI).
[[nodiscard]] inline std::string options_to_text(const MvaeOptions& o) {
    std::ostringstream s;
    s.precision(17);
    s << "completion=" << to_string(o.completion) << "\nrank=" << o.rank << "\nclamp=" << o.clamp
      << "\nsvd_power_iterations=" << o.svd_power_iterations << "\nals_lambda=" << o.als_lambda
      << "\nals_unobserved_weight=" << o.als_unobserved_weight << "\nals_iterations=" << o.als_iterations
      << "\nsides=" << to_string(o.sides) << "\nalpha=" << o.alpha << "\nhidden1=" << o.vae.hidden1
      << "\nhidden2=" << o.vae.hidden2 << "\nlatent=" << o.vae.latent << "\nencoder1=" << to_string(o.vae.encoder1)
      << "\nencoder2=" << to_string(o.vae.encoder2) << "\ndecoder2=" << to_string(o.vae.decoder2)
      << "\ndecoder1=" << to_string(o.vae.decoder1) << "\nbeta=" << o.vae.beta
      << "\nkl_convention=" << to_string(o.vae.kl_convention) << "\nvae_seed=" << o.vae.seed
      << "\ntarget=" << to_string(o.target) << "\nschedule=" << to_string(o.schedule) << "\nmask_ratio=" << o.mask_ratio
      << "\nepochs=" << o.epochs << "\nbatch_size=" << o.batch_size << "\nlearning_rate=" << o.adam.learning_rate
      << "\ndecay_every=" << o.adam.decay_every << "\ndecay_rate=" << o.adam.decay_rate
      << "\noutput_bias_from_data=" << o.output_bias_from_data << "\nseed=" << o.seed
      << "\nlow_rank_input=" << o.low_rank_input << "\nlikelihood=" << to_string(o.vae.likelihood)
      << "\nnormalize_input=" << o.vae.normalize_input << "\nkl_anneal_steps=" << o.kl_anneal_steps
      << "\nhinge_weight=" << o.hinge_weight << "\nhinge_margin=" << o.hinge_margin << "\n";
    return s.str();
}

/// Parses options_to_text's output; unknown keys and malformed values are ParseErrors naming the line.
[[nodiscard]] inline MvaeOptions options_from_text(const std::string& text, const std::string& source) {
    MvaeOptions o;
    std::istringstream in(text);
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) throw ParseError(source, number, "options: expected key=value, found '" + line + "'");
        const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        auto number_of = [&](auto& field) {
            std::istringstream v(value);
            if (!(v >> field) || !v.eof())
                throw ParseError(source, number, "options: bad value '" + value + "' for " + key);
        };
        try {
            if (key == "completion") o.completion = parse_completion(value);
            else if (key == "rank") number_of(o.rank);
            else if (key == "low_rank_input") number_of(o.low_rank_input);
            else if (key == "clamp") number_of(o.clamp);
            else if (key == "svd_power_iterations") number_of(o.svd_power_iterations);
            else if (key == "als_lambda") number_of(o.als_lambda);
            else if (key == "als_unobserved_weight") number_of(o.als_unobserved_weight);
            else if (key == "als_iterations") number_of(o.als_iterations);
            else if (key == "sides") o.sides = parse_sides(value);
            else if (key == "alpha") number_of(o.alpha);
            else if (key == "hidden1") number_of(o.vae.hidden1);
            else if (key == "hidden2") number_of(o.vae.hidden2);
            else if (key == "latent") number_of(o.vae.latent);
            else if (key == "encoder1") o.vae.encoder1 = parse_activation(value);
            else if (key == "encoder2") o.vae.encoder2 = parse_activation(value);
            else if (key == "decoder2") o.vae.decoder2 = parse_activation(value);
            else if (key == "decoder1") o.vae.decoder1 = parse_activation(value);
            else if (key == "beta") number_of(o.vae.beta);
            else if (key == "kl_convention") o.vae.kl_convention = value == "jova" ? KlConvention::JoVA : KlConvention::Standard;
            else if (key == "vae_seed") number_of(o.vae.seed);
            else if (key == "target") o.target = parse_target(value);
            else if (key == "schedule") o.schedule = parse_schedule(value);
            else if (key == "mask_ratio") number_of(o.mask_ratio);
            else if (key == "epochs") number_of(o.epochs);
            else if (key == "batch_size") number_of(o.batch_size);
            else if (key == "learning_rate") number_of(o.adam.learning_rate);
            else if (key == "decay_every") number_of(o.adam.decay_every);
            else if (key == "decay_rate") number_of(o.adam.decay_rate);
            else if (key == "output_bias_from_data") number_of(o.output_bias_from_data);
            else if (key == "seed") number_of(o.seed);
            else if (key == "likelihood") o.vae.likelihood = parse_likelihood(value);
            else if (key == "normalize_input") number_of(o.vae.normalize_input);
            else if (key == "kl_anneal_steps") number_of(o.kl_anneal_steps);
            else if (key == "hinge_weight") number_of(o.hinge_weight);
            else if (key == "hinge_margin") number_of(o.hinge_margin);
            else throw ParseError(source, number, "options: unknown key '" + key + "'");
        } catch (const ArgumentError& e) {
            throw ParseError(source, number, std::string("options: ") + e.what());
        }
    }
    return o;
}

}  // namespace detail

/**
 * The MVAE recommender of the paper, assembled from MatrixCompleter, StochasticMasker and DualVAE.
 *
 * @tparam S float (default) or double. @tparam D the device the VAEs run on.
 *
 * The model keeps its own copy of the training matrix (for completion, for the rows it scores and
 * for excluding seen items), the completion factors and both VAEs; nothing users × items is ever
 * held: scores are produced in blocks of users.
 *
 * @code
 * mvae::Mvae model(options);                    // = MvaeModel<float, Cpu>
 * model.fit(train, [](const mvae::DualEpochReport& r) { std::printf("%d %.2f\n", r.epoch, r.loss()); });
 * auto top = model.recommend(user, 10);         // seen items excluded
 * auto cold = model.recommend_for_history({3, 17, 42}, 10);
 * model.save("yelp.mvae");                      // atomic; mvae::Mvae::load("yelp.mvae") reads it back
 * @endcode
 */
template <Real S = float, Device D = Cpu>
class MvaeModel {
public:
    using EpochCallback = std::function<void(const DualEpochReport&)>;

    explicit MvaeModel(MvaeOptions options = {}, Backend<D> backend = {})
        : options_((options.validate(), std::move(options))), backend_(backend) {}

    MvaeModel(MvaeModel&&) noexcept = default;
    MvaeModel& operator=(MvaeModel&&) noexcept = default;

    [[nodiscard]] const MvaeOptions& options() const noexcept { return options_; }
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
    [[nodiscard]] DualVAE<S, D>& dual() {
        require_argument(prepared(), "MvaeModel: the model has not been fitted or loaded");
        return *model_;
    }

    /// A copy of every VAE parameter (host memory), e.g. to keep the best epoch on validation.
    [[nodiscard]] std::vector<std::vector<S>> snapshot() const {
        require_argument(prepared(), "MvaeModel::snapshot: the model has not been fitted or loaded");
        std::vector<std::vector<S>> out;
        for (const VariationalAutoencoder<S, D>* vae : sides()) {
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
            auto& p = const_cast<VariationalAutoencoder<S, D>*>(vaes[k])->parameters();
            require_shape(index_t(snap[k].size()) == p.size(), "MvaeModel::restore: ", snap[k].size(),
                          " parameters for a VAE with ", p.size());
            vaes[k]->backend().upload(snap[k].data(), p.values());
        }
        scoring_ready_ = false;
    }

    /// Completes `train` (the slow part before the first epoch), builds both VAEs and their
    /// trainer, and initialises the output biases. Keeps a copy of `train`.
    void prepare(const InteractionMatrix& train) {
        require_argument(train.n_users() >= 1 && train.n_items() >= 1, "MvaeModel: empty training matrix (",
                         train.n_users(), " x ", train.n_items(), ")");
        train_ = std::make_unique<InteractionMatrix>(train);
        complete();
        build_sources();
        model_ = std::make_unique<DualVAE<S, D>>(train_->n_users(), train_->n_items(), options_.dual_config(), backend_);
        trainer_ = std::make_unique<DualTrainer<S, D>>(*model_, options_.train_options(), options_.schedule);
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
        ensure_scoring();
        score_to_host(backend_, first_user, count, out);
    }

    /// As score(), into memory of device D: the score-provider signature of evaluate_ranking_on,
    /// which ranks where the scores are and never copies them to the host.
    void score_on_device(index_t first_user, index_t count, MatrixView<S, D> out) {
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
        host_scores_.resize(1, n_items());
        score(user, 1, host_scores_.view());
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

        host_scores_.resize(1, n_items());
        fold_in_row(items, host_scores_.view());
        row_device_.resize(1, n_items());
        backend_.upload(host_scores_.data(), row_device_.view());
        scores_device_.resize(1, n_items());
        model_->user_vae().predict(row_device_.cview(), scores_device_.view());
        backend_.download(scores_device_.cview(), host_scores_.data());
        return top_items(items, k);
    }

    /**
     * Saves the model (options, training matrix, completion factors, both VAEs' parameters) in the
     * versioned, checksummed format of io/model_file.hpp (kind "mvae.model"), atomically: an
     * interrupted save leaves the previous file intact. The optimiser state is not saved: a loaded
     * model scores and recommends; training it further restarts Adam.
     */
    void save(const std::filesystem::path& file) const {
        require_argument(prepared(), "MvaeModel::save: the model has not been fitted or loaded");
        ModelWriter w(kKind);
        w.add_text("options", detail::options_to_text(options_));
        w.add_scalar<std::int64_t>("epochs_done", std::int64_t(epochs_done()));
        w.add_scalar<std::int64_t>("n_users", train_->n_users());
        w.add_scalar<std::int64_t>("n_items", train_->n_items());
        const auto offsets = train_->user_offsets();
        w.add("train.user_offsets", std::span<const std::int64_t>(offsets.data(), offsets.size()),
              {std::int64_t(offsets.size())});
        w.add("train.items", train_->user_items(), {std::int64_t(train_->nnz())});
        w.add("train.counts", train_->user_counts(), {std::int64_t(train_->nnz())});
        const auto& f = completed_->factors();
        w.add("factors.p", std::span<const double>(f.p.data(), std::size_t(f.p.size())), {f.p.rows(), f.p.cols()});
        w.add("factors.q", std::span<const double>(f.q.data(), std::size_t(f.q.size())), {f.q.rows(), f.q.cols()});
        if (model_->has_user_side()) save_parameters(w, "user_vae", model_->user_vae());
        if (model_->has_item_side()) save_parameters(w, "item_vae", model_->item_vae());
        w.save(file);
    }

    /// Loads a model saved by save(); every section is validated (ParseError/IoError naming the file).
    [[nodiscard]] static MvaeModel load(const std::filesystem::path& file, Backend<D> backend = {}) {
        const ModelReader r = ModelReader::open(file, kKind);
        const std::string source = file.string();
        MvaeModel m(detail::options_from_text(r.text("options"), source), backend);
        const auto n_users = index_t(r.scalar<std::int64_t>("n_users"));
        const auto n_items = index_t(r.scalar<std::int64_t>("n_items"));
        if (n_users < 1 || n_items < 1)
            throw ParseError(source, 0, detail::error_message("invalid shape ", n_users, " x ", n_items));
        const auto offsets = r.get<std::int64_t>("train.user_offsets", {std::int64_t(n_users) + 1});
        const auto nnz = offsets.back();
        const auto items = r.get<std::int32_t>("train.items", {nnz});
        const auto counts = r.get<std::int32_t>("train.counts", {nnz});
        std::vector<Interaction> pairs;
        for (index_t u = 0; u < n_users; ++u) {
            if (offsets[std::size_t(u)] > offsets[std::size_t(u) + 1] || offsets[std::size_t(u) + 1] > nnz)
                throw ParseError(source, 0, "train.user_offsets are not a valid CSR row pointer");
            for (auto e = offsets[std::size_t(u)]; e < offsets[std::size_t(u) + 1]; ++e) {
                const index_t item = items[std::size_t(e)];
                if (item < 0 || item >= n_items || counts[std::size_t(e)] < 1)
                    throw ParseError(source, 0, detail::error_message("train.items: entry ", e, " is invalid"));
                for (index_t c = 0; c < counts[std::size_t(e)]; ++c) pairs.push_back({u, item});
            }
        }
        m.train_ = std::make_unique<InteractionMatrix>(n_users, n_items, pairs);
        const auto& shape_p = r.shape("factors.p");
        const std::int64_t rank = shape_p.size() == 2 ? shape_p[1] : -1;
        LowRankFactors f;
        f.p.resize(n_users, rank < 0 ? 0 : rank);
        f.q.resize(n_items, rank < 0 ? 0 : rank);
        r.get_into("factors.p", std::span<double>(f.p.data(), std::size_t(f.p.size())), {n_users, rank});
        r.get_into("factors.q", std::span<double>(f.q.data(), std::size_t(f.q.size())), {n_items, rank});
        m.completed_ = std::make_unique<CompletedMatrix>(*m.train_, std::move(f), m.options_.clamp);
        m.build_sources();
        m.model_ = std::make_unique<DualVAE<S, D>>(n_users, n_items, m.options_.dual_config(), backend);
        if (m.model_->has_user_side()) load_parameters(r, "user_vae", m.model_->user_vae());
        if (m.model_->has_item_side()) load_parameters(r, "item_vae", m.model_->item_vae());
        m.epochs_loaded_ = index_t(r.scalar<std::int64_t>("epochs_done"));
        return m;
    }

private:
    static constexpr const char* kKind = "mvae.model";
    static constexpr std::uint64_t kHingePurpose = 0x68696E6765ull;  // "hinge"

    void complete() {
        const auto& o = options_;
        switch (o.completion) {
            case CompletionKind::None:
                completed_ = std::make_unique<CompletedMatrix>(CompletedMatrix::uncompleted(*train_));
                return;
            case CompletionKind::Svd: {
                RandomizedSvdOptions svd;
                svd.rank = o.rank;
                svd.power_iterations = o.svd_power_iterations;
                svd.seed = o.seed + 1;
                completed_ = std::make_unique<CompletedMatrix>(SvdCompleter(RandomizedSvd(svd), o.clamp).complete(*train_));
                return;
            }
            case CompletionKind::Als: {
                WeightedAlsOptions als;
                als.rank = o.rank;
                als.lambda = o.als_lambda;
                als.w0 = o.als_unobserved_weight;
                als.iterations = o.als_iterations;
                als.seed = o.seed + 1;
                completed_ = std::make_unique<CompletedMatrix>(AlsCompleter(WeightedAls(als), o.clamp).complete(*train_));
                return;
            }
        }
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

    // The completed row of a new user with 0/1 history `items` (sorted, unique), into out (1 × m).
    void fold_in_row(const std::vector<index_t>& items, MatrixView<S, Cpu> out) const {
        const auto& f = completed_->factors();
        const index_t k = f.rank();
        Eigen::VectorXd p = Eigen::VectorXd::Zero(k);
        if (k > 0 && !items.empty()) {
            Eigen::MatrixXd gram = f.q.transpose() * f.q;
            gram.diagonal().array() += 1e-6;
            Eigen::VectorXd rhs = Eigen::VectorXd::Zero(k);
            for (index_t i : items) rhs += f.q.row(i).transpose();
            p = gram.ldlt().solve(rhs);
        }
        const bool clamp = completed_->clamped() && !options_.low_rank_input;  // as the encoders were trained
        for (index_t i = 0; i < n_items(); ++i) {
            const double v = k > 0 ? f.q.row(i).dot(p) : 0.0;
            out(0, i) = S(clamp ? std::clamp(v, 0.0, 1.0) : v);
        }
        for (index_t i : items) out(0, i) = S(1);
    }

    // top_k over host_scores_ with `seen` (sorted) excluded.
    std::vector<index_t> top_items(std::span<const index_t> seen, index_t k) {
        std::vector<index_t> out(std::size_t(std::min<index_t>(k, n_items())));
        const std::span<const S> scores(host_scores_.data(), std::size_t(n_items()));
        const index_t found = top_k<S>(scores, seen, index_t(out.size()), out);
        out.resize(std::size_t(found));
        return out;
    }

    [[nodiscard]] std::vector<const VariationalAutoencoder<S, D>*> sides() const {
        std::vector<const VariationalAutoencoder<S, D>*> v;
        if (model_->has_user_side()) v.push_back(&model_->user_vae());
        if (model_->has_item_side()) v.push_back(&model_->item_vae());
        return v;
    }

    static void save_parameters(ModelWriter& w, const std::string& prefix, const VariationalAutoencoder<S, D>& vae) {
        const auto& p = vae.parameters();
        std::vector<S> host(std::size_t(p.size()));
        vae.backend().download(p.values(), host.data());
        w.add(prefix + ".parameters", std::span<const S>(host), {std::int64_t(p.size())});
    }

    static void load_parameters(const ModelReader& r, const std::string& prefix, VariationalAutoencoder<S, D>& vae) {
        auto& p = vae.parameters();
        std::vector<S> host(std::size_t(p.size()));
        r.get_into(prefix + ".parameters", std::span<S>(host), {std::int64_t(p.size())});
        vae.backend().upload(host.data(), p.values());
    }

    MvaeOptions options_;
    Backend<D> backend_;
    std::unique_ptr<InteractionMatrix> train_, train_t_;
    std::unique_ptr<CompletedMatrix> completed_;
    std::unique_ptr<CompletedRowSource<S, D>> user_rows_, item_rows_;
    std::unique_ptr<CompletedRowSource<S, D>> user_inputs_, item_inputs_;  ///< only under low_rank_input
    std::unique_ptr<SparseRowSource<S>> user_observed_, item_observed_;
    std::unique_ptr<DualVAE<S, D>> model_;
    std::unique_ptr<DualTrainer<S, D>> trainer_;
    index_t epochs_loaded_ = 0;
    index_t scoring_epoch_ = -1;
    bool scoring_ready_ = false;
    Matrix<S, Cpu> host_scores_;
    Matrix<S, D> row_device_, scores_device_;
};

/// The common case: float on the CPU.
using Mvae = MvaeModel<float, Cpu>;

}  // namespace mvae
