#!/usr/bin/env python3
"""Per-seed and mean ± standard deviation tables of a Yelp run (scripts/yelp-table2.sh RUN-sN),
with each side's test metrics alone from the same runs (`test_parts_alone`, issue #16).

    python3 scripts/seed_table.py mvae-als-r400-retrain [--seeds 1,2,3] [--results docs/results]

Seed 1 is the file without a suffix when no `-s1` file exists. The test metrics are the retrained
model's (the run's headline); nothing here was used to choose anything.
"""
import argparse
import json
import pathlib
import statistics

METRICS = [("f1", "1"), ("f1", "5"), ("f1", "10"), ("ndcg", "1"), ("ndcg", "5"), ("ndcg", "10")]


def load(results, run, seed):
    for name in (f"yelp-{run}-s{seed}-history.json",) + ((f"yelp-{run}-history.json",) if seed == 1 else ()):
        path = results / name
        if path.exists():
            return json.loads(path.read_text())
    return None


def mean_std(values):
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--results", default="docs/results")
    a = p.parse_args()
    results = pathlib.Path(a.results)
    runs = {}
    for s in (int(x) for x in a.seeds.split(",")):
        h = load(results, a.run, s)
        if h is not None:
            runs[s] = h
    if not runs:
        raise SystemExit(f"no history of {a.run} in {results}")
    print("| seed | epochs (uVAE, iVAE) | fusion | vali NDCG@10 | F1@1 | F1@5 | F1@10 | NDCG@1 | NDCG@5 | NDCG@10 "
          "| uVAE alone NDCG@10 | iVAE alone NDCG@10 | minutes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    cols = {"vali": [], "u": [], "i": [], **{m: [] for m in METRICS}, "uf1": [], "if1": []}
    for s, h in sorted(runs.items()):
        t = h["test_retrained_full"] or h["test_selected"]
        parts = h.get("test_parts_alone") or []
        mix = h.get("mix") or {}
        cols["vali"].append(h["selected_validation_ndcg"])
        for m in METRICS:
            cols[m].append(t[m[0]][m[1]])
        u = parts[0]["ndcg"]["10"] if parts else float("nan")
        i = parts[1]["ndcg"]["10"] if parts else float("nan")
        if parts:
            cols["u"].append(u), cols["i"].append(i)
            cols["uf1"].append(parts[0]["f1"]["10"]), cols["if1"].append(parts[1]["f1"]["10"])
        print(f"| {s} | {', '.join(map(str, h.get('part_epochs') or [h['selected_epoch']]))} | "
              f"{mix.get('fusion', '')} α={mix.get('alpha', '')} | {h['selected_validation_ndcg']:.4f} | "
              + " | ".join(f"{t[m[0]][m[1]]:.4f}" for m in METRICS)
              + f" | {u:.4f} | {i:.4f} | {h['total_seconds'] / 60:.1f} |")
    print(f"| mean ± sd ({len(runs)}) | | | {mean_std(cols['vali'])} | "
          + " | ".join(mean_std(cols[m]) for m in METRICS)
          + f" | {mean_std(cols['u']) if cols['u'] else ''} | {mean_std(cols['i']) if cols['i'] else ''} | |")
    if cols["u"]:
        print()
        print("| the same runs' test metrics (mean ± sd) | F1@1 | F1@5 | F1@10 | NDCG@1 | NDCG@5 | NDCG@10 |")
        print("|---|---|---|---|---|---|---|")
        print("| MVAE (fused) | " + " | ".join(mean_std(cols[m]) for m in METRICS) + " |")
        for k, side in enumerate(("uVAE alone (α = 1)", "iVAE alone (α = 0)")):
            vals = [[h["test_parts_alone"][k][m[0]][m[1]] for h in runs.values() if h.get("test_parts_alone")] for m in METRICS]
            print(f"| {side} | " + " | ".join(mean_std(v) for v in vals) + " |")


if __name__ == "__main__":
    main()
