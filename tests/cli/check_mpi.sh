#!/usr/bin/env bash
# `mpirun -np 2 mvae train` against `mpirun -np 1` on a small generated data set (issue #17): the
# same loss trajectory and metrics within float tolerance, under both schedules, and only rank 0
# writes (one metrics line on stdout, one history file). Usage: check_mpi.sh MVAE_BINARY MPIEXEC PYTHON
set -euo pipefail
mvae=$1 mpiexec=$2 python=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# CI runs as root in a container: Open MPI refuses root and counts cores unless told.
flags=(--oversubscribe --bind-to none)
if [[ $(id -u) -eq 0 ]]; then flags+=(--allow-run-as-root); fi
export OMPI_MCA_btl=self,vader OMPI_MCA_plm_rsh_agent=false  # one node: no ssh, shared memory only

"$mvae" generate --out "$work/data" --users 400 --items 150 --seed 3 2>/dev/null
for schedule in independent paired; do
  for np in 1 2; do
    "$mpiexec" "${flags[@]}" -np "$np" "$mvae" train --data "$work/data" --schedule "$schedule" --epochs 4 --batch 64 \
      --hidden 32 --latent 8 --rank 8 --eval-every 1 --select-on-validation --seed 5 --threads 1 \
      --history-json "$work/$schedule-$np.json" >"$work/$schedule-$np.out" 2>"$work/$schedule-$np.log" \
      || fail "$schedule, -np $np: exit $?; log: $(tail -5 "$work/$schedule-$np.log")"
    lines=$(wc -l <"$work/$schedule-$np.out")
    ((lines == 1)) || fail "$schedule, -np $np: $lines lines on stdout (only rank 0 prints the metrics)"
  done
  grep -q "ranks: 2 (mpi)" "$work/$schedule-2.log" || fail "$schedule: the 2-rank log does not say it ran on 2 MPI ranks"
  "$python" - "$work/$schedule-1.json" "$work/$schedule-2.json" "$schedule" <<'PY' || fail "$schedule: 2 ranks differ from 1"
import json, sys
one, two, schedule = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def close(a, b, rel, what):
    if abs(a - b) > rel * max(abs(a), abs(b), 1e-12):
        sys.exit(f"{schedule}: {what}: 1 rank {a!r}, 2 ranks {b!r}")
for e1, e2 in zip(one["epochs"], two["epochs"], strict=True):
    for key in ("user_loss", "item_loss", "user_kl", "item_kl"):
        close(e1[key], e2[key], 1e-4, f"epoch {e1['epoch']} {key}")
    close(e1["validation"]["ndcg"]["10"], e2["validation"]["ndcg"]["10"], 1e-3, f"epoch {e1['epoch']} validation NDCG@10")
if one["selected_epoch"] != two["selected_epoch"]:
    sys.exit(f"{schedule}: selected epoch {one['selected_epoch']} vs {two['selected_epoch']}")
for k in ("1", "5", "10"):
    close(one["test_selected"]["ndcg"][k], two["test_selected"]["ndcg"][k], 1e-3, f"test NDCG@{k}")
print(f"{schedule}: 2 ranks match 1 rank ({len(one['epochs'])} epochs)")
PY
done
echo "mpi: 1 and 2 ranks agree"
