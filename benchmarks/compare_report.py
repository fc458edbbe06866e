#!/usr/bin/env python3
"""Prints the table of benchmarks/compare_cpu.sh from the files it wrote, and saves it as JSON.

    python3 benchmarks/compare_report.py docs/results cpu

Reads cpu-compare-ours-<schedule>.json (Google Benchmark output of mvae_bench_epoch: epoch_s,
gemm_s, vs_gemm, GFLOP/s, peak_rss_mib) and cpu-compare-peer-<schedule>.json (the PyTorch peer),
and writes cpu-compare.json with the ratios: ours ÷ GEMM-bound time (target ≤ 1.18) and
PyTorch ÷ ours (target ≥ 1.8), both measured in the same run.
"""
import json
import os
import sys

folder = sys.argv[1] if len(sys.argv) > 1 else "docs/results"
kind = sys.argv[2] if len(sys.argv) > 2 else "cpu"


def load(name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


rows = []
for schedule in ("independent", "paired"):
    ours = load(f"{kind}-compare-ours-{schedule}.json")
    peer = load(f"{kind}-compare-peer-{schedule}.json")
    bench = next((b for b in (ours or {}).get("benchmarks", []) if "epoch_s" in b), None)
    if bench is None:
        print(f"{schedule}: our benchmark output is missing")
        continue
    row = {
        "schedule": schedule,
        "ours_seconds_per_epoch": bench["epoch_s"],
        "gemm_seconds_per_epoch": bench["gemm_s"],
        "ours_over_gemm": bench["vs_gemm"],
        "gemm_gflops": bench["gemm_GFLOP/s"],
        "ours_peak_rss_mib": bench["peak_rss_mib"],
        "threads": (ours.get("context") or {}).get("num_cpus"),
    }
    if peer:
        row["peer_seconds_per_epoch"] = peer["median_seconds_per_epoch"]
        row["peer_over_ours"] = peer["median_seconds_per_epoch"] / bench["epoch_s"]
        row["peer_peak_rss_mib"] = peer["peak_rss_mib"]
        row["peer_torch"] = peer.get("torch")
    rows.append(row)

print("| schedule | ours s/epoch | GEMMs alone s | ours ÷ GEMMs | sgemm GFLOP/s | PyTorch s/epoch | PyTorch ÷ ours "
      "| ours peak MiB | PyTorch peak MiB |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    peer = r.get("peer_seconds_per_epoch")
    print(f"| {r['schedule']} | {r['ours_seconds_per_epoch']:.2f} | {r['gemm_seconds_per_epoch']:.2f} | "
          f"{r['ours_over_gemm']:.2f} | {r['gemm_gflops']:.0f} | "
          + (f"{peer:.2f} | {r['peer_over_ours']:.2f} | " if peer else "— | — | ")
          + f"{r['ours_peak_rss_mib']:.0f} | " + (f"{r['peer_peak_rss_mib']:.0f} |" if peer else "— |"))
with open(os.path.join(folder, f"{kind}-compare.json"), "w") as f:
    json.dump(rows, f, indent=1)
