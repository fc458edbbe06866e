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

# shellcheck source=scripts/yelp-recipes.sh
source "$root/scripts/yelp-recipes.sh"
names=("${yelp_search_order[@]}")
(( $# )) && names=("$@")
for name in "${names[@]}"; do
  [[ -v "yelp_recipes[$name]" ]] || { echo "yelp-search: unknown run '$name' (known: ${!yelp_recipes[*]})" >&2; exit 2; }
  history=$out/$name-history.json
  if [[ -f $history ]]; then echo "yelp-search: $name done ($history)"; continue; fi
  read -ra recipe <<<"$(yelp_recipe "$name")"
  cmd=("$work/mvae" train --data "$work/split" --model mvae --epochs "$epochs" --eval-every 5
       --select-on-validation --seed "$seed" --threads "$(nproc)" "${recipe[@]}")
  echo "yelp-search: $name: ${cmd[*]:1}" | tee "$out/$name.log"
  "${cmd[@]}" --history-json "$history.tmp" >/dev/null 2>>"$out/$name.log"
  mv "$history.tmp" "$history"
done
python3 "$root/scripts/search_table.py" "$out"
