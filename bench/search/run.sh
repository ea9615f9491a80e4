#!/usr/bin/env bash
# Search quality and speed (issue #19). One command:
#   bash bench/search/run.sh            # SCALE=10000 REPEAT=20 by default
# Builds Release into build-release (only the bench and the search module it needs; skipped when
# up to date), then runs cinestream_bench_search: MRR and recall@5 of lexical, vector (the
# offline embedder) and fused search over bench/search/queries.json, per category, on the real
# catalogue (bench/search/catalogue.json) and padded to SCALE films; latency p50/p99 of search
# and suggestions over every query REPEAT times; the index's memory_bytes.
# Environment: SCALE (10000), REPEAT (20), BUILD_DIR (build-release), JOBS (1).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-release}
JOBS=${JOBS:-1}
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

log "build: $BUILD_DIR (Release)"
if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCINESTREAM_BUILD_TESTS=OFF -DCINESTREAM_WERROR=ON >/dev/null
fi
ninja -C "$BUILD_DIR" -j"$JOBS" cinestream_bench_search >/dev/null

REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$REPO" status --porcelain -- src include bench/search 2>/dev/null) ]] ||
  REV="$REV+local changes"
echo "rev $REV; $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1));" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD_DIR/bench/cinestream_bench_search" --data "$HERE" --scale "${SCALE:-10000}" \
  --repeat "${REPEAT:-20}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
