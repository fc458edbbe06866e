// The ranks of this mvae process: under `mpirun` in a build with MPI (MVAE_ENABLE_MPI) the
// processes of MPI_COMM_WORLD, else one process. Only `mvae train` runs data-parallel; rank 0
// alone prints and writes files (docs/scale.md).
#pragma once

#include <cstdlib>
#include <memory>
#include <optional>

#include "mvae/core/communicator.hpp"
#include "mvae/core/error.hpp"

#ifdef MVAE_CLI_WITH_MPI
#include "mvae/backend/mpi/mpi_communicator.hpp"
#endif

namespace mvae_cli {

namespace detail {

/// The first of the variables the MPI launchers set that holds an integer, else -1.
inline int launcher_variable(std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::atoi(v);
    return -1;
}

/// How many processes a launcher (Open MPI's mpirun, MPICH's hydra, Slurm's srun with PMI or
/// PMIx) says it started: 0 when none started us; 1 under PMIx alone, which names a rank, not a size.
inline int launcher_size() {
    const int size = launcher_variable({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"});
    if (size >= 0) return size;
    return launcher_variable({"PMIX_RANK"}) >= 0 ? 1 : 0;
}

}  // namespace detail

/// Whether a launcher started us (detail::launcher_size names the launchers).
[[nodiscard]] inline bool launched_by_mpi() { return detail::launcher_size() > 0; }

/// This process's rank on its node (one GPU per rank: rank r of a node uses GPU r mod count); -1 alone.
[[nodiscard]] inline int local_rank() {
    return detail::launcher_variable({"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"});
}

/// Owns MPI's initialisation (when launched by mpirun) and the communicator of the run.
class ProcessRanks {
public:
    ProcessRanks(int* argc, char*** argv) {
#ifdef MVAE_CLI_WITH_MPI
        if (launched_by_mpi()) {
            mpi_.emplace(argc, argv);
            comm_ = std::make_shared<mvae::MpiCommunicator>();
            return;
        }
#else
        (void)argc, (void)argv;
        // N copies of a one-process program would each train alone and write the same files.
        const int launched = detail::launcher_size();
        mvae::require_argument(launched <= 1, "this mvae was built without MPI, but a launcher started ", launched,
                               " copies of it: rebuild with -DMVAE_ENABLE_MPI=ON (docs/scale.md) or run one process");
#endif
        comm_ = mvae::solo_communicator();
    }
    ~ProcessRanks() { comm_.reset(); }  // before MPI_Finalize (mpi_ goes after)
    ProcessRanks(const ProcessRanks&) = delete;
    ProcessRanks& operator=(const ProcessRanks&) = delete;

    [[nodiscard]] const std::shared_ptr<const mvae::Communicator>& communicator() const noexcept { return comm_; }

    /// The ranks of this process (set by main).
    static ProcessRanks*& current() {
        static ProcessRanks* ranks = nullptr;
        return ranks;
    }

private:
#ifdef MVAE_CLI_WITH_MPI
    std::optional<mvae::MpiEnvironment> mpi_;
#endif
    std::shared_ptr<const mvae::Communicator> comm_;
};

/// The communicator of this process (solo unless main set ranks up under mpirun).
[[nodiscard]] inline std::shared_ptr<const mvae::Communicator> process_communicator() {
    ProcessRanks* r = ProcessRanks::current();
    return r != nullptr ? r->communicator() : mvae::solo_communicator();
}

/// Refuses to run a command other than `mvae train` on several ranks (each rank would repeat it).
inline void require_one_rank(const char* command) {
    const auto comm = process_communicator();
    mvae::require_argument(comm->size() == 1, "mvae ", command, " runs in one process; only `mvae train` runs under mpirun (",
                           comm->size(), " ranks)");
}

}  // namespace mvae_cli
