#!/usr/bin/env bash
# Instructions per cached request, stable on a noisy machine (callgrind counts, not time):
#   bash bench/read_path/callgrind.sh [BIN] [N]      # default build-release/cinestream, 2000
# Seeds 5 cities, runs the server under callgrind (1 process, 1 loop), warms the cache with 50
# requests, zeroes the counters, sends N keep-alive GET /api/showtimes?city=kyiv on one connection
# (raw socket, loopback), dumps, and prints instructions per request: all threads, and the event
# loop alone (the rest is the blocking pool's periodic store refresh, which scales with wall time).
# Environment: HEADERS="Accept-Encoding: gzip" adds request headers (separate several with '|');
# ACCESS_LOG=true counts the default configuration (the access log on, to stderr: a file here);
# KEEP=1 keeps the callgrind files (callgrind_annotate them). MISS=1 makes every request a cache miss: each asks for another date (days around today, then
# further out), so each is queried from the store and rendered anew.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${1:-$REPO/build-release/cinestream}
N=${2:-2000}
T=$(mktemp -d "${TMPDIR:-/tmp}/cinestream-callgrind.XXXXXX")
VP=""
cleanup() {
  [[ -z $VP ]] || kill "$VP" 2>/dev/null || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
SEED=$(dirname "$BIN")/bench/cinestream_bench_seed
timeout 120 "$SEED" --data-dir "$T/data" --cities 5 >"$T/seed.log" 2>&1
valgrind --tool=callgrind --callgrind-out-file="$T/cg.%p" \
  "$BIN" serve --data-dir "$T/data" --host 127.0.0.1 --port 0 --port-file "$T/port" --workers 1 \
  --threads 1 --access-log "${ACCESS_LOG:-false}" --api-rate-per-second 0 --log-level warn --no-demo >"$T/vg.log" 2>&1 &
VP=$!
for ((i = 0; i < 600; i++)); do
  [[ -s $T/port ]] && curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$(<"$T/port")/healthz" && break
  sleep 0.2
done
PORT=$(<"$T/port")
client() {
  python3 - "$PORT" "$1" "${HEADERS:-}" "${MISS:-0}" "${2:-0}" <<'PY'
import datetime, socket, sys
port, n, extra, miss, first = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1", int(sys.argv[5])
lines = "".join(h.strip() + "\r\n" for h in extra.split("|") if h.strip())
start = datetime.date.today() - datetime.timedelta(days=3)
def request(i):
    target = "/api/showtimes?city=kyiv"
    if miss:
        target += "&date=" + (start + datetime.timedelta(days=first + i)).isoformat()
    return f"GET {target} HTTP/1.1\r\nHost: x\r\n{lines}\r\n".encode()
s = socket.create_connection(("127.0.0.1", port), timeout=60)
buf = b""
for i in range(n):
    s.sendall(request(i))
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
    head, _, buf = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(buf) < length:
        buf += s.recv(65536)
    buf = buf[length:]
    if i == 0 and n > 1:
        print(head.decode())
PY
}
client 50 100000 >/dev/null  # far dates: the measured requests still miss
callgrind_control -z "$VP" >/dev/null
client "$N" 0 >"$T/head.txt"
callgrind_control -d "$VP" >/dev/null
sleep 0.5
kill -TERM "$VP"
wait "$VP" || true
VP=""
cat "$T/head.txt"
total=0
loop=0
for f in "$T"/cg.*.1 "$T"/cg.*.1-*; do
  [[ -f $f ]] || continue
  total=$(awk '/^summary:/ { print $2 }' "$f")
  pool=$(callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$f" 2>/dev/null |
    awk '/BlockingPool::BlockingPool/ && !n++ { gsub(",", "", $1); print $1 }')
  loop=$((total - ${pool:-0}))
done
awk -v t="$total" -v l="$loop" -v n="$N" \
  'BEGIN { printf "instructions per request: %.0f (all threads), %.0f (event loop)\n", t / n, l / n }'
