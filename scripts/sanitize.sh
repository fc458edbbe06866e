#!/usr/bin/env bash
# Builds the test suite and the mvae program with sanitizers and runs the tests.
#   bash scripts/sanitize.sh            AddressSanitizer + UndefinedBehaviorSanitizer, every test
#   bash scripts/sanitize.sh ci         the same sanitizers over what reads untrusted input and what
#                                       writes files: every parser over its fuzz corpus
#                                       (fuzz.replay.*) and the mvae program end to end (train,
#                                       save, recommend, bad inputs, evaluate); about 8 minutes on 2 cores; scripts/run-tests.sh
#                                       (the README's test command, hence CI) runs it last
#   bash scripts/sanitize.sh thread     ThreadSanitizer, the concurrency tests ([threads])
# Any report fails the run (halt_on_error). Build folder: build/sanitize-<mode>. About 27 minutes
# on 2 cores for the address mode (20 of them building), too long for CI beside the default build.
# CUDA is off (the GPU side has compute-sanitizer in scripts/gpu-check.sh). Under TSan, OpenMP runs
# one thread: libgomp is not instrumented, and its barriers would be reported as races that are not.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-address}
asan="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
optimize="-O2 -g"
targets=(mvae_tests mvae_shared_tests mvae_cli mvae_custom_completer mvae_fuzz_replay)
case $mode in
  address) flags=$asan ;;
  ci) flags=$asan; optimize="-O1 -g1"; targets=(mvae_cli mvae_fuzz_replay) ;;  # -O1: half the build time
  thread) flags="-fsanitize=thread" ;;
  *) echo "sanitize: unknown mode $mode (expected address, ci or thread)" >&2; exit 2 ;;
esac
build=$root/build/sanitize-$mode
bash "$root/scripts/bootstrap.sh" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$optimize -DNDEBUG" -DCMAKE_EXE_LINKER_FLAGS="$flags" -DMVAE_ENABLE_CUDA=OFF \
  -DMVAE_BUILD_TESTS=ON -DMVAE_BUILD_EXAMPLES=ON -DMVAE_BUILD_BENCHMARKS=OFF -DMVAE_NATIVE_ARCH=OFF >&2
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >&2
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
if [[ $mode == thread ]]; then
  # The GEMM-split tests set several OpenMP threads themselves: libgomp is not instrumented, so TSan
  # takes a stack slot reused after its (invisible) join for a race. They check bit-equality across
  # thread counts in every other build.
  OMP_NUM_THREADS=1 ctest --test-dir "$build" --output-on-failure -R "threads" -E "GEMM split across threads"
elif [[ $mode == ci ]]; then
  ctest --test-dir "$build" --output-on-failure -j "$(nproc)" \
    -R "^fuzz\.replay\.|^cli\.(train_and_recommend|evaluate_matches_reference)$"
else
  # package.* builds consumers of the installed headers with their own flags: not this build's.
  # cli.golden_yelp compares metrics bit for bit with the default build's (Release, -march=native):
  # other code generation (no FMA, sanitizer instrumentation) moves them in the last digits.
  ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -E "^package\.|^cli\.golden_yelp$"
fi
