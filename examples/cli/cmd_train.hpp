// `mvae train`: one model of the registry (mvae, uvae, ivae, multvae, jova, ease, bpr, puresvd,
// wals, pop) trained on a JCA/JoVA split folder under mvae::run_training's protocol; prints the
// test metrics as one JSON object (stdout, and --metrics-json), progress and a table on stderr.
// Model settings are flags generated from the models' option tables; only the flags given
// override the model's own defaults. --device cuda trains the VAE family on one GPU.
#pragma once

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "interrupt.hpp"
#include "ranks.hpp"
#include "json_report.hpp"
#include "metrics_table.hpp"
#include "options.hpp"
#include "mvae/backend/gemm_precision.hpp"
#include "mvae/core/memory_usage.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/recommender/model_registry.hpp"
#include "mvae/recommender/training_run.hpp"

namespace mvae_cli {

struct TrainArgs {
    std::string data, model = "mvae", device = "cpu", k = "1,5,10", precision = "fp32";
    std::string metrics_json, history_json, save, checkpoint, resume;
    mvae::index_t checkpoint_every = 1;
    bool tf32 = false;
    int threads = 0;
    mvae::TrainingProtocol protocol;
    std::shared_ptr<mvae::OptionOverrides> overrides = std::make_shared<mvae::OptionOverrides>();
};

/// The registry of the models on the GPU, its GEMMs in `precision` (train_cuda.cu); without CUDA
/// it throws ArgumentError.
/// `local_rank` ≥ 0 (under mpirun): the GPU of that rank on its node, rank mod the GPUs visible.
mvae::ModelRegistry cuda_models(mvae::GemmPrecision precision, int local_rank);
/// The communicator of the GPU ranks over `host`: NCCL on the rank's GPU in a build with NCCL,
/// else `host` (the gradients then pass through host memory).
std::shared_ptr<const mvae::Communicator> gpu_communicator(std::shared_ptr<const mvae::Communicator> host);
/// Returns the GPU's memory held by the default CUDA context (nothing without CUDA); main() calls
/// it last, when every model is gone.
void release_devices() noexcept;

inline void run_train(const TrainArgs& args) {
    apply_threads(args.threads);
    // Under mpirun every rank runs this function; rank 0 alone prints and writes (docs/scale.md).
    std::shared_ptr<const mvae::Communicator> comm = process_communicator();
    const bool speaks = comm->writes_output();
    const auto note = [&](auto&&... a) {
        if (speaks) std::fprintf(stderr, a...);
    };
    const mvae::GemmPrecision precision = mvae::parse_gemm_precision(args.tf32 ? "tf32" : args.precision);
    mvae::require_argument(precision == mvae::GemmPrecision::Fp32 || args.device == "cuda", "--precision ",
                           mvae::to_string(precision), " needs --device cuda");
    const mvae::ModelRegistry registry =
        args.device == "cuda" ? cuda_models(precision, comm->size() > 1 ? local_rank() : -1) : mvae::builtin_models<mvae::Cpu>();
    if (args.device == "cuda" && comm->size() > 1) comm = gpu_communicator(comm);
    const mvae::ModelEntry& entry = registry.find(args.model);
    const mvae::ModelSettings settings{.options = *args.overrides};
    (void)entry.make(settings);  // bad settings fail here, before the data is read
    mvae::TrainingProtocol protocol = args.protocol;
    protocol.eval.ks = parse_int_list(args.k, "--k");
    protocol.epochs = mvae::MvaeOptions{}.epochs;  // the epochs of an iterative model: its own setting
    for (const auto& [key, value] : *args.overrides)
        if (key == "epochs") protocol.epochs = mvae::index_t(std::stol(value));  // validated by make() above

    mvae::JcaReadReport read_report;
    const mvae::SplitData data = mvae::load_jca_split(args.data, {}, &read_report);
    if (read_report.float_ids > 0)
        note("data: %lld ids written as floats (first '%s' at %s) were read as the integers they are\n",
                     static_cast<long long>(read_report.float_ids), read_report.first_float_id.c_str(),
                     read_report.first_float_id_at.c_str());
    mvae::require_argument(data.train.nnz() > 0, args.data, "/train.csv has no interactions (only its header?)");
    note("data: %d users, %d items, %lld train / %lld validation / %lld test pairs\n", int(data.n_users()),
                 int(data.n_items()), static_cast<long long>(data.train.nnz()),
                 static_cast<long long>(data.validation.nnz()), static_cast<long long>(data.test.nnz()));
    if (comm->size() > 1)
        note("ranks: %d (%s), each takes its share of every batch and of the users evaluated\n", comm->size(), comm->name());
    const auto log = [speaks](const std::string& line) {
        if (speaks) std::fprintf(stderr, "%s\n", line.c_str());
    };
    const StopOnSignals signals;
    const mvae::TrainingControl control{.checkpoint = args.checkpoint, .checkpoint_every = args.checkpoint_every,
                                        .resume = args.resume, .stop = signals.flag(), .communicator = comm};
    const mvae::TrainingOutcome out = mvae::run_training([&] { return entry.make(settings); }, data, protocol, log, control);
    if (out.stopped) {
        const int sig = signals.signal();
        note("mvae: %s: stopped after epoch %d%s; %s\n", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                     int(out.stopped_epoch), out.stopped_phase == mvae::TrainingRunState::Phase::Retrain ? " of the retraining" : "",
                     args.checkpoint.empty() ? "nothing was saved (no --checkpoint)"
                                             : ("continue with --resume " + args.checkpoint).c_str());
        throw ExitRequest{128 + (sig == 0 ? SIGINT : sig)};
    }
    if (!speaks) return;  // every rank holds the same outcome; rank 0 reports it
    std::string settings_line = out.model->describe();  // "key=value" lines, shown on one line
    for (char& c : settings_line) c = c == '\n' ? ' ' : c;
    while (!settings_line.empty() && settings_line.back() == ' ') settings_line.pop_back();
    std::fprintf(stderr, "model: %s (%s), set-up %.1f s\ntest metrics (%s):\n", args.model.c_str(), settings_line.c_str(),
                 out.prepare_seconds,
                 out.retrained       ? "retrained on all of train for the epochs (and fusion) chosen on validation"
                 : out.selected      ? "epoch chosen on validation"
                 : out.history.empty() ? "fitted on all of train"
                                       : "last epoch");
    print_metrics_table(stderr, out.headline);
    if (out.part_tests.size() == 2) {
        const std::size_t last = out.headline.ks.size() - 1;  // the largest K
        const int k = int(out.headline.ks[last]);
        std::fprintf(stderr, "each side alone (same run): uVAE NDCG@%d %.4f F1@%d %.4f, iVAE NDCG@%d %.4f F1@%d %.4f\n", k,
                     out.part_tests[0].ndcg[last], k, out.part_tests[0].f1[last], k, out.part_tests[1].ndcg[last], k,
                     out.part_tests[1].f1[last]);
    }
    std::fprintf(stderr, "training %.1f s, total %.1f s, peak memory %.0f MiB\n", out.train_seconds, out.total_seconds,
                 mvae::peak_resident_mib());
    const std::string metrics = to_json(out.headline).dump();
    std::printf("%s\n", metrics.c_str());
    if (!args.metrics_json.empty()) write_text_file(args.metrics_json, metrics);
    if (!args.history_json.empty()) write_text_file(args.history_json, history_json(args.data, args.model, protocol.select_on_validation, out).dump(1));
    if (!args.save.empty()) {
        out.model->save(args.save);
        std::fprintf(stderr, "saved %s\n", args.save.c_str());
    }
}

inline void add_train_command(CLI::App& app) {
    auto args = std::make_shared<TrainArgs>();
    CLI::App* cmd = app.add_subcommand("train", "Train a model on DIR/train.csv and print its test metrics as JSON");
    cmd->add_option("--data", args->data, "Split folder with train.csv, test.csv and optionally vali.csv")
        ->required()
        ->check(CLI::ExistingDirectory);
    std::string names;
    for (const auto& n : mvae::builtin_models().names()) names += (names.empty() ? "" : ", ") + n;
    cmd->add_option("--model", args->model, "Model: " + names)->capture_default_str();
    cmd->add_option_function<std::string>("--completion", [o = args->overrides](const std::string& v) {
        o->emplace_back("completion", v);
    }, "MVAE family: completion of R, als (default), svd or none");
    add_table_flags(*cmd, mvae::mvae_option_table(), args->overrides);
    add_table_flags(*cmd, mvae::ease_option_table(), args->overrides);
    add_table_flags(*cmd, mvae::bpr_option_table(), args->overrides);
    cmd->add_option("--eval-every", args->protocol.eval_every, "Evaluate every N epochs (0: only at the end)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--select-on-validation", args->protocol.select_on_validation,
                  "Train on train minus vali, keep the epoch with the best validation NDCG@10");
    cmd->add_flag("--retrain-full", args->protocol.retrain_full,
                  "With --select-on-validation: retrain on all of train.csv for the chosen epochs; report and save it");
    cmd->add_flag("--joint-epochs{false}", args->protocol.select_parts,
                  "With --select-on-validation: one epoch count for both VAEs (default: each its own, independent schedule)");
    cmd->add_flag("--fixed-mix{false}", args->protocol.choose_mix,
                  "With --select-on-validation: keep --alpha and --fusion (default: chosen on validation)");
    cmd->add_option("--k", args->k, "Cut-offs K of the metrics, comma-separated")->capture_default_str();
    cmd->add_option("--metrics-json", args->metrics_json, "Also write the test metrics JSON to this file");
    cmd->add_option("--history-json", args->history_json, "Write per-epoch losses, evaluations and timings here");
    cmd->add_option("--save", args->save, "Save the trained model to this file");
    cmd->add_option("--checkpoint", args->checkpoint,
                    "Write a checkpoint of the run to this file (atomically) every --checkpoint-every epochs and on "
                    "SIGINT/SIGTERM (MVAE family)");
    cmd->add_option("--checkpoint-every", args->checkpoint_every, "Epochs between checkpoints")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--resume", args->resume,
                    "Continue the run this checkpoint holds (same data, model flags and protocol; the result is "
                    "bit-identical to an uninterrupted run)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--device", args->device, "Where the VAE family trains: cpu, or cuda (one GPU)")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    cmd->add_option("--precision", args->precision,
                    "With --device cuda: GEMM inputs in fp32, tf32 or bf16 (FP32 accumulation and weights)")
        ->check(CLI::IsMember({"fp32", "tf32", "bf16"}))
        ->capture_default_str();
    cmd->add_flag("--tf32", args->tf32, "Same as --precision tf32");
    add_threads_option(*cmd, args->threads);
    cmd->callback([args] { run_train(*args); });
}

}  // namespace mvae_cli
