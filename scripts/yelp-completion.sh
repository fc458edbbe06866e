#!/usr/bin/env bash
# The completion alone as a recommender on Yelp: validation metrics of the factors fitted on train
# minus vali (they choose the completion's settings), test metrics of the refit on all of train.
# Writes docs/results/yelp-completion-*.json; a run whose file exists is skipped. Seconds per run
# (minutes at rank 400 with exact solves; --als-cg-steps N: N conjugate-gradient steps per row instead).
#   bash scripts/yelp-completion.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${MVAE_DATA:-$root/../shared/data/yelp}
build=${MVAE_BUILD_DIR:-$root/build/main}
out=${MVAE_RESULTS:-$root/docs/results}
bash "$root/scripts/build-cli.sh" "$build"
mkdir -p "$out"
while read -r name args; do
  if [[ -f $out/yelp-completion-$name.json ]]; then echo "$name: done"; continue; fi  # resumable
  # shellcheck disable=SC2086
  "$build/examples/mvae" train --data "$data" --select-on-validation --threads "${MVAE_THREADS:-1}" $args \
    --history-json "$out/yelp-completion-$name.json" --metrics-json "$out/yelp-completion-$name-test.json" >/dev/null 2>&1
  echo "$name: $args"
done <<'RUNS'
svd50-q2 --model puresvd --rank 50 --svd-power-iterations 2
svd50-q8 --model puresvd --rank 50 --svd-power-iterations 8
svd100-q8 --model puresvd --rank 100 --svd-power-iterations 8
svd20-q8 --model puresvd --rank 20 --svd-power-iterations 8
als50 --model wals --rank 50
als50-w005 --model wals --rank 50 --als-w0 0.05
als100 --model wals --rank 100
als20 --model wals --rank 20
als200 --model wals --rank 200
als400 --model wals --rank 400
als400-cg3 --model wals --rank 400 --als-cg-steps 3
als400-cg10 --model wals --rank 400 --als-cg-steps 10
RUNS
