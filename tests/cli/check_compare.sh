#!/usr/bin/env bash
# End-to-end check of `mvae compare` on a small Coat-shaped folder and on the simulator: the table,
# the JSON, the chosen hyperparameters and epochs, and the errors: usage: check_compare.sh MVAE_BINARY
set -euo pipefail
mvae=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A Coat-shaped folder: 80 users x 50 items, dense ascii ratings 0-5 (0 = unrated), two taste groups.
mkdir -p "$work/coat"
awk 'BEGIN { srand(3); for (u = 0; u < 80; ++u) { line = ""; for (i = 0; i < 50; ++i) {
       r = 0; if (rand() < 0.3) r = ((u % 2) == (i % 2)) ? 4 + int(rand() * 2) : 1 + int(rand() * 3);
       line = line (i ? " " : "") r } print line } }' >"$work/coat/train.ascii"
awk 'BEGIN { srand(5); for (u = 0; u < 80; ++u) { line = ""; for (i = 0; i < 50; ++i) {
       r = 0; if (rand() < 0.2) r = ((u % 2) == (i % 2)) ? 4 + int(rand() * 2) : 1 + int(rand() * 3);
       line = line (i ? " " : "") r } print line } }' >"$work/coat/test.ascii"

"$mvae" compare --data "$work/coat" --models pop,ease,bpr,mvae --seeds 2 --max-epochs 4 --eval-every 2 \
  --threads 2 --out "$work/coat-cmp" >"$work/coat.md" 2>"$work/coat.log" || { cat "$work/coat.log"; fail "compare on coat"; }
[[ -f $work/coat-cmp.md && -f $work/coat-cmp.json ]] || fail "compare wrote no table or JSON"
cmp -s "$work/coat.md" "$work/coat-cmp.md" || fail "the printed table differs from the .md file"
grep -q 'random exposure (16 test items)' "$work/coat-cmp.md" || fail "no random-exposure protocol"
grep -q '\*\*all items\*\*' "$work/coat-cmp.md" || fail "no full-catalogue protocol"
grep -Eq '^\| ease \(lambda=[0-9]+\) \|' "$work/coat-cmp.md" || fail "EASE's chosen lambda is not in the table"
grep -Eq '^\| mvae \| [0-9.]+ ± [0-9.]+ \|' "$work/coat-cmp.md" || fail "no mean ± std for mvae"
grep -q '"validation_curve"' "$work/coat-cmp.json" || fail "no validation curve in the JSON"
grep -q 'mvae seed 2: epoch 4, validation NDCG@10' "$work/coat.log" || fail "no selection progress"

# The simulator: two exposure strengths, every model kind (paired, multinomial) on a small world.
"$mvae" compare --data synthetic --users 120 --items 60 --exposures 20 --exposure-bias 0,2 --candidates 15 \
  --models jova,multvae,pop --seeds 1 --max-epochs 2 --eval-every 1 --threads 2 --out "$work/sim" --set jova,pop.seed=7 \
  >/dev/null 2>"$work/sim.log" || { cat "$work/sim.log"; fail "compare on the simulator"; }
grep -q '## exposure bias 0' "$work/sim.md" && grep -q '## exposure bias 2' "$work/sim.md" || fail "missing strengths"
grep -q 'unexposed items vs. true preference' "$work/sim.md" || fail "no unexposed-item protocol"
grep -q '^| pop \[seed=7\] |' "$work/sim.md" || fail "the --set setting is not in the table's label"
grep -q '"overrides"' "$work/sim.json" || fail "the --set settings are not in the JSON"

# Errors name what is wrong, before any training.
if err=$("$mvae" compare --data "$work/coat" --models mvae,nosuch 2>&1); then fail "an unknown model was accepted"; fi
grep -q "unknown model 'nosuch' (known: mvae" <<<"$err" || fail "unknown model message: $err"
if err=$("$mvae" compare --data synthetic --exposure-bias 1,x 2>&1); then fail "a bad strength was accepted"; fi
grep -q -- "--exposure-bias: 'x'" <<<"$err" || fail "bad strength message: $err"
if err=$("$mvae" compare --data synthetic --models pop --set pop 2>&1); then fail "a malformed --set was accepted"; fi
grep -q -- "--set: 'pop' is not MODELS.KEY=VALUE" <<<"$err" || fail "malformed --set message: $err"
if err=$("$mvae" compare --data synthetic --models pop --set ease.lambda=3 2>&1); then fail "--set for a model not compared"; fi
grep -q "settings given for 'ease'" <<<"$err" || fail "--set for a model not compared message: $err"
if err=$("$mvae" compare --data synthetic --models mvae --set mvae.rnk=4 2>&1); then fail "an unknown --set key was accepted"; fi
grep -q "model 'mvae': unknown option 'rnk'" <<<"$err" || fail "unknown --set key message: $err"
echo "check_compare: ok"
