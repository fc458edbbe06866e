#!/usr/bin/env python3
"""Prints the tables of benchmarks/compare_cpu.sh from the files it wrote, and saves them as JSON.

    python3 benchmarks/compare_report.py docs/results cpu

Reads cpu-compare-ours-<run>.json (Google Benchmark output of mvae_bench_epoch: epoch_s, gemm_s,
vs_gemm, GFLOP/s, peak_rss_mib; BM_evaluate's time) and cpu-compare-peer-<schedule>.json (the
PyTorch peer), and writes cpu-compare.json with the ratios: ours ÷ GEMM-bound time (issue #6:
≤ 1.18) and PyTorch ÷ ours (≥ 1.8), both measured in the same run, and the peak memory of each.
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


def first_bench(doc, key):
    return next((b for b in (doc or {}).get("benchmarks", []) if key in b), None)


RUNS = [  # (file name, data, schedule, input path)
    ("independent", "yelp", "independent", "dense"),
    ("independent-low-rank", "yelp", "independent", "low-rank"),
    ("paired", "yelp", "paired", "dense"),
    ("paired-low-rank", "yelp", "paired", "low-rank"),
    ("pinterest-independent", "pinterest shape", "independent", "dense"),
    ("pinterest-independent-low-rank", "pinterest shape", "independent", "low-rank"),
]

rows = []
for name, data, schedule, path in RUNS:
    ours = load(f"{kind}-compare-ours-{name}.json")
    bench = first_bench(ours, "epoch_s")
    if bench is None:
        print(f"{name}: our benchmark output is missing")
        continue
    row = {
        "run": name, "data": data, "schedule": schedule, "input": path,
        "ours_seconds_per_epoch": bench["epoch_s"],
        "gemm_seconds_per_epoch": bench["gemm_s"],
        "ours_over_gemm": bench["vs_gemm"],
        "gemm_gflops": bench["gemm_GFLOP/s"],
        "ours_peak_rss_mib": bench["peak_rss_mib"],
        "threads": (ours.get("context") or {}).get("num_cpus"),
    }
    peer = load(f"{kind}-compare-peer-{schedule}.json") if data == "yelp" else None
    if peer:
        row["peer_seconds_per_epoch"] = peer["median_seconds_per_epoch"]
        row["peer_over_ours"] = peer["median_seconds_per_epoch"] / bench["epoch_s"]
        row["peer_peak_rss_mib"] = peer["peak_rss_mib"]
        row["peer_torch"] = peer.get("torch")
    rows.append(row)

print("| data | schedule | input | ours s/epoch | GEMMs alone s | ours ÷ GEMMs | sgemm GFLOP/s "
      "| PyTorch s/epoch | PyTorch ÷ ours | ours peak MiB | PyTorch peak MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    peer = r.get("peer_seconds_per_epoch")
    print(f"| {r['data']} | {r['schedule']} | {r['input']} | {r['ours_seconds_per_epoch']:.2f} | "
          f"{r['gemm_seconds_per_epoch']:.2f} | {r['ours_over_gemm']:.2f} | {r['gemm_gflops']:.0f} | "
          + (f"{peer:.2f} | {r['peer_over_ours']:.2f} | " if peer else "— | — | ")
          + f"{r['ours_peak_rss_mib']:.0f} | " + (f"{r['peer_peak_rss_mib']:.0f} |" if peer else "— |"))

evaluation = first_bench(load(f"{kind}-compare-ours-evaluate.json"), "real_time")
summary = {"epochs": rows}
if evaluation:
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[evaluation.get("time_unit", "ns")]
    seconds = evaluation["real_time"] * unit
    summary["evaluate_all_users_seconds"] = seconds
    print(f"\nAll-user top-10 evaluation of Yelp (scoring + ranking, 12,704 users): {seconds:.2f} s "
          "(mean of 5 runs; target under 2 s)")
with open(os.path.join(folder, f"{kind}-compare.json"), "w") as f:
    json.dump(summary, f, indent=1)
