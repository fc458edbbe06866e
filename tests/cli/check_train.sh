#!/usr/bin/env bash
# End-to-end check of `mvae generate`, `mvae train` (MVAE with validation selection, save) and
# `mvae recommend`, plus bad options: usage: check_train.sh MVAE_BINARY
set -euo pipefail
mvae=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$mvae" generate --out "$work/data" --users 400 --items 150 --seed 4 2>/dev/null
[[ -f $work/data/train.csv && -f $work/data/vali.csv && -f $work/data/test.csv ]] || fail "generate wrote no split"

out=$("$mvae" train --data "$work/data" --epochs 3 --batch 128 --hidden 32 --latent 8 --rank 8 --eval-every 1 \
  --select-on-validation --seed 2 --threads 2 --save "$work/m.mvae" --history-json "$work/h.json" \
  --metrics-json "$work/m.json" 2>"$work/train.log")
grep -q '"users_evaluated":400' <<<"$out" || fail "train printed no metrics JSON: $out"
grep -q '"ndcg":{"1":' <<<"$out" || fail "train JSON lacks ndcg"
cmp -s <(echo "$out") "$work/m.json" || fail "--metrics-json differs from stdout"
grep -q 'selected epoch' "$work/train.log" || fail "no validation selection in the log"
grep -q 'validation NDCG@10' "$work/train.log" || fail "no progress lines"
grep -q '"test_last_epoch"' "$work/h.json" || fail "history lacks the last epoch's metrics"

# Same seed, same threads: the same result.
again=$("$mvae" train --data "$work/data" --epochs 3 --batch 128 --hidden 32 --latent 8 --rank 8 --eval-every 1 \
  --select-on-validation --seed 2 --threads 2 2>/dev/null)
[[ $out == "$again" ]] || fail "two runs with the same seed differ"

rec=$("$mvae" recommend --model "$work/m.mvae" --user 5 --k 4)
grep -Eq '^\{"user":5,"items":\[[0-9]+,[0-9]+,[0-9]+,[0-9]+\]\}$' <<<"$rec" || fail "recommend printed $rec"
cold=$("$mvae" recommend --model "$work/m.mvae" --history 1,2,3 --k 3)
grep -Eq '"items":\[[0-9]+,[0-9]+,[0-9]+\]' <<<"$cold" || fail "recommend --history printed $cold"

expect_error() {  # expected-text command...
  local want=$1; shift
  if "$@" >"$work/out" 2>"$work/err"; then fail "succeeded: $*"; fi
  grep -q -- "$want" "$work/err" || fail "expected '$want' in the error of: $*; got: $(cat "$work/err")"
}
expect_error "mask ratio" "$mvae" train --data "$work/data" --mask-ratio 1.5
expect_error "completion" "$mvae" train --data "$work/data" --completion pca
mkdir -p "$work/header-only"
printf 'userId,itemId\n' >"$work/header-only/train.csv"
printf 'userId,itemId\n1,2\n' >"$work/header-only/test.csv"
expect_error "train.csv has no interactions" "$mvae" train --data "$work/header-only" --model pop
expect_error "is not in 1..400" "$mvae" recommend --model "$work/m.mvae" --user 401
printf 'garbage' >"$work/bad.mvae"
expect_error "bad.mvae" "$mvae" recommend --model "$work/bad.mvae" --user 1
head -c 300 "$work/m.mvae" >"$work/cut.mvae"
expect_error "truncated" "$mvae" recommend --model "$work/cut.mvae" --user 1
# The VAE baselines through the same entry point: their presets, with command-line overrides.
for model in multvae jova; do
  "$mvae" train --data "$work/data" --model "$model" --epochs 1 --batch 200 --hidden 16 --latent 4 --threads 2 \
    --save "$work/$model.mvae" >"$work/$model.json" 2>"$work/$model.log" || fail "train --model $model: $(cat "$work/$model.log")"
  grep -q '"ndcg":{"1":' "$work/$model.json" || fail "train --model $model printed no metrics"
done
grep -q 'completion=none' "$work/jova.log" && grep -q 'schedule=paired' "$work/jova.log" || fail "jova is not its preset"
grep -q 'mask_ratio=0.5' "$work/multvae.log" || fail "multvae is not its preset"
"$mvae" recommend --model "$work/jova.mvae" --user 3 --k 2 | grep -q '"items"' || fail "a saved JoVA does not recommend"
echo "all train/recommend checks passed"
