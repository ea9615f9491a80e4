#!/usr/bin/env bash
# The unit and integration suites under sanitizers, each in its own build directory:
#   asan: AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer, built with clang
#         (build-asan): CI's clang build, warnings as errors, assertions on;
#   tsan: ThreadSanitizer, built with GCC (build-tsan), assertions on.
# With the Release build of ops/test.sh (GCC) every file is compiled by both compilers.
# Any report fails: the test binaries stop at the first one, and servers the integration tests
# start write theirs to files the test checks (tests/support/server_process.hpp).
# Usage: ops/test-sanitizers.sh asan|tsan [extra ctest args]. Suppressions: tests/sanitizers/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
mode=${1:?usage: ops/test-sanitizers.sh asan|tsan}
shift
case "$mode" in
  asan) sanitize=address,undefined build_dir=${ASAN_BUILD_DIR:-build-asan} cxx=${ASAN_CXX:-clang++} ;;
  tsan) sanitize=thread build_dir=${TSAN_BUILD_DIR:-build-tsan} cxx=${TSAN_CXX:-g++} ;;
  *) echo "unknown mode $mode (asan|tsan)" >&2; exit 2 ;;
esac
if [ "${CI:-}" = "true" ]; then export CCACHE_DISABLE=1; fi

# -O1 with line tables only: what the sanitizers recommend, and it builds much faster than -O2 -g
# on the 2 CI cores; assertions stay on.
# CINESTREAM_ASAN_FUZZERS=1 (ops/test.sh in CI) builds the libFuzzer targets in the same clang
# ASan+UBSan tree, so tests/fuzz/run.sh reuses it instead of compiling everything a fourth time;
# the coverage instrumentation this adds to the suites only makes them a little slower.
fuzz=OFF targets=(cinestream cinestream_unit_tests cinestream_integration_tests)
if [ "$mode" = asan ] && [ "${CINESTREAM_ASAN_FUZZERS:-0}" = 1 ]; then fuzz=ON targets+=(fuzzers); fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DCINESTREAM_FUZZ="$fuzz" \
  -DCINESTREAM_SANITIZE="$sanitize" -DCINESTREAM_WERROR=ON >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)" --target "${targets[@]}"

supp=$repo/tests/sanitizers
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:suppressions=$supp/asan.supp"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$supp/tsan.supp"

run_ctest=(ctest --test-dir "$build_dir" -L 'unit|integration' --output-on-failure
           --parallel "$(nproc)" --timeout 600 "$@")
if [ "$mode" = tsan ] && ! "$build_dir/cinestream" --version >/dev/null 2>&1; then
  # TSan needs a memory layout some kernels' address randomisation breaks: run without it.
  echo "tsan: the binary does not start with ASLR on; running the suite under setarch -R" >&2
  run_ctest=(setarch "$(uname -m)" -R "${run_ctest[@]}")
fi
"${run_ctest[@]}"
