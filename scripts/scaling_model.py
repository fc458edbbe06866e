#!/usr/bin/env python3
"""Strong-scaling model of data-parallel MVAE training (docs/scale.md, issue #17).

An epoch on N GPUs takes   T(N) = C / N + Σ_sides steps × allreduce(N, bytes of that side's parameters)
where C is the measured compute of one epoch on one GPU (the H200 figures of docs/performance.md,
scaled by GEMM FLOPs to shapes that were not measured) and the all-reduce is a ring:
    allreduce(N, B) = 2 (N − 1) / N × B / bandwidth + 2 (N − 1) × latency
(or a tree, 2 B / bandwidth + 2 ⌈log2 N⌉ × latency, when that is faster: small messages).
Within a node (up to 8 GPUs) the ring runs over NVLink; beyond, every ring crosses InfiniBand, whose
per-GPU bandwidth bounds it. No overlap of the all-reduce with the backward pass is assumed (the
trainer sums after the whole backward pass), and C / N assumes the batch's rows split with no loss of
GEMM efficiency (at 64 GPUs a rank's share of a 1,500-row batch is 23 rows: optimistic).

    python3 scripts/scaling_model.py [--json docs/results/scaling.json]     prints the markdown tables
"""
import argparse
import json
import math

H1 = H2 = 320  # the paper's 320-320-80 VAEs
LATENT = 80
BATCH = 1500
GPUS_PER_NODE = 8

# Measured on one H200, fp32, independent schedule (docs/performance.md, "The GPU"; mvae_bench_cuda
# at 79ceb47): the Pinterest shape's epoch, ours and its GEMMs alone.
MEASURED = {"shape": "pinterest", "users": 55187, "items": 9911, "ours_s": 0.516, "gemm_s": 0.095}

# Link bandwidths per GPU (bus bandwidth a ring achieves) and per-hop latency.
LINKS = {
    "nvlink": {"bandwidth_GBps": 450.0, "latency_us": 5.0,
               "what": "NVLink 4 through NVSwitch (H100/H200 SXM, 900 GB/s bidirectional per GPU)"},
    "infiniband": {"bandwidth_GBps": 50.0, "latency_us": 10.0,
                   "what": "InfiniBand NDR, one 400 Gb/s port per GPU"},
}

SHAPES = [
    {"shape": "pinterest", "users": 55187, "items": 9911},
    {"shape": "synthetic-1M", "users": 1_000_000, "items": 100_000},
]


def vae_parameters(n):
    """Parameters of one VAE whose input and output have n columns (nn/dense.hpp layers)."""
    def dense(i, o):
        return i * o + o
    return (dense(n, H1) + dense(H1, H2) + 2 * dense(H2, LATENT) + dense(LATENT, H2) + dense(H2, H1) + dense(H1, n))


def epoch_gemm_flops(users, items):
    """FLOPs of the two wide layers of both sides over one epoch: forward plus two backward GEMMs
    (input gradient and weight gradient) per layer, 2 · rows · n · h1 each: 12 · rows · n · h1 per
    side, the uVAE's rows being the users and n the items, the iVAE's the transpose."""
    return 2 * 12 * users * items * H1


def allreduce_seconds(n_gpus, nbytes):
    if n_gpus == 1:
        return 0.0
    link = LINKS["nvlink"] if n_gpus <= GPUS_PER_NODE else LINKS["infiniband"]
    bandwidth, latency = link["bandwidth_GBps"] * 1e9, link["latency_us"] * 1e-6
    ring = 2 * (n_gpus - 1) / n_gpus * nbytes / bandwidth + 2 * (n_gpus - 1) * latency
    tree = 2 * nbytes / bandwidth + 2 * math.ceil(math.log2(n_gpus)) * latency  # small messages (NCCL picks)
    return min(ring, tree)


def model(shape, n_gpus_list):
    users, items = shape["users"], shape["items"]
    scale = epoch_gemm_flops(users, items) / epoch_gemm_flops(MEASURED["users"], MEASURED["items"])
    sides = {
        "uVAE": {"steps": math.ceil(users / BATCH), "parameters": vae_parameters(items)},
        "iVAE": {"steps": math.ceil(items / BATCH), "parameters": vae_parameters(users)},
    }
    rows = []
    for kind in ("ours", "gemm", "split"):
        compute = MEASURED["gemm_s" if kind == "split" else f"{kind}_s"] * scale
        for n in n_gpus_list:
            if kind == "split":
                # The way out (not built): each rank holds 1/N of both wide layers (their n rows and
                # columns) and runs every row of the batch: per step, two all-reduces of the batch's
                # b × h1 activations (the first layer's partial sums, the output layer's input
                # gradient) and one of the narrow layers' parameters, whatever n is.
                narrow = vae_parameters(0)
                comm = sum(s["steps"] * (2 * allreduce_seconds(n, 4 * BATCH * H1) + allreduce_seconds(n, 4 * narrow))
                           for s in sides.values())
            else:
                comm = sum(s["steps"] * allreduce_seconds(n, 4 * s["parameters"]) for s in sides.values())
            t = compute / n + comm
            rows.append({"compute": kind, "gpus": n, "epoch_s": t, "compute_s": compute / n, "allreduce_s": comm,
                         "speedup": compute / t, "efficiency": compute / t / n})
    return {"shape": shape["shape"], "users": users, "items": items, "sides": sides,
            "epoch_gemm_tflop": epoch_gemm_flops(users, items) / 1e12,
            "allreduce_bytes_per_epoch": sum(s["steps"] * 4 * s["parameters"] for s in sides.values()),
            "rows": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="also write the model's figures here")
    args = parser.parse_args()
    gpus = [1, 2, 4, 8, 16, 32, 64]
    result = {"assumptions": {"batch": BATCH, "hidden": [H1, H2], "latent": LATENT, "gpus_per_node": GPUS_PER_NODE,
                              "links": LINKS, "measured_one_gpu": MEASURED, "overlap": "none", "precision": "fp32"},
              "shapes": [model(s, gpus) for s in SHAPES]}
    for m in result["shapes"]:
        print(f"### {m['shape']}: {m['users']:,} users × {m['items']:,} items\n")
        for side, s in m["sides"].items():
            print(f"- {side}: {s['parameters'] / 1e6:.1f} M parameters ({4 * s['parameters'] / 1e6:.0f} MB per "
                  f"all-reduce), {s['steps']} steps per epoch")
        print(f"- per epoch: {m['epoch_gemm_tflop']:.1f} TFLOP of GEMMs, "
              f"{m['allreduce_bytes_per_epoch'] / 1e9:.2f} GB all-reduced by every rank\n")
        print("| GPUs | compute per GPU | all-reduce | s/epoch (ours) | speed-up | s/epoch (GEMM floor) | speed-up "
              "| split wide layers: s/epoch (GEMM floor) | speed-up |")
        print("|---|---|---|---|---|---|---|---|---|")
        by = {(r["compute"], r["gpus"]): r for r in m["rows"]}
        for n in gpus:
            o, g, t = by[("ours", n)], by[("gemm", n)], by[("split", n)]
            print(f"| {n} | {o['compute_s']:.3g} s | {o['allreduce_s']:.3g} s | {o['epoch_s']:.3g} | {o['speedup']:.2f} "
                  f"| {g['epoch_s']:.3g} | {g['speedup']:.2f} | {t['epoch_s']:.3g} | {t['speedup']:.2f} |")
        print()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
