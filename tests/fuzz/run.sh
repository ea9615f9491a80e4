#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a short time from its
# committed corpus. New interesting inputs go to a temporary directory, never into the repository
# (FUZZ_KEEP=dir keeps them there, e.g. to add some to tests/fuzz/corpus by hand).
# Fails on any crash, leak, sanitizer report or broken invariant; prints executions, exec/s and
# coverage per target. Usage: tests/fuzz/run.sh [seconds-per-target] [target...]
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (build parallelism, default nproc).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
seconds=${1:-30}
shift || true
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
if [ "${CI:-}" = "true" ]; then export CCACHE_DISABLE=1; fi

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found (ops/install-deps.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi
# A tree already configured for fuzzing (ops/test-sanitizers.sh asan with CINESTREAM_ASAN_FUZZERS=1)
# is used as it is; otherwise a fuzz-only tree is configured.
if ! grep -q '^CINESTREAM_FUZZ:BOOL=ON$' "$build_dir/CMakeCache.txt" 2>/dev/null; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCINESTREAM_FUZZ=ON -DCINESTREAM_SANITIZE=address,undefined \
    -DCINESTREAM_BUILD_TESTS=OFF -DCINESTREAM_WERROR=ON >/dev/null
fi
cmake --build "$build_dir" --target fuzzers --parallel "${FUZZ_JOBS:-$(nproc)}"

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

work=$(mktemp -d /tmp/cinestream-fuzz.XXXXXX)
if [ -z "${FUZZ_KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; else work=$FUZZ_KEEP; mkdir -p "$work"; fi
# Sanitizer reports end the run with an error (the fuzzer's own exit status then tells us).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
printf '%-24s %10s %8s %6s %6s %7s\n' target execs exec/s cov ft corpus >"$work/summary"
for t in "${targets[@]}"; do
  bin="$build_dir/tests/fuzz/$t"
  corpus="$repo/tests/fuzz/corpus/$t"
  mkdir -p "$work/$t" "$work/$t.artifacts"
  echo "fuzz: $t for ${seconds}s"
  status=0
  # The first directory receives new inputs; the committed corpus is only read.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$work/$t.artifacts/" \
    "$work/$t" "$corpus" >"$work/$t.log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$work/$t.log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  size=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  printf '%-24s %10s %8s %6s %6s %7s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "${size:-?}" >>"$work/summary"
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $status); the input is kept in tests/fuzz/crashes/$t:" >&2
    tail -n 60 "$work/$t.log" >&2
    mkdir -p "$repo/tests/fuzz/crashes/$t"
    cp "$work/$t.artifacts/"* "$repo/tests/fuzz/crashes/$t/" 2>/dev/null || true
    failed+=("$t")
  fi
done
cat "$work/summary"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]} (reproduce: $build_dir/tests/fuzz/<target> <input>)" >&2
  exit 1
fi
