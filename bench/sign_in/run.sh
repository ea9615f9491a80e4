#!/usr/bin/env bash
# Sign-ins beside the read path (issue #17): does password hashing slow the visitors' reads?
#   bash bench/sign_in/run.sh
# One server in its default configuration (bcrypt cost 12, the cpu pool of one thread, the
# default per-client limits; one process, loops on every CPU), seeded with 100 cities and 40
# accounts. On loopback only, bounded in time: wrk -t1 -c32 -d$DURATION --latency on the cached
# GET /api/showtimes?city=kyiv, first alone, then while sign_in_load.py signs in RATE times a
# second (each from its own 127.0.1.x address), alternating ROUNDS times; prints each run's req/s
# and p99, and the verdict on the best p99 of each side (target: within 1 ms).
# Environment: BUILD_DIR (build), DURATION (10), RATE (20), ROUNDS (2), KEEP=1 keeps the temp dir.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
DURATION=${DURATION:-10}
RATE=${RATE:-20}
ROUNDS=${ROUNDS:-2}
PY=/usr/bin/python3
BIN=$BUILD_DIR/cinestream
SEED=$BUILD_DIR/bench/cinestream_bench_seed
T=$(mktemp -d "${TMPDIR:-/tmp}/cinestream-signin.XXXXXX")
cleanup() {
  [[ -n ${SERVER:-} ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$T"
}
trap cleanup EXIT
die() { echo "sign_in bench: $*" >&2; exit 1; }
[[ -x $BIN && -x $SEED ]] || die "build first: ninja -C $BUILD_DIR cinestream cinestream_bench_seed"
command -v wrk >/dev/null || die "wrk is not installed (ops/install-deps.sh)"

mkdir -p "$T/data"
timeout 300 "$SEED" --data-dir "$T/data" --cities 100 >"$T/seed.log" 2>&1 || die "seeding failed"
: >"$T/env" && chmod 600 "$T/env"
"$BIN" serve --data-dir "$T/data" --env-file "$T/env" --port 0 --port-file "$T/port" \
  --no-demo --access-log false --log-level warn >"$T/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do [[ -s $T/port ]] && break; sleep 0.1; done
PORT=$(cat "$T/port" 2>/dev/null) || die "server did not start: $(tail -3 "$T/server.log")"

# 40 accounts, registered through the API (each from its own address: the route's limit).
: >"$T/users.jsonl"
for i in $(seq 1 40); do
  body="{\"email\":\"bench$i@example.org\",\"password\":\"bench-password-$i-x\",\"display_name\":\"Bench $i\"}"
  code=$(curl -s -o /dev/null -w '%{http_code}' --interface "127.0.2.$i" -H 'Content-Type: application/json' \
    -d "$body" "http://127.0.0.1:$PORT/api/auth/register")
  [[ $code == 201 ]] || die "registration $i: HTTP $code"
  echo "{\"email\":\"bench$i@example.org\",\"password\":\"bench-password-$i-x\"}" >>"$T/users.jsonl"
done
URL="http://127.0.0.1:$PORT/api/showtimes?city=kyiv"
curl -sf -o /dev/null "$URL" || die "the read path does not answer"

p99_ms() { awk '/ 99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v); print v } else { sub(/s/, "", v); print v * 1000 } }'; }
rps() { awk '/Requests\/sec/ { print $2 }'; }
best_alone=""; best_busy=""
printf "%-22s %10s %10s  %s\n" "run" "req/s" "p99 ms" "sign-ins"
for r in $(seq 1 "$ROUNDS"); do
  wrk -t1 -c32 -d"${DURATION}s" --latency "$URL" >"$T/alone.txt" 2>&1
  a_p99=$(p99_ms <"$T/alone.txt"); a_rps=$(rps <"$T/alone.txt")
  printf "%-22s %10s %10s  %s\n" "reads alone ($r)" "$a_rps" "$a_p99" "-"
  "$PY" "$HERE/sign_in_load.py" "$PORT" "$RATE" "$DURATION" "$T/users.jsonl" >"$T/load.txt" 2>&1 &
  LOAD=$!
  wrk -t1 -c32 -d"${DURATION}s" --latency "$URL" >"$T/busy.txt" 2>&1
  wait "$LOAD"
  b_p99=$(p99_ms <"$T/busy.txt"); b_rps=$(rps <"$T/busy.txt")
  printf "%-22s %10s %10s  %s\n" "reads + ${RATE}/s sign-ins ($r)" "$b_rps" "$b_p99" "$(cat "$T/load.txt")"
  best_alone=$(awk -v a="$a_p99" -v b="${best_alone:-1e9}" 'BEGIN { print (a < b) ? a : b }')
  best_busy=$(awk -v a="$b_p99" -v b="${best_busy:-1e9}" 'BEGIN { print (a < b) ? a : b }')
done
awk -v a="$best_alone" -v b="$best_busy" 'BEGIN {
  d = b - a; printf "p99 alone %.2f ms, with sign-ins %.2f ms: +%.2f ms (target <= 1 ms): %s\n", a, b, d, (d <= 1) ? "MET" : "MISSED" }'
grep -c "" "$T/server.log" >/dev/null
