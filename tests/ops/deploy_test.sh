#!/usr/bin/env bash
# Tests ops/deploy.sh entirely inside temporary roots (--root): nothing on the real system is
# touched and no system command runs; they are asserted in ROOT/commands.log instead.
# A fake sysfs simulates an Intel hybrid CPU (P-cores 0-5, E-cores 6-13). Every verb is run twice
# and the tree hash (paths, modes, sizes, mtimes, contents; commands.log aside) must not change.
# Prints "N passed, N failed"; exits 1 on any failure.
# shellcheck disable=SC2016  # nginx variables ($host, ...) are literal text in these checks
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEPLOY=$REPO/ops/deploy.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/cinestream-deploy-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

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
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
# check_not DESCRIPTION COMMAND...: passes when the command fails.
check_not() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then bad "$what"; else ok "$what"; fi
}
has() { grep -qF -- "$2" "$1"; }      # FILE contains the text
has_line() { grep -qxF -- "$2" "$1"; } # FILE has exactly this line
mode_is() { [[ $(stat -c %a "$1") == "$2" ]]; }
cfg() { sed -n "s/^$2=//p" "$1" | tail -1; }

# The current root ($R): its files, its command log and its hash.
R=""
log_mark() { if [[ -f $R/commands.log ]]; then MARK=$(wc -l <"$R/commands.log"); else MARK=0; fi; }
new_log() { tail -n +$((MARK + 1)) "$R/commands.log" 2>/dev/null; }
log_has() { new_log | grep -qxF -- "$1"; }        # since log_mark, exactly this line
log_has_text() { new_log | grep -qF -- "$1"; }    # since log_mark, a line containing the text
tree_hash() {
  (
    cd "$R" || exit 1
    find . -mindepth 1 ! -name commands.log -printf '%p %m %y %s %l\n' | sort
    find . -type f ! -name commands.log -printf '%p %T@\n' | sort
    find . -type f ! -name commands.log -print0 | sort -z | xargs -0 -r sha256sum
  ) | sha256sum | cut -d' ' -f1
}

OUT=$T/out.txt
# deploy ARGS...: deploy.sh on the current root with the fake binary and web directory.
deploy() {
  bash "$DEPLOY" --root "$R" --binary "$T/src/cinestream" --web-src "$T/src/web" "$@" >"$OUT" 2>&1
}
# twice DESCRIPTION ARGS...: the verb succeeds, a second run changes no file and neither
# reloads, restarts nor creates anything. Afterwards log_has looks at both runs' commands.
twice() {
  local what=$1 h1 h2 start
  shift
  log_mark
  start=$MARK
  if deploy "$@"; then ok "$what"; else
    bad "$what"
    sed 's/^/    /' "$OUT"
  fi
  h1=$(tree_hash)
  log_mark
  deploy "$@" || true
  h2=$(tree_hash)
  if [[ $h1 == "$h2" ]]; then ok "$what: idempotent (same tree hash)"; else bad "$what: idempotent (tree changed)"; fi
  if new_log | grep -qE 'useradd|userdel|daemon-reload|restart|nginx -t|purge|-Rns'; then
    bad "$what: second run acts again: $(new_log | grep -E 'useradd|userdel|daemon-reload|restart|nginx -t|purge|-Rns' | head -1)"
  else
    ok "$what: second run neither reloads, restarts nor creates"
  fi
  MARK=$start
}

