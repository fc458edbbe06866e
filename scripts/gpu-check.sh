#!/usr/bin/env bash
# The GPU check of issue #13, for a machine with one NVIDIA GPU (run there, with .gpu-stage/ from
# scripts/gpu-stage.sh beside the sources): the GPU tests, compute-sanitizer over them, MVAE epochs
# against the same epochs' GEMMs and against the PyTorch peer in every precision, and Yelp
# metrics per precision against FP32. About 6 minutes on one H200 with 16 cores.
#   MVAE_GPU_BIN=DIR   use prebuilt mvae_cuda_tests, mvae_bench_cuda and mvae from DIR (default:
#                      .gpu-stage/bin when it holds them; otherwise they are built here, ~2.5 min)
#   MVAE_GPU_QUICK=1   skip compute-sanitizer (memcheck with the leak check, racecheck, initcheck)
#                      and the Pinterest rows
# Outputs go to $OUT when set (the device tool's folder), else build/gpu-check/: logs,
# report.md, and gpu-check.json (copy it to docs/results/gpu-check.json).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stage=${MVAE_GPU_STAGE:-$root/.gpu-stage}
out=${OUT:-$root/build/gpu-check}
mkdir -p "$out"
cd "$root"
log() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }
export LD_LIBRARY_PATH="$stage/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

log "device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt"

bin=${MVAE_GPU_BIN:-}
if [[ -z $bin && -x $stage/bin/mvae_cuda_tests ]]; then bin=$stage/bin; fi
if [[ -z $bin ]]; then
  log "configure and build (no prebuilt binaries)"
  build=$root/build/gpu
  generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$stage/usr" \
    -DMVAE_ENABLE_CUDA=ON -DMVAE_CPU_GEMM=Eigen -DMVAE_NATIVE_ARCH=OFF -DMVAE_BUILD_TESTS=ON \
    -DMVAE_BUILD_BENCHMARKS=ON -DMVAE_BUILD_EXAMPLES=ON >"$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
  cmake --build "$build" -j "$(nproc)" --target mvae_cuda_tests mvae_bench_cuda mvae_cli >"$out/build.log" 2>&1 \
    || { grep -E "error" "$out/build.log" | head -30; exit 1; }
  mkdir -p "$build/bin"
  cp "$build/tests/cuda/mvae_cuda_tests" "$build/benchmarks/mvae_bench_cuda" "$build/examples/mvae" "$build/bin/"
  bin=$build/bin
fi
echo "binaries: $bin"

log "GPU tests"
"$bin/mvae_cuda_tests" --reporter compact >"$out/cuda-tests.log" 2>&1
echo "exit $?" >>"$out/cuda-tests.log"
tail -4 "$out/cuda-tests.log"

if [[ ${MVAE_GPU_QUICK:-0} != 1 ]] && command -v compute-sanitizer >/dev/null; then
  log "compute-sanitizer memcheck --leak-check full over the GPU tests"
  timeout 240 compute-sanitizer --tool memcheck --leak-check full --print-limit 20 "$bin/mvae_cuda_tests" \
    --reporter compact >"$out/memcheck.log" 2>&1
  tail -6 "$out/memcheck.log"
  for tool in racecheck initcheck; do
    log "compute-sanitizer $tool over the GPU tests"
    timeout 240 compute-sanitizer --tool "$tool" --print-limit 20 "$bin/mvae_cuda_tests" --reporter compact \
      >"$out/$tool.log" 2>&1
    tail -4 "$out/$tool.log"
  done
fi

log "MVAE epochs vs their GEMMs, every precision (mvae_bench_cuda)"
shapes='yelp|pinterest'; [[ ${MVAE_GPU_QUICK:-0} == 1 ]] && shapes='yelp'
MVAE_BENCH_EPOCHS=${MVAE_BENCH_EPOCHS:-2} timeout 300 "$bin/mvae_bench_cuda" --benchmark_filter="($shapes)/" \
  --benchmark_out="$out/bench-cuda.json" --benchmark_out_format=json >"$out/bench-cuda.log" 2>&1
tail -14 "$out/bench-cuda.log"

log "PyTorch peer, same shapes and schedules"
for shape in yelp pinterest; do
  [[ ${MVAE_GPU_QUICK:-0} == 1 && $shape == pinterest ]] && continue
  for schedule in paired independent; do
    for precision in fp32 tf32 bf16; do
      timeout 120 python3 benchmarks/peers/mvae_torch.py --shape "$shape" --schedule "$schedule" --device cuda \
        --epochs 3 --precision "$precision" --json "$out/peer-$shape-$schedule-$precision.json" >/dev/null \
        2>"$out/peer-$shape-$schedule-$precision.log" || tail -2 "$out/peer-$shape-$schedule-$precision.log"
    done
  done
done

log "Yelp metrics per precision (10 epochs, seed 1)"
for precision in fp32 tf32 bf16; do
  timeout 120 "$bin/mvae" train --data "$stage/data/yelp" --device cuda --precision "$precision" --epochs 10 --seed 1 \
    --metrics-json "$out/yelp-cuda-$precision.json" >/dev/null 2>"$out/yelp-cuda-$precision.log" \
    || tail -3 "$out/yelp-cuda-$precision.log"
done

log "report"
python3 scripts/gpu_report.py "$out" "$(git rev-parse HEAD 2>/dev/null || cat "$stage/bin/commit" 2>/dev/null)" \
  | tee "$out/report.md"
