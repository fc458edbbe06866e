#!/usr/bin/env bash
# Stages what scripts/gpu-check.sh needs on a GPU machine that has CUDA, CMake, a C++ compiler and
# PyTorch but no Debian packages, no OpenBLAS and no network: the header-only dependencies (Eigen,
# Catch2, CLI11, nlohmann-json), Google Benchmark and Catch2's libraries (their CMake configs name
# libbenchmark_main.a and libCatch2WithMain.a), the Yelp split, and — unless MVAE_STAGE_BUILD=0 —
# the three GPU programs prebuilt here for sm_90 with nvcc (Eigen GEMM, no -march=native), which
# saves the GPU machine about 2.5 minutes of building. Run it here (after scripts/bootstrap.sh); it
# writes .gpu-stage/ (git-ignored, about 25 MB), which the device call carries:
#   run(command="bash scripts/gpu-check.sh", carry=[".gpu-stage"])
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stage=$root/.gpu-stage
data=${MVAE_DATA:-$root/../shared/data/yelp}

rm -rf "$stage"
mkdir -p "$stage/data" "$stage/bin"
# The same layout under .gpu-stage/usr as under /usr, so the packages' CMake configs (which
# locate their files relative to themselves) work from CMAKE_PREFIX_PATH=.gpu-stage/usr.
for path in /usr/include/eigen3 /usr/share/eigen3 /usr/include/catch2 /usr/lib/cmake/Catch2 /usr/lib/libCatch2WithMain.a \
  /usr/include/CLI /usr/share/cmake/CLI11 /usr/include/nlohmann /usr/share/cmake/nlohmann_json /usr/include/benchmark \
  /usr/lib/x86_64-linux-gnu/cmake/benchmark /usr/lib/x86_64-linux-gnu/libbenchmark.so \
  /usr/lib/x86_64-linux-gnu/libbenchmark.so.1debian /usr/lib/x86_64-linux-gnu/libbenchmark.so.1.7.1 \
  /usr/lib/x86_64-linux-gnu/libbenchmark_main.a; do
  [[ -e $path ]] || { echo "gpu-stage: $path is missing (run scripts/bootstrap.sh first)" >&2; exit 1; }
  mkdir -p "$stage$(dirname "$path")"
  cp -a "$path" "$stage$(dirname "$path")/"
done
cp -a "$data" "$stage/data/yelp"

if [[ ${MVAE_STAGE_BUILD:-1} == 1 ]]; then
  command -v nvcc >/dev/null || { echo "gpu-stage: nvcc not found (MVAE_STAGE_BUILD=0 stages without binaries)" >&2; exit 1; }
  build=$root/build/gpu-stage
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMVAE_ENABLE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DMVAE_CPU_GEMM=Eigen -DMVAE_NATIVE_ARCH=OFF -DMVAE_BUILD_TESTS=ON -DMVAE_BUILD_BENCHMARKS=ON \
    -DMVAE_BUILD_EXAMPLES=ON >"$stage/build.log" 2>&1
  cmake --build "$build" -j "$(nproc)" --target mvae_cuda_tests mvae_bench_cuda mvae_cli >>"$stage/build.log" 2>&1 \
    || { grep -E "error" "$stage/build.log" | head -20; exit 1; }
  for program in tests/cuda/mvae_cuda_tests benchmarks/mvae_bench_cuda examples/mvae; do
    cp "$build/$program" "$stage/bin/"
    strip "$stage/bin/$(basename "$program")"
  done
  git -C "$root" rev-parse HEAD >"$stage/bin/commit"
fi
du -sh "$stage"
