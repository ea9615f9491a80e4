#!/usr/bin/env bash
# The generated nginx site in front of a real `cinestream serve`, on loopback only:
# deploy.sh --root deploys the app into a temporary root (the binary from CINESTREAM_BINARY),
# sets a test domain, "installs" a self-signed certificate, and renders the site with its listen
# ports moved to free high loopback ports. nginx (NGINX, default nginx) checks it with `nginx -t`
# and then serves it from a main nginx.conf whose pid, logs and temp paths are all in the
# temporary directory; curl fetches through it over HTTPS.
# Prints "N passed, N failed"; exits 1 on any failure. Bounded: gives up after 100 s.
# shellcheck disable=SC2016,SC2317  # nginx variables are literal text; functions run via check/trap
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEPLOY=$REPO/ops/deploy.sh
BIN=${CINESTREAM_BINARY:-$REPO/build/cinestream}
NGINX_BIN=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
# nginx itself reads $NGINX (sockets inherited on a binary upgrade): keep it out of its environment.
unset NGINX
DOMAIN=movies.example.test
T=$(mktemp -d "${TMPDIR:-/tmp}/cinestream-nginx-test.XXXXXX")
chmod 755 "$T"
R=$T/root
APP=$R/var/www/cinestream
SERVER_PID=""
NGINX_PID=""
WATCHDOG_PID=""

# stop_pid PID: TERM to the process group PID leads (started with setsid: the server's workers,
# nginx's workers), then KILL after 10 s.
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
  stop_pid "$NGINX_PID"
  stop_pid "$SERVER_PID"
  [[ -z $WATCHDOG_PID ]] || kill "$WATCHDOG_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'echo "nginx_test: timed out" >&2; exit 124' TERM
