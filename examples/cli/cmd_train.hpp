// `mvae train`: fit a model on a JCA/JoVA split folder and print its test metrics as JSON.
//
// Models: mvae (the dual VAE with completion and masks), uvae / ivae (one side, the paper's Fig. 2),
// and baselines: pop (item popularity), puresvd / wals (the completion's own scores p_u · q_i).
// The test metrics go to stdout as one JSON object shaped like `mvae evaluate`'s (and to
// --metrics-json); progress goes to stderr. The MVAE family trains on the CPU or, with
// --device cuda, on the GPU (train_mvae.hpp holds the loop and the model-selection protocol).
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "json_report.hpp"
#include "metrics_table.hpp"
#include "options.hpp"
#include "train_mvae.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/model/ease.hpp"
#include "mvae/model/jova.hpp"
#include "mvae/model/mult_vae.hpp"
#include "mvae/model/popularity.hpp"

namespace mvae_cli {

/// The baselines that score through score(first_user, count, out) after fit(train): each is one
/// entry here. `make` builds and fits a model on the matrix it is given (which outlives the model).
template <class Make>
void run_train_baseline(const TrainArgs& args, const mvae::SplitData& data, const mvae::EvalOptions& eval_options,
                        Make make) {
    const auto evaluate = [&](const auto& model, const mvae::InteractionMatrix& exclude,
                              const mvae::InteractionMatrix& truth) {
        return mvae::evaluate_ranking<float>(
            exclude, truth,
            [&](mvae::index_t first, mvae::index_t count, mvae::MatrixView<float, mvae::Cpu> out) {
                model.score(first, count, out);
            },
            eval_options);
    };
    if (args.select_on_validation) {  // fit on train − vali, report validation (for choosing settings)
        mvae::require_argument(data.validation.nnz() > 0, "--select-on-validation: ", args.data,
                               " has no vali.csv (or it is empty)");
        const mvae::InteractionMatrix fit_matrix = without(data.train, data.validation);
        const auto v = evaluate(make(fit_matrix), fit_matrix, data.validation);
        std::fprintf(stderr, "validation (trained on train - vali):\n");
        print_metrics_table(stderr, v);
        nlohmann::ordered_json full{{"model", args.model}, {"validation", to_json(v)}};
        if (args.model == "ease") full["ease_lambda"] = args.ease_lambda;
        if (!args.history_json.empty()) write_text_file(args.history_json, full.dump(1));
    }
    const auto t0 = std::chrono::steady_clock::now();
    const auto model = make(data.train);
    const mvae::EvalReport report = evaluate(model, data.train, data.test);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "model: %s, %.2f s; test:\n", args.model.c_str(), seconds);
    print_metrics_table(stderr, report);
    const std::string json = to_json(report).dump();
    std::printf("%s\n", json.c_str());
    if (!args.metrics_json.empty()) write_text_file(args.metrics_json, json);
}

/// BPR-MF with the command line's settings, printing each epoch's mean triple loss.
inline mvae::Bpr fit_bpr(const TrainArgs& args, const mvae::InteractionMatrix& train) {
    mvae::BprOptions options = args.bpr;
    options.seed = args.options.seed;
    mvae::Bpr model(options);
    model.fit(train, [](mvae::index_t epoch, double loss) {
        std::fprintf(stderr, "bpr epoch %d  loss %.5f\n", int(epoch), loss);
    });
    return model;
}

