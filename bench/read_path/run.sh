#!/usr/bin/env bash
# Read-path benchmark (issue: performance). One command:
#   bash bench/read_path/run.sh            # SOAK=300 for the full 5-minute soak
# Builds Release into build-release (skipped when up to date), seeds 100 cities through the store,
# and on loopback only, with every load bounded in time:
#   0. headline (HEADLINE=1): one process with one loop pinned to the second CPU, wrk -t1 -c64
#      pinned to the first: the default configuration (the server's access log on, as shipped,
#      to its standard error, a file here) against nginx with a buffered access log
#      (`access_log FILE buffer=64k`), and beside it both without a log; each target twice,
#      alternating (HEADLINE_ROUNDS, 3), the best run by req/s reported with its p50/p99, and
#      the p99 verdict on each side's lowest p99. HEADLINE_ONLY=1 stops after it;
#   1. start-up: exec to the first 200 on /healthz (embedded store, 100 cities), 5 times;
#   2. cache miss: server time of the first /api/showtimes after the city's data changed, read
#      from the server's own histogram sum in /metrics (one worker, one loop; see probe.py);
#   3. load: wrk -t2 -c64 -d10s --latency, keep-alive, GET /api/showtimes?city=kyiv (cached)
#      against the server, nginx serving the identical bytes as a static file, and Flask under
#      gunicorn (sync workers, then gthread) serving them from memory, and (reference) Flask
#      re-serialising the document per request; N workers each (N = cores), pinned one per CPU;
#      each target twice, alternating; the better run is reported;
#      then the same with 1 worker (ONE_WORKER=0 skips it);
#      then (PINNED=1, 2+ CPUs) 1 worker of each target pinned to the second CPU and wrk -t1
#      pinned to the first, so that the load generator does not compete with the target;
#   4. memory: VmRSS of each worker with every city's showtimes cached (one request per city);
#   5. soak: SOAK seconds of load over all 100 cities, VmRSS sampled every 5 s; at its start every
#      city's data changes (data_version bumped), so all 100 are re-rendered under 64 connections.
# Prints a table, the ratios and a MET/MISSED line per target; exits 0 even when targets are
# missed (1 only when it cannot measure: build failure, a target that does not start).
# The load generator runs on the same cores as the targets: figures are for this machine only.
#
# Environment: SOAK (60), WORKERS (nproc), DURATION (10), CONNECTIONS (64), WRK_THREADS (2),
# CITY (kyiv), ONE_WORKER (1), PINNED (1), HEADLINE (1), HEADLINE_ONLY (0),
# BUILD_DIR (build-release), JOBS (1), KEEP=1 keeps the temp dir.
# shellcheck disable=SC2317  # cleanup and the watchdog run via trap
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-release}
SOAK=${SOAK:-60}
WORKERS=${WORKERS:-$(nproc)}
DURATION=${DURATION:-10}
CONNS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
CITY=${CITY:-kyiv}
ONE_WORKER=${ONE_WORKER:-1}
PINNED=${PINNED:-1}
HEADLINE=${HEADLINE:-1}
HEADLINE_ONLY=${HEADLINE_ONLY:-0}
JOBS=${JOBS:-1}
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)
WRK=$(command -v wrk || echo /usr/bin/wrk)
NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
GUNICORN=$(command -v gunicorn || echo /usr/bin/gunicorn)
unset NGINX  # nginx reads $NGINX (inherited sockets)
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ next to flask_app.py

