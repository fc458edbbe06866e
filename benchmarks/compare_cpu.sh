#!/usr/bin/env bash
# Issue #6's ceiling-and-peer comparison, in one run on this machine:
#   - one MVAE epoch on Yelp under each schedule (batch 1500, all cores), beside the same epoch's
#     GEMMs replayed alone in the same process (the sgemm ceiling on the epoch's own shapes);
#     the independent schedule also with the low-rank input path (MvaeOptions::low_rank_input),
#     against the same dense GEMM replay;
#   - the PyTorch peer of the same model on the same data and schedule (benchmarks/peers/
#     mvae_torch.py, Debian's python3-torch);
#   - one epoch of Pinterest's shape (random data, 55,187 × 9,911) for its peak memory;
#   - the all-user top-10 evaluation of Yelp (scoring and ranking).
# Prints ours ÷ GEMMs, PyTorch ÷ ours and the peak memory of each; writes docs/results/cpu-compare*.
#
#   bash benchmarks/compare_cpu.sh          (about 10 minutes on 2 cores; run it on a quiet machine)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${MVAE_DATA:-$root/../shared/data/yelp}
build=${MVAE_BUILD_DIR:-$root/build/bench}
out=${MVAE_RESULTS:-$root/docs/results}
threads=${MVAE_THREADS:-$(nproc)}
python=${MVAE_PYTHON:-/usr/bin/python3}   # Debian's interpreter, where python3-torch is installed
mkdir -p "$out"

bash "$root/scripts/bootstrap.sh" --peers >/dev/null
gemm=${MVAE_CPU_GEMM:-OpenBLAS}           # the library's default GEMM; MVAE_CPU_GEMM=Eigen measures the other
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMVAE_BUILD_TESTS=OFF -DMVAE_BUILD_EXAMPLES=OFF \
  -DMVAE_BUILD_BENCHMARKS=ON -DMVAE_ENABLE_CUDA=OFF -DMVAE_CPU_GEMM="$gemm" >/dev/null
cmake --build "$build" -j "$(nproc)" --target mvae_bench_epoch >/dev/null
bench="$build/benchmarks/mvae_bench_epoch"

# ours NAME FILTER [ENV...]: one benchmark per process, so that its peak memory is its own.
ours() {
  local name=$1 filter=$2
  shift 2
  echo "=== $name" >&2
  env "$@" MVAE_BENCH_DATA="$data" OMP_NUM_THREADS="$threads" "$bench" --benchmark_filter="$filter" \
    --benchmark_out="$out/cpu-compare-ours-$name.json" --benchmark_out_format=json >&2
}

# PyTorch gets glibc settings that keep its per-step buffers mapped (faster for it; see
# benchmarks/peers/README.md); ours allocates nothing per step and needs none.
peer() {
  local schedule=$1 epochs=$2
  echo "=== $schedule: PyTorch peer" >&2
  env MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=17179869184 "$python" \
    "$root/benchmarks/peers/mvae_torch.py" --data "$data" --schedule "$schedule" --epochs "$epochs" \
    --threads "$threads" --json "$out/cpu-compare-peer-$schedule.json" >/dev/null
}

ours independent 'BM_epoch/yelp/independent' MVAE_BENCH_LOW_RANK=0
ours independent-low-rank 'BM_epoch/yelp/independent' MVAE_BENCH_LOW_RANK=1
peer independent 3
ours paired 'BM_epoch/yelp/paired' MVAE_BENCH_LOW_RANK=0
ours paired-low-rank 'BM_epoch/yelp/paired' MVAE_BENCH_LOW_RANK=1
peer paired 2
ours pinterest-independent 'BM_epoch/pinterest/independent' MVAE_BENCH_LOW_RANK=0
ours pinterest-independent-low-rank 'BM_epoch/pinterest/independent' MVAE_BENCH_LOW_RANK=1
ours evaluate 'BM_evaluate/yelp'
"$python" "$root/benchmarks/compare_report.py" "$out" cpu | tee "$out/cpu-compare.md"
