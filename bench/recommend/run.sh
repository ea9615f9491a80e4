#!/usr/bin/env bash
# Recommendation benchmark (issue #19). One command:
#   bash bench/recommend/run.sh
# Builds cinestream_bench_recommend in Release into build-release (ninja does nothing when it is
# up to date), then runs it: a generated dataset (6,000 users, 2,000 films, ~240,000 ratings,
# fixed seeds), 20% of each user's ratings held out, precision@10, recall@10, NDCG@10 and
# coverage per strategy, build time, hybrid latency p50/p99 and memory. About a minute.
# Environment: BUILD_DIR (build-release), JOBS (1).
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
ninja -C "$BUILD_DIR" -j"$JOBS" cinestream_bench_recommend >/dev/null
log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD_DIR/bench/cinestream_bench_recommend"
