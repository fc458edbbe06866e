#!/usr/bin/env bash
# cli.golden_yelp: short `mvae train` runs on the paper's Yelp split give the same test metrics as
# the files in tests/fixtures/yelp-golden (recorded before issue #14's refactoring; see its README).
#   check_golden_yelp.sh MVAE_BINARY YELP_DIR PYTHON
# Exits 77 (ctest: skipped) when YELP_DIR/train.csv is absent.
set -euo pipefail
mvae=$1 data=$2 python=$3
golden=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures/yelp-golden" && pwd)
if [[ ! -f "$data/train.csv" ]]; then
  echo "skipped: $data/train.csv not found"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# golden file <- model and options (all with --seed 1 --threads 2)
runs=(
  "mvae-selected-retrained|mvae --epochs 2 --eval-every 1 --select-on-validation --retrain-full"
  "mvae-svd|mvae --completion svd --epochs 1 --eval-every 1"
  "uvae-low-rank|uvae --epochs 1 --low-rank-input"
  "multvae|multvae --epochs 1"
  "jova|jova --epochs 1"
  "pop|pop"
  "puresvd|puresvd --rank 20"
  "wals-selected|wals --rank 10 --select-on-validation"
  "bpr|bpr --bpr-epochs 1"
)
failed=0
for run in "${runs[@]}"; do
  name=${run%%|*} spec=${run#*|}
  # shellcheck disable=SC2086
  if ! "$mvae" train --data "$data" --model $spec --seed 1 --threads 2 > "$work/$name.json" 2> "$work/$name.log"; then
    echo "FAIL $name: mvae train --model $spec exited non-zero"; tail -5 "$work/$name.log"; failed=1; continue
  fi
  if "$python" - "$golden/$name.json" "$work/$name.json" <<'PY'
import json, sys
want, got = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if want == got else 1)
PY
  then echo "ok   $name"
  else echo "FAIL $name: metrics differ from $golden/$name.json"; echo " got: $(cat "$work/$name.json")"; failed=1
  fi
done
exit $failed