# Inputs: a fake binary, a web directory, sysfs of a hybrid and of a plain CPU.
mkdir -p "$T/src/web" "$T/sys-hybrid/devices/cpu_core" "$T/sys-hybrid/devices/cpu_atom" "$T/sys-plain/devices"
printf '#!/bin/sh\necho fake cinestream v1\n' >"$T/src/cinestream"
chmod 755 "$T/src/cinestream"
printf '<!doctype html><title>CineStream</title>\n' >"$T/src/web/index.html"
printf 'body { margin: 0 }\n' >"$T/src/web/style.css"
printf 'console.log(1)\n' >"$T/src/web/app.js"
echo 0-5 >"$T/sys-hybrid/devices/cpu_core/cpus"
echo 6-13 >"$T/sys-hybrid/devices/cpu_atom/cpus"
unset CINESTREAM_ROOT CINESTREAM_BINARY CINESTREAM_WEB_SRC CINESTREAM_MONGODB CERTBOT_EMAIL
export CINESTREAM_SYSFS=$T/sys-hybrid CINESTREAM_DISTRO=debian

HARDENING=(
  "User=cinestream" "Restart=always" "RestartSec=2" "NoNewPrivileges=yes" "ProtectSystem=strict"
  "PrivateTmp=yes" "ProtectHome=yes" "PrivateDevices=yes"
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "LimitNOFILE=65536"
)
check_unit() { # check_unit APP UNIT_FILE
  local app=$1 unit=$2 line missing=""
  for line in "${HARDENING[@]}" "ReadWritePaths=/var/www/$app/data"; do
    has_line "$unit" "$line" || missing+=" [$line]"
  done
  if [[ -z $missing ]]; then ok "$app unit: User, Restart, hardening, LimitNOFILE"; else bad "$app unit lacks:$missing"; fi
  check_not "$app unit: no EnvironmentFile=" grep -q '^EnvironmentFile' "$unit"
}

echo "== Debian, hybrid CPU: $T/root"
R=$T/root
check_not "deploy-app before init-server fails" deploy deploy-app early
check "... and says why" has "$OUT" "init-server first"
twice "init-server" init-server
W=$R/var/www/cinestream
check "apt-get update logged" log_has "apt-get update"
check "nginx and certbot installed with apt-get" log_has_text "apt-get install -y --no-install-recommends nginx certbot"
check "system user created (logged)" log_has "useradd --system --user-group --home-dir /var/www --no-create-home --shell /usr/sbin/nologin cinestream"
check "useradd logged once over two runs" test "$(grep -c '^useradd' "$R/commands.log")" = 1
check "nginx may read posters (group cinestream)" log_has "usermod -a -G cinestream www-data"
check "nginx enabled" log_has "systemctl enable nginx"
check "nginx restarted for its new CPU affinity" log_has "systemctl restart nginx"
check "first app's unit enabled" log_has "systemctl enable cinestream-cinestream.service"
check "first app started" log_has "systemctl restart cinestream-cinestream.service"
check "nginx -t before reload" log_has "nginx -t"
check "chown skipped under --root and logged" log_has "chown cinestream:cinestream /var/www/cinestream/.env"
check "data dir chown logged" log_has "chown cinestream:cinestream /var/www/cinestream/data"
check "no MongoDB under --root (embedded store)" bash -c "! grep -q mongo '$R/commands.log'"
check "bin/cinestream installed 755" mode_is "$W/bin/cinestream" 755
check "bin/cinestream is the given binary" cmp "$T/src/cinestream" "$W/bin/cinestream"
check "web copied" cmp "$T/src/web/style.css" "$W/web/style.css"
check "data dir 750" mode_is "$W/data" 750
check "data/posters dir 750" mode_is "$W/data/posters" 750
check ".env mode 600" mode_is "$W/.env" 600
check ".env: empty MONGO_URI (embedded store)" has_line "$W/.env" "MONGO_URI="
check ".env: generated SECRET_KEY (64 hex)" grep -qE '^SECRET_KEY=[0-9a-f]{64}$' "$W/.env"
SECRET1=$(cfg "$W/.env" SECRET_KEY)
check ".deploy_config: ports 8001-8012" test "$(cfg "$W/.deploy_config" PORT_START)-$(cfg "$W/.deploy_config" PORT_END)" = 8001-8012
check ".deploy_config: single mode" has_line "$W/.deploy_config" "MODE=single"
check ".deploy_config: E-cores from sysfs" has_line "$W/.deploy_config" "CPU_AFFINITY=6-13"
check "server.conf records the distribution" has_line "$R/etc/cinestream/server.conf" "DISTRO=debian"
check "fake /etc/passwd has cinestream" grep -q '^cinestream:' "$R/etc/passwd"
check "deploy script installed in /usr/local/sbin" mode_is "$R/usr/local/sbin/cinestream-deploy" 755
check "templates installed" test -f "$R/usr/local/share/cinestream/templates/nginx-site.conf.tmpl"
U=$R/etc/systemd/system/cinestream-cinestream.service
check "unit cinestream-cinestream.service" test -f "$U"
check_unit cinestream "$U"
check "unit: CPUAffinity=6-13 (E-cores)" has_line "$U" "CPUAffinity=6-13"
check "unit: ExecStart" has_line "$U" "ExecStart=/var/www/cinestream/bin/cinestream serve --env-file /var/www/cinestream/.env --data-dir /var/www/cinestream/data --web-dir /var/www/cinestream/web --trusted-proxies 127.0.0.1,::1 --host 127.0.0.1 --port 8001"
check "nginx override: P-cores" has_line "$R/etc/systemd/system/nginx.service.d/cpu-affinity.conf" "CPUAffinity=0-5"
check "no MongoDB override" test ! -e "$R/etc/systemd/system/mongod.service.d"
S=$R/etc/nginx/conf.d/cinestream-cinestream.conf
check "nginx site written" test -f "$S"
check "site: one upstream server with keepalive" bash -c "grep -c '^    server 127.0.0.1:' '$S' | grep -qx 1 && grep -q 'keepalive 32;' '$S'"
check "site: no ip_hash for one port" bash -c "! grep -q ip_hash '$S'"
check "site: plain HTTP before a certificate" bash -c "grep -q 'listen 80;' '$S' && ! grep -q 'listen 443' '$S' && ! grep -q 'return 301' '$S'"

