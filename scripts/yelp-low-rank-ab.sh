#!/usr/bin/env bash
# The quality check of the low-rank input path (issue #6 item 5) on Yelp's validation split: the
# default pipeline (weighted-ALS completion, clamped R′, dense input) and the same pipeline with
# --low-rank-input (the encoders read the unclamped R′ as low rank + sparse), 14 epochs on
# train − vali with validation NDCG@10 after every epoch, seeds 3, 4 and 5. Prints each curve's
# best epoch and value and the means; never looks at test. About 25 minutes on 2 cores.
#
#   bash scripts/yelp-low-rank-ab.sh            (skips runs whose history file exists)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${MVAE_DATA:-$root/../shared/data/yelp}
build=${MVAE_BUILD_DIR:-$root/build/main}
out=${MVAE_RESULTS:-$root/docs/results}

bash "$root/scripts/build-cli.sh" "$build"
mkdir -p "$out"

for seed in 3 4 5; do
  for variant in dense lowrank; do
    history="$out/yelp-validation-curve-$variant-s$seed-history.json"
    [[ -f $history ]] && continue
    extra=()
    [[ $variant == lowrank ]] && extra=(--low-rank-input)
    "$build/examples/mvae" train --data "$data" --model mvae --completion als "${extra[@]}" --epochs 14 \
      --eval-every 1 --select-on-validation --seed "$seed" --threads "$(nproc)" --history-json "$history" >&2
  done
done

/usr/bin/python3 - "$out" <<'PY'
import json, sys
folder = sys.argv[1]
best = {}
print("| input | seed | best epoch | validation NDCG@10 | curve (epochs 1–14) |")
print("|---|---|---|---|---|")
for variant in ("dense", "lowrank"):
    for seed in (3, 4, 5):
        h = json.load(open(f"{folder}/yelp-validation-curve-{variant}-s{seed}-history.json"))
        curve = [e["validation"]["ndcg"]["10"] for e in h["epochs"]]
        k = max(range(len(curve)), key=lambda i: curve[i])
        best.setdefault(variant, []).append(curve[k])
        print(f"| {variant} | {seed} | {k + 1} | {curve[k]:.4f} | " + " ".join(f"{v:.4f}" for v in curve) + " |")
for variant, values in best.items():
    print(f"\n{variant}: mean best validation NDCG@10 over seeds 3-5 = {sum(values) / len(values):.4f}")
PY
