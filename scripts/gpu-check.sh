#!/usr/bin/env bash
# The GPU check of issue #5, for a machine with one NVIDIA GPU (run there, with .gpu-stage/ from
# scripts/gpu-stage.sh beside the sources): configure and build the CUDA targets, run the GPU
# tests, time MVAE epochs against the same epochs' GEMMs and against the PyTorch peer, compare
# GPU and CPU Yelp metrics, and print a short report. About 8 minutes on one H100.
# Outputs (JSON, logs) go to $OUT when set (the device tool's folder), else build/gpu-check/.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stage=${MVAE_GPU_STAGE:-$root/.gpu-stage}
out=${OUT:-$root/build/gpu-check}
build=$root/build/gpu
mkdir -p "$out"
cd "$root"
jobs=$(nproc)
log() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }

log "device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/device.txt"
nvcc --version | tail -1

log "configure and build"
generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$stage/usr" \
  -DMVAE_ENABLE_CUDA=ON -DMVAE_BUILD_TESTS=ON -DMVAE_BUILD_BENCHMARKS=ON -DMVAE_BUILD_EXAMPLES=ON \
  >"$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
cmake --build "$build" -j "$jobs" --target mvae_cuda_tests mvae_bench_cuda mvae_cli >"$out/build.log" 2>&1 \
  || { grep -E "error" "$out/build.log" | head -30; exit 1; }
export LD_LIBRARY_PATH="$stage/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

log "GPU tests"
"$build/tests/cuda/mvae_cuda_tests" --reporter compact 2>&1 | tee "$out/cuda-tests.log" | tail -15

log "MVAE epochs vs their GEMMs (mvae_bench_cuda)"
timeout 240 "$build/benchmarks/mvae_bench_cuda" --benchmark_filter='(yelp|ml-1m|pinterest)/paired' \
  --benchmark_out="$out/bench-cuda.json" --benchmark_out_format=json 2>&1 | tail -12

log "PyTorch peer, same shapes and schedule"
for shape in yelp pinterest; do
  for precision in fp32 tf32; do
    flag=(); [[ $precision == tf32 ]] && flag=(--tf32)
    timeout 120 python3 benchmarks/peers/mvae_torch.py --shape "$shape" --schedule paired --device cuda --epochs 3 \
      "${flag[@]}" --json "$out/peer-$shape-$precision.json" >/dev/null 2>"$out/peer-$shape-$precision.log" \
      || tail -3 "$out/peer-$shape-$precision.log"
  done
done

log "Yelp metrics, GPU vs CPU (same settings, 10 epochs)"
for device in cuda cpu; do
  timeout 180 "$build/examples/mvae" train --data "$stage/data/yelp" --device "$device" --epochs 10 --seed 1 \
    --metrics-json "$out/yelp-$device.json" >/dev/null 2>"$out/yelp-$device.log" || tail -3 "$out/yelp-$device.log"
done

log "report"
python3 scripts/gpu_report.py "$out" | tee "$out/report.md"
