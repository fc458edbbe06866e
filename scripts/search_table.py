#!/usr/bin/env python3
"""Prints the Markdown table of a validation search (scripts/yelp-search.sh) from its history files.

    python3 scripts/search_table.py docs/results/yelp-search

Only validation figures are read: the search's runs never see the test split.
"""
import json
import pathlib
import sys


def main() -> int:
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs/results/yelp-search")
    rows = []
    for path in sorted(folder.glob("*-history.json")):
        h = json.loads(path.read_text())
        name = path.name[: -len("-history.json")]
        log = folder / f"{name}.log"
        flags = log.read_text().splitlines()[0].split("--seed", 1)[1].split(None, 3)[3:] if log.exists() else []
        best = h["selected_validation_ndcg"]
        parts = h.get("part_epochs") or []
        mix = h.get("mix") or {}
        seconds = [e["seconds"] for e in h["epochs"]]
        median = sorted(seconds)[len(seconds) // 2] if seconds else float("nan")
        # Each side alone: its best validation NDCG@10 over the evaluated epochs.
        curves = [e["part_validation_ndcg"] for e in h["epochs"] if e.get("part_validation_ndcg")]
        sides = [max(c[k] for c in curves) for k in range(len(curves[0]))] if curves else []
        rows.append((best, name, " ".join(flags) or "(default)", parts, mix, sides, median, h["total_seconds"] / 60))
    print("| run | options | vali NDCG@10 | uVAE alone | iVAE alone | epochs (uVAE, iVAE) | fusion | s/epoch | minutes |")
    print("|---|---|---|---|---|---|---|---|---|")
    for best, name, flags, parts, mix, sides, median, minutes in sorted(rows, reverse=True):
        fusion = f"{mix.get('fusion', '')} α={mix.get('alpha', '')}" if mix else ""
        alone = " | ".join(f"{v:.4f}" for v in sides) if len(sides) == 2 else " | "
        print(f"| {name} | `{flags}` | {best:.4f} | {alone} | {', '.join(map(str, parts))} | {fusion} | {median:.1f} "
              f"| {minutes:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
