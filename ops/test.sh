#!/usr/bin/env bash
# Every test on a fresh Debian 12 machine: install what is needed, build with warnings as errors,
# check formatting, run the whole suite (through ctest), then the sanitizer suites and the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage prints how long it took (CI must stay well under an hour on 2 cores).
stage_start=$SECONDS
stage() { echo "== ${1}: $((SECONDS - stage_start)) s (total ${SECONDS} s)"; stage_start=$SECONDS; }
bash ops/install-deps.sh
stage "install"
# CI builds the plain Release configuration (-O3), the one whose GCC 12 warnings differ from -O2,
# so `cmake -DCMAKE_BUILD_TYPE=Release` with warnings as errors stays green at no extra build.
# Locally the build type stays ops/build.sh's (RelWithDebInfo) unless BUILD_TYPE says otherwise.
if [ "${CI:-}" = "true" ]; then export BUILD_TYPE=${BUILD_TYPE:-Release}; fi
bash ops/build.sh -DCINESTREAM_WERROR=ON
stage "release build"
bash ops/check-format.sh
# The MongoDB store cases must run here (against the test peer), not be skipped for want of it.
CINESTREAM_REQUIRE_MONGO=1 ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --parallel "$(nproc)" --timeout 300
stage "release tests"
# Then the unit and integration suites under ASan+UBSan and under TSan, and a short fuzz run of
# each target, each in its own build directory (README, "Tests"). Skip them locally with
# CINESTREAM_SKIP_SANITIZERS=1 and CINESTREAM_SKIP_FUZZ=1; CINESTREAM_FUZZ_SECONDS per target.
# The fuzzers are built in the ASan+UBSan tree and fuzzed from there (CINESTREAM_ASAN_FUZZERS=1,
# FUZZ_BUILD_DIR=build-asan): one clang build of everything fewer. CINESTREAM_ASAN_FUZZERS=0 gives
# them their own tree again (build-fuzz).
if [ "${CINESTREAM_SKIP_SANITIZERS:-0}" != 1 ]; then
  export CINESTREAM_ASAN_FUZZERS=${CINESTREAM_ASAN_FUZZERS:-1}
  if [ "$CINESTREAM_ASAN_FUZZERS" = 1 ]; then export FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-build-asan}; fi
  bash ops/test-sanitizers.sh asan
  stage "asan+ubsan build and tests"
  bash ops/test-sanitizers.sh tsan
  stage "tsan build and tests"
fi
if [ "${CINESTREAM_SKIP_FUZZ:-0}" != 1 ]; then
  bash tests/fuzz/run.sh "${CINESTREAM_FUZZ_SECONDS:-20}"
  stage "fuzz"
fi
