#!/usr/bin/env python3
"""Prints docs/results.md's table of an `mvae compare` result on a JCA split (Yelp).

    python3 scripts/compare_table.py docs/results/compare-yelp.json

One row per model: the epochs chosen per seed (MVAE: uVAE/iVAE epochs, each side its own), the
fusion chosen on validation, validation NDCG@10 and the test metrics F1@1/5/10, NDCG@1/5/10 as
mean ± standard deviation over seeds, and the median seconds of one seed's selection and refit.
"""
import argparse
import json
import statistics

METRICS = [(m, k) for m in ("f1", "ndcg") for k in ("1", "5", "10")]


def mean_std(values):
    if len(values) < 2:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def epochs_of(run):
    if "part_epochs" in run:
        return "/".join(str(e) for e in run["part_epochs"])
    return str(run["epochs"]) if "epochs" in run else "—"


def mix_of(runs):
    mixes = [f"{r['mix']['fusion']} α={r['mix']['alpha']:g}" for r in runs if "mix" in r]
    return ", ".join(mixes) if mixes else "—"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json")
    args = parser.parse_args()
    with open(args.json) as f:
        result = json.load(f)
    task = result["tasks"][0]
    protocol = task["protocols"][0]
    print("| model | epochs | fusion | vali NDCG@10 | " + " | ".join(f"{m.upper() if m == 'f1' else 'NDCG'}@{k}" for m, k in METRICS)
          + " | s/run |")
    print("|---" * (5 + len(METRICS)) + "|")
    for model in task["models"]:
        runs = model["runs"]
        label = model["name"]
        if "overrides" in model:
            label += " [" + ", ".join(f"{k}={v}" for k, v in model["overrides"].items()) + "]"
        if "variant" in model:
            label += f" ({model['variant']})"
        selected = [r for r in runs if "validation_ndcg" in r]
        vali = mean_std([r["validation_ndcg"] for r in selected]) if selected else "—"
        if not selected and "variant_validation" in model:
            vali = f"{model['variant_validation'][model['variant']]:.4f}"
        cells = [mean_std([r["metrics"][protocol][m][k] for r in runs]) for m, k in METRICS]
        seconds = statistics.median(r["seconds"] for r in runs)
        print(f"| {label} | {','.join(epochs_of(r) for r in runs) if selected else '—'} | {mix_of(runs)} | {vali} | "
              + " | ".join(cells) + f" | {seconds:.0f} |")


if __name__ == "__main__":
    main()
