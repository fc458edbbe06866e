#!/usr/bin/env bash
# Fuzzes every parser with libFuzzer + ASan + UBSan (issue #15) and keeps what it learns.
#   bash scripts/fuzz.sh [seconds-per-target] [target...]
# Targets (tests/fuzz/fuzz_<name>.cpp): jca_split movielens delimited coat npy model_file
# mvae_model_file cli_lists; default all of them, 600 s each, one after the other.
#
# For each target: fuzzes a scratch copy of tests/fuzz/corpus/<name> (so the committed corpus only
# changes through the merge), restarting after a crash until the time is spent (each crash input is
# kept under build/fuzz/artifacts/<name>/ and copied into the corpus as crash-<sha1>, so the
# fuzz.replay.<name> test covers it from then on); then merges the inputs that add coverage into
# tests/fuzz/corpus/<name> (-merge=1), and records the figures in docs/results/fuzz.json (target,
# seconds, executions, exec/s, corpus size, crashes, OOMs, timeouts; targets not run keep their entry).
#
# Environment: MVAE_FUZZ_JOBS (build jobs, default: all cores), MVAE_FUZZ_NICE (the fuzzers' nice
# level, default 19), MVAE_FUZZ_LOG_DIR (default build/fuzz/logs).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-600}
shift || true
all_targets=(jca_split movielens delimited coat npy model_file mvae_model_file cli_lists)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "fuzz: seconds must be a positive integer, got '$seconds'" >&2; exit 2; }
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz: unknown target $t (known: ${all_targets[*]})" >&2; exit 2; }
done

# The longest input per target: enough for every seed and a few dozen lines or sections, small
# enough to keep each run fast.
max_len_of() {
  case $1 in
    cli_lists) echo 256 ;;
    *) echo 4096 ;;
  esac
}

build=$root/build/fuzz
logs=${MVAE_FUZZ_LOG_DIR:-$build/logs}
nice_level=${MVAE_FUZZ_NICE:-19}
mkdir -p "$logs"

bash "$root/scripts/bootstrap.sh" --fuzz >&2
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMVAE_BUILD_TESTS=ON -DMVAE_BUILD_FUZZERS=ON -DMVAE_BUILD_EXAMPLES=OFF -DMVAE_BUILD_BENCHMARKS=OFF \
  -DMVAE_ENABLE_CUDA=OFF -DMVAE_INSTALL=OFF >&2
cmake --build "$build" -j "${MVAE_FUZZ_JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}" >&2

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
figures=$(mktemp)
trap 'rm -f "$figures"' EXIT

for t in "${targets[@]}"; do
  fuzzer=$build/tests/fuzz/fuzz_$t
  corpus=$root/tests/fuzz/corpus/$t
  artifacts=$build/artifacts/$t
  scratch=$(mktemp -d)
  rm -rf "$artifacts"  # an earlier run's finds are in the corpus already
  mkdir -p "$corpus" "$artifacts" "$scratch/corpus"
  cp -r "$corpus/." "$scratch/corpus/"
  corpus_before=$(find "$corpus" -type f | wc -l)
  max_len=$(max_len_of "$t")
  log=$logs/$t.log
  : > "$log"
  flags=(-max_len="$max_len" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/")
  echo "fuzz: $t for ${seconds}s (max_len $max_len, corpus $corpus_before inputs; log $log)" >&2

  # Fuzz until the time is spent: a crash ends a libFuzzer run, so start again from the grown
  # scratch corpus (at most 20 runs, in case one bug is found again and again).
  start=$(date +%s)
  executions=0
  runs=0
  while :; do
    left=$((seconds - ($(date +%s) - start)))
    ((left > 0 && runs < 20)) || break
    runs=$((runs + 1))
    before=$(wc -l < "$log")
    status=0
    nice -n "$nice_level" "$fuzzer" "${flags[@]}" -max_total_time="$left" "$scratch/corpus" >> "$log" 2>&1 || status=$?
    run_execs=$(tail -n +"$((before + 1))" "$log" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -1)
    executions=$((executions + ${run_execs:-0}))
    ((status == 0)) && break
    echo "fuzz: $t: run $runs stopped with status $status (see $log)" >&2
  done
  elapsed=$(($(date +%s) - start))

  # Crash inputs join the corpus under a stable name; the rest of what was found is merged.
  crashes=0 ooms=0 timeouts=0
  for a in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/oom-* "$artifacts"/timeout-*; do
    [[ -f $a ]] || continue
    case $(basename "$a") in
      crash-* | leak-*) crashes=$((crashes + 1)) ;;
      oom-*) ooms=$((ooms + 1)) ;;
      timeout-*) timeouts=$((timeouts + 1)) ;;
    esac
    cp "$a" "$corpus/$(basename "$a" | sed 's/^\(leak\|oom\|timeout\)-/crash-/')"
  done
  nice -n "$nice_level" "$fuzzer" -merge=1 "${flags[@]}" "$corpus" "$scratch/corpus" >> "$log" 2>&1 ||
    echo "fuzz: $t: the merge failed (see $log)" >&2
  corpus_after=$(find "$corpus" -type f | wc -l)
  rm -rf "$scratch"
  echo "fuzz: $t: ${elapsed}s, $executions executions, $crashes crashes, $ooms OOMs, $timeouts timeouts;" \
       "corpus $corpus_before -> $corpus_after" >&2
  printf '%s %s %s %s %s %s %s %s %s %s\n' "$t" "$elapsed" "$executions" "$corpus_before" "$corpus_after" \
    "$crashes" "$ooms" "$timeouts" "$max_len" "$runs" >> "$figures"
done

# docs/results/fuzz.json: one entry per target; a target not run this time keeps its entry.
mkdir -p "$root/docs/results"
python3 - "$root/docs/results/fuzz.json" "$figures" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "$(clang++ --version | head -1)" "$(nproc)" <<'EOF'
import datetime, json, os, sys
path, figures, commit, compiler, cores = sys.argv[1:6]
doc = {}
if os.path.exists(path):
    with open(path) as f:
        doc = json.load(f)
entries = {e["target"]: e for e in doc.get("targets", [])}
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
for line in open(figures):
    t, secs, execs, before, after, crashes, ooms, timeouts, max_len, runs = line.split()
    secs, execs = int(secs), int(execs)
    entries[t] = {
        "target": t, "seconds": secs, "executions": execs,
        "exec_per_s": round(execs / secs, 1) if secs else 0.0,
        "corpus_size": int(after), "corpus_size_before": int(before),
        "crashes": int(crashes), "ooms": int(ooms), "timeouts": int(timeouts),
        "max_len": int(max_len), "runs": int(runs), "date": now, "commit": commit,
    }
doc = {
    "description": "libFuzzer + ASan + UBSan over every parser (scripts/fuzz.sh); crashes count crash- and leak- "
                   "artifacts, ooms allocations above -rss_limit_mb=2048, timeouts inputs over -timeout=10 s",
    "compiler": compiler, "cores": int(cores),
    "targets": [entries[k] for k in sorted(entries)],
}
with open(path, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
EOF
echo "fuzz: figures in docs/results/fuzz.json" >&2
