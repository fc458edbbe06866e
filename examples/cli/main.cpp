// mvae — the command-line front end of the library.
//
//   mvae evaluate --train T.csv --test S.csv --scores F.npy [--k 1,5,10]
//   mvae train     --data DIR [--model mvae|uvae|ivae|pop] [--completion svd|als|none] … [--save FILE]
//   mvae recommend --model FILE (--user U | --history I1,I2,…) [--k 10]
//   mvae generate  --out DIR [--users N] [--items M] [--seed S] …
//   mvae compare   --data DIR|synthetic --models mvae,jova,multvae,ease,bpr,pop [--seeds 3] --out PREFIX
//   mpirun -np N mvae train …   data-parallel training (a build with MVAE_ENABLE_MPI; ranks.hpp)
//
// Every failure the library reports (mvae::Error) is printed as "mvae: error: …" and exits 1;
// command-line mistakes exit with CLI11's codes and usage text; `mvae train` stopped by SIGINT or
// SIGTERM exits 130 or 143 (interrupt.hpp).
#include <cstdio>
#include <exception>
#include <optional>

#include <CLI/CLI.hpp>

#include "cmd_compare.hpp"
#include "cmd_evaluate.hpp"
#include "cmd_generate.hpp"
#include "cmd_recommend.hpp"
#include "cmd_train.hpp"
#include "interrupt.hpp"
#include "mvae/core/error.hpp"
#include "ranks.hpp"
#include "mvae/version.hpp"

int main(int argc, char** argv) {
    // Last out: the GPU's memory goes back once every model is gone, on every way out of main().
    struct ReleaseDevices {
        ~ReleaseDevices() { mvae_cli::release_devices(); }
    } const release_devices;
    // MPI (under mpirun) is set up before anything else and finalised after every model is gone.
    std::optional<mvae_cli::ProcessRanks> ranks;
    try {
        ranks.emplace(&argc, &argv);
    } catch (const mvae::Error& e) {
        std::fprintf(stderr, "mvae: error: %s\n", e.what());
        return 1;
    }
    mvae_cli::ProcessRanks::current() = &*ranks;
    CLI::App app{"mvae: Masked Variational Autoencoders for recommendation"};
    app.name("mvae");
    app.set_version_flag("--version", mvae::version_string);
    app.require_subcommand(1);
    mvae_cli::add_evaluate_command(app);
    mvae_cli::add_train_command(app);
    mvae_cli::add_generate_command(app);
    mvae_cli::add_recommend_command(app);
    mvae_cli::add_compare_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const mvae_cli::ExitRequest& e) {
        return e.code;
    } catch (const mvae::Error& e) {
        std::fprintf(stderr, "mvae: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mvae: internal error: %s\n", e.what());
        return 2;
    }
    return 0;
}
