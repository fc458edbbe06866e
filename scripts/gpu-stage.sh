#!/usr/bin/env bash
# Stages what scripts/gpu-check.sh needs on a GPU machine that has CUDA, CMake, a C++ compiler and
# PyTorch but no Debian packages and no network: the header-only dependencies (Eigen, Catch2,
# CLI11, nlohmann-json), Google Benchmark, and the Yelp split. Run it here (after
# scripts/bootstrap.sh); it writes .gpu-stage/ (git-ignored, about 15 MB), which the device call
# carries:   run(command="bash scripts/gpu-check.sh", carry=[".gpu-stage"])
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stage=$root/.gpu-stage
data=${MVAE_DATA:-$root/../shared/data/yelp}

rm -rf "$stage"
mkdir -p "$stage/data"
# The same layout under .gpu-stage/usr as under /usr, so the packages' CMake configs (which
# locate their files relative to themselves) work from CMAKE_PREFIX_PATH=.gpu-stage/usr.
for path in /usr/include/eigen3 /usr/share/eigen3 /usr/include/catch2 /usr/lib/cmake/Catch2 /usr/include/CLI \
  /usr/share/cmake/CLI11 /usr/include/nlohmann /usr/share/cmake/nlohmann_json /usr/include/benchmark \
  /usr/lib/x86_64-linux-gnu/cmake/benchmark /usr/lib/x86_64-linux-gnu/libbenchmark.so \
  /usr/lib/x86_64-linux-gnu/libbenchmark.so.1debian /usr/lib/x86_64-linux-gnu/libbenchmark.so.1.7.1; do
  [[ -e $path ]] || { echo "gpu-stage: $path is missing (run scripts/bootstrap.sh first)" >&2; exit 1; }
  mkdir -p "$stage$(dirname "$path")"
  cp -a "$path" "$stage$(dirname "$path")/"
done
cp -a "$data" "$stage/data/yelp"
du -sh "$stage"
