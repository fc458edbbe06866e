#!/usr/bin/env python3
"""Prints the Markdown report of scripts/gpu-check.sh from the files it wrote.

    python3 scripts/gpu_report.py OUT_FOLDER

Reads bench-cuda.json (Google Benchmark: MVAE epochs and their GEMMs), peer-<shape>-<precision>.json
(the PyTorch peer) and yelp-<device>.json (mvae train metrics), and prints the issue #5 ratios:
epoch ÷ GEMM-only time, PyTorch ÷ ours, 200 TF32 Pinterest epochs in minutes, and GPU vs CPU metrics.
Missing files are reported as missing, not guessed.
"""
import json
import os
import sys

folder = sys.argv[1] if len(sys.argv) > 1 else "build/gpu-check"


def load(name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


bench = load("bench-cuda.json")
ours = {}
if bench:
    for b in bench.get("benchmarks", []):
        parts = b["name"].split("/")  # BM_mvae_epoch/<shape>/<schedule>/<precision>[/...]
        if len(parts) >= 4:
            ours[(parts[1], parts[2], parts[3])] = b

print("| shape | schedule | precision | ours s/epoch | GEMMs alone s | ours ÷ GEMMs | TFLOP/s | PyTorch s/epoch | PyTorch ÷ ours |")
print("|---|---|---|---|---|---|---|---|---|")
for (shape, schedule, precision), b in sorted(ours.items()):
    peer = load(f"peer-{shape}-{precision}.json") if schedule == "paired" else None
    peer_s = peer["median_seconds_per_epoch"] if peer else None
    peer_cells = "— | —" if peer_s is None else f"{peer_s:.3f} | {peer_s / b['epoch_s']:.2f}"
    print(f"| {shape} | {schedule} | {precision} | {b['epoch_s']:.3f} | {b['gemm_s']:.3f} | {b['vs_gemm']:.2f} | "
          f"{b['TFLOP/s']:.1f} | {peer_cells} |")
if not ours:
    print("| (bench-cuda.json missing or empty) | | | | | | | | |")

tf32 = ours.get(("pinterest", "paired", "tf32"))
if tf32:
    print(f"\n200 Pinterest epochs with TF32: {200 * tf32['epoch_s'] / 60:.2f} min (target: under 2).")

metrics = {d: load(f"yelp-{d}.json") for d in ("cuda", "cpu")}
if all(metrics.values()):
    print("\n| Yelp, 10 epochs, seed 1 | F1@10 | NDCG@10 |\n|---|---|---|")
    for d, m in metrics.items():
        print(f"| {d} | {m['f1']['10']:.4f} | {m['ndcg']['10']:.4f} |")
else:
    print("\nYelp GPU/CPU metrics: missing " + ", ".join(d for d, m in metrics.items() if not m))
