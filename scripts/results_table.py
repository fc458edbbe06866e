#!/usr/bin/env python3
"""Prints the Markdown rows of docs/results.md from the run histories in docs/results/.

    python3 scripts/results_table.py [docs/results]

For each yelp-<run>-history.json: the test metrics of the model retrained on all of train for
the chosen epochs (runs with --retrain-full), at the epoch chosen on validation, and at the last
epoch (F1@1/5/10, NDCG@1/5/10), the chosen epoch, seconds per epoch and peak memory.
"""
import glob
import json
import os
import sys

folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "docs", "results")


def cells(metrics):
    return " | ".join(f"{metrics[m][k]:.4f}" for m in ("f1", "ndcg") for k in ("1", "5", "10"))


print("| run | epoch | F1@1 | F1@5 | F1@10 | NDCG@1 | NDCG@5 | NDCG@10 | s/epoch | peak MiB |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in sorted(glob.glob(os.path.join(folder, "yelp-*-history.json"))):
    name = os.path.basename(path)[len("yelp-"):-len("-history.json")]
    h = json.load(open(path))
    epochs = h["epochs"]
    per_epoch = sum(e["seconds"] for e in epochs) / max(1, len(epochs))
    if h.get("test_retrained_full"):
        print(f"| {name} (retrained on all of train for the chosen epochs) | {h['selected_epoch']} | "
              f"{cells(h['test_retrained_full'])} | {per_epoch:.1f} | {h['peak_rss_mib']:.0f} |")
    if h.get("selected_on_validation"):
        print(f"| {name} (chosen on validation) | {h['selected_epoch']} | {cells(h['test_selected'])} | "
              f"{per_epoch:.1f} | {h['peak_rss_mib']:.0f} |")
    print(f"| {name} (last epoch) | {len(epochs)} | {cells(h['test_last_epoch'])} | {per_epoch:.1f} | "
          f"{h['peak_rss_mib']:.0f} |")
