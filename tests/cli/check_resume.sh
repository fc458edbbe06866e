#!/usr/bin/env bash
# `mvae train` interrupted and resumed: SIGINT and SIGTERM stop the run after the epoch in
# progress, write the checkpoint and exit 130 / 143; --resume then ends with the metrics JSON and
# the saved model byte-identical to an uninterrupted run's. Usage: check_resume.sh MVAE_BINARY
set -euo pipefail
mvae=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$mvae" generate --out "$work/data" --users 500 --items 200 --seed 6 2>/dev/null
# Enough epochs that a signal sent after epoch 2 lands long before the end.
train=("$mvae" train --data "$work/data" --epochs 30 --batch 64 --hidden 48 --latent 8 --rank 8 --eval-every 2
  --select-on-validation --retrain-full --seed 5 --threads 2)
"${train[@]}" --metrics-json "$work/whole.json" --save "$work/whole.mvae" >/dev/null 2>"$work/whole.log" \
  || fail "the uninterrupted run failed: $(tail -3 "$work/whole.log")"

# Runs the training in the background, sends `signal` once its log shows `after`, and checks the
# exit code and what it printed. Leaves the checkpoint in $work/run.ckpt.
interrupt() {  # signal expected-code after-regex [extra args...]
  local signal=$1 code=$2 after=$3; shift 3
  rm -f "$work/run.log"  # the previous run's log would match `after` at once
  "${train[@]}" --checkpoint "$work/run.ckpt" --checkpoint-every 7 "$@" >/dev/null 2>"$work/run.log" &
  local pid=$! waited=0
  until grep -Eq "$after" "$work/run.log" 2>/dev/null; do
    sleep 0.05
    waited=$((waited + 1))
    ((waited < 1200)) || { kill -9 "$pid"; fail "no '$after' in the log within a minute"; }
  done
  kill -s "$signal" "$pid"
  local rc=0
  wait "$pid" || rc=$?
  ((rc == code)) || fail "SIGNAL $signal: exit code $rc, expected $code; log: $(tail -3 "$work/run.log")"
  grep -q "continue with --resume $work/run.ckpt" "$work/run.log" || fail "SIG$signal: the log does not say how to resume"
  [[ -f $work/run.ckpt ]] || fail "SIG$signal: no checkpoint"
  ls "$work" | grep -q '\.tmp-' && fail "SIG$signal: a temporary file was left behind"
  return 0
}

resume_and_compare() {  # label [extra args...]
  local label=$1; shift
  "${train[@]}" --resume "$work/run.ckpt" --checkpoint "$work/run.ckpt" --metrics-json "$work/resumed.json" \
    --save "$work/resumed.mvae" "$@" >/dev/null 2>"$work/resume.log" || fail "$label: resume failed: $(tail -3 "$work/resume.log")"
  grep -q "resumed from $work/run.ckpt after epoch" "$work/resume.log" || fail "$label: the log does not say it resumed"
  cmp -s "$work/whole.json" "$work/resumed.json" || fail "$label: metrics differ: $(cat "$work/whole.json") vs $(cat "$work/resumed.json")"
  cmp -s "$work/whole.mvae" "$work/resumed.mvae" || fail "$label: the saved models differ"
}

# SIGINT in the selection phase, SIGTERM in the retraining (after the selected epochs began).
interrupt INT 130 '^epoch 3/30'
resume_and_compare "SIGINT"
interrupt TERM 143 'retrain on all of train: epoch 1/'
resume_and_compare "SIGTERM"

# A resume with other settings is refused, naming the checkpoint and the option.
expect_error() {  # expected-text command...
  local want=$1; shift
  if "$@" >"$work/out" 2>"$work/err"; then fail "succeeded: $*"; fi
  grep -q -- "$want" "$work/err" || fail "expected '$want' in the error of: $*; got: $(cat "$work/err")"
}
interrupt INT 130 '^epoch 2/30'
expect_error "other options" "${train[@]}" --resume "$work/run.ckpt" --mask-ratio 0.3
expect_error "another protocol" "$mvae" train --data "$work/data" --epochs 30 --batch 64 --hidden 48 --latent 8 \
  --rank 8 --eval-every 4 --select-on-validation --retrain-full --seed 5 --threads 2 --resume "$work/run.ckpt"
expect_error "cannot be checkpointed" "$mvae" train --data "$work/data" --model ease --checkpoint "$work/e.ckpt"
expect_error "mvae.checkpoint" "${train[@]}" --resume "$work/whole.mvae"
echo "resume checks passed"
