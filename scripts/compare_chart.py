#!/usr/bin/env python3
"""Draws the chart of an `mvae compare` result: PREFIX.json -> PREFIX.png.

    python3 scripts/compare_chart.py PREFIX.json [OUT.png] [--k K]

One panel per protocol. A data set with one task (Yelp, Coat) gets bars: NDCG@K of each model,
mean over seeds with the standard deviation as error bars. The simulator (one task per exposure
bias strength) gets lines: NDCG@K on the unexposed items against the strength, one line per model.
Needs matplotlib (bash scripts/bootstrap.sh --charts installs python3-matplotlib).
"""
import argparse
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def mean_std(values):
    if len(values) < 2:
        return values[0], 0.0
    return statistics.mean(values), statistics.stdev(values)


def ndcg_of(model, protocol, k):
    return [run["metrics"][protocol]["ndcg"][str(k)] for run in model["runs"]]


def label_of(model):
    """The table's label: name, the settings given by --set, the chosen variant."""
    label = model["name"]
    if "overrides" in model:
        label += " [" + ", ".join(f"{k}={v}" for k, v in model["overrides"].items()) + "]"
    return label + (f" ({model['variant']})" if "variant" in model else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--k", type=int, help="the cut-off (default: the largest in the file)")
    args = parser.parse_args()
    with open(args.json) as f:
        result = json.load(f)
    k = args.k or max(result["ks"])
    out = args.out or (args.json[:-5] if args.json.endswith(".json") else args.json) + ".png"
    tasks = result["tasks"]
    protocols = tasks[0]["protocols"]
    fig, axes = plt.subplots(1, len(protocols), figsize=(6.5 * len(protocols), 4.2), squeeze=False)
    for ax, protocol in zip(axes[0], protocols):
        if len(tasks) > 1:  # the simulator: metric against the exposure-bias strength
            strengths = [float(t["name"].split()[-1]) for t in tasks]
            for m, model in enumerate(tasks[0]["models"]):
                stats = [mean_std(ndcg_of(t["models"][m], protocol, k)) for t in tasks]
                ax.errorbar(strengths, [s[0] for s in stats], yerr=[s[1] for s in stats], marker="o",
                            capsize=3, label=model["name"])
            ax.set_xlabel("exposure bias strength β (0: random exposure)")
            ax.legend(fontsize=8, ncol=2)
        else:
            models = tasks[0]["models"]
            stats = [mean_std(ndcg_of(m, protocol, k)) for m in models]
            x = range(len(models))
            ax.bar(x, [s[0] for s in stats], yerr=[s[1] for s in stats], capsize=3, color="tab:blue")
            ax.set_xticks(list(x))
            ax.set_xticklabels([label_of(m) for m in models], rotation=35, ha="right", fontsize=8)
            low = min(s[0] - s[1] for s in stats)
            ax.set_ylim(bottom=max(0.0, low * 0.9))
        ax.set_ylabel(f"NDCG@{k}")
        ax.set_title(protocol, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    seeds = result["seeds"]
    fig.suptitle(f"mvae compare: {result['data']} ({result['kind']}), mean ± std over {seeds} seed(s)", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
