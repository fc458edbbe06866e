#!/usr/bin/env bash
# Reproduces the Yelp rows of docs/results.md: MVAE and its ablations, 200 epochs each, the epoch
# chosen on the validation split (train.csv minus vali.csv), test metrics at that epoch and at the
# last one. Runs are sequential (each uses both cores); a run whose history file exists is skipped,
# so the script can be resumed. About 30 minutes per MVAE run on 2 cores.
#
#   bash scripts/yelp-table2.sh [RUN ...]
#
# RUN ∈ pop, and mvae uvae ivae nocompletion nomask keep4 (200 epochs on train − vali), and the
# same names with -retrain (the headline protocol: 40 epochs on train − vali, the epoch chosen on
# validation, then a fresh model trained on all of train.csv for that many epochs; its test metrics
# are the reported ones), and mvae-als, uvae-als, ivae-als, mvae-q8 (completion variants),
# mvae-lowrank (the default pipeline with the encoders reading the unclamped R′ as low rank + sparse,
# issue #6), mvae-als-r100, mvae-als-r200, mvae-als-r400, mvae-als-r100-decay, mvae-svd-r100 (the recipes of the
# validation-only search, scripts/yelp-search.sh), mvae-als-parts (mvae-als rerun with issue #16's selection), and nobias
# (20 epochs with the output biases left at 0). Any RUN may
# end in -sN to use seed N instead of 1 (its files carry the suffix): mvae-retrain-s2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${MVAE_DATA:-$root/../shared/data/yelp}
build=${MVAE_BUILD_DIR:-$root/build/main}
out=${MVAE_RESULTS:-$root/docs/results}
epochs=${MVAE_EPOCHS:-200}
seed=${MVAE_SEED:-1}

bash "$root/scripts/build-cli.sh" "$build"
# Run a private copy, so rebuilding during a long run cannot touch the running binary.
mvae=$(mktemp /tmp/mvae-yelp.XXXXXX)
cp "$build/examples/mvae" "$mvae"
chmod +x "$mvae"
trap 'rm -f "$mvae"' EXIT
mkdir -p "$out"

# The completion is named in every run: mvae-als is the default pipeline (chosen on validation);
# the others are the paper's SVD completion and its ablations.
declare -A runs=(
  [mvae]="--model mvae --completion svd"
  [uvae]="--model uvae --completion svd"
  [ivae]="--model ivae --completion svd"
  [nocompletion]="--model mvae --completion none"
  [nomask]="--model mvae --completion svd --mask-ratio 0"
  [keep4]="--model mvae --completion svd --mask-ratio 0.96"
  [mvae-als]="--model mvae --completion als"
  [uvae-als]="--model uvae --completion als"
  [ivae-als]="--model ivae --completion als"
  [mvae-q8]="--model mvae --completion svd --svd-power-iterations 8"
  [mvae-lowrank]="--model mvae --completion als --low-rank-input"
  [mvae-als-parts]="--model mvae --completion als"  # = mvae-als, rerun after issue #16's per-side selection
)
# The recipes of the validation-only search (scripts/yelp-recipes.sh, issue #16), by their run names here.
# shellcheck source=scripts/yelp-recipes.sh
source "$root/scripts/yelp-recipes.sh"
declare -A recipe_runs=([mvae-als-r100]=rank100 [mvae-als-r200]=rank200 [mvae-als-r400]=rank400
  [mvae-als-r100-decay]=rank100-decay [mvae-svd-r100]=svd100)
for run in "${!recipe_runs[@]}"; do runs[$run]="--model mvae $(yelp_recipe "${recipe_runs[$run]}")"; done
for base in "${!runs[@]}"; do runs[$base-retrain]="${runs[$base]} --epochs 40 --retrain-full"; done
# Output biases left at 0 (the setting that stays at the popularity ranking): 20 epochs show it.
runs[nobias]="--model mvae --completion als --no-output-bias-init --epochs 20"
order=("$@")
((${#order[@]})) || order=(pop mvae-als-retrain mvae-retrain uvae-retrain ivae-retrain nocompletion-retrain nomask-retrain
  keep4-retrain)

for name in "${order[@]}"; do
  if [[ $name == pop ]]; then
    "$mvae" train --data "$data" --model pop --metrics-json "$out/yelp-popularity.json" >/dev/null
    continue
  fi
  base=$name run_seed=$seed
  if [[ $name =~ ^(.*)-s([0-9]+)$ ]]; then base=${BASH_REMATCH[1]} run_seed=${BASH_REMATCH[2]}; fi
  common=(--data "$data" --eval-every 5 --select-on-validation --seed "$run_seed" --threads "$(nproc)")
  [[ -n ${runs[$base]:-} ]] || { echo "unknown run '$name'" >&2; exit 2; }
  history="$out/yelp-$name-history.json"
  if [[ -f $history ]]; then echo "skip $name: $history exists" >&2; continue; fi
  ep=(--epochs "$epochs")  # unless the run sets its own
  [[ ${runs[$base]} == *--epochs* ]] && ep=()
  echo "=== $name: mvae train ${common[*]} ${ep[*]} ${runs[$base]}" >&2
  # shellcheck disable=SC2086
  "$mvae" train "${common[@]}" "${ep[@]}" ${runs[$base]} --metrics-json "$out/yelp-$name.json" --history-json "$history.tmp" \
    2> >(tee "$out/yelp-$name.log" >&2)
  mv "$history.tmp" "$history"
done