(
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep 100 &
  sleeper=$!
  wait "$sleeper" && kill -TERM $$
) </dev/null >/dev/null 2>&1 &
WATCHDOG_PID=$!

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  printf 'ok   %s\n' "$1"
}
bad() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$1"
}
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  ((failed == 0))
  exit
}
# header FILE NAME: the value of a response header (the last response in FILE).
header() { tr -d '\r' <"$1" | sed -n "s/^$2: *//Ip" | tail -1; }
# header_count FILE NAME
header_count() { tr -d '\r' <"$1" | grep -ci "^$2:"; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # free_port FROM: the first free loopback port from FROM on
  local p
  for ((p = $1; p < $1 + 500; p++)); do
    if port_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

for tool in curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || {
    bad "$tool is installed"
    finish
  }
done
[[ -x $NGINX_BIN ]] || {
  bad "nginx found (NGINX=$NGINX_BIN)"
  finish
}
[[ -x $BIN ]] || {
  bad "cinestream binary built (CINESTREAM_BINARY=$BIN)"
  finish
}

echo "== deploy into $R"
mkdir -p "$T/sys" "$T/logs" "$T/tmp"
export CINESTREAM_SYSFS=$T/sys
unset CINESTREAM_ROOT CINESTREAM_WEB_SRC CERTBOT_EMAIL
D=(bash "$DEPLOY" --root "$R" --binary "$BIN" --web-src "$REPO/web")
check "deploy.sh init-server" "${D[@]}" init-server
check "deploy.sh set-domain $DOMAIN" "${D[@]}" set-domain "$DOMAIN"
LIVE=$R/etc/letsencrypt/live/$DOMAIN
mkdir -p "$LIVE"
check "self-signed certificate" openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$DOMAIN" \
  -addext "subjectAltName=DNS:$DOMAIN" -keyout "$LIVE/privkey.pem" -out "$LIVE/fullchain.pem"
check "deploy.sh install-ssl $DOMAIN" "${D[@]}" install-ssl "$DOMAIN"

echo "== cinestream serve (demo) on loopback"
setsid "$APP/bin/cinestream" serve --demo --env-file "$APP/.env" --data-dir "$APP/data" --web-dir "$APP/web" \
  --host 127.0.0.1 --port 0 --port-file "$T/app.port" --trusted-proxies 127.0.0.1,::1 --log-level warn </dev/null >"$T/logs/app.log" 2>&1 &
SERVER_PID=$!
for ((i = 0; i < 200; i++)); do
  [[ -s $T/app.port ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
APP_PORT=$(cat "$T/app.port" 2>/dev/null)
if [[ -n $APP_PORT ]]; then ok "the deployed binary serves with the generated .env (port $APP_PORT)"; else
  bad "the deployed binary serves with the generated .env"
  sed 's/^/    /' "$T/logs/app.log"
  finish
fi

HTTPS=$(free_port 18443)
HTTP=$(free_port 18080)
echo "== nginx on 127.0.0.1:$HTTPS (https) and 127.0.0.1:$HTTP (http)"
render() { # render OUT --set ...: the app's site with the test paths and ports
  local out=$1
  shift
  bash "$DEPLOY" --root "$R" render-nginx cinestream --set "PATH_PREFIX=$R" --set "LOG_DIR=$T/logs" \
    --set "HTTP_LISTEN=127.0.0.1:$HTTP" --set "HTTPS_LISTEN=127.0.0.1:$HTTPS" \
    --set "BACKENDS=127.0.0.1:$APP_PORT" "$@" >"$out"
}
main_conf() { # main_conf SITE OUT: a main nginx.conf including SITE, everything inside $T
  {
    ((EUID == 0)) && echo "user root;"
    cat <<EOF
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/logs/error.log warn;
events { worker_connections 256; }
http {
EOF
    if [[ -f /etc/nginx/mime.types ]]; then
      echo "    include /etc/nginx/mime.types;"
    else
      echo "    types { text/html html; text/css css; application/javascript js; image/svg+xml svg; image/jpeg jpg; }"
    fi
    cat <<EOF
    default_type application/octet-stream;
    access_log $T/logs/access.log;
    client_body_temp_path $T/tmp/body;
    proxy_temp_path $T/tmp/proxy;
    fastcgi_temp_path $T/tmp/fastcgi;
    uwsgi_temp_path $T/tmp/uwsgi;
    scgi_temp_path $T/tmp/scgi;
    include $1;
}
EOF
  } >"$2"
}
nginx_t() { "$NGINX_BIN" -t -p "$T" -e "$T/logs/error.log" -c "$1" >"$T/logs/nginx-t.out" 2>&1; }

check "render-nginx (https)" render "$T/site.conf"
check "rendered site has the test ports and the test certificate" \
  bash -c "grep -q 'listen 127.0.0.1:$HTTPS ssl' '$T/site.conf' && grep -qF 'ssl_certificate $LIVE/fullchain.pem;' '$T/site.conf'"
# The live notifications' WebSocket: the upgrade must reach the app (nginx drops hop-by-hop
# Upgrade/Connection unless told), with the client's address and scheme like every API request.
check "the WebSocket location passes the upgrade on" bash -c \
  "sed -n '/location ^~ \/api\/me\/notifications\/live {/,/^ *}$/p' '$T/site.conf' > '$T/live.loc' &&
   grep -qF 'proxy_set_header Upgrade \$http_upgrade;' '$T/live.loc' &&
   grep -qF 'proxy_set_header Connection \"upgrade\";' '$T/live.loc' &&
   grep -qF 'proxy_set_header X-Forwarded-Proto \$scheme;' '$T/live.loc' &&
   grep -qF 'proxy_set_header X-Real-IP \$remote_addr;' '$T/live.loc'"
main_conf "$T/site.conf" "$T/nginx.conf"
if nginx_t "$T/nginx.conf"; then ok "nginx -t (https site)"; else
  bad "nginx -t (https site)"
  sed 's/^/    /' "$T/logs/nginx-t.out"
fi
check "render-nginx (plain http, before a certificate)" render "$T/site-http.conf" --set SSL=no
main_conf "$T/site-http.conf" "$T/nginx-http.conf"
check "nginx -t (plain http site)" nginx_t "$T/nginx-http.conf"
check "render-nginx (one process per port: ip_hash)" render "$T/site-multi.conf" \
  --set "BACKENDS=127.0.0.1:$APP_PORT 127.0.0.1:1 127.0.0.1:2"
main_conf "$T/site-multi.conf" "$T/nginx-multi.conf"
if grep -q ip_hash "$T/site-multi.conf" && nginx_t "$T/nginx-multi.conf"; then ok "nginx -t (ip_hash upstream)"; else
  bad "nginx -t (ip_hash upstream)"
fi

setsid "$NGINX_BIN" -p "$T" -e "$T/logs/error.log" -c "$T/nginx.conf" </dev/null >"$T/logs/nginx.out" 2>&1 &
NGINX_PID=$!
C=(curl -sS -k --max-time 10 --resolve "$DOMAIN:$HTTPS:127.0.0.1" --resolve "$DOMAIN:$HTTP:127.0.0.1")
URL=https://$DOMAIN:$HTTPS
for ((i = 0; i < 100; i++)); do
  "${C[@]}" -o /dev/null "$URL/healthz" 2>/dev/null && break
  kill -0 "$NGINX_PID" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$NGINX_PID" 2>/dev/null; then ok "nginx started"; else
  bad "nginx started"
  sed 's/^/    /' "$T/logs/nginx.out" "$T/logs/error.log"
  finish
fi

echo "== through nginx over HTTPS"
# fetch NAME PATH [curl args]: body in $T/NAME.body, headers in $T/NAME.h, "code|type|version" in $T/NAME.w
fetch() {
  local name=$1 path=$2
  shift 2
  "${C[@]}" -o "$T/$name.body" -D "$T/$name.h" -w '%{http_code}|%{content_type}|%{http_version}' "$@" "$URL$path" >"$T/$name.w" 2>"$T/$name.err"
}
fetch page /
IFS='|' read -r code type version <"$T/page.w"
check "/ → 200 ($code)" test "$code" = 200
check "/ is text/html ($type)" grep -q '^text/html' <<<"$type"
check "HTTP/2 ($version)" test "$version" = 2
check "HSTS max-age=31536000" grep -q '^max-age=31536000' <<<"$(header "$T/page.h" strict-transport-security)"
check "X-Content-Type-Options: nosniff, once" test "$(header "$T/page.h" x-content-type-options)/$(header_count "$T/page.h" x-content-type-options)" = nosniff/1
check "X-Frame-Options: DENY, once" test "$(header "$T/page.h" x-frame-options)/$(header_count "$T/page.h" x-frame-options)" = DENY/1
check "Referrer-Policy: strict-origin-when-cross-origin" test "$(header "$T/page.h" referrer-policy)" = strict-origin-when-cross-origin
check "the page's CSP from the app passes through" test -n "$(header "$T/page.h" content-security-policy)"
RID=$(header "$T/page.h" x-request-id)
check "X-Request-Id from nginx's \$request_id reaches the app ($RID)" \
  bash -c "[[ '$RID' =~ ^[0-9a-f]{32}$ ]] && grep -q 'rid=$RID ' '$T/logs/cinestream-cinestream.access.log'"

fetch locations '/api/locations?limit=3'
IFS='|' read -r code type version <"$T/locations.w"
check "/api/locations → 200 ($code)" test "$code" = 200
check "/api/locations is JSON ($type)" grep -q '^application/json' <<<"$type"
check "/api/locations lists cities" grep -q '"locations"' "$T/locations.body"

fetch css /style.css -H 'Accept-Encoding: gzip'
IFS='|' read -r code type version <"$T/css.w"
check "/style.css → 200 text/css ($code $type)" bash -c "[[ '$code' == 200 && '$type' == text/css* ]]"
check "/style.css gzip-compressed" test "$(header "$T/css.h" content-encoding)" = gzip
check "/style.css cached an hour" grep -q 'max-age=3600' <<<"$(header "$T/css.h" cache-control)"
PROBE=ops-probe-$$.txt
echo "served by nginx" >"$APP/web/$PROBE"
fetch probe "/$PROBE"
IFS='|' read -r code type version <"$T/probe.w"
check "a static file added after the app started → 200 from nginx ($code)" \
  bash -c "[[ '$code' == 200 ]] && grep -qx 'served by nginx' '$T/probe.body'"
check "... which the app itself does not serve (404)" \
  test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$APP_PORT/$PROBE")" = 404
check "... and has no X-Request-Id (not proxied)" test -z "$(header "$T/probe.h" x-request-id)"

POSTER=$(printf 'poster' | sha256sum | cut -d' ' -f1).jpg
printf '\xff\xd8\xff\xe0 fake jpeg' >"$APP/data/posters/$POSTER"
fetch poster "/posters/$POSTER"
IFS='|' read -r code type version <"$T/poster.w"
check "/posters/… → 200 image/jpeg from the data directory ($code $type)" \
  bash -c "[[ '$code' == 200 && '$type' == image/jpeg ]] && cmp -s '$APP/data/posters/$POSTER' '$T/poster.body'"
check "posters cached a year" grep -q 'max-age=31536000' <<<"$(header "$T/poster.h" cache-control)"

fetch events /api/scrape/events/kyiv
IFS='|' read -r code type version <"$T/events.w"
check "/api/scrape/events/kyiv → 200 text/event-stream ($code $type)" \
  bash -c "[[ '$code' == 200 && '$type' == text/event-stream* ]] && grep -q '^event: end' '$T/events.body'"

head -c 70000 /dev/zero | tr '\0' x >"$T/big.json"
fetch big /api/scrape -X POST -H 'Content-Type: application/json' --data-binary "@$T/big.json"
check "a body over 64k → 413 from nginx" test "$(cut -d'|' -f1 "$T/big.w")" = 413
# nginx is the trusted proxy (the unit's --trusted-proxies): its X-Forwarded-Proto makes the cookie
# Secure, and the page's own origin may POST while another site's may not.
fetch session /api/session -X POST -H 'Content-Type: application/json' -H "Origin: https://$DOMAIN:$HTTPS" --data '{"lang":"ua"}'
check "POST /api/session from the site's page → 200, cookie Secure" \
  bash -c "[[ \$(cut -d'|' -f1 '$T/session.w') == 200 ]] && grep -qi '^set-cookie: cs_lang=.*; Secure' '$T/session.h'"
fetch csrf /api/session -X POST -H 'Content-Type: application/json' -H 'Origin: https://evil.example' --data '{"lang":"ua"}'
check "POST /api/session from another site → 403" test "$(cut -d'|' -f1 "$T/csrf.w")" = 403
check "/metrics from loopback → 200" test "$("${C[@]}" -o /dev/null -w '%{http_code}' "$URL/metrics")" = 200
check "TLS 1.2 accepted" "${C[@]}" -o /dev/null --tlsv1.2 --tls-max 1.2 "$URL/healthz"
check "TLS 1.1 refused" bash -c "! curl -sk --max-time 5 --resolve '$DOMAIN:$HTTPS:127.0.0.1' --tlsv1.0 --tls-max 1.1 -o /dev/null '$URL/healthz'"

echo "== plain HTTP"
code=$("${C[@]}" -o /dev/null -D "$T/redirect.h" -w '%{http_code}' "http://$DOMAIN:$HTTP/api/locations?lang=en")
check "http:// → 301 ($code)" test "$code" = 301
check "... to https://$DOMAIN:$HTTPS/api/locations?lang=en" \
  test "$(header "$T/redirect.h" location)" = "https://$DOMAIN:$HTTPS/api/locations?lang=en"

stop_pid "$NGINX_PID"
NGINX_PID=""
check "nginx stopped" bash -c "! kill -0 \$(cat '$T/nginx.pid' 2>/dev/null) 2>/dev/null"
if grep -E '\[(emerg|alert|crit|error)\]' "$T/logs/error.log" "$T/logs/cinestream-cinestream.error.log" |
  grep -v 'client intended to send too large body' >"$T/errors.txt"; then
  bad "no errors in nginx's error logs"
  sed 's/^/    /' "$T/errors.txt"
else
  ok "no errors in nginx's error logs (but the 413)"
fi
finish