inline void run_train_factors(const TrainArgs& args, const mvae::SplitData& data, const mvae::EvalOptions& eval_options) {
    const bool selecting = args.select_on_validation;
    mvae::require_argument(!selecting || data.validation.nnz() > 0,
                           "--select-on-validation: ", args.data, " has no vali.csv (or it is empty)");
    const mvae::InteractionMatrix fit_matrix = selecting ? without(data.train, data.validation) : data.train;
    const auto& o = args.options;
    const auto t0 = std::chrono::steady_clock::now();
    mvae::LowRankFactors f;
    if (args.model == "puresvd") {
        mvae::RandomizedSvdOptions svd;
        svd.rank = o.rank;
        svd.power_iterations = o.svd_power_iterations;
        svd.seed = o.seed + 1;
        f = mvae::RandomizedSvd(svd).fit(fit_matrix);
    } else {
        mvae::WeightedAlsOptions als;
        als.rank = o.rank;
        als.lambda = o.als_lambda;
        als.w0 = o.als_unobserved_weight;
        als.iterations = o.als_iterations;
        als.seed = o.seed + 1;
        f = mvae::WeightedAls(als).fit(fit_matrix);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto evaluate = [&](const mvae::InteractionMatrix& exclude, const mvae::InteractionMatrix& truth) {
        return mvae::evaluate_ranking<float>(
            exclude, truth,
            [&](mvae::index_t first, mvae::index_t count, mvae::MatrixView<float, mvae::Cpu> out) {
                for (mvae::index_t b = 0; b < count; ++b)
                    for (mvae::index_t i = 0; i < fit_matrix.n_items(); ++i)
                        out(b, i) = float(f.p.row(first + b).dot(f.q.row(i)));
            },
            eval_options);
    };
    if (selecting) {
        const auto v = evaluate(fit_matrix, data.validation);
        std::fprintf(stderr, "validation:\n");
        print_metrics_table(stderr, v);
        nlohmann::ordered_json full{{"model", args.model}, {"rank", o.rank}, {"validation", to_json(v)}};
        if (!args.history_json.empty()) write_text_file(args.history_json, full.dump(1));
    }
    const auto report = evaluate(data.train, data.test);
    std::fprintf(stderr, "model: %s rank %d, %.2f s; test:\n", args.model.c_str(), int(o.rank), seconds);
    print_metrics_table(stderr, report);
    const std::string json = to_json(report).dump();
    std::printf("%s\n", json.c_str());
    if (!args.metrics_json.empty()) write_text_file(args.metrics_json, json);
}

inline void run_train(TrainArgs args) {
    apply_threads(args.threads);
    mvae::EvalOptions eval_options;
    eval_options.ks = parse_k_list(args.k);
    const mvae::SplitData data = mvae::load_jca_split(args.data);
    std::fprintf(stderr, "data: %d users, %d items, %lld train / %lld validation / %lld test pairs\n",
                 int(data.n_users()), int(data.n_items()), static_cast<long long>(data.train.nnz()),
                 static_cast<long long>(data.validation.nnz()), static_cast<long long>(data.test.nnz()));
    if (args.model == "pop")
        return run_train_baseline(args, data, eval_options, [](const mvae::InteractionMatrix& train) {
            mvae::Popularity m;
            m.fit(train);
            return m;
        });
    if (args.model == "bpr")
        return run_train_baseline(args, data, eval_options, [&](const mvae::InteractionMatrix& train) {
            return fit_bpr(args, train);
        });
    if (args.model == "ease")
        return run_train_baseline(args, data, eval_options, [&](const mvae::InteractionMatrix& train) {
            mvae::Ease m({.lambda = args.ease_lambda});
            m.fit(train);
            return m;
        });
    if (args.model == "puresvd" || args.model == "wals") return run_train_factors(args, data, eval_options);
    mvae::require_argument(!args.tf32 || args.device == "cuda", "--tf32 needs --device cuda");

    auto& o = args.options;
    if (args.model == "multvae" || args.model == "jova") {
        // The VAE baselines: their authors' settings (model/mult_vae.hpp, model/jova.hpp), with the
        // options given on the command line applied on top.
        mvae::MvaeOptions preset = args.model == "multvae" ? mvae::MultVaeOptions{}.pipeline() : mvae::JovaOptions{}.pipeline();
        preset.epochs = o.epochs;
        preset.seed = o.seed;
        preset.vae.seed = o.seed;
        if (args.given("--batch")) preset.batch_size = o.batch_size;
        if (args.given("--lr")) preset.adam = o.adam;
        if (args.given("--hidden")) preset.vae.hidden1 = preset.vae.hidden2 = o.vae.hidden1;
        if (args.given("--latent")) preset.vae.latent = o.vae.latent;
        if (args.given("--beta")) preset.vae.beta = o.vae.beta;
        if (args.given("--mask-ratio")) preset.mask_ratio = o.mask_ratio;
        if (args.given("--alpha")) preset.alpha = o.alpha;
        preset.pass_rows = o.pass_rows;
        preset.workspace_mib = o.workspace_mib;
        o = preset;
        o.validate();
        if (args.device == "cuda") return run_train_mvae_cuda(args, data, eval_options);
        return run_train_mvae<mvae::Cpu>(args, data, eval_options);
    }
    o.sides = mvae::parse_sides(args.model);
    o.completion = mvae::parse_completion(args.completion);
    o.schedule = mvae::parse_schedule(args.schedule);
    o.target = mvae::parse_target(args.target);
    o.clamp = !args.no_clamp;
    o.output_bias_from_data = !args.no_output_bias_init;
    o.vae.kl_convention = args.kl == "jova" ? mvae::KlConvention::JoVA : mvae::KlConvention::Standard;
    o.vae.encoder2 = mvae::parse_activation(args.encoder2);
    o.validate();

    if (args.device == "cuda") return run_train_mvae_cuda(args, data, eval_options);
    run_train_mvae<mvae::Cpu>(args, data, eval_options);
}

inline void add_train_command(CLI::App& app) {
    auto args = std::make_shared<TrainArgs>();
    auto& o = args->options;
    CLI::App* cmd = app.add_subcommand("train", "Train a model on DIR/train.csv and print its test metrics as JSON");
    cmd->add_option("--data", args->data, "Split folder with train.csv, test.csv and optionally vali.csv")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--model", args->model,
                    "Model: mvae (dual), uvae, ivae; baselines multvae, jova, pop, ease, bpr, puresvd, wals (the completion alone)")
        ->check(CLI::IsMember({"mvae", "dual", "uvae", "ivae", "multvae", "jova", "pop", "ease", "bpr", "puresvd", "wals"}))
        ->capture_default_str();
    cmd->add_option("--ease-lambda", args->ease_lambda, "With --model ease: the L2 weight lambda of EASE")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--bpr-factors", args->bpr.factors, "With --model bpr: factors k")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--bpr-epochs", args->bpr.epochs, "With --model bpr: epochs of nnz(R) sampled triples")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--bpr-lr", args->bpr.learning_rate, "With --model bpr: SGD learning rate")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--bpr-lambda", args->bpr.lambda, "With --model bpr: L2 weight")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--completion", args->completion, "Completion of R: svd, als or none")
        ->check(CLI::IsMember({"svd", "als", "none"}))
        ->capture_default_str();
    cmd->add_option("--rank", o.rank, "Rank of the completion")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_flag("--no-clamp", args->no_clamp, "Do not clamp completed values to [0, 1]");
    cmd->add_option("--als-w0", o.als_unobserved_weight, "ALS weight of unobserved entries")->capture_default_str();
    cmd->add_option("--als-lambda", o.als_lambda, "ALS ridge weight")->capture_default_str();
    cmd->add_option("--als-iterations", o.als_iterations, "ALS iterations")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--svd-power-iterations", o.svd_power_iterations, "Power iterations of the randomized SVD")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--mask-ratio", o.mask_ratio, "Share of each input batch's entries set to 0")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--schedule", args->schedule, "paired (1500 x 1500 blocks, as JoVA) or independent")
        ->check(CLI::IsMember({"paired", "independent"}))
        ->capture_default_str();
    cmd->add_option("--target", args->target, "What the decoders reconstruct: completed (R') or observed (R)")
        ->check(CLI::IsMember({"completed", "observed"}))
        ->capture_default_str();
    cmd->add_option("--epochs", o.epochs, "Training epochs")->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd->add_option("--batch", o.batch_size, "Rows per step")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--pass-rows", o.pass_rows,
                    "Rows per forward/backward pass; larger batches run in parts (0: from --workspace-mib)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_flag("--low-rank-input", o.low_rank_input,
                  "Encoders read the masked, unclamped R' as low rank + sparse (no dense input; faster)");
    cmd->add_option("--workspace-mib", o.workspace_mib,
                    "Memory of each side's rows x cols step workspaces, in MiB (with --pass-rows 0)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--hidden", o.vae.hidden1, "Width of the hidden layers")
        ->check(CLI::PositiveNumber)
        ->each([&o](const std::string&) { o.vae.hidden2 = o.vae.hidden1; })
        ->capture_default_str();
    cmd->add_option("--latent", o.vae.latent, "Latent dimension")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--encoder2", args->encoder2, "Activation of the encoder's second layer (JoVA: sigmoid)")
        ->check(CLI::IsMember({"tanh", "sigmoid", "relu", "identity"}))
        ->capture_default_str();
    cmd->add_option("--beta", o.vae.beta, "Weight of the standard KL")->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd->add_option("--kl", args->kl, "KL convention: standard (beta x KL) or jova (0.02 x KL)")
        ->check(CLI::IsMember({"standard", "jova"}))
        ->capture_default_str();
    cmd->add_option("--alpha", o.alpha, "Weight of the uVAE in the scores")->check(CLI::Range(0.0, 1.0))->capture_default_str();
    cmd->add_option("--lr", o.adam.learning_rate, "Adam learning rate")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--lr-decay-every", o.adam.decay_every, "Multiply the learning rate by --lr-decay-rate every N epochs")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--lr-decay-rate", o.adam.decay_rate, "Staircase decay factor")->capture_default_str();
    cmd->add_flag("--no-output-bias-init", args->no_output_bias_init,
                  "Start the output biases at 0 instead of the data's log-odds");
    cmd->add_option("--seed", o.seed, "Seed of every random draw")->capture_default_str();
    cmd->add_option("--eval-every", args->eval_every, "Evaluate every N epochs (0: only at the end)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--select-on-validation", args->select_on_validation,
                  "Train on train minus vali, keep the epoch with the best validation NDCG@10");
    cmd->add_flag("--retrain-full", args->retrain_full,
                  "With --select-on-validation: retrain from scratch on all of train.csv for the chosen number of "
                  "epochs and report (and save) that model");
    cmd->add_option("--k", args->k, "Cut-offs K of the metrics, comma-separated")->capture_default_str();
    cmd->add_option("--metrics-json", args->metrics_json, "Also write the test metrics JSON to this file");
    cmd->add_option("--history-json", args->history_json, "Write per-epoch losses, evaluations and timings here");
    cmd->add_option("--save", args->save, "Save the trained model to this file");
    cmd->add_option("--device", args->device, "Where the MVAE family trains: cpu, or cuda (one GPU)")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    cmd->add_flag("--tf32", args->tf32, "With --device cuda: float GEMMs on TF32 tensor cores (faster, less exact)");
    add_threads_option(*cmd, args->threads);
    cmd->callback([args, cmd] {
        for (const char* name : {"--batch", "--lr", "--hidden", "--latent", "--beta", "--mask-ratio", "--alpha"})
            if (cmd->count(name) > 0) args->given_options.emplace_back(name);
        args->options.adam.decay_unit = mvae::AdamOptions::DecayUnit::Epochs;
        run_train(*args);
    });
}

}  // namespace mvae_cli