echo "== set-domain with one app (auto-detected)"
twice "set-domain movies.example.test" set-domain movies.example.test
check "DOMAIN in .deploy_config" has_line "$W/.deploy_config" "DOMAIN=movies.example.test"
check "site server_name" has "$S" "server_name movies.example.test;"
check "SECRET_KEY unchanged" test "$(cfg "$W/.env" SECRET_KEY)" = "$SECRET1"

echo "== deploy-app second (one unit per port), third (supervisor workers)"
twice "deploy-app second --mode per-port --workers 3" deploy-app second --mode per-port --workers 3
W2=$R/var/www/second
check "second: ports 8013-8024" test "$(cfg "$W2/.deploy_config" PORT_START)-$(cfg "$W2/.deploy_config" PORT_END)" = 8013-8024
U2=$R/etc/systemd/system/cinestream-second@.service
check "second: template unit cinestream-second@.service" test -f "$U2"
check_unit second "$U2"
check "second unit: --port %i" has "$U2" "--host 127.0.0.1 --port %i"
check "second unit: CPUAffinity=6-13" has_line "$U2" "CPUAffinity=6-13"
check "second: three instances enabled" log_has "systemctl enable cinestream-second@8013.service cinestream-second@8014.service cinestream-second@8015.service"
S2=$R/etc/nginx/conf.d/cinestream-second.conf
check "second site: ip_hash over 3 ports" bash -c "grep -q '    ip_hash;' '$S2' && grep -c '^    server 127.0.0.1:801[345] ' '$S2' | grep -qx 3"
check "second: its own SECRET_KEY" test "$(cfg "$W2/.env" SECRET_KEY)" != "$SECRET1"
twice "deploy-app third --workers 4 --ports 5" deploy-app third --workers 4 --ports 5
W3=$R/var/www/third
check "third: ports 8025-8029" test "$(cfg "$W3/.deploy_config" PORT_START)-$(cfg "$W3/.deploy_config" PORT_END)" = 8025-8029
check "third unit: serve --workers 4" has "$R/etc/systemd/system/cinestream-third.service" "--port 8025 --workers 4"
check "first unit: no --workers" bash -c "! grep -q -- --workers '$U'"
overlap=""
mapfile -t ranges < <(for f in "$R"/var/www/*/.deploy_config; do echo "$(cfg "$f" PORT_START) $(cfg "$f" PORT_END)"; done)
for ((i = 0; i < ${#ranges[@]}; i++)); do
  for ((j = i + 1; j < ${#ranges[@]}; j++)); do
    read -r s1 e1 <<<"${ranges[i]}"
    read -r s2 e2 <<<"${ranges[j]}"
    ((s1 <= e2 && s2 <= e1)) && overlap+=" [${ranges[i]} / ${ranges[j]}]"
  done
done
check "port ranges of ${#ranges[@]} apps do not overlap" test -z "$overlap" -a "${#ranges[@]}" = 3

echo "== set-domain with several apps"
check_not "set-domain without APP is refused" deploy set-domain other.example.test
check "... naming the apps" has "$OUT" "several apps"
check_not "a domain of another app is refused" deploy set-domain movies.example.test second
check_not "a malformed domain is refused" deploy set-domain 'bad_domain..x' second
twice "set-domain Blog.Example.Test second" set-domain Blog.Example.Test second
check "domain lower-cased" has_line "$W2/.deploy_config" "DOMAIN=blog.example.test"

echo "== install-ssl (certbot logged; a self-signed certificate stands in)"
LIVE=$R/etc/letsencrypt/live/movies.example.test
mkdir -p "$LIVE"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=movies.example.test \
  -keyout "$LIVE/privkey.pem" -out "$LIVE/fullchain.pem" >/dev/null 2>&1
check_not "install-ssl of an unknown domain is refused" deploy install-ssl nowhere.example.test
twice "install-ssl movies.example.test" install-ssl movies.example.test
check "certbot certonly --nginx logged" log_has "certbot certonly --nginx --non-interactive --agree-tos --register-unsafely-without-email --keep-until-expiring -d movies.example.test"
check "renewal timer enabled" log_has "systemctl enable --now certbot.timer"
check "nginx reloaded" log_has "systemctl try-reload-or-restart nginx"
check "site: listen 443 ssl http2" has "$S" "listen 443 ssl http2;"
check "site: http redirects to https" has "$S" 'return 301 https://movies.example.test$request_uri;'
check "site: TLS 1.2/1.3 only" has_line "$S" "    ssl_protocols TLSv1.2 TLSv1.3;"
check "site: HSTS one year" has "$S" 'Strict-Transport-Security "max-age=31536000'
check "site: certificate path on the target (not the test root)" has_line "$S" "    ssl_certificate /etc/letsencrypt/live/movies.example.test/fullchain.pem;"
for h in 'X-Content-Type-Options "nosniff"' 'X-Frame-Options "DENY"' 'Referrer-Policy "strict-origin-when-cross-origin"' \
  'gzip on;' 'location ^~ /posters/' 'root /var/www/cinestream/data;' 'expires 1y;' 'root /var/www/cinestream/web;' \
  'location ^~ /api/scrape/events/' 'proxy_buffering off;' 'proxy_read_timeout 1h;' \
  'proxy_set_header X-Request-Id $request_id;' 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' \
  'proxy_set_header Host $host;' 'client_max_body_size 64k;'; do
  check "site: $h" has "$S" "$h"
done
check "renewal hook 755" mode_is "$R/etc/letsencrypt/renewal-hooks/deploy/cinestream-reload-nginx.sh" 755
check "second site stays plain HTTP (no certificate)" bash -c "! grep -q 'listen 443' '$S2'"

echo "== status, start-all, stop-all, enable-autostart"
if deploy status; then ok "status"; else bad "status"; fi
check "status: apps with ports and domains" bash -c "grep -q 'app cinestream: ports 8001-8012, mode single, workers 1, domain movies.example.test, https yes' '$OUT' && grep -q 'app second: ports 8013-8024, mode per-port' '$OUT' && grep -q 'cinestream-second@8015.service' '$OUT'"
check "status: CPU topology" has "$OUT" "P-cores 0-5, E-cores 6-13"
ALL="cinestream-cinestream.service cinestream-second@8013.service cinestream-second@8014.service cinestream-second@8015.service cinestream-third.service"
log_mark
check "start-all" deploy start-all
check "start-all: apps" log_has "systemctl start $ALL"
check "start-all: nginx" log_has "systemctl start nginx"
log_mark
check "stop-all" deploy stop-all
check "stop-all: apps" log_has "systemctl stop $ALL"
check "stop-all: nginx" log_has "systemctl stop nginx"
log_mark
check "enable-autostart" deploy enable-autostart
check "enable-autostart: apps" log_has "systemctl enable $ALL"
check "enable-autostart: nginx" log_has "systemctl enable nginx"

echo "== --dry-run changes nothing"
H=$(tree_hash)
log_mark
check "--dry-run deploy-app dryapp" deploy --dry-run deploy-app dryapp
check "... prints what it would do" has "$OUT" "would create /etc/systemd/system/cinestream-dryapp.service"
check "--dry-run uninit-server yes" deploy --dry-run uninit-server yes
check "... prints the commands" has "$OUT" "would run: userdel cinestream"
check "dry runs: same tree" test "$(tree_hash)" = "$H"
check "dry runs: nothing logged" test -z "$(new_log)"

echo "== updates"
chmod 644 "$W/.env"
printf '#!/bin/sh\necho fake cinestream v2\n' >"$T/src/cinestream"
log_mark
check "deploy-app cinestream with a new binary" deploy deploy-app cinestream
check ".env back to 600" mode_is "$W/.env" 600
check "SECRET_KEY kept" test "$(cfg "$W/.env" SECRET_KEY)" = "$SECRET1"
check "new binary installed" cmp "$T/src/cinestream" "$W/bin/cinestream"
check "app restarted for the new binary" log_has "systemctl restart cinestream-cinestream.service"
log_mark
check "deploy-app second --mode single" deploy deploy-app second --mode single
check "per-port instances disabled" log_has_text "systemctl disable --now cinestream-second@8013.service cinestream-second@8014.service cinestream-second@8015.service"
check "template unit removed" test ! -e "$U2"
check "single unit with serve --workers 3" has "$R/etc/systemd/system/cinestream-second.service" "--port 8013 --workers 3"
check "second site: one upstream server" bash -c "! grep -q ip_hash '$S2'"
check "ports kept" has_line "$W2/.deploy_config" "PORT_START=8013"

echo "== uninit-server"
twice "uninit-server" uninit-server
check "apps disabled" log_has "systemctl disable --now cinestream-cinestream.service"
check "user removed (logged)" log_has "userdel cinestream"
check "packages kept without yes" bash -c "! grep -q purge '$R/commands.log'"
check "apps removed" test -z "$(ls -A "$R/var/www")"
check "units removed" bash -c "! ls '$R'/etc/systemd/system/cinestream-* 2>/dev/null | grep -q ."
check "sites removed" bash -c "! ls '$R'/etc/nginx/conf.d/cinestream-* 2>/dev/null | grep -q ."
check "nginx override removed" test ! -e "$R/etc/systemd/system/nginx.service.d"
check "installed script removed" test ! -e "$R/usr/local/sbin/cinestream-deploy"
check "server.conf removed" test ! -e "$R/etc/cinestream"
check "user gone from the fake passwd" bash -c "! grep -q '^cinestream:' '$R/etc/passwd'"
check "init-server again" deploy init-server
log_mark
check "uninit-server yes" deploy uninit-server yes
check "yes: nginx packages purged" log_has "apt-get purge -y nginx nginx-common nginx-light nginx-full nginx-extras"

echo "== Arch/CachyOS with MongoDB: $T/root-arch"
R=$T/root-arch
mkdir -p "$R/etc/nginx"
printf 'worker_processes 1;\nevents {}\nhttp {\n    include mime.types;\n}\n' >"$R/etc/nginx/nginx.conf"
export CINESTREAM_DISTRO=arch CINESTREAM_MONGODB=yes
twice "init-server (arch, mongodb)" init-server
check "pacman installs nginx, certbot, MongoDB" bash -c "grep -q '^pacman -Syu --needed --noconfirm nginx certbot .*certbot-nginx.* mongodb-bin' '$R/commands.log'"
check "useradd with /usr/bin/nologin" log_has_text "--shell /usr/bin/nologin cinestream"
check "nginx user http joins group cinestream" log_has "usermod -a -G cinestream http"
check "nginx.conf includes conf.d once" test "$(grep -c 'include /etc/nginx/conf.d/\*.conf;' "$R/etc/nginx/nginx.conf")" = 1
check "MongoDB override: P-cores" has_line "$R/etc/systemd/system/mongodb.service.d/cpu-affinity.conf" "CPUAffinity=0-5"
check "MongoDB enabled" log_has "systemctl enable mongodb"
check ".env: MONGO_URI to the local MongoDB" has_line "$R/var/www/cinestream/.env" "MONGO_URI=mongodb://127.0.0.1:27017/cinestream"
check "unit after mongodb.service" has_line "$R/etc/systemd/system/cinestream-cinestream.service" "After=network-online.target mongodb.service"
log_mark
check "start-all (arch)" deploy start-all
check "start-all starts MongoDB first" test "$(new_log | head -1)" = "systemctl start mongodb"
deploy set-domain movies.example.test >/dev/null 2>&1
twice "install-ssl (arch)" install-ssl movies.example.test
check "arch: renewal timer unit" test -f "$R/etc/systemd/system/cinestream-certbot-renew.timer"
check "arch: renewal timer enabled" log_has "systemctl enable --now cinestream-certbot-renew.timer"
log_mark
check "uninit-server yes (arch)" deploy uninit-server yes
check "pacman removes nginx and MongoDB" log_has "pacman -Rns --noconfirm nginx mongodb-bin"
check "renewal timer removed" test ! -e "$R/etc/systemd/system/cinestream-certbot-renew.timer"

echo "== Debian, no hybrid CPU: $T/root-plain"
R=$T/root-plain
export CINESTREAM_DISTRO=debian CINESTREAM_SYSFS=$T/sys-plain
unset CINESTREAM_MONGODB
twice "init-server (plain CPU)" init-server
check "unit: empty CPUAffinity= (all CPUs)" has_line "$R/etc/systemd/system/cinestream-cinestream.service" "CPUAffinity="
check "no nginx CPU override" test ! -e "$R/etc/systemd/system/nginx.service.d"
check "render-nginx with test overrides" bash -c "bash '$DEPLOY' --root '$R' render-nginx cinestream --set HTTP_LISTEN=127.0.0.1:18080 --set BACKENDS='127.0.0.1:1 127.0.0.1:2' >'$T/r.conf' 2>/dev/null"
check "render-nginx: listen override, no IPv6 listen" bash -c "grep -q 'listen 127.0.0.1:18080;' '$T/r.conf' && ! grep -q 'listen \[::\]' '$T/r.conf'"
check "render-nginx: BACKENDS override, ip_hash" bash -c "grep -q 'server 127.0.0.1:2 ' '$T/r.conf' && grep -q ip_hash '$T/r.conf'"

if command -v shellcheck >/dev/null 2>&1; then
  echo "== shellcheck"
  check "shellcheck -x ops/*.sh tests/ops/*.sh" bash -c "cd '$REPO' && shellcheck -x ops/*.sh tests/ops/*.sh"
fi

echo "$passed passed, $failed failed"
((failed == 0))