T=$(mktemp -d "${TMPDIR:-/tmp}/cinestream-readpath.XXXXXX")
chmod 755 "$T"  # nginx workers (nobody) read the body file
DATA=$T/data
BODY=$T/showtimes.json
PIDS=()
WATCHDOG_PID=""

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# stop_pid PID: TERM to the process group PID leads (started with setsid), KILL after 10 s.
stop_pid() {
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  [[ -z $WATCHDOG_PID ]] || kill "$WATCHDOG_PID" 2>/dev/null
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'log "timed out"; exit 124' TERM
trap 'exit 130' INT
die() {
  log "error: $*"
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Build (ninja does nothing when up to date). Warnings are errors here too: the Release build
# (-O3) is warning-free with GCC 12 (it once reported false -Wstringop-overflow warnings).
log "build: $BUILD_DIR (Release)"
if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCINESTREAM_BUILD_TESTS=OFF -DCINESTREAM_WERROR=ON >"$T/cmake.log" 2>&1 ||
    { tail -20 "$T/cmake.log" >&2; die "cmake failed"; }
fi
ninja -C "$BUILD_DIR" -j"$JOBS" cinestream cinestream_bench_seed >"$T/build.log" 2>&1 ||
  { tail -30 "$T/build.log" >&2; die "build failed"; }
BIN=$BUILD_DIR/cinestream
SEED=$BUILD_DIR/bench/cinestream_bench_seed

# Every step below is bounded; the watchdog bounds the whole.
(
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep $((SOAK + 900)) &
  sleeper=$!
  wait "$sleeper" && kill -TERM $$
) </dev/null >/dev/null 2>&1 &
WATCHDOG_PID=$!

for tool in "$WRK" "$NGINX_BIN" "$GUNICORN" "$PY"; do
  [[ -x $tool ]] || die "missing $tool (apt-get install -y wrk nginx-light gunicorn python3-flask)"
done
"$PY" -c 'import flask' 2>/dev/null || die "$PY cannot import flask (apt-get install -y python3-flask)"

NCPU=$(nproc)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$REPO" status --porcelain -- src include 2>/dev/null) ]] || REV="$REV+local changes"

# ---------------------------------------------------------------------------------------------
log "seed: 100 cities, 14 days each, through the store"
seed_start=$(date +%s%N)
timeout 300 "$SEED" --data-dir "$DATA" --cities 100 >"$T/seed.log" 2>&1 ||
  { tail -5 "$T/seed.log" >&2; die "seeding failed"; }
SEED_S=$(awk -v a="$seed_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
mapfile -t CITIES < <("$PY" "$HERE/probe.py" cities "$DATA/cinestream.sqlite3")
((${#CITIES[@]} > 0)) || die "no seeded cities"

# The server as shipped but for the log level (--access-log defaults to true) and the per-client
# API rate limit: every wrk connection comes from one address, which the limit (50/s by default,
# meant for one visitor) would answer with 429; nginx has none either. The comparisons with
# nginx's `access_log off` add --access-log false.
serve_default=(serve --data-dir "$DATA" --host 127.0.0.1 --api-rate-per-second 0 --log-level warn --no-demo)
serve_args=("${serve_default[@]}" --access-log false)

# start_server NAME WORKERS [EXTRA...]: sets LAST_PID, LAST_PORT; waits for 200 on /healthz.
start_server() {
  local name=$1 workers=$2 i
  shift 2
  rm -f "$T/$name.port"
  local -n base_args=${SERVE_ARGS_NAME:-serve_args}
  (cd "$T" && exec setsid "$BIN" "${base_args[@]}" --port 0 --port-file "$T/$name.port" \
    --workers "$workers" "$@" >"$T/$name.log" 2>&1) &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  for ((i = 0; i < 200; i++)); do
    if [[ -s $T/$name.port ]]; then
      LAST_PORT=$(<"$T/$name.port")
      curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$LAST_PORT/healthz" && return 0
    fi
    kill -0 "$LAST_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$T/$name.log" >&2
  die "$name did not start"
}

# wait_http URL: up to 20 s for a 200.
wait_http() {
  local i
  for ((i = 0; i < 200; i++)); do
    curl -sf --max-time 2 -o /dev/null "$1" && return 0
    sleep 0.1
  done
  return 1
}

# cpu_list N: the first N CPUs of this process, comma-separated (pinning, one worker per CPU).
ALLOWED=$("$PY" -c 'import os; print(",".join(str(c) for c in sorted(os.sched_getaffinity(0))))')
cpu_list() { tr ',' '\n' <<<"$ALLOWED" | head -"$1" | paste -sd, -; }
# nginx_affinity N: worker_cpu_affinity masks, one CPU per worker (same CPUs as cpu_list N).
nginx_affinity() {
  local cpu masks=""
  for cpu in $(tr ',' ' ' <<<"${PIN_CPUS:-$(cpu_list "$1")}"); do
    masks+=" 1$(printf '%*s' "$cpu" '' | tr ' ' 0)"
  done
  echo "${masks# }"
}

# start_nginx NAME WORKERS: sets LAST_PID, LAST_PORT.
start_nginx() {
  local name=$1 workers=$2 port user_line=""
  port=$("$PY" "$HERE/probe.py" freeport)
  [[ $(id -u) == 0 ]] && user_line="user nobody nogroup;"
  mkdir -p "$T/$name"
  local access_log=off
  [[ ${NGINX_LOG:-0} == 1 ]] && access_log="$T/$name/access.log combined buffer=64k"
  sed -e "s|@USER_LINE@|$user_line|" -e "s|@WORKERS@|$workers|" -e "s|@ACCESS_LOG@|$access_log|" \
    -e "s|@AFFINITY@|$(nginx_affinity "$workers")|" -e "s|@TMP@|$T/$name|g" \
    -e "s|@PORT@|$port|" -e "s|@BODY@|$BODY|" "$HERE/nginx.conf.tmpl" >"$T/$name/nginx.conf"
  "$NGINX_BIN" -t -p "$T/$name" -e "$T/$name/nginx.error.log" -c "$T/$name/nginx.conf" \
    >"$T/$name.log" 2>&1 || { cat "$T/$name.log" >&2; die "nginx config rejected"; }
  setsid "$NGINX_BIN" -p "$T/$name" -e "$T/$name/nginx.error.log" -c "$T/$name/nginx.conf" \
    >>"$T/$name.log" 2>&1 &
  LAST_PID=$!
  LAST_PORT=$port
  PIDS+=("$LAST_PID")
  wait_http "http://127.0.0.1:$port/api/showtimes" || { cat "$T/$name.log" >&2; die "$name did not start"; }
}

# start_flask NAME WORKERS MODE [GUNICORN ARGS...]: sets LAST_PID, LAST_PORT.
# MODE: bytes (ready bytes from memory) or dumps (json.dumps per request); see flask_app.py.
start_flask() {
  local name=$1 workers=$2 mode=$3 port
  shift 3
  port=$("$PY" "$HERE/probe.py" freeport)
  CINESTREAM_BENCH_BODY=$BODY CINESTREAM_BENCH_MODE=$mode CINESTREAM_BENCH_CPUS=${PIN_CPUS:-$(cpu_list "$workers")} \
    setsid "$GUNICORN" -w "$workers" -b "127.0.0.1:$port" -c "$HERE/gunicorn_conf.py" \
    --chdir "$HERE" "$@" flask_app:app >"$T/$name.log" 2>&1 &
  LAST_PID=$!
  LAST_PORT=$port
  PIDS+=("$LAST_PID")
  wait_http "http://127.0.0.1:$port/api/showtimes" || { cat "$T/$name.log" >&2; die "$name did not start"; }
}

# stop_target PID: stops it and forgets it.
stop_target() {
  local pid=$1 i
  stop_pid "$pid"
  for i in "${!PIDS[@]}"; do [[ ${PIDS[$i]} == "$pid" ]] && unset 'PIDS[i]'; done
}

children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null; }
# worker_rss PID: "a/b" MB of each worker (the children of the master/supervisor PID).
worker_rss() {
  local w out=""
  for w in $(children "$1"); do out+="$(awk -v k="$(rss_kb "$w")" 'BEGIN { printf "%.1f", k / 1024 }')/"; done
  echo "${out%/}"
}

# ---------------------------------------------------------------------------------------------
# 1. Start-up: exec to the first 200 on /healthz, 5 times each, nothing else running.
if [[ $HEADLINE_ONLY != 1 ]]; then
log "start-up: exec -> first 200 on /healthz"
startup_cmd=("$BIN" "${serve_args[@]}" --port "{PORT}")
STARTUP_N=$(cd "$T" && "$PY" "$HERE/probe.py" startup 5 "${startup_cmd[@]}" --workers "$WORKERS") ||
  die "start-up measurement failed"
STARTUP_1=$(cd "$T" && "$PY" "$HERE/probe.py" startup 5 "${startup_cmd[@]}" --workers 1) ||
  die "start-up measurement failed"

# ---------------------------------------------------------------------------------------------
# 2. Cache miss: one worker, one loop (so /metrics and the requests meet the same cache).
log "cache miss: data_version bumped, first request timed by the server's histogram"
start_server miss 1 --threads 1 --cpus "$(cpu_list 1)" --refresh-interval-ms 100
MISS_PID=$LAST_PID
cold=()
for c in "${CITIES[@]:1:20}"; do [[ $c != "$CITY" ]] && cold+=("$c"); done
MISS_OUT=$("$PY" "$HERE/probe.py" miss "$LAST_PORT" "$DATA/cinestream.sqlite3" "$CITY" 20 "${cold[@]}") ||
  die "cache-miss measurement failed"
stop_target "$MISS_PID"
fi

# ---------------------------------------------------------------------------------------------
# 3. Load. The server first: its bytes are what nginx and Flask serve.
log "load: $WORKERS workers each, wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s --latency"
start_server server "$WORKERS"
SERVER_PID=$LAST_PID
SERVER_PORT=$LAST_PORT
URL_PATH="/api/showtimes?city=$CITY"
curl -sf --max-time 5 -o "$BODY" "http://127.0.0.1:$SERVER_PORT$URL_PATH" || die "cannot fetch $URL_PATH"
chmod 644 "$BODY"
BODY_BYTES=$(stat -c %s "$BODY")
GZIP_BYTES=$(curl -sf --max-time 5 -H 'Accept-Encoding: gzip' "http://127.0.0.1:$SERVER_PORT$URL_PATH" | wc -c)
BODY_SUMMARY=$("$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
rows = rows.get("showtimes", rows) if isinstance(rows, dict) else rows
def key(r, *names):
    for n in names:
        if isinstance(r, dict) and n in r:
            v = r[n]
            return json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v
    return None
movies = {key(r, "movie_id", "movie", "title") for r in rows}
theaters = {key(r, "theater", "theater_name", "cinema") for r in rows}
print(f"{len(rows)} showtimes, {len(movies)} movies, {len(theaters)} cinemas")
' "$BODY" 2>/dev/null || echo "?")

declare -A URL PID_OF
URL[server]="http://127.0.0.1:$SERVER_PORT$URL_PATH"
PID_OF[server]=$SERVER_PID
start_nginx nginx "$WORKERS"
URL[nginx]="http://127.0.0.1:$LAST_PORT$URL_PATH"
PID_OF[nginx]=$LAST_PID
start_flask flask-sync "$WORKERS" bytes
URL[flask-sync]="http://127.0.0.1:$LAST_PORT$URL_PATH"
PID_OF[flask-sync]=$LAST_PID
start_flask flask-gthread "$WORKERS" bytes --worker-class gthread --threads 4
URL[flask-gthread]="http://127.0.0.1:$LAST_PORT$URL_PATH"
PID_OF[flask-gthread]=$LAST_PID
start_flask flask-dumps "$WORKERS" dumps
URL[flask-dumps]="http://127.0.0.1:$LAST_PORT$URL_PATH"
PID_OF[flask-dumps]=$LAST_PID

# identical bytes, then warm (several connections, so every server worker has it cached)
check_same() {
  local name=$1
  if ! curl -sf --max-time 5 -o "$T/$name.body" "${URL[$name]}" ||
    ! cmp -s "$BODY" "$T/$name.body"; then
    die "$name does not serve the identical bytes"
  fi
}
warm() {
  local i
  for ((i = 0; i < 16; i++)); do curl -sf --max-time 5 -o /dev/null "${URL[$1]}"; done
}

declare -A RPS P50 P99 ERR RUNS P99RUNS P99MIN RSS
WRK_PIN=""
WRK_T=$WRK_THREADS
# run_wrk NAME ROUND: one wrk run; keeps the better (higher requests/s) run per target.
run_wrk() {
  local name=$1 round=$2 out line rps p50 p99 err
  out=$T/wrk.$name.$round.txt
  # shellcheck disable=SC2086  # WRK_PIN is a command prefix or empty
  $WRK_PIN "$WRK" -t"$WRK_T" -c"$CONNS" -d"${DURATION}s" --latency "${URL[$name]}" >"$out" 2>&1
  line=$(awk '
    function ms(v) {
      if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v + 0
    }
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { err += $5 }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, err }' "$out")
  read -r rps p50 p99 err <<<"$line"
  log "  round $round $name: $rps req/s, p50 $p50 ms, p99 $p99 ms, errors $err"
  RUNS[$name]="${RUNS[$name]:+${RUNS[$name]} / }$rps"
  if [[ -z ${P99MIN[$name]:-} ]] || awk -v a="$p99" -v b="${P99MIN[$name]}" 'BEGIN { exit !(a < b) }'; then
    P99MIN[$name]=$p99
  fi
  P99RUNS[$name]="${P99RUNS[$name]:+${P99RUNS[$name]} / }$p99"
  if [[ -z ${RPS[$name]:-} ]] || ((rps > ${RPS[$name]})); then
    RPS[$name]=$rps P50[$name]=$p50 P99[$name]=$p99 ERR[$name]=$err
  fi
}
# load_rounds NAME...: warm, then every target ROUNDS times, alternating; RSS of workers after.
ROUNDS=${ROUNDS:-2}
load_rounds() {
  local name round
  for name in "$@"; do
    check_same "$name"
    warm "$name"
  done
  for ((round = 1; round <= ROUNDS; round++)); do
    for name in "$@"; do
      run_wrk "$name" "$round"
      sleep 1
    done
  done
  for name in "$@"; do RSS[$name]=$(worker_rss "${PID_OF[$name]}"); done
}

# ---------------------------------------------------------------------------------------------
# 0. Headline: the default configuration. One process, one loop, on the second CPU; wrk -t1 on
#    the first. Both sides log (the server as shipped, nginx with a 64 KiB buffer), then neither.
WRK_CPU=$(cpu_list 1)
TARGET_CPU=$(tr ',' '\n' <<<"$ALLOWED" | sed -n 2p)
HEAD_ORDER=()
if [[ $HEADLINE == 1 ]]; then
  [[ -n $TARGET_CPU ]] || die "the headline needs 2 CPUs (HEADLINE=0 skips it)"
  log "headline: 1 process x 1 loop on CPU $TARGET_CPU, wrk -t1 -c$CONNS on CPU $WRK_CPU; logs on, then off"
  PIN_CPUS=$TARGET_CPU
  SERVE_ARGS_NAME=serve_default start_server headlog 1 --cpus "$TARGET_CPU" --threads 1
  URL[log-server]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[log-server]=$LAST_PID
  HEADLOG_PORT=$LAST_PORT
  NGINX_LOG=1 start_nginx nginxlog 1
  URL[log-nginx]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[log-nginx]=$LAST_PID
  start_server headnolog 1 --cpus "$TARGET_CPU" --threads 1
  URL[nolog-server]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[nolog-server]=$LAST_PID
  start_nginx nginxnolog 1
  URL[nolog-nginx]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[nolog-nginx]=$LAST_PID
  unset PIN_CPUS
  HEAD_ORDER=(log-server log-nginx nolog-server nolog-nginx)
  WRK_PIN="taskset -c $WRK_CPU"
  WRK_T=1
  ROUNDS_SAVED=$ROUNDS
  ROUNDS=${HEADLINE_ROUNDS:-3}
  load_rounds "${HEAD_ORDER[@]}"
  ROUNDS=$ROUNDS_SAVED
  WRK_PIN=""
  WRK_T=$WRK_THREADS
  # The logs are real: lines written by each side (the server's from its own counters).
  HEAD_METRICS=$(curl -sf --max-time 5 "http://127.0.0.1:$HEADLOG_PORT/metrics")
  SERVER_LOG_LINES=$(awk '/^cinestream_access_log_lines_total / { print $2 }' <<<"$HEAD_METRICS")
  SERVER_LOG_DROPPED=$(awk '/^cinestream_access_log_dropped_lines_total / { print $2 }' <<<"$HEAD_METRICS")
  for name in "${HEAD_ORDER[@]}"; do stop_target "${PID_OF[$name]}"; done
  NGINX_LOG_LINES=$(wc -l <"$T/nginxlog/access.log" 2>/dev/null || echo 0)
  SERVER_LOG_FILE_LINES=$(grep -c ' access request_id=' "$T/headlog.log" || true)
fi

# headline_report: the table, the ratios and their verdicts.
headline_report() {
  local r_log r_nolog p99_ok
  r_log=$(f1 "${RPS[log-server]}" "${RPS[log-nginx]}")
  r_nolog=$(f1 "${RPS[nolog-server]}" "${RPS[nolog-nginx]}")
  echo "### Headline: default configuration (1 process x 1 loop on CPU $TARGET_CPU, wrk -t1 -c$CONNS -d${DURATION}s on CPU $WRK_CPU)"
  echo
  echo "| configuration | cinestream req/s | nginx req/s | ratio | cinestream p50 / p99 ms | nginx p50 / p99 ms | req/s runs (cinestream; nginx) |"
  echo "|---|---|---|---|---|---|---|"
  # shellcheck disable=SC2016  # backquotes are Markdown
  printf '| default: access log on (cinestream as shipped; nginx `buffer=64k`) | %s | %s | %s | %s / %s | %s / %s | %s; %s |\n' \
    "${RPS[log-server]}" "${RPS[log-nginx]}" "$r_log" "${P50[log-server]}" "${P99[log-server]}" \
    "${P50[log-nginx]}" "${P99[log-nginx]}" "${RUNS[log-server]}" "${RUNS[log-nginx]}"
  # shellcheck disable=SC2016
  printf '| no access log (`--access-log false`; nginx `access_log off`) | %s | %s | %s | %s / %s | %s / %s | %s; %s |\n' \
    "${RPS[nolog-server]}" "${RPS[nolog-nginx]}" "$r_nolog" "${P50[nolog-server]}" "${P99[nolog-server]}" \
    "${P50[nolog-nginx]}" "${P99[nolog-nginx]}" "${RUNS[nolog-server]}" "${RUNS[nolog-nginx]}"
  echo
  echo "p99 of every run, ms: cinestream ${P99RUNS[log-server]}; nginx ${P99RUNS[log-nginx]} (logs on);" \
    "cinestream ${P99RUNS[nolog-server]}; nginx ${P99RUNS[nolog-nginx]} (no logs)"
  echo "access lines: cinestream wrote ${SERVER_LOG_LINES:-?} (${SERVER_LOG_FILE_LINES:-?} in its log file, dropped ${SERVER_LOG_DROPPED:-?}); nginx wrote $NGINX_LOG_LINES"
  echo "errors: ${ERR[log-server]} / ${ERR[log-nginx]} / ${ERR[nolog-server]} / ${ERR[nolog-nginx]}"
  # p99: the lowest of each side's runs. Other sessions' builds share these 2 CPUs and put
  # 100+ ms spikes into single runs of either side; the least disturbed run of each is compared.
  p99_ok=$(awk -v a="${P99MIN[log-server]}" -v b="${P99MIN[log-nginx]}" 'BEGIN { print (a <= b + 0.5) ? 1 : 0 }')
  verdict "$(awk -v r="$r_log" 'BEGIN { print (r >= 1.0) ? 1 : 0 }')" \
    "default configuration >= 1.0x nginx with a buffered log: ${r_log}x"
  verdict "$p99_ok" \
    "default configuration p99 <= nginx's + 0.5 ms (lowest run each): ${P99MIN[log-server]} vs ${P99MIN[log-nginx]} ms"
  verdict "$(awk -v r="$r_nolog" 'BEGIN { print (r >= 1.1) ? 1 : 0 }')" \
    "without logs >= 1.1x nginx without a log: ${r_nolog}x"
}
f1() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
MET=()
verdict() {  # verdict OK TEXT
  if [[ $1 == 1 ]]; then MET+=("MET     $2"); else MET+=("MISSED  $2"); fi
}
if [[ $HEADLINE_ONLY == 1 ]]; then
  echo
  echo "## Read path headline: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $NCPU CPUs ($CPU_MODEL), $(uname -sr); load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $BIN (Release, rev $REV); payload: GET $URL_PATH = $BODY_BYTES bytes JSON"
  echo
  headline_report
  printf '%s\n' "${MET[@]}"
  exit 0
fi

ORDER_N=(server nginx flask-sync flask-gthread flask-dumps)
load_rounds "${ORDER_N[@]}"
for name in nginx flask-sync flask-gthread flask-dumps; do stop_target "${PID_OF[$name]}"; done

ORDER_1=()
if [[ $ONE_WORKER == 1 ]]; then
  log "load: 1 worker each (pinned to CPU $(cpu_list 1))"
  start_server server1 1 --cpus "$(cpu_list 1)"
  URL[server-1w]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[server-1w]=$LAST_PID
  start_nginx nginx1 1
  URL[nginx-1w]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[nginx-1w]=$LAST_PID
  start_flask flask-sync1 1 bytes
  URL[flask-sync-1w]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[flask-sync-1w]=$LAST_PID
  ORDER_1=(server-1w nginx-1w flask-sync-1w)
  load_rounds "${ORDER_1[@]}"
  # the single-process server has no supervisor: its RSS is its own
  RSS[server-1w]=$(awk -v k="$(rss_kb "${PID_OF[server-1w]}")" 'BEGIN { printf "%.1f", k / 1024 }')
  for name in "${ORDER_1[@]}"; do stop_target "${PID_OF[$name]}"; done
fi

ORDER_P=()
if [[ $PINNED == 1 && -n $TARGET_CPU ]]; then
  log "load: 1 worker each pinned to CPU $TARGET_CPU, wrk -t1 pinned to CPU $WRK_CPU"
  PIN_CPUS=$TARGET_CPU
  start_server serverp 1 --cpus "$TARGET_CPU"
  URL[server-pin]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[server-pin]=$LAST_PID
  start_nginx nginxp 1
  URL[nginx-pin]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[nginx-pin]=$LAST_PID
  start_flask flask-syncp 1 bytes
  URL[flask-sync-pin]="http://127.0.0.1:$LAST_PORT$URL_PATH"
  PID_OF[flask-sync-pin]=$LAST_PID
  unset PIN_CPUS
  ORDER_P=(server-pin nginx-pin flask-sync-pin)
  WRK_PIN="taskset -c $WRK_CPU"
  WRK_T=1
  load_rounds "${ORDER_P[@]}"
  WRK_PIN=""
  WRK_T=$WRK_THREADS
  RSS[server-pin]=$(awk -v k="$(rss_kb "${PID_OF[server-pin]}")" 'BEGIN { printf "%.1f", k / 1024 }')
  for name in "${ORDER_P[@]}"; do stop_target "${PID_OF[$name]}"; done
fi

# ---------------------------------------------------------------------------------------------
# 4. Memory with every city cached: 16 passes over all cities, each pass one new connection, so
#    that every worker (SO_REUSEPORT spreads connections) sees every city at least once.
log "memory: every city's showtimes cached in every worker"
city_args=()
for c in "${CITIES[@]}"; do city_args+=(-o /dev/null "http://127.0.0.1:$SERVER_PORT/api/showtimes?city=$c"); done
for ((i = 0; i < 16; i++)); do curl -sf --max-time 30 "${city_args[@]}" || log "  a city request failed"; done
mapfile -t SERVER_WORKERS < <(children "$SERVER_PID")
declare -A RSS_CACHED
for w in "${SERVER_WORKERS[@]}"; do RSS_CACHED[$w]=$(rss_kb "$w"); done
SUPERVISOR_RSS=$(rss_kb "$SERVER_PID")

# ---------------------------------------------------------------------------------------------
# 5. Soak: load over all cities for SOAK seconds, RSS sampled every 5 s.
log "soak: ${SOAK}s over ${#CITIES[@]} cities"
{
  printf 'local cities = {'
  printf '"%s",' "${CITIES[@]}"
  printf '}\nlocal i = 0\nrequest = function()\n  i = i + 1\n'
  printf '  return wrk.format("GET", "/api/showtimes?city=" .. cities[(i %% #cities) + 1])\nend\n'
} >"$T/cities.lua"
"$WRK" -t"$WRK_THREADS" -c"$CONNS" -d"${SOAK}s" --latency -s "$T/cities.lua" \
  "http://127.0.0.1:$SERVER_PORT/" >"$T/wrk.soak.txt" 2>&1 &
SOAK_WRK=$!
"$PY" "$HERE/probe.py" bump "$DATA/cinestream.sqlite3" || log "  could not change the cities' data"
declare -A RSS_SAMPLES
elapsed=0
while kill -0 "$SOAK_WRK" 2>/dev/null && ((elapsed <= SOAK + 10)); do
  for w in "${SERVER_WORKERS[@]}"; do RSS_SAMPLES[$w]+="$(rss_kb "$w") "; done
  sleep 5
  elapsed=$((elapsed + 5))
done
wait "$SOAK_WRK"
for w in "${SERVER_WORKERS[@]}"; do RSS_SAMPLES[$w]+="$(rss_kb "$w")"; done
SOAK_LINE=$(awk '
  /Requests\/sec:/ { rps = $2 }
  /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
  /Non-2xx or 3xx responses:/ { err += $5 }
  END { printf "%.0f req/s, %d errors", rps, err }' "$T/wrk.soak.txt")

# ---------------------------------------------------------------------------------------------
# Report
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo
echo "## Read path: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $NCPU CPUs ($CPU_MODEL), $(uname -sr); load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: $BIN (Release, rev $REV); data: 100 cities x 14 days seeded in ${SEED_S}s"
echo "payload: GET $URL_PATH = $BODY_BYTES bytes JSON ($GZIP_BYTES gzipped; $BODY_SUMMARY), identical bytes from all targets"
if [[ $HEADLINE == 1 ]]; then
  echo
  headline_report
  echo
  echo "### The other comparisons (logs off on both sides)"
  echo
fi
echo "load: wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s --latency, keep-alive, no Accept-Encoding; wrk unpinned on the same $NCPU CPUs"
echo "order: ${ORDER_N[*]}, twice${ORDER_1[*]:+; then ${ORDER_1[*]}, twice}${ORDER_P[*]:+; then ${ORDER_P[*]}, twice}; the better run by req/s is shown"
echo
echo "| target | workers | req/s (best) | req/s (runs) | p50 ms | p99 ms | p99 ms (runs) | errors | RSS MB per worker |"
echo "|---|---|---|---|---|---|---|---|---|"
for name in "${ORDER_N[@]}" "${ORDER_1[@]}" "${ORDER_P[@]}"; do
  workers=$WORKERS
  [[ $name == *-1w || $name == *-pin ]] && workers=1
  label=$name
  case $name in
  server*) label="cinestream${name#server}" ;;
  nginx*) label="nginx static file${name#nginx}" ;;
  *-pin) label="${name%-pin}"
    label="${label/server/cinestream}"
    label="${label/nginx/nginx static file}"
    label="${label/flask-sync/Flask/gunicorn sync}, pinned (wrk -t1 on CPU $WRK_CPU)" ;;
  flask-sync*) label="Flask/gunicorn sync${name#flask-sync}" ;;
  flask-gthread*) label="Flask/gunicorn gthread x4${name#flask-gthread}" ;;
  flask-dumps*) label="Flask/gunicorn sync, json.dumps per request (reference)" ;;
  esac
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$workers" "${RPS[$name]}" \
    "${RUNS[$name]}" "${P50[$name]}" "${P99[$name]}" "${P99RUNS[$name]}" "${ERR[$name]}" "${RSS[$name]}"
done
echo

R_NGINX=$(f1 "${RPS[server]}" "${RPS[nginx]}")
R_FLASK=$(f1 "${RPS[server]}" "${RPS[flask-sync]}")
R_GTHREAD=$(f1 "${RPS[server]}" "${RPS[flask-gthread]}")
echo "ratios ($WORKERS workers):"
echo "  server / nginx req/s           $R_NGINX   (p50 server/nginx $(f1 "${P50[server]}" "${P50[nginx]}"), p99 $(f1 "${P99[server]}" "${P99[nginx]}"))"
echo "  server / Flask sync req/s      $R_FLASK   (target >= 20)"
echo "  server / Flask gthread req/s   $R_GTHREAD"
echo "  server / Flask json.dumps      $(f1 "${RPS[server]}" "${RPS[flask-dumps]}")   (reference: serialising per request)"
echo "  nginx / Flask sync req/s       $(f1 "${RPS[nginx]}" "${RPS[flask-sync]}")   (the ceiling of this machine for that ratio)"
if [[ $ONE_WORKER == 1 ]]; then
  echo "ratios (1 worker):"
  echo "  server / nginx req/s           $(f1 "${RPS[server-1w]}" "${RPS[nginx-1w]}")   (p50 $(f1 "${P50[server-1w]}" "${P50[nginx-1w]}"), p99 $(f1 "${P99[server-1w]}" "${P99[nginx-1w]}"))"
  echo "  server / Flask sync req/s      $(f1 "${RPS[server-1w]}" "${RPS[flask-sync-1w]}")"
fi
if ((${#ORDER_P[@]} > 0)); then
  echo "ratios (1 worker on CPU $TARGET_CPU, wrk -t1 alone on CPU $WRK_CPU):"
  echo "  server / nginx req/s           $(f1 "${RPS[server-pin]}" "${RPS[nginx-pin]}")   (p50 $(f1 "${P50[server-pin]}" "${P50[nginx-pin]}"), p99 $(f1 "${P99[server-pin]}" "${P99[nginx-pin]}"))"
  echo "  server / Flask sync req/s      $(f1 "${RPS[server-pin]}" "${RPS[flask-sync-pin]}")"
  echo "  nginx / Flask sync req/s       $(f1 "${RPS[nginx-pin]}" "${RPS[flask-sync-pin]}")"
fi
echo
echo "cache miss (1 worker, 1 loop; server time from the /metrics histogram sum, 20 misses):"
echo "  ${MISS_OUT//$'\n'/$'\n'  }"
MISS_MEDIAN=$(sed -n 's/^miss_server_ms .*median=\([0-9.]*\).*/\1/p' <<<"$MISS_OUT")
MISS_MAX=$(sed -n 's/^miss_server_ms .*max=\([0-9.]*\).*/\1/p' <<<"$MISS_OUT")
echo
echo "start-up, exec -> first 200 on /healthz (median min max, then all 5 runs, ms):"
echo "  $WORKERS workers: ${STARTUP_N#startup_ms }"
echo "  1 worker:  ${STARTUP_1#startup_ms }"
STARTUP_MEDIAN=$(awk '{ print $2 }' <<<"$STARTUP_N")
echo
echo "memory, VmRSS with all ${#CITIES[@]} cities' showtimes cached (supervisor $(mb "$SUPERVISOR_RSS") MB):"
RSS_MAX=0
for w in "${SERVER_WORKERS[@]}"; do
  echo "  worker $w: $(mb "${RSS_CACHED[$w]}") MB"
  ((${RSS_CACHED[$w]} > RSS_MAX)) && RSS_MAX=${RSS_CACHED[$w]}
done
echo
echo "soak: ${SOAK}s over all cities (all invalidated at the start), $SOAK_LINE;"
echo "VmRSS kB every 5 s per worker:"
GROWTH_MAX=0
SOAK_RSS_MAX=0
for w in "${SERVER_WORKERS[@]}"; do
  read -r -a s <<<"${RSS_SAMPLES[$w]}"
  # growth: the last sample minus the one half-way (the first half is warm-up: the refill, the
  # blocking threads' first tasks, the 15 s watchdog)
  half=${s[${#s[@]} / 2]}
  growth=$((s[-1] - half))
  ((growth > GROWTH_MAX)) && GROWTH_MAX=$growth
  for v in "${s[@]}"; do ((v > SOAK_RSS_MAX)) && SOAK_RSS_MAX=$v; done
  echo "  worker $w: ${s[*]} (whole soak: $((s[-1] - s[0])) kB, second half: ${growth} kB)"
done
echo

verdict "$(awk -v r="$R_FLASK" 'BEGIN { print (r >= 20) ? 1 : 0 }')" \
  "server >= 20x Flask (sync, $WORKERS workers): ${R_FLASK}x"
verdict "$(awk -v m="$MISS_MEDIAN" 'BEGIN { print (m < 2) ? 1 : 0 }')" \
  "cache miss < 2 ms server time: median ${MISS_MEDIAN} ms (max ${MISS_MAX} ms)"
verdict "$((RSS_MAX < 30 * 1024 ? 1 : 0))" \
  "RSS per worker < 30 MB with 100 cities cached (one request each): max $(mb "$RSS_MAX") MB"
verdict "$((SOAK_RSS_MAX < 30 * 1024 ? 1 : 0))" \
  "RSS per worker < 30 MB during the soak (100 cities refilled under load): max $(mb "$SOAK_RSS_MAX") MB"
verdict "$((GROWTH_MAX <= 256 ? 1 : 0))" \
  "no RSS growth over the ${SOAK}s soak (second half <= 256 kB): max ${GROWTH_MAX} kB"
verdict "$(awk -v m="$STARTUP_MEDIAN" 'BEGIN { print (m < 200) ? 1 : 0 }')" \
  "start-up to first 200 < 200 ms ($WORKERS workers): median ${STARTUP_MEDIAN} ms"
printf '%s\n' "${MET[@]}"
echo "(reference, no target: server / nginx req/s = ${R_NGINX})"
exit 0
