#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is needed, build, create the store,
# and serve CineStream on http://127.0.0.1:8080 (override with --port, --host, ... or .env).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/install-deps.sh --build-only
bash ops/build.sh
./build/cinestream init-db "$@"
exec ./build/cinestream serve "$@"
