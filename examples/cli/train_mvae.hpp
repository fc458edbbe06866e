// The training loop of `mvae train` for the MVAE family, as a template over the device, so the
// CPU build and the CUDA translation unit (train_cuda.cu) share one loop.
//
// Model selection never looks at the test split: with --select-on-validation the model trains on
// train.csv minus vali.csv, is evaluated on vali.csv every --eval-every epochs, and the epoch with
// the best validation NDCG@10 is kept (its test metrics are the headline; the last epoch's are
// reported beside them in --history-json). With --retrain-full a fresh model is then trained on
// all of train.csv for that many epochs, and its test metrics are the headline.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_report.hpp"
#include "metrics_table.hpp"
#include "mvae/core/memory_usage.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/eval/device_ranking.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/io/atomic_file.hpp"
#include "mvae/model/bpr.hpp"
#include "mvae/model/mvae_model.hpp"

namespace mvae_cli {

struct TrainArgs {
    std::string data;
    std::string model = "mvae";
    std::string completion = "als";
    std::string schedule = "independent";
    std::string target = "completed";
    std::string kl = "standard";
    std::string encoder2 = "tanh";
    std::string k = "1,5,10";
    std::string metrics_json, history_json, save;
    mvae::MvaeOptions options;
    bool no_clamp = false;
    bool no_output_bias_init = false;
    bool select_on_validation = false;
    bool retrain_full = false;
    std::string device = "cpu";
    bool tf32 = false;
    int eval_every = 0;
    int threads = 0;
    double ease_lambda = 500.0;  ///< --model ease
    mvae::BprOptions bpr;        ///< --model bpr
    std::vector<std::string> given_options;  ///< options set on the command line (not defaults)

