#!/usr/bin/env bash
# Configures and builds CineStream (Release-like by default) into ./build.
# Usage: ops/build.sh [extra cmake args...]   BUILD_DIR and BUILD_TYPE override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# CI builds from scratch every time: no compiler cache that could serve a stale object.
if [ "${CI:-}" = "true" ]; then export CCACHE_DISABLE=1; fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@"
cmake --build "$build_dir" --parallel "$(nproc)"
