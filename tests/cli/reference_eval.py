"""An independent reference implementation of mvae's evaluation protocol (docs/evaluation.md).

Written from the protocol's text with numpy, not from the C++ code, so that `mvae evaluate` can be
checked against it:

* every user with at least one test item is evaluated; the others are skipped and not counted;
* the candidates of a user are all items that are not among the user's training items;
* candidates are ranked by score, descending; equal scores rank by item index, ascending;
* with hits@K the number of the first K ranked items that are test items of the user (a list
  shorter than K has misses in the missing positions) and T the user's distinct test items
  (including test items that are also training items, which can never be hit):
    precision@K = hits@K / K,  recall@K = hits@K / |T|,
    NDCG@K = sum_{r=1..K} hit_r / log2(r + 1)  /  sum_{r=1..min(|T|, K)} 1 / log2(r + 1);
* metrics are averaged over the evaluated users; F1@K = 2PR/(P+R) of the averaged P and R
  ("of-averages") or the average of per-user F1 ("per-user"), 0 when P + R = 0.

Usable as a module (load_pairs, evaluate) or as a script printing the same JSON as mvae:
    python3 reference_eval.py TRAIN.csv TEST.csv SCORES.npy [1,5,10] [of-averages|per-user]
"""

import csv
import json
import math
import sys

import numpy as np


def load_pairs(path):
    """Reads a JCA CSV (header userId,itemId; 1-based ids) as a set of 0-based (user, item) pairs."""
    pairs = set()
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        assert header[0].strip() == "userId", header
        for row in rows:
            if not row:
                continue
            pairs.add((int(row[0]) - 1, int(row[1]) - 1))
    return pairs


def rank_user(scores_row, train_items):
    """All candidate items of one user, best first (score descending, then index ascending)."""
    n_items = scores_row.shape[0]
    keep = np.ones(n_items, dtype=bool)
    if train_items:
        keep[np.fromiter(train_items, dtype=np.int64)] = False
    candidates = np.nonzero(keep)[0]
    cand_scores = scores_row[candidates]
    # np.lexsort sorts by the LAST key first: primary key -score (descending score), secondary the
    # item index (ascending). -inf scores become +inf and sort last.
    order = np.lexsort((candidates, -cand_scores))
    return candidates[order]


def evaluate(train_pairs, test_pairs, scores, ks, f1_mode="of-averages"):
    """Returns (users_evaluated, {metric: [value per k]}) for a users x items score array."""
    n_users = scores.shape[0]
    train_by_user = [set() for _ in range(n_users)]
    test_by_user = [set() for _ in range(n_users)]
    for u, i in train_pairs:
        train_by_user[u].add(i)
    for u, i in test_pairs:
        test_by_user[u].add(i)

    sums = {name: np.zeros(len(ks)) for name in ("precision", "recall", "f1", "ndcg")}
    evaluated = 0
    for u in range(n_users):
        relevant = test_by_user[u]
        if not relevant:
            continue
        evaluated += 1
        ranking = rank_user(scores[u], train_by_user[u])
        for j, k in enumerate(ks):
            top = ranking[:k]
            hit_flags = [1.0 if int(item) in relevant else 0.0 for item in top]
            hits = sum(hit_flags)
            dcg = sum(flag / math.log2(r + 2) for r, flag in enumerate(hit_flags))
            idcg = sum(1.0 / math.log2(r + 2) for r in range(min(len(relevant), k)))
            p = hits / k
            r = hits / len(relevant)
            sums["precision"][j] += p
            sums["recall"][j] += r
            sums["f1"][j] += 2 * p * r / (p + r) if p + r > 0 else 0.0
            sums["ndcg"][j] += dcg / idcg

    n = max(evaluated, 1)
    avg = {name: values / n for name, values in sums.items()}
    if f1_mode == "of-averages":
        p, r = avg["precision"], avg["recall"]
        avg["f1"] = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
    elif f1_mode != "per-user":
        raise ValueError("unknown F1 mode " + f1_mode)
    return evaluated, {name: [float(v) for v in values] for name, values in avg.items()}


def main(argv):
    train, test, scores_path = argv[1], argv[2], argv[3]
    ks = [int(k) for k in (argv[4] if len(argv) > 4 else "1,5,10").split(",")]
    mode = argv[5] if len(argv) > 5 else "of-averages"
    scores = np.load(scores_path)
    evaluated, metrics = evaluate(load_pairs(train), load_pairs(test), scores, ks, mode)
    out = {"users_evaluated": evaluated}
    for name in ("precision", "recall", "f1", "ndcg"):
        out[name] = {str(k): v for k, v in zip(ks, metrics[name])}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