    [[nodiscard]] bool given(const std::string& name) const {
        return std::find(given_options.begin(), given_options.end(), name) != given_options.end();
    }
};

inline void write_text_file(const std::string& path, const std::string& text) {
    mvae::write_file_atomically(path, [&](std::ofstream& out) { out << text << '\n'; });
}

/// `train` minus the pairs of `holdout` (the JCA folders keep vali.csv inside train.csv).
inline mvae::InteractionMatrix without(const mvae::InteractionMatrix& train, const mvae::InteractionMatrix& holdout) {
    std::vector<mvae::Interaction> pairs;
    for (mvae::index_t u = 0; u < train.n_users(); ++u) {
        const auto items = train.items_of(u);
        const auto counts = train.item_counts_of(u);
        for (std::size_t e = 0; e < items.size(); ++e)
            if (!holdout.contains(u, items[e]))
                for (mvae::index_t c = 0; c < counts[e]; ++c) pairs.push_back({u, items[e]});
    }
    return mvae::InteractionMatrix(train.n_users(), train.n_items(), pairs);
}

/// Trains the MVAE family (mvae, dual, uvae, ivae) on device D with the options already parsed
/// into args.options, and reports as `mvae train` promises (see cmd_train.hpp).
template <mvae::Device D>
void run_train_mvae(const TrainArgs& args, const mvae::SplitData& data, const mvae::EvalOptions& eval_options) {
    using MvaeModel = mvae::MvaeModel<float, D>;
    const auto& o = args.options;
    const bool selecting = args.select_on_validation;
    mvae::require_argument(!selecting || data.validation.nnz() > 0,
                           "--select-on-validation: ", args.data, " has no vali.csv (or it is empty)");
    mvae::require_argument(!selecting || args.eval_every > 0, "--select-on-validation needs --eval-every N > 0");
    const mvae::InteractionMatrix fit_matrix = selecting ? without(data.train, data.validation) : data.train;

    const auto t_start = std::chrono::steady_clock::now();
    MvaeModel model(o);
    model.prepare(fit_matrix);
    const double prepare_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    std::fprintf(stderr, "model: %s, completion %s (rank %d, %.1f s), schedule %s, mask ratio %g, %d epochs\n",
                 args.model.c_str(), mvae::to_string(o.completion), int(o.rank), prepare_seconds, mvae::to_string(o.schedule),
                 o.mask_ratio, int(o.epochs));

    // Ranked where the scores are (on the GPU with --device cuda): only the top K ids reach the host.
    const auto evaluate_model = [&](MvaeModel& m, const mvae::InteractionMatrix& exclude,
                                    const mvae::InteractionMatrix& truth) {
        return mvae::evaluate_ranking_on<float, D>(
            m.backend(), exclude, truth,
            [&](mvae::index_t first, mvae::index_t count, mvae::MatrixView<float, D> out) {
                m.score_on_device(first, count, out);
            },
            eval_options);
    };
    const auto evaluate = [&](const mvae::InteractionMatrix& exclude, const mvae::InteractionMatrix& truth) {
        return evaluate_model(model, exclude, truth);
    };
    const std::size_t ndcg10 = [&] {
        for (std::size_t n = 0; n < eval_options.ks.size(); ++n)
            if (eval_options.ks[n] == 10) return n;
        return eval_options.ks.size() - 1;
    }();

    nlohmann::ordered_json history = nlohmann::ordered_json::array();
    std::optional<std::vector<std::vector<float>>> best_snapshot;
    double best_validation = -1;
    int best_epoch = 0;
    double train_seconds = 0;
    for (mvae::index_t e = 1; e <= o.epochs; ++e) {
        const mvae::DualEpochReport r = model.train_epoch();
        train_seconds += r.seconds;
        nlohmann::ordered_json entry{{"epoch", e},
                                     {"seconds", r.seconds},
                                     {"user_loss", r.user.loss},
                                     {"user_bce", r.user.reconstruction},
                                     {"user_kl", r.user.kl},
                                     {"item_loss", r.item.loss},
                                     {"item_bce", r.item.reconstruction},
                                     {"item_kl", r.item.kl}};
        std::string line = mvae::detail::error_message("epoch ", e, "/", o.epochs, "  uVAE bce ", r.user.reconstruction,
                                                       " kl ", r.user.kl, "  iVAE bce ", r.item.reconstruction, " kl ",
                                                       r.item.kl, "  ", r.seconds, " s");
        if (args.eval_every > 0 && (e % args.eval_every == 0 || e == o.epochs)) {
            const auto test_report = evaluate(data.train, data.test);  // recorded, never used for choices
            entry["test"] = to_json(test_report);
            if (selecting) {
                const auto vali_report = evaluate(fit_matrix, data.validation);
                entry["validation"] = to_json(vali_report);
                const double v = vali_report.ndcg[ndcg10];
                line += mvae::detail::error_message("  validation NDCG@", eval_options.ks[ndcg10], " ", v);
                if (v > best_validation) {
                    best_validation = v;
                    best_epoch = int(e);
                    best_snapshot = model.snapshot();
                }
            } else {
                line += mvae::detail::error_message("  test NDCG@", eval_options.ks[ndcg10], " ",
                                                    test_report.ndcg[ndcg10]);
            }
        }
        std::fprintf(stderr, "%s\n", line.c_str());
        history.push_back(std::move(entry));
    }

    const mvae::EvalReport last = evaluate(data.train, data.test);
    mvae::EvalReport headline = last;
    mvae::EvalReport selected = last;
    if (selecting && best_snapshot) {
        model.restore(*best_snapshot);
        selected = headline = evaluate(data.train, data.test);
        std::fprintf(stderr, "selected epoch %d (validation NDCG@%d %.5f)\n", best_epoch, int(eval_options.ks[ndcg10]),
                     best_validation);
    }
    // The chosen epoch count, retrained from scratch on all of train.csv (vali.csv included).
    std::optional<mvae::EvalReport> retrained;
    if (selecting && args.retrain_full && best_epoch > 0) {
        MvaeModel full(o);
        full.prepare(data.train);
        for (int e = 1; e <= best_epoch; ++e) {
            const auto r = full.train_epoch();
            std::fprintf(stderr, "retrain on all of train: epoch %d/%d  %.1f s\n", e, best_epoch, r.seconds);
        }
        retrained = evaluate_model(full, data.train, data.test);
        if (!args.save.empty()) model = std::move(full);
        headline = *retrained;
    }
    const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    std::fprintf(stderr, "test metrics (%s):\n",
                 retrained   ? "retrained on all of train for the epochs chosen on validation"
                 : selecting ? "epoch chosen on validation"
                             : "last epoch");
    print_metrics_table(stderr, headline);
    std::fprintf(stderr, "training %.1f s, total %.1f s, peak memory %.0f MiB\n", train_seconds, total_seconds,
                 mvae::peak_resident_mib());

    const std::string json = to_json(headline).dump();
    std::printf("%s\n", json.c_str());
    if (!args.metrics_json.empty()) write_text_file(args.metrics_json, json);
    if (!args.history_json.empty()) {
        nlohmann::ordered_json full{{"data", args.data},
                                    {"model", args.model},
                                    {"options", mvae::detail::options_to_text(o)},
                                    {"selected_on_validation", selecting},
                                    {"selected_epoch", selecting ? nlohmann::ordered_json(best_epoch) : nlohmann::ordered_json()},
                                    {"test_selected", selecting ? to_json(selected) : nlohmann::ordered_json()},
                                    {"test_retrained_full", retrained ? to_json(*retrained) : nlohmann::ordered_json()},
                                    {"test_last_epoch", to_json(last)},
                                    {"train_seconds", train_seconds},
                                    {"total_seconds", total_seconds},
                                    {"peak_rss_mib", mvae::peak_resident_mib()},
                                    {"threads", mvae::num_threads()},
                                    {"epochs", history}};
        write_text_file(args.history_json, full.dump(1));
    }
    if (!args.save.empty()) {
        model.save(args.save);
        std::fprintf(stderr, "saved %s\n", args.save.c_str());
    }
}

/// run_train_mvae<mvae::Cuda>, compiled by nvcc in train_cuda.cu; without CUDA (train_cuda_stub.cpp)
/// it throws an mvae::ArgumentError that says so.
void run_train_mvae_cuda(const TrainArgs& args, const mvae::SplitData& data, const mvae::EvalOptions& eval_options);

}  // namespace mvae_cli
