#!/usr/bin/env bash
# The small search of issue #16 on Yelp's validation split only: one factor at a time around the
# default recipe (docs/results.md, "A small search on validation"). The runs read a split folder
# whose test.csv is a link to vali.csv, so no run of the search ever opens the real test.csv; the
# test metrics they print are meaningless and ignored. Each run trains MVAE on train − vali for up
# to MVAE_EPOCHS (25) epochs, evaluates every 5, selects each side's epochs and the fusion on
# validation, and records the history in docs/results/yelp-search/NAME-history.json. Runs are
# sequential (both cores each), about 7–8 minutes each on 2 cores; a run whose history exists is
# skipped. The last step prints the table (scripts/search_table.py).
#
#   bash scripts/yelp-search.sh [NAME ...]        (default: every NAME of the grid, in order)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${MVAE_DATA:-$root/../shared/data/yelp}
build=${MVAE_BUILD_DIR:-$root/build/main}
out=${MVAE_RESULTS:-$root/docs/results/yelp-search}
epochs=${MVAE_EPOCHS:-25}
seed=${MVAE_SEED:-1}

if [[ -z "${MVAE_BIN:-}" ]]; then
  bash "$root/scripts/build-cli.sh" "$build"
  MVAE_BIN=$build/examples/mvae
fi
work=$(mktemp -d /tmp/mvae-search.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$MVAE_BIN" "$work/mvae"  # a private copy: rebuilding during the search cannot touch it
mkdir -p "$work/split" "$out"
ln -s "$(realpath "$data/train.csv")" "$work/split/train.csv"
ln -s "$(realpath "$data/vali.csv")" "$work/split/vali.csv"
ln -s "$(realpath "$data/vali.csv")" "$work/split/test.csv"  # never the real test split

# NAME → the options that differ from the default recipe (ALS rank 50, ρ = .04, β = .15,
# 320-320-80, Adam .003 without decay).
names=(base mask20 mask50 beta05 beta40 wide rank100 decay)
declare -A grid=(
  [base]=""
  [mask20]="--mask-ratio 0.2"
  [mask50]="--mask-ratio 0.5"
  [beta05]="--beta 0.05"
  [beta40]="--beta 0.4"
  [wide]="--hidden 600 --latent 200"
  [rank100]="--rank 100"
  [decay]="--lr-decay-every 9 --lr-decay-rate 0.9"
  [mask20-beta40]="--mask-ratio 0.2 --beta 0.4"
  [mask50-wide]="--mask-ratio 0.5 --hidden 600 --latent 200"
  # second round, around the first round's best (rank100): the rank axis, its combination with
  # the decay, and the other completion kind at the same rank
  [rank200]="--rank 200"
  [rank100-decay]="--rank 100 --lr-decay-every 9 --lr-decay-rate 0.9"
  [svd100]="--completion svd --rank 100"
  [rank400]="--rank 400"
)
(( $# )) && names=("$@")
for name in "${names[@]}"; do
  [[ -v "grid[$name]" ]] || { echo "yelp-search: unknown run '$name' (known: ${!grid[*]})" >&2; exit 2; }
  history=$out/$name-history.json
  if [[ -f $history ]]; then echo "yelp-search: $name done ($history)"; continue; fi
  # shellcheck disable=SC2086  # the grid's options are words
  completion=(--completion als)
  [[ ${grid[$name]} == *--completion* ]] && completion=()
  cmd=("$work/mvae" train --data "$work/split" --model mvae "${completion[@]}" --epochs "$epochs" --eval-every 5
       --select-on-validation --seed "$seed" --threads "$(nproc)" ${grid[$name]})
  echo "yelp-search: $name: ${cmd[*]:1}" | tee "$out/$name.log"
  "${cmd[@]}" --history-json "$history.tmp" >/dev/null 2>>"$out/$name.log"
  mv "$history.tmp" "$history"
done
python3 "$root/scripts/search_table.py" "$out"
