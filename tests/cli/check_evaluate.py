"""End-to-end check of `mvae evaluate` against the independent numpy reference (reference_eval.py).

    python3 check_evaluate.py PATH/TO/mvae

For several seeds it writes random JCA-style CSVs (1-based, header userId,itemId, duplicate rows,
users without test items, test items that are also training items) and random score matrices with
many ties (few distinct values, some -inf) as float32 and float64 .npy files, runs
`mvae evaluate`, and requires every metric to agree with the reference to 1e-6 and
users_evaluated to be equal. Then it checks that malformed inputs make mvae exit non-zero with an
error on stderr that names the problem. Exits 77 (ctest: skipped) when numpy is unavailable.
"""

import json
import os
import subprocess
import sys
import tempfile

SKIP = 77

try:
    import numpy as np
except ImportError:
    print("check_evaluate.py: numpy is not available to " + sys.executable + "; skipping")
    sys.exit(SKIP)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_eval  # noqa: E402

TOLERANCE = 1e-6
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def write_csv(path, pairs):
    with open(path, "w") as f:
        f.write("userId,itemId\n")
        for u, i in pairs:
            f.write("%d,%d\n" % (u + 1, i + 1))


def make_case(rng, n_users, n_items):
    """Random 0-based train/test pair lists (with duplicate rows) and the scores as float64."""
    train, test = [], []
    for u in range(n_users):
        n_train = int(rng.integers(0, max(2, n_items * 3 // 4)))
        items = list(rng.choice(n_items, size=n_train, replace=False)) if n_train else []
        train += [(u, int(i)) for i in items]
        if items and rng.random() < 0.3:
            train.append((u, int(items[0])))  # a duplicate row
        if rng.random() < 0.2:
            continue  # no test items for this user
        n_test = int(rng.integers(1, max(2, n_items // 3)))
        test_items = set(int(i) for i in rng.choice(n_items, size=n_test, replace=False))
        if items and rng.random() < 0.5:
            test_items.add(int(items[-1]))  # a test item that is also a training item
        test += [(u, i) for i in sorted(test_items)]
        if rng.random() < 0.2:
            test.append((u, min(test_items)))  # a duplicate row
    # The largest ids occur, so the CSVs need the full shape.
    train.append((n_users - 1, n_items - 1))
    order = rng.permutation(len(train))
    train = [train[k] for k in order]

    levels = int(rng.integers(2, 7))
    scores = rng.integers(0, levels, size=(n_users, n_items)) / float(levels)
    scores[rng.random((n_users, n_items)) < 0.05] = -np.inf
    if rng.random() < 0.5:
        scores[rng.random((n_users, n_items)) < 0.02] = np.inf
    return train, test, scores


def run_mvae(mvae, args):
    proc = subprocess.run([mvae, "evaluate"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def compare(label, mvae, train_csv, test_csv, npy, scores, train, test, ks, f1_mode, threads):
    args = ["--train", train_csv, "--test", test_csv, "--scores", npy, "--k", ",".join(map(str, ks)),
            "--f1", f1_mode, "--threads", str(threads)]
    rc, out, err = run_mvae(mvae, args)
    if rc != 0:
        fail("%s: mvae exited %d: %s" % (label, rc, err.strip()))
        return
    lines = out.strip().splitlines()
    if len(lines) != 1:
        fail("%s: expected one line of JSON, got %r" % (label, out))
        return
    got = json.loads(lines[0])
    evaluated, expected = reference_eval.evaluate(set(train), set(test), scores, ks, f1_mode)
    if list(got.keys()) != ["users_evaluated", "precision", "recall", "f1", "ndcg"]:
        fail("%s: unexpected keys %s" % (label, list(got.keys())))
    if got.get("users_evaluated") != evaluated:
        fail("%s: users_evaluated %s, reference %d" % (label, got.get("users_evaluated"), evaluated))
    for name in ("precision", "recall", "f1", "ndcg"):
        values = got.get(name, {})
        if list(values.keys()) != [str(k) for k in ks]:
            fail("%s: %s keys %s, expected %s" % (label, name, list(values.keys()), ks))
            continue
        for j, k in enumerate(ks):
            if abs(values[str(k)] - expected[name][j]) > TOLERANCE:
                fail("%s: %s@%d = %.12g, reference %.12g" % (label, name, k, values[str(k)], expected[name][j]))
    return expected


def expect_error(label, mvae, args, *needles):
    rc, out, err = run_mvae(mvae, args)
    if rc == 0:
        fail("%s: mvae succeeded (stdout %r); expected an error" % (label, out.strip()))
        return
    for needle in needles:
        if needle.lower() not in err.lower():
            fail("%s: stderr does not mention %r: %r" % (label, needle, err.strip()))
    print("ok   %s: exit %d, %s" % (label, rc, err.strip().splitlines()[-1] if err.strip() else "(no stderr)"))


def main():
    if len(sys.argv) != 2:
        print("usage: check_evaluate.py PATH/TO/mvae")
        return 2
    mvae = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="mvae_check_evaluate_") as tmp:
        nontrivial = 0
        for seed in range(6):
            rng = np.random.default_rng(1000 + seed)
            n_users = int(rng.integers(15, 60))
            n_items = int(rng.integers(6, 40))  # few items: some users have fewer than 10 candidates
            train, test, scores = make_case(rng, n_users, n_items)
            train_csv = os.path.join(tmp, "train%d.csv" % seed)
            test_csv = os.path.join(tmp, "test%d.csv" % seed)
            write_csv(train_csv, train)
            write_csv(test_csv, test)
            ks = [1, 5, 10] if seed % 2 == 0 else [7, 1, 3]
            f1_mode = "of-averages" if seed % 3 != 2 else "per-user"
            for dtype in (np.float32, np.float64):
                typed = scores.astype(dtype)
                npy = os.path.join(tmp, "scores%d_%s.npy" % (seed, np.dtype(dtype).name))
                np.save(npy, typed)
                label = "seed %d, %s, k=%s, %s" % (seed, np.dtype(dtype).name, ks, f1_mode)
                expected = compare(label, mvae, train_csv, test_csv, npy, typed, train, test, ks, f1_mode,
                                   1 + seed % 2)
                if expected is not None and max(expected["ndcg"]) > 0 and max(expected["recall"]) > 0:
                    nontrivial += 1
                print("ok   " + label)
        if nontrivial < 10:
            fail("only %d comparisons had non-zero metrics; the check is too weak" % nontrivial)

        # --- malformed inputs -----------------------------------------------------------------
        rng = np.random.default_rng(7)
        train, test, scores = make_case(rng, 12, 9)
        train_csv = os.path.join(tmp, "train.csv")
        test_csv = os.path.join(tmp, "test.csv")
        write_csv(train_csv, train)
        write_csv(test_csv, test)
        good = os.path.join(tmp, "good.npy")
        np.save(good, scores.astype(np.float32))

        def with_scores(path, *extra):
            return ["--train", train_csv, "--test", test_csv, "--scores", path] + list(extra)

        rc, out, err = run_mvae(mvae, with_scores(good))
        if rc != 0:
            fail("the well-formed negative-case baseline failed: " + err.strip())

        bad_magic = os.path.join(tmp, "bad_magic.npy")
        with open(good, "rb") as f:
            data = bytearray(f.read())
        data[1:6] = b"NOPE!"
        with open(bad_magic, "wb") as f:
            f.write(bytes(data))
        expect_error("bad magic", mvae, with_scores(bad_magic), "magic", "bad_magic.npy")

        fortran = os.path.join(tmp, "fortran.npy")
        np.save(fortran, np.asfortranarray(scores))
        expect_error("Fortran order", mvae, with_scores(fortran), "Fortran-order", "np.ascontiguousarray")

        int32 = os.path.join(tmp, "int32.npy")
        np.save(int32, np.arange(scores.size, dtype=np.int32).reshape(scores.shape))
        expect_error("int32 dtype", mvae, with_scores(int32), "unsupported dtype", "<i4")

        truncated = os.path.join(tmp, "truncated.npy")
        with open(good, "rb") as f:
            full = f.read()
        with open(truncated, "wb") as f:
            f.write(full[:-7])
        expect_error("truncated data", mvae, with_scores(truncated), "truncated", "found")

        too_few_users = os.path.join(tmp, "too_few_users.npy")
        np.save(too_few_users, scores[:-1].astype(np.float32))
        expect_error("fewer users than the CSV ids", mvae, with_scores(too_few_users), "out of range", "userId")

        too_few_items = os.path.join(tmp, "too_few_items.npy")
        np.save(too_few_items, scores[:, :-1].astype(np.float64))
        expect_error("fewer items than the CSV ids", mvae, with_scores(too_few_items), "out of range", "itemId")

        one_d = os.path.join(tmp, "one_d.npy")
        np.save(one_d, scores[0].astype(np.float32))
        expect_error("a 1-D array", mvae, with_scores(one_d), "2-D")

        nan_scores = scores.astype(np.float32)
        test_users = sorted(set(u for u, _ in test))
        nan_scores[test_users[0], :] = np.nan
        nan_path = os.path.join(tmp, "nan.npy")
        np.save(nan_path, nan_scores)
        expect_error("NaN score", mvae, with_scores(nan_path), "NaN", "user %d" % test_users[0])

        expect_error("--k 0", mvae, with_scores(good, "--k", "1,0"), "--k")
        expect_error("--k a", mvae, with_scores(good, "--k", "a"), "--k")
        expect_error("--f1 bad", mvae, with_scores(good, "--f1", "harmonic"), "--f1")
        expect_error("missing test file", mvae,
                     ["--train", train_csv, "--test", os.path.join(tmp, "absent.csv"), "--scores", good], "absent.csv")

    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
