#!/usr/bin/env bash
# Baselines on the paper's Yelp split with the library's own code path (issue #7), settings chosen
# on the validation split (train − vali → vali; never on test), each setting then refit on all of
# train.csv for its test metrics:
#   EASE, λ ∈ {100, 300, 1000, 3000} (a 9,244 × 9,244 solve: about a minute per λ on 2 cores);
#   BPR-MF, 64 factors, 50 epochs, learning rate ∈ {0.02, 0.05} × λ ∈ {1e-4, 1e-3} (≈ 1 min each).
# Writes docs/results/yelp-{ease,bpr}-*{.json,-history.json} and prints each grid.
#
#   bash scripts/yelp-baselines.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${MVAE_DATA:-$root/../shared/data/yelp}
build=${MVAE_BUILD_DIR:-$root/build/main}
out=${MVAE_RESULTS:-$root/docs/results}

bash "$root/scripts/build-cli.sh" "$build"
mkdir -p "$out"

run() {  # NAME ARGS...: one setting, skipped when its result exists
  local name=$1
  shift
  [[ -f $out/yelp-$name.json ]] && return
  "$build/examples/mvae" train --data "$data" "$@" --select-on-validation --threads "$(nproc)" \
    --metrics-json "$out/yelp-$name.json" --history-json "$out/yelp-$name-history.json" \
    >/dev/null 2> >(tee "$out/yelp-$name.log" >&2)
}
ease=(100 300 1000 3000)
for l in "${ease[@]}"; do run "ease-l$l" --model ease --ease-lambda "$l"; done
bpr=()
for lr in 0.02 0.05; do
  for reg in 0.0001 0.001; do
    run "bpr-lr$lr-reg$reg" --model bpr --bpr-factors 64 --bpr-epochs 50 --bpr-lr "$lr" --bpr-lambda "$reg" --seed 1
    bpr+=("bpr-lr$lr-reg$reg")
  done
done

/usr/bin/python3 - "$out" "${ease[@]/#/ease-l}" -- "${bpr[@]}" <<'PY'
import json, sys
folder = sys.argv[1]
split = sys.argv.index("--")
groups = {"EASE": sys.argv[2:split], "BPR-MF": sys.argv[split + 1:]}
for title, names in groups.items():
    rows = []
    for name in names:
        v = json.load(open(f"{folder}/yelp-{name}-history.json"))["validation"]
        t = json.load(open(f"{folder}/yelp-{name}.json"))
        rows.append((name, v["ndcg"]["10"], t))
    best = max(rows, key=lambda r: r[1])
    print(f"\n{title}\n\n| setting | vali NDCG@10 | F1@1 | F1@5 | F1@10 | NDCG@1 | NDCG@5 | NDCG@10 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, v, t in rows:
        mark = " (chosen)" if name == best[0] else ""
        print(f"| {name}{mark} | {v:.4f} | " + " | ".join(f"{t[m][k]:.4f}" for m in ("f1", "ndcg") for k in ("1", "5", "10")) + " |")
PY
