#!/usr/bin/env python3
"""Prints the Markdown tables of docs/results.md from the run histories in docs/results/.

    python3 scripts/results_table.py [--folder docs/results] [--all]

Default: one row per headline-protocol run (yelp-<run>-retrain[-sN]-history.json): the epoch chosen
on validation, its validation NDCG@10, the test metrics of the model retrained on all of train for
that many epochs (F1@1/5/10, NDCG@1/5/10), the last epoch's test NDCG@10, the median seconds per
epoch and the peak memory; then, for runs repeated over seeds, mean ± standard deviation.
--all: every history, with the test metrics at the chosen epoch and at the last epoch too.
"""
import argparse
import glob
import json
import os
import re
import statistics

parser = argparse.ArgumentParser()
parser.add_argument("--folder", default=os.path.join(os.path.dirname(__file__), "..", "docs", "results"))
parser.add_argument("--all", action="store_true")
args = parser.parse_args()

METRICS = [(m, k) for m in ("f1", "ndcg") for k in ("1", "5", "10")]


def cells(metrics):
    return " | ".join(f"{metrics[m][k]:.4f}" for m, k in METRICS)


def load(path):
    with open(path) as f:
        h = json.load(f)
    name = os.path.basename(path)[len("yelp-"):-len("-history.json")]
    epochs = h["epochs"]
    h["name"] = name
    h["median_seconds"] = statistics.median(e["seconds"] for e in epochs) if epochs else 0.0
    chosen = next((e for e in epochs if e["epoch"] == h.get("selected_epoch")), None)
    h["chosen_validation"] = chosen["validation"]["ndcg"]["10"] if chosen and "validation" in chosen else None
    return h


histories = [load(p) for p in sorted(glob.glob(os.path.join(args.folder, "yelp-*-history.json")))]

if args.all:
    print("| run | epoch | F1@1 | F1@5 | F1@10 | NDCG@1 | NDCG@5 | NDCG@10 | s/epoch | peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for h in histories:
        tail = f"{h['median_seconds']:.1f} | {h['peak_rss_mib']:.0f} |"
        if h.get("test_retrained_full"):
            print(f"| {h['name']} (retrained on all of train) | {h['selected_epoch']} | {cells(h['test_retrained_full'])} | {tail}")
        if h.get("selected_on_validation"):
            print(f"| {h['name']} (chosen on validation) | {h['selected_epoch']} | {cells(h['test_selected'])} | {tail}")
        print(f"| {h['name']} (last epoch) | {len(h['epochs'])} | {cells(h['test_last_epoch'])} | {tail}")
    raise SystemExit

retrained = [h for h in histories if h.get("test_retrained_full")]
print("| run | options | epoch | vali NDCG@10 | F1@1 | F1@5 | F1@10 | NDCG@1 | NDCG@5 | NDCG@10 | last-epoch NDCG@10 | s/epoch | peak MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for h in retrained:
    options = dict(line.split("=", 1) for line in h["options"].splitlines() if "=" in line)
    rho = float(options.get('mask_ratio', 'nan'))
    short = f"{h['model']}, {options.get('completion', '?')}, ρ {rho:g}, seed {options.get('seed', '?')}"
    print(f"| {h['name']} | {short} | {h['selected_epoch']} | {h['chosen_validation']:.4f} | "
          f"{cells(h['test_retrained_full'])} | {h['test_last_epoch']['ndcg']['10']:.4f} | "
          f"{h['median_seconds']:.1f} | {h['peak_rss_mib']:.0f} |")

groups = {}
for h in retrained:
    groups.setdefault(re.sub(r"-s\d+$", "", h["name"]), []).append(h)
repeated = {k: v for k, v in groups.items() if len(v) > 1}
if repeated:
    print("\n| run | seeds | vali NDCG@10 | F1@1 | F1@5 | F1@10 | NDCG@1 | NDCG@5 | NDCG@10 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, runs in repeated.items():
        def stat(values):
            return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"
        vali = stat([h["chosen_validation"] for h in runs])
        test = " | ".join(stat([h["test_retrained_full"][m][k] for h in runs]) for m, k in METRICS)
        print(f"| {name} | {len(runs)} | {vali} | {test} |")
