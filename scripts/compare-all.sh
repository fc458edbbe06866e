#!/usr/bin/env bash
# Runs `mvae compare` on Yelp, Coat and the simulator (issue #7) and draws the charts:
# docs/results/compare-{yelp,coat,synthetic}.{md,json,png} and a log beside each.
#
#   bash scripts/compare-all.sh [yelp] [coat] [synthetic]     (default: all three)
#
# Every model of the registry, 3 seeds. Times on the 2-core machine: Coat ≈ 15 s, the simulator
# (4 exposure strengths, 2000 users × 1000 items) ≈ 15 min, Yelp ≈ 1.5–2 hours.
# On Yelp the MVAE family (mvae and its two sides alone) uses the completion rank chosen on Yelp's
# validation split (issue #16, scripts/yelp-search.sh: 400; MVAE_YELP_RANK overrides); elsewhere
# every model keeps the registry's settings.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"  # relative paths in the outputs: the tables name ../shared/data/…, not this machine's folders
shared=${MVAE_SHARED:-../shared}
out=${MVAE_RESULTS:-$root/docs/results}
build=${MVAE_BUILD_DIR:-$root/build/main}
seeds=${MVAE_SEEDS:-3}
threads=${MVAE_THREADS:-2}
yelp_rank=${MVAE_YELP_RANK:-400}

bash "$root/scripts/bootstrap.sh" --charts >/dev/null
bash "$root/scripts/build-cli.sh" "$build"
mvae=$(mktemp /tmp/mvae-compare.XXXXXX)  # a private copy: a rebuild cannot touch a running binary
cp "$build/examples/mvae" "$mvae"
chmod +x "$mvae"
trap 'rm -f "$mvae"' EXIT
mkdir -p "$out"
# The Debian interpreter has python3-matplotlib; a python3 found first on PATH (pyenv, a venv) may not.
py=python3
python3 -c 'import matplotlib' 2>/dev/null || py=/usr/bin/python3

run() {  # name, then the --data argument and any options
  local name=$1
  shift
  echo "compare-all: $name (log: $out/compare-$name.log)"
  "$mvae" compare --data "$@" --seeds "$seeds" --threads "$threads" --out "$out/compare-$name" \
    >/dev/null 2>"$out/compare-$name.log"
  "$py" "$root/scripts/compare_chart.py" "$out/compare-$name.json" "$out/compare-$name.png"
}

targets=("$@")
((${#targets[@]})) || targets=(coat synthetic yelp)
for t in "${targets[@]}"; do
  case $t in
    yelp) run yelp "$shared/data/yelp" --set "mvae,uvae,ivae.rank=$yelp_rank" ;;
    coat) run coat "$shared/data/coat" ;;
    synthetic) run synthetic synthetic --exposure-bias 0,1,2,3 ;;
    *) echo "compare-all: unknown target $t (expected yelp, coat or synthetic)" >&2; exit 2 ;;
  esac
done
