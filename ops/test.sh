#!/usr/bin/env bash
# Every test on a fresh Debian 12 machine: install what is needed, build with warnings as errors,
# check formatting, and run the whole suite (unit and integration, through ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/install-deps.sh
bash ops/build.sh -DCINESTREAM_WERROR=ON
bash ops/check-format.sh
# The MongoDB store cases must run here (against the test peer), not be skipped for want of it.
CINESTREAM_REQUIRE_MONGO=1 ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --parallel "$(nproc)" --timeout 300
