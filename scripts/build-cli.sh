#!/usr/bin/env bash
# Installs the packages (scripts/bootstrap.sh) and builds the `mvae` program, quietly, into the build
# folder given (default build/main): the shared first step of the experiment scripts.
#
#   bash scripts/build-cli.sh [BUILD_DIR]        → BUILD_DIR/examples/mvae
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/main}
bash "$root/scripts/bootstrap.sh" >/dev/null
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMVAE_BUILD_TESTS=OFF -DMVAE_BUILD_EXAMPLES=ON \
  -DMVAE_BUILD_BENCHMARKS=OFF -DMVAE_ENABLE_CUDA=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target mvae_cli >/dev/null
