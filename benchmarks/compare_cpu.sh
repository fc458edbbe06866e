#!/usr/bin/env bash
# Issue #6's ceiling-and-peer comparison, in one run on this machine: one MVAE epoch on Yelp under
# each schedule (batch 1500, all cores), the same epoch's GEMMs alone (the sgemm ceiling on the
# epoch's own shapes, measured in the same process), and the PyTorch peer of the same model on
# the same data and schedule (benchmarks/peers/mvae_torch.py, Debian's python3-torch). Prints
# ours ÷ GEMMs, PyTorch ÷ ours and the peak memory of each; writes docs/results/cpu-compare*.json.
#
#   bash benchmarks/compare_cpu.sh          (about 8 minutes on 2 cores; run it on a quiet machine)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${MVAE_DATA:-$root/../shared/data/yelp}
build=${MVAE_BUILD_DIR:-$root/build/bench}
out=${MVAE_RESULTS:-$root/docs/results}
threads=${MVAE_THREADS:-$(nproc)}
python=${MVAE_PYTHON:-/usr/bin/python3}   # Debian's interpreter, where python3-torch is installed
mkdir -p "$out"

bash "$root/scripts/bootstrap.sh" --peers >/dev/null
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMVAE_BUILD_TESTS=OFF -DMVAE_BUILD_EXAMPLES=OFF \
  -DMVAE_BUILD_BENCHMARKS=ON -DMVAE_ENABLE_CUDA=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target mvae_bench_epoch >/dev/null

# PyTorch gets glibc settings that keep its per-step buffers mapped (faster for it; see
# benchmarks/peers/README.md); ours allocates nothing per step and needs none.
peer_env=(MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=17179869184)
declare -A peer_epochs=([independent]=3 [paired]=2)
for schedule in independent paired; do
  echo "=== $schedule: mvae (C++)" >&2
  MVAE_BENCH_DATA="$data" OMP_NUM_THREADS="$threads" "$build/benchmarks/mvae_bench_epoch" \
    --benchmark_filter="BM_epoch/yelp/$schedule" --benchmark_out="$out/cpu-compare-ours-$schedule.json" \
    --benchmark_out_format=json >&2
  echo "=== $schedule: PyTorch peer" >&2
  env "${peer_env[@]}" "$python" "$root/benchmarks/peers/mvae_torch.py" --data "$data" --schedule "$schedule" \
    --epochs "${peer_epochs[$schedule]}" --threads "$threads" --json "$out/cpu-compare-peer-$schedule.json" >/dev/null
done
"$python" "$root/benchmarks/compare_report.py" "$out" cpu | tee "$out/cpu-compare.md"
