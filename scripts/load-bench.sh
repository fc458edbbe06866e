#!/usr/bin/env bash
# Training under load (issue #15): epochs of the main job's model on ../shared/data/yelp, on an idle
# machine and beside one busy-looping process, alternately, and the ratio of the median epoch times.
#   bash scripts/load-bench.sh [epochs-per-run] [pairs]        (defaults 6 and 2)
# Writes docs/results/load.json. The busy loop is an ordinary process at the default priority that
# never sleeps: it takes one core from the training on a 2-core machine. MVAE_THREADS overrides the
# thread count (default: every core); MVAE_LOAD_ENV adds environment settings to the training runs
# (e.g. "OMP_WAIT_POLICY=active" to compare wait policies); MVAE_BIN runs that program instead of
# building one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MVAE_BUILD_DIR:-$root/build/main}
data=${MVAE_DATA:-$root/../shared/data/yelp}
epochs=${1:-6}
pairs=${2:-2}
threads=${MVAE_THREADS:-$(nproc)}
out=${MVAE_LOAD_OUT:-$root/docs/results/load.json}
[[ -f $data/train.csv ]] || { echo "load-bench: $data/train.csv not found" >&2; exit 77; }
mvae=${MVAE_BIN:-}
if [[ -z $mvae ]]; then
  {
    bash "$root/scripts/bootstrap.sh"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
      -DMVAE_BUILD_TESTS=OFF -DMVAE_BUILD_EXAMPLES=ON -DMVAE_BUILD_BENCHMARKS=OFF -DMVAE_ENABLE_CUDA=OFF
    cmake --build "$build" -j "$(nproc)" --target mvae_cli
  } >&2
  mvae="$build/examples/mvae"
fi
logs=$(mktemp -d)
busy_pid=""
trap '[[ -n $busy_pid ]] && kill "$busy_pid" 2>/dev/null; rm -rf "$logs"' EXIT

run() {  # label index
  # shellcheck disable=SC2086
  env ${MVAE_LOAD_ENV:-} "$mvae" train --data "$data" --model mvae --completion als --epochs "$epochs" --seed 1 \
    --threads "$threads" >/dev/null 2>"$logs/$1-$2.log"
  grep -E '^epoch [0-9]+/' "$logs/$1-$2.log" | sed -E 's/.*  ([0-9.e+-]+) s$/\1/' >"$logs/$1-$2.sec"
  echo "load-bench: $1 run $2: epochs $(tr '\n' ' ' <"$logs/$1-$2.sec")" >&2
}
for ((p = 1; p <= pairs; ++p)); do
  run idle "$p"
  bash -c 'while :; do :; done' &
  busy_pid=$!
  run loaded "$p"
  kill "$busy_pid"
  wait "$busy_pid" 2>/dev/null || true
  busy_pid=""
done
python3 - "$logs" "$out" "$epochs" "$pairs" "$threads" "$(nproc)" "${MVAE_LOAD_ENV:-}" <<'PY'
import glob, json, os, statistics, sys
logs, out, epochs, pairs, threads, cores, env = sys.argv[1:]
def times(label):
    t = []
    for f in sorted(glob.glob(os.path.join(logs, label + "-*.sec"))):
        t += [float(x) for x in open(f).read().split()]
    return t
idle, loaded = times("idle"), times("loaded")
result = {
    "command": "bash scripts/load-bench.sh %s %s" % (epochs, pairs) + (" (MVAE_LOAD_ENV=%s)" % env if env else ""),
    "data": "yelp", "cores": int(cores), "threads": int(threads), "busy_processes": 1,
    "idle_epoch_seconds": idle, "loaded_epoch_seconds": loaded,
    "idle_median_s": statistics.median(idle), "loaded_median_s": statistics.median(loaded),
}
result["ratio"] = result["loaded_median_s"] / result["idle_median_s"]
json.dump(result, open(out, "w"), indent=1)
print("load-bench: median epoch %.2f s idle, %.2f s beside a busy loop: %.2fx (limit 2.2x)" %
      (result["idle_median_s"], result["loaded_median_s"], result["ratio"]), file=sys.stderr)
PY
