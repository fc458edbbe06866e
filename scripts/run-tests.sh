#!/usr/bin/env bash
# Sets up, builds and runs every test: `bash scripts/run-tests.sh`. The build has MPI
# (MVAE_ENABLE_MPI), so `mpirun -np 2 mvae train` is checked against one rank. Then the parsers and the mvae
# program again under AddressSanitizer + UndefinedBehaviorSanitizer (`scripts/sanitize.sh ci`,
# about 8 minutes on 2 cores; MVAE_SANITIZE=0 skips it).
# Build directory: $MVAE_BUILD_DIR (default build/tests). Extra CMake arguments: $MVAE_CMAKE_ARGS.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MVAE_BUILD_DIR:-$root/build/tests}
jobs=${MVAE_JOBS:-$(nproc)}

bash "$root/scripts/bootstrap.sh" --mpi  # Open MPI: the data-parallel build and cli.mpi_two_ranks_match_one
# shellcheck disable=SC2086
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DMVAE_BUILD_TESTS=ON -DMVAE_BUILD_EXAMPLES=ON -DMVAE_BUILD_BENCHMARKS=ON -DMVAE_ENABLE_MPI=ON ${MVAE_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"
if [[ ${MVAE_SANITIZE:-1} != 0 ]]; then
  bash "$root/scripts/sanitize.sh" ci
fi
