#!/usr/bin/env bash
# Installs what building and testing mvae needs, from Debian's packages, idempotently:
# packages already present are left alone, and `apt-get update` runs (once) only when one is missing.
#   bash scripts/bootstrap.sh            the build, tests and main job
#   bash scripts/bootstrap.sh --peers    also PyTorch (python3-torch), for the peer benchmarks
#   bash scripts/bootstrap.sh --charts   also matplotlib (python3-matplotlib), for the comparison charts
#   bash scripts/bootstrap.sh --fuzz     also clang and libFuzzer (libclang-rt-dev), for scripts/fuzz.sh
#   bash scripts/bootstrap.sh --mpi      also Open MPI (libopenmpi-dev, openmpi-bin): mpirun -np N mvae train
set -euo pipefail

packages=(
  build-essential cmake                 # compiler and build system
  libeigen3-dev                         # Eigen 3.4: the CPU backend
  libopenblas-dev                       # OpenBLAS: the CPU backend's GEMM (MVAE_CPU_GEMM=OpenBLAS)
  catch2                                # Catch2 2.13: the tests
  libbenchmark-dev                      # Google Benchmark: the benchmarks
  libcli11-dev nlohmann-json3-dev       # the mvae command line
  python3 python3-numpy                 # the independent reference of the evaluation protocol
)
for option in "$@"; do
  case $option in
    --peers) packages+=(python3-torch) ;;        # benchmarks/peers: the PyTorch implementation of the same model
    --charts) packages+=(python3-matplotlib) ;;  # scripts/compare_chart.py
    # scripts/fuzz.sh: clang, and libclang_rt.fuzzer-x86_64.a (libFuzzer) for Debian's default clang,
    # which libclang-rt-dev pulls in (on Debian 12: libclang-rt-14-dev, for clang 14)
    --fuzz) packages+=(clang libclang-rt-dev) ;;
    --mpi) packages+=(libopenmpi-dev openmpi-bin) ;;  # MVAE_ENABLE_MPI: the data-parallel build and its tests
    *) echo "bootstrap: unknown option $option (expected --peers, --charts, --fuzz or --mpi)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
