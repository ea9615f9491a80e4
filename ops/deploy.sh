#!/usr/bin/env bash
# CineStream server deployment for Debian/Ubuntu (apt) and Arch/CachyOS (pacman).
# Verbs: init-server, deploy-app NAME, set-domain DOMAIN [APP], install-ssl DOMAIN, status,
# start-all, stop-all, enable-autostart, uninit-server [yes], render-nginx APP.
# Every verb is idempotent: a second run changes no file. `--root DIR` prefixes every path and
# logs system commands to DIR/commands.log instead of running them; `--dry-run` only prints.
# See ops/README.md.
set -euo pipefail
umask 022
shopt -s lastpipe # `render ... | write_file` records its change in this shell
export LC_ALL=C

SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPT_DIR=$(dirname "$SCRIPT_PATH")
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
SERVICE_USER=cinestream
SERVER_CONF=/etc/cinestream/server.conf
UNIT_DIR=/etc/systemd/system
NGINX_SITE_DIR=/etc/nginx/conf.d
INSTALLED_SCRIPT=/usr/local/sbin/cinestream-deploy
INSTALLED_TEMPLATES=/usr/local/share/cinestream/templates
CERTBOT_HOOK=/etc/letsencrypt/renewal-hooks/deploy/cinestream-reload-nginx.sh
PORT_BASE=${CINESTREAM_PORT_BASE:-8001}
DEFAULT_RANGE=12
DEBIAN_RUNTIME_LIBS=(libboost-json1.81.0 libboost-url1.81.0 libboost-container1.81.0 libc-ares2
  libdate-tz3 libfmt9 libspdlog1.10 libsqlite3-0 libssl3)
ARCH_RUNTIME_LIBS=(boost-libs c-ares fmt spdlog sqlite)

usage() {
  cat <<'EOF'
Usage: deploy.sh [options] VERB [args]

Verbs:
  init-server              packages, user `cinestream`, directories, MongoDB when available
                           (else the embedded store), nginx, CPU affinity; deploys app `cinestream`
  deploy-app NAME          install or update /var/www/NAME (bin, web, data, .env, .deploy_config),
                           its port range, systemd unit(s) and nginx site
  set-domain DOMAIN [APP]  serve APP (auto-detected when there is only one) on DOMAIN
  install-ssl DOMAIN       Let's Encrypt certificate (certbot certonly --nginx), then HTTPS
  status                   apps, ports, domains and service states
  start-all | stop-all     MongoDB, the apps and nginx
  enable-autostart         start them all at boot
  uninit-server [yes]      remove every CineStream app, unit and site (yes: also purge nginx
                           and MongoDB packages)
  render-nginx APP         print APP's nginx site (with --set overrides; for tests)

Options:
  --root DIR        prefix every path with DIR (env CINESTREAM_ROOT); system commands are then
                    appended to DIR/commands.log instead of being run
  --dry-run, -n     print what would change and which commands would run; change nothing
  --binary PATH     the cinestream binary to deploy (env CINESTREAM_BINARY; default build/cinestream)
  --web-src DIR     the web page directory to deploy (env CINESTREAM_WEB_SRC; default web/)
  --mode MODE       deploy-app: single (one unit, SO_REUSEPORT) or per-port (one unit per port)
  --workers N       deploy-app: processes (per-port) or `serve --workers N` (single)
  --ports N         deploy-app: size of a new app's port range (default 12)
  --email ADDR      install-ssl: Let's Encrypt account e-mail (env CERTBOT_EMAIL)
  --mongodb WHEN    init-server: auto, yes or no (env CINESTREAM_MONGODB; auto = when the
                    distribution offers it; never with --root)
  --distro NAME     debian or arch (env CINESTREAM_DISTRO; default from /etc/os-release)
  --set VAR=VALUE   override a template variable (e.g. HTTP_LISTEN=127.0.0.1:18080)
Environment: CINESTREAM_SYSFS (default /sys) is where the CPU topology is read.
EOF
}

# ---------------------------------------------------------------------------------------------
# Output and the command shim

info() { printf 'deploy: %s\n' "$*" >&2; }
die() {
  printf 'deploy: error: %s\n' "$*" >&2
  exit 1
}

ROOT=${CINESTREAM_ROOT:-}
DRY_RUN=0
BINARY_SRC=${CINESTREAM_BINARY:-}
WEB_SRC=${CINESTREAM_WEB_SRC:-}
SYSFS=${CINESTREAM_SYSFS:-/sys}
DISTRO=${CINESTREAM_DISTRO:-}
MONGODB_WANT=${CINESTREAM_MONGODB:-auto}
EMAIL=${CERTBOT_EMAIL:-}
OPT_MODE=""
OPT_WORKERS=""
OPT_PORTS=""
declare -A OVERRIDE=()
ARGS=()
CHANGED=()

# The physical path of a path on the target system.
P() { printf '%s%s' "$ROOT" "$1"; }

# Run a command that acts on the system (packages, users, services).
run() {
  if ((DRY_RUN)); then
    info "would run: $*"
    return 0
  fi
  if [[ -n $ROOT ]]; then
    printf '%s\n' "$*" >>"$ROOT/commands.log"
    shim_effect "$@"
    return 0
  fi
  info "run: $*"
  "$@"
}

# Under --root, simulate the state change of the commands whose state later runs look at.
shim_effect() {
  local passwd
  passwd=$(P /etc/passwd)
  case $1 in
  useradd)
    mkdir -p "$(dirname "$passwd")"
    printf '%s:x:999:999::/var/www:%s\n' "${*: -1}" "$(nologin_shell)" >>"$passwd"
    ;;
  userdel)
    if [[ -f $passwd ]]; then
      grep -v "^${*: -1}:" "$passwd" >"$passwd.tmp" || true
      mv -f "$passwd.tmp" "$passwd"
    fi
    ;;
  esac
}

# A read-only query of the system (systemctl is-active ...): "unknown" under --root/--dry-run.
query() {
  if ((DRY_RUN)) || [[ -n $ROOT ]]; then
    ((DRY_RUN)) || printf '%s\n' "$*" >>"$ROOT/commands.log"
    printf 'unknown (dry-run)'
    return 0
  fi
  local out
  out=$("$@" 2>/dev/null) || true
  printf '%s' "${out:-unknown}"
}

# ---------------------------------------------------------------------------------------------
# Idempotent file operations (paths are target paths; CHANGED lists what was touched)

mark_changed() { CHANGED+=("$1"); }

# changed_since INDEX GLOB: did a path matching GLOB change since CHANGED had INDEX entries?
changed_since() {
  local i
  for ((i = $1; i < ${#CHANGED[@]}; i++)); do
    # shellcheck disable=SC2053  # $2 is a glob on purpose
    [[ ${CHANGED[i]} == $2 ]] && return 0
  done
  return 1
}

fix_mode() {
  local path=$1 mode=$2 phys
  phys=$(P "$path")
  [[ -e $phys ]] || return 0
  [[ $(stat -c %a "$phys") == "$mode" ]] && return 0
  mark_changed "$path"
  if ((DRY_RUN)); then
    info "would chmod $mode $path"
  else
    chmod "$mode" "$phys"
  fi
}

# fix_owner PATH USER:GROUP. Under --root the user does not exist here: the chown is logged.
fix_owner() {
  local path=$1 owner=$2 phys
  [[ -n $owner ]] || return 0
  phys=$(P "$path")
  if [[ -n $ROOT ]] || ((DRY_RUN)); then
    run chown "$owner" "$path"
    return 0
  fi
  [[ -e $phys ]] || return 0
  [[ $(stat -c %U:%G "$phys") == "$owner" ]] && return 0
  chown "$owner" "$phys"
  mark_changed "$path"
}

ensure_dir() {
  local path=$1 mode=$2 owner=${3:-} phys
  phys=$(P "$path")
  if [[ ! -d $phys ]]; then
    mark_changed "$path"
    if ((DRY_RUN)); then
      info "would create directory $path (mode $mode)"
      [[ -z $owner ]] || info "would chown $owner $path"
      return 0
    fi
    mkdir -p "$phys"
    info "created $path"
  fi
  fix_mode "$path" "$mode"
  fix_owner "$path" "$owner"
}

ensure_parent() {
  local phys
  phys=$(P "$1")
  ((DRY_RUN)) || mkdir -p "$(dirname "$phys")"
}

# write_file PATH MODE [OWNER] < content: rewritten only when the bytes differ.
write_file() {
  local path=$1 mode=$2 owner=${3:-} phys content tmp
  phys=$(P "$path")
  content=$(
    cat
    printf x
  )
  content=${content%x}
  if [[ -f $phys && ! -L $phys ]] && printf '%s' "$content" | cmp -s - "$phys"; then
    fix_mode "$path" "$mode"
    fix_owner "$path" "$owner"
    return 0
  fi
  mark_changed "$path"
  if ((DRY_RUN)); then
    if [[ -e $phys ]]; then
      info "would update $path"
      if [[ $mode != 600 ]]; then
        diff -u "$phys" <(printf '%s' "$content") | sed 's/^/    /' >&2 || true
      fi
    else
      info "would create $path (mode $mode)"
    fi
    return 0
  fi
  ensure_parent "$path"
  tmp=$(mktemp "$phys.tmp.XXXXXX")
  printf '%s' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$phys"
  info "wrote $path"
  fix_owner "$path" "$owner"
}

# copy_file SOURCE PATH MODE: replaced atomically (a running binary keeps its old inode).
copy_file() {
  local src=$1 path=$2 mode=$3 phys tmp
  phys=$(P "$path")
  if [[ -f $phys && ! -L $phys ]] && cmp -s "$src" "$phys"; then
    fix_mode "$path" "$mode"
    return 0
  fi
  mark_changed "$path"
  if ((DRY_RUN)); then
    info "would install $src as $path (mode $mode)"
    return 0
  fi
  ensure_parent "$path"
  tmp=$(mktemp "$phys.tmp.XXXXXX")
  cp "$src" "$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$phys"
  info "installed $path"
}

remove_path() {
  local path=$1 phys
  phys=$(P "$path")
  [[ -e $phys || -L $phys ]] || return 0
  mark_changed "$path"
  if ((DRY_RUN)); then
    info "would remove $path"
    return 0
  fi
  rm -rf "$phys"
  info "removed $path"
}

# sync_dir SOURCE_DIR PATH: PATH becomes a copy of SOURCE_DIR (directories 755, files 644).
sync_dir() {
  local src=$1 dst=$2 f rel phys
  ensure_dir "$dst" 755
  while IFS= read -r -d '' f; do
    rel=${f#"$src"/}
    if [[ -d $f ]]; then
      ensure_dir "$dst/$rel" 755
    elif [[ -f $f ]]; then
      copy_file "$f" "$dst/$rel" 644
    fi
  done < <(find "$src" -mindepth 1 \( -type d -o -type f \) -print0 | sort -z)
  phys=$(P "$dst")
  [[ -d $phys ]] || return 0
  while IFS= read -r -d '' f; do
    rel=${f#"$phys"/}
    [[ -e $src/$rel ]] || remove_path "$dst/$rel"
  done < <(find "$phys" -mindepth 1 -depth -print0)
}

# cfg_value FILE KEY: the last KEY=value of a KEY=value file (quotes stripped), else empty.
cfg_value() {
  local file=$1 key=$2 line val=""
  [[ -f $file ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line == "$key="* ]] && val=${line#*=}
  done <"$file"
  if [[ $val == \"*\" || $val == \'*\' ]]; then
    val=${val:1:${#val}-2}
  fi
  printf '%s' "$val"
}

# ---------------------------------------------------------------------------------------------
# Templates: {{VAR}} from TPL_VAR; lines `{{#if VAR}}`, `{{else}}`, `{{/if}}` (VAR empty, no,
# off, false or 0 is false). An unknown variable is an error.

TEMPLATE_DIR=${CINESTREAM_TEMPLATES:-}
if [[ -z $TEMPLATE_DIR ]]; then
  if [[ -d $SCRIPT_DIR/templates ]]; then
    TEMPLATE_DIR=$SCRIPT_DIR/templates
  else
    TEMPLATE_DIR=$SCRIPT_DIR/../share/cinestream/templates
  fi
fi

# shellcheck disable=SC2016  # an awk program
RENDER_AWK='
function truth(v) { return v != "" && v != "no" && v != "off" && v != "false" && v != "0" }
BEGIN { depth = 0; active[0] = 1; bad = 0 }
/^[ \t]*\{\{#if [A-Za-z_][A-Za-z0-9_]*\}\}[ \t]*$/ {
  name = $0; sub(/^[ \t]*\{\{#if /, "", name); sub(/\}\}[ \t]*$/, "", name)
  c = truth(ENVIRON["TPL_" name]); depth++
  taken[depth] = c; active[depth] = active[depth - 1] && c; next
}
/^[ \t]*\{\{else\}\}[ \t]*$/ { active[depth] = active[depth - 1] && !taken[depth]; next }
/^[ \t]*\{\{\/if\}\}[ \t]*$/ { depth--; next }
{
  if (!active[depth]) next
  line = $0; out = ""
  while ((i = index(line, "{{")) > 0) {
    j = index(substr(line, i + 2), "}}")
    if (j == 0) break
    name = substr(line, i + 2, j - 1)
    if (!(("TPL_" name) in ENVIRON)) { printf "unknown template variable %s\n", name > "/dev/stderr"; bad = 1 }
    out = out substr(line, 1, i - 1) ENVIRON["TPL_" name]
    line = substr(line, i + j + 3)
  }
  print out line
}
END { if (depth != 0) { print "unbalanced {{#if}}" > "/dev/stderr"; bad = 1 } exit bad }'

# render TEMPLATE VAR=VALUE...: the template with those variables (then the --set overrides).
render() {
  local tpl=$TEMPLATE_DIR/$1 kv k
  shift
  [[ -f $tpl ]] || die "template not found: $tpl"
  local -a envs=()
  for kv in "$@"; do envs+=("TPL_$kv"); done
  for k in "${!OVERRIDE[@]}"; do envs+=("TPL_$k=${OVERRIDE[$k]}"); done
  env "${envs[@]}" awk "$RENDER_AWK" "$tpl" || die "cannot render $tpl"
}

# ov NAME DEFAULT: the --set override of NAME, else DEFAULT.
ov() {
  if [[ -v "OVERRIDE[$1]" ]]; then printf '%s' "${OVERRIDE[$1]}"; else printf '%s' "$2"; fi
}

# ---------------------------------------------------------------------------------------------
# The server: distribution, packages, user, CPU topology

detect_distro() {
  local f=/etc/os-release id like
  [[ -n $ROOT && -f $ROOT/etc/os-release ]] && f=$ROOT/etc/os-release
  [[ -f $f ]] || die "no /etc/os-release: pass --distro debian|arch"
  id=$(cfg_value "$f" ID)
  like=$(cfg_value "$f" ID_LIKE)
  case " $id $like " in
  *" debian "* | *" ubuntu "*) echo debian ;;
  *" arch "* | *" cachyos "*) echo arch ;;
  *) die "unsupported distribution '$id' (Debian/Ubuntu or Arch/CachyOS): pass --distro" ;;
  esac
}

load_server() {
  local conf
  conf=$(P "$SERVER_CONF")
  SRV_INITIALIZED=0
  [[ -f $conf ]] && SRV_INITIALIZED=1
  [[ -n $DISTRO ]] || DISTRO=$(cfg_value "$conf" DISTRO)
  [[ -n $DISTRO ]] || DISTRO=$(detect_distro)
  case $DISTRO in
  debian | arch) ;;
  *) die "--distro must be debian or arch, not '$DISTRO'" ;;
  esac
  SRV_MONGODB=$(cfg_value "$conf" MONGODB)
  [[ -n $SRV_MONGODB ]] || SRV_MONGODB=no
  if [[ $DISTRO == debian ]]; then
    NGINX_USER=www-data MONGO_PKG=mongodb-org MONGO_SERVICE=mongod
  else
    NGINX_USER=http MONGO_PKG=mongodb-bin MONGO_SERVICE=mongodb
  fi
}

nologin_shell() { if [[ $DISTRO == arch ]]; then echo /usr/bin/nologin; else echo /usr/sbin/nologin; fi; }

pkg_install() {
  if [[ $DISTRO == debian ]]; then
    run apt-get install -y --no-install-recommends "$@"
  else
    run pacman -S --needed --noconfirm "$@"
  fi
}

pkg_installed() {
  if [[ -n $ROOT ]] || ((DRY_RUN)); then return 0; fi
  if [[ $DISTRO == debian ]]; then
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
  else
    pacman -Q "$1" >/dev/null 2>&1
  fi
}

pkg_purge() {
  local -a present=()
  local p
  for p in "$@"; do pkg_installed "$p" && present+=("$p"); done
  ((${#present[@]})) || return 0
  if [[ $DISTRO == debian ]]; then
    run apt-get purge -y "${present[@]}"
    run apt-get autoremove -y
  else
    run pacman -Rns --noconfirm "${present[@]}"
  fi
}

# Is MongoDB offered by the configured package sources? (never probed under --root/--dry-run)
mongodb_available() {
  if [[ -n $ROOT ]] || ((DRY_RUN)); then return 1; fi
  if [[ $DISTRO == debian ]]; then
    local cand
    cand=$(apt-cache policy "$MONGO_PKG" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
    [[ -n $cand && $cand != "(none)" ]]
  else
    pacman -Si "$MONGO_PKG" >/dev/null 2>&1
  fi
}

user_exists() {
  if [[ -n $ROOT ]] || ((DRY_RUN)); then
    grep -q "^$1:" "$(P /etc/passwd)" 2>/dev/null
  else
    getent passwd "$1" >/dev/null
  fi
}

# read_cpus FILE: a CPU list like 0-5 or 0,2,4 from sysfs, else empty.
read_cpus() {
  local v=""
  [[ -r $1 ]] && v=$(tr -d ' \n' <"$1")
  [[ $v =~ ^[0-9][0-9,-]*$ ]] && printf '%s' "$v"
  return 0
}
p_cores() { read_cpus "$SYSFS/devices/cpu_core/cpus"; }
e_cores() { read_cpus "$SYSFS/devices/cpu_atom/cpus"; }

# cpu_override SERVICE: nginx/MongoDB on the performance cores of a hybrid CPU.
cpu_override() {
  local service=$1 cpus path=$UNIT_DIR/$1.service.d/cpu-affinity.conf
  cpus=$(p_cores)
  if [[ -z $cpus ]]; then
    remove_path "$path"
    return 0
  fi
  render cpu-affinity.conf.tmpl SERVICE="$service" KIND="performance cores" CPUS="$cpus" \
    SOURCE="$SYSFS/devices/cpu_core/cpus" | write_file "$path" 644
}

ensure_nginx_include() {
  local conf=/etc/nginx/nginx.conf phys content
  phys=$(P "$conf")
  if [[ ! -f $phys ]]; then
    info "no $conf yet: its http block must include $NGINX_SITE_DIR/*.conf"
    return 0
  fi
  grep -qE "^[[:space:]]*include[[:space:]]+$NGINX_SITE_DIR/\*\.conf;" "$phys" && return 0
  grep -qE '^[[:space:]]*http[[:space:]]*\{' "$phys" || die "$conf has no 'http {' line"
  content=$(awk -v inc="    include $NGINX_SITE_DIR/*.conf;  # CineStream (ops/deploy.sh)" \
    '{ print } !done && /^[[:space:]]*http[[:space:]]*\{/ { print inc; done = 1 }' "$phys")
  printf '%s\n' "$content" | write_file "$conf" "$(stat -c %a "$phys")"
}

nginx_uses_http2_directive() { # nginx >= 1.25.1 has `http2 on;` (listen ... http2 is deprecated)
  local v
  v=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p') || true
  [[ -n $v ]] || return 1
  [[ $(printf '%s\n%s\n' "$v" 1.25.1 | sort -V | head -1) == 1.25.1 ]]
}

# ---------------------------------------------------------------------------------------------
# Apps

valid_name() { [[ $1 =~ ^[a-z][a-z0-9_-]{0,31}$ ]]; }
valid_domain() { [[ ${#1} -le 253 && $1 =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$ ]]; }
valid_cpus() { [[ -z $1 || $1 =~ ^[0-9][0-9,-]*$ ]]; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_positive() { [[ $1 =~ ^[1-9][0-9]{0,5}$ ]]; }

list_apps() {
  local d
  for d in "$(P /var/www)"/*/; do
    [[ -f $d.deploy_config ]] && basename "$d"
  done
  return 0
}

load_app() {
  local app=$1 conf
  conf=$(P "/var/www/$app/.deploy_config")
  [[ -f $conf ]] || die "no app '$app' (no /var/www/$app/.deploy_config)"
  A_NAME=$app
  A_PORT_START=$(cfg_value "$conf" PORT_START)
  A_PORT_END=$(cfg_value "$conf" PORT_END)
  A_MODE=$(cfg_value "$conf" MODE)
  A_WORKERS=$(cfg_value "$conf" WORKERS)
  A_THREADS=$(cfg_value "$conf" THREADS)
  A_WORKER_CPUS=$(cfg_value "$conf" WORKER_CPUS)
  A_CPU_AFFINITY=$(cfg_value "$conf" CPU_AFFINITY)
  A_DOMAIN=$(cfg_value "$conf" DOMAIN)
  [[ -n $A_MODE ]] || A_MODE=single
  [[ -n $A_WORKERS ]] || A_WORKERS=1
  validate_app
}

validate_app() {
  local where="/var/www/$A_NAME/.deploy_config"
  if ! is_uint "$A_PORT_START" || ! is_uint "$A_PORT_END" ||
    ((A_PORT_START < 1024 || A_PORT_END < A_PORT_START || A_PORT_END > 65535)); then
    die "$where: PORT_START/PORT_END must be a port range within 1024-65535"
  fi
  [[ $A_MODE == single || $A_MODE == per-port ]] || die "$where: MODE must be single or per-port"
  is_positive "$A_WORKERS" || die "$where: WORKERS must be a positive number"
  if [[ $A_MODE == per-port ]] && ((A_WORKERS > A_PORT_END - A_PORT_START + 1)); then
    die "$where: WORKERS=$A_WORKERS does not fit the port range $A_PORT_START-$A_PORT_END"
  fi
  [[ -z $A_THREADS ]] || is_uint "$A_THREADS" || die "$where: THREADS must be a number or empty"
  valid_cpus "$A_CPU_AFFINITY" || die "$where: CPU_AFFINITY must be a CPU list like 6-13 or empty"
  valid_cpus "$A_WORKER_CPUS" || die "$where: WORKER_CPUS must be a CPU list like 6-13 or empty"
  [[ -z $A_DOMAIN ]] || valid_domain "$A_DOMAIN" || die "$where: DOMAIN '$A_DOMAIN' is not a domain name"
}

app_config_content() {
  cat <<EOF
# CineStream app settings, read by ops/deploy.sh. After an edit run: deploy.sh deploy-app $A_NAME
APP_NAME=$A_NAME
# The app's own port range: ranges of the apps of a server never overlap.
PORT_START=$A_PORT_START
PORT_END=$A_PORT_END
# MODE=single: one unit on PORT_START (SO_REUSEPORT; WORKERS > 1 runs serve --workers N).
# MODE=per-port: one unit per port (cinestream-$A_NAME@PORT) on WORKERS ports, nginx ip_hash.
MODE=$A_MODE
WORKERS=$A_WORKERS
# Event loops per process (empty: one per allowed CPU).
THREADS=$A_THREADS
# serve --cpus LIST for the workers of MODE=single (empty: not passed).
WORKER_CPUS=$A_WORKER_CPUS
# systemd CPUAffinity= (the efficiency cores of an Intel hybrid CPU; empty: every CPU).
CPU_AFFINITY=$A_CPU_AFFINITY
# Set by deploy.sh set-domain.
DOMAIN=$A_DOMAIN
EOF
}

app_units() {
  local p
  if [[ $A_MODE == single ]]; then
    echo "cinestream-$A_NAME.service"
  else
    for ((p = A_PORT_START; p < A_PORT_START + A_WORKERS; p++)); do echo "cinestream-$A_NAME@$p.service"; done
  fi
}

# Instances of this app enabled in systemd (wants symlinks).
enabled_instances() {
  local f
  for f in "$(P "$UNIT_DIR")"/*.wants/cinestream-"$A_NAME"@*.service; do
    [[ -e $f || -L $f ]] && basename "$f"
  done
  return 0
}

# stale_units OLD_UNIT...: units this app had (the arguments, the unit files, the enabled
# instances) that its current MODE/WORKERS no longer want.
stale_units() {
  local -a want
  local u p
  mapfile -t want < <(app_units)
  local -A seen=()
  for u in "${want[@]}"; do seen[$u]=1; done
  {
    (($#)) && printf '%s\n' "$@"
    [[ -f $(P "$UNIT_DIR/cinestream-$A_NAME.service") ]] && echo "cinestream-$A_NAME.service"
    if [[ $A_MODE == single && -f $(P "$UNIT_DIR/cinestream-$A_NAME@.service") ]]; then
      for ((p = A_PORT_START; p <= A_PORT_END; p++)); do echo "cinestream-$A_NAME@$p.service"; done
    fi
    enabled_instances
  } | sort -u | while IFS= read -r u; do
    [[ -v "seen[$u]" ]] || echo "$u"
  done
}

# allocate_ports SIZE: the first free range of SIZE ports from 8001 not overlapping any app's.
allocate_ports() {
  local size=$1 start=$PORT_BASE moved=1 f s e r
  local -a ranges=()
  for f in "$(P /var/www)"/*/.deploy_config; do
    [[ -f $f ]] || continue
    s=$(cfg_value "$f" PORT_START)
    e=$(cfg_value "$f" PORT_END)
    is_uint "$s" && is_uint "$e" && ranges+=("$s:$e")
  done
  while ((moved)); do
    moved=0
    for r in "${ranges[@]}"; do
      s=${r%:*} e=${r#*:}
      if ((start <= e && start + size - 1 >= s)); then
        start=$((e + 1)) moved=1
      fi
    done
  done
  ((start + size - 1 <= 65535)) || die "no free port range of $size ports"
  echo "$start $((start + size - 1))"
}

resolve_sources() {
  BIN_SRC=$BINARY_SRC
  if [[ -z $BIN_SRC && -x $REPO_DIR/build/cinestream ]]; then BIN_SRC=$REPO_DIR/build/cinestream; fi
  if [[ -n $BIN_SRC && ! (-f $BIN_SRC && -x $BIN_SRC) ]]; then die "not an executable: $BIN_SRC"; fi
  [[ -z $BIN_SRC ]] || BIN_SRC=$(realpath -- "$BIN_SRC")
  WEB_SRC_DIR=$WEB_SRC
  if [[ -z $WEB_SRC_DIR ]]; then
    if [[ -n $BIN_SRC && -f $(dirname "$BIN_SRC")/../share/cinestream/web/index.html ]]; then
      WEB_SRC_DIR=$(cd "$(dirname "$BIN_SRC")/../share/cinestream/web" && pwd)
    elif [[ -f $REPO_DIR/web/index.html ]]; then
      WEB_SRC_DIR=$REPO_DIR/web
    fi
  fi
  if [[ -n $WEB_SRC_DIR && ! -d $WEB_SRC_DIR ]]; then die "not a directory: $WEB_SRC_DIR"; fi
  [[ -z $WEB_SRC_DIR ]] || WEB_SRC_DIR=$(realpath -- "$WEB_SRC_DIR")
  return 0
}

env_content() {
  local secret mongo=""
  if command -v openssl >/dev/null 2>&1; then
    secret=$(openssl rand -hex 32)
  else
    secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  fi
  [[ $SRV_MONGODB == yes ]] && mongo="mongodb://127.0.0.1:27017/$A_NAME"
  cat <<EOF
# CineStream app "$A_NAME": read by the server (--env-file). Keep it mode 600.
# Written once by ops/deploy.sh, never rewritten: edit it, then restart the app.
# Empty MONGO_URI: the embedded store in /var/www/$A_NAME/data.
MONGO_URI=$mongo
# Without a Gemini key the server runs in demo mode (simulated showtimes).
GOOGLE_API_KEY=
GEMINI_MODEL=flash
SECRET_KEY=$secret
# CINESTREAM_LOG_LEVEL=info
EOF
}

unit_content() {
  local port desc extra="" after=""
  if [[ $A_MODE == single ]]; then
    port=$A_PORT_START
    desc="SO_REUSEPORT on port $A_PORT_START"
    if ((A_WORKERS > 1)); then
      extra+=" --workers $A_WORKERS"
      desc+=", $A_WORKERS workers"
      [[ -z $A_WORKER_CPUS ]] || extra+=" --cpus $A_WORKER_CPUS"
    fi
  else
    port=%i
    desc="one process per port, this one on port %i"
    # nginx spreads clients over the ports: each instance is one process, not a supervisor.
    extra+=" --workers 1"
  fi
  [[ -z $A_THREADS ]] || extra+=" --threads $A_THREADS"
  [[ $SRV_MONGODB == yes ]] && after=" $MONGO_SERVICE.service"
  render cinestream.service.tmpl APP="$A_NAME" APP_DIR="/var/www/$A_NAME" USER="$SERVICE_USER" \
    DESCRIPTION="$desc" PORT="$port" EXTRA_ARGS="$extra" CPU_AFFINITY="$A_CPU_AFFINITY" AFTER="$after"
}

nginx_site_content() {
  local prefix app_dir backends="" p b servers="" n=0 http_listen https_listen ipv6=no
  local cert key ssl=no cert_phys key_phys https_port suffix="" http2_listen=" http2" http2_directive=no
  local domain=$A_DOMAIN
  prefix=$(ov PATH_PREFIX "")
  app_dir=$(ov APP_DIR "$prefix/var/www/$A_NAME")
  if [[ $A_MODE == single ]]; then
    backends="127.0.0.1:$A_PORT_START"
  else
    for ((p = A_PORT_START; p < A_PORT_START + A_WORKERS; p++)); do backends+="${backends:+ }127.0.0.1:$p"; done
  fi
  backends=$(ov BACKENDS "$backends")
  for b in $backends; do
    servers+="${servers:+$'\n'}    server $b max_fails=3 fail_timeout=10s;"
    n=$((n + 1))
  done
  http_listen=$(ov HTTP_LISTEN 80)
  https_listen=$(ov HTTPS_LISTEN 443)
  if is_uint "$http_listen" && is_uint "$https_listen"; then ipv6=yes; fi
  cert=$(ov SSL_CERT "$prefix/etc/letsencrypt/live/$domain/fullchain.pem")
  key=$(ov SSL_KEY "$prefix/etc/letsencrypt/live/$domain/privkey.pem")
  if [[ -n $prefix ]]; then cert_phys=$cert key_phys=$key; else cert_phys=$(P "$cert") key_phys=$(P "$key"); fi
  [[ -n $domain && -f $cert_phys && -f $key_phys ]] && ssl=yes
  https_port=${https_listen##*:}
  [[ $https_port == 443 ]] || suffix=":$https_port"
  if nginx_uses_http2_directive; then http2_listen="" http2_directive=yes; fi
  ((n > 0)) || die "no backend for the nginx upstream"
  render nginx-site.conf.tmpl APP="$A_NAME" APP_ID="${A_NAME//-/_}" APP_DIR="$app_dir" \
    SERVER_NAME="${domain:-$A_NAME.localhost}" UPSTREAM_SERVERS="$servers" \
    MULTI="$([[ $n -gt 1 ]] && echo yes || echo no)" HTTP_LISTEN="$http_listen" \
    HTTPS_LISTEN="$https_listen" IPV6="$ipv6" SSL="$ssl" SSL_CERT="$cert" SSL_KEY="$key" \
    HTTPS_PORT_SUFFIX="$suffix" HTTP2_LISTEN="$http2_listen" HTTP2_DIRECTIVE="$http2_directive" \
    LOG_DIR="$(ov LOG_DIR /var/log/nginx)" PATH_PREFIX="$prefix"
}

# Write the app's nginx site; test and reload nginx when it changed (restored if the test fails).
apply_nginx_site() {
  local path=$NGINX_SITE_DIR/cinestream-$A_NAME.conf phys old="" had=0 from=${#CHANGED[@]} content
  phys=$(P "$path")
  if [[ -f $phys ]]; then
    had=1
    old=$(
      cat "$phys"
      printf x
    )
    old=${old%x}
  fi
  content=$(
    nginx_site_content
    printf x
  )
  printf '%s' "${content%x}" | write_file "$path" 644
  changed_since "$from" "$path" || return 0
  if ! run nginx -t; then
    if ((had)); then printf '%s' "$old" | write_file "$path" 644; else remove_path "$path"; fi
    die "nginx -t rejected $path: the previous version was put back"
  fi
  run systemctl try-reload-or-restart nginx
}

# ---------------------------------------------------------------------------------------------
# Verbs

require_privileges() {
  if [[ -z $ROOT ]] && ((!DRY_RUN)) && ((EUID != 0)); then
    die "run as root (sudo), or use --root DIR / --dry-run"
  fi
}

require_initialized() {
  ((SRV_INITIALIZED)) || ((DRY_RUN)) || die "the server is not initialized: run deploy.sh init-server first"
}

cmd_init_server() {
  local from=${#CHANGED[@]} conf mongodb pcores ecores
  require_privileges
  load_server
  conf=$(P "$SERVER_CONF")
  mongodb=$SRV_MONGODB
  case $MONGODB_WANT in
  yes | no) mongodb=$MONGODB_WANT ;;
  auto)
    if [[ ! -f $conf ]]; then
      if mongodb_available; then mongodb=yes; else mongodb=no; fi
    fi
    ;;
  *) die "--mongodb must be auto, yes or no" ;;
  esac
  SRV_MONGODB=$mongodb
  pcores=$(p_cores)
  ecores=$(e_cores)
  info "init-server: $DISTRO, MongoDB: $mongodb$([[ $mongodb == no ]] && echo ' (embedded store)'), P-cores: ${pcores:-none}, E-cores: ${ecores:-none}"

  local -a pkgs=(nginx certbot ca-certificates tzdata openssl curl) lib
  if [[ $DISTRO == debian ]]; then
    pkgs+=(python3-certbot-nginx)
    # The binary's shared libraries (Debian 12 names; those this release does not have are skipped).
    for lib in "${DEBIAN_RUNTIME_LIBS[@]}"; do
      if [[ -n $ROOT ]] || ((DRY_RUN)) || apt-cache show "$lib" >/dev/null 2>&1; then pkgs+=("$lib"); fi
    done
    run apt-get update
    [[ $mongodb == yes ]] && pkgs+=("$MONGO_PKG")
    pkg_install "${pkgs[@]}"
  else
    pkgs+=(certbot-nginx "${ARCH_RUNTIME_LIBS[@]}")
    [[ $mongodb == yes ]] && pkgs+=("$MONGO_PKG")
    run pacman -Syu --needed --noconfirm "${pkgs[@]}"
  fi

  if ! user_exists "$SERVICE_USER"; then
    run useradd --system --user-group --home-dir /var/www --no-create-home --shell "$(nologin_shell)" "$SERVICE_USER"
  fi
  # nginx serves the posters from the apps' data directories (group cinestream, mode 750).
  if [[ -n $ROOT ]] || ((DRY_RUN)) || ! id -nG "$NGINX_USER" 2>/dev/null | grep -qw "$SERVICE_USER"; then
    run usermod -a -G "$SERVICE_USER" "$NGINX_USER"
  fi

  ensure_dir /var/www 755
  ensure_dir /etc/cinestream 755
  write_file "$SERVER_CONF" 644 <<EOF
# CineStream server settings, written by ops/deploy.sh init-server.
DISTRO=$DISTRO
MONGODB=$mongodb
MONGO_SERVICE=$MONGO_SERVICE
NGINX_USER=$NGINX_USER
P_CORES=$pcores
E_CORES=$ecores
EOF
  SRV_INITIALIZED=1
  # This script and its templates, so the server can be managed without the source tree.
  copy_file "$SCRIPT_PATH" "$INSTALLED_SCRIPT" 755
  sync_dir "$TEMPLATE_DIR" "$INSTALLED_TEMPLATES"

  ensure_dir "$NGINX_SITE_DIR" 755
  [[ $DISTRO == arch ]] && ensure_nginx_include
  cpu_override nginx
  if [[ $mongodb == yes ]]; then
    cpu_override "$MONGO_SERVICE"
  fi
  changed_since "$from" "$UNIT_DIR/*" && run systemctl daemon-reload
  if [[ $mongodb == yes ]]; then
    run systemctl enable "$MONGO_SERVICE"
    if changed_since "$from" "$UNIT_DIR/$MONGO_SERVICE.service.d/*"; then
      run systemctl restart "$MONGO_SERVICE"
    else
      run systemctl start "$MONGO_SERVICE"
    fi
  fi
  run systemctl enable nginx
  if changed_since "$from" "$UNIT_DIR/nginx.service.d/*"; then
    run systemctl restart nginx
  else
    run systemctl start nginx
  fi
  deploy_app cinestream
  info "init-server done: $(list_apps | tr '\n' ' ')"
}

cmd_deploy_app() {
  require_privileges
  load_server
  require_initialized
  deploy_app "$1"
}

deploy_app() {
  local app=$1 conf dir from=${#CHANGED[@]} range size
  local -a units stale old_units=()
  valid_name "$app" || die "app name must match [a-z][a-z0-9_-]{0,31}: '$app'"
  dir=/var/www/$app
  conf=$(P "$dir/.deploy_config")
  if [[ -f $conf ]]; then
    load_app "$app"
    mapfile -t old_units < <(app_units)
    [[ -z $OPT_PORTS ]] || info "--ports ignored: $app keeps its range $A_PORT_START-$A_PORT_END"
  else
    size=${OPT_PORTS:-$DEFAULT_RANGE}
    is_positive "$size" || die "--ports must be a positive number"
    range=$(allocate_ports "$size")
    A_NAME=$app A_PORT_START=${range% *} A_PORT_END=${range#* } A_MODE=single A_WORKERS=1
    A_THREADS="" A_WORKER_CPUS="" A_CPU_AFFINITY=$(e_cores) A_DOMAIN=""
    [[ ${OPT_MODE:-single} == per-port ]] && A_WORKERS=4
    info "new app $app: ports $A_PORT_START-$A_PORT_END"
  fi
  [[ -z $OPT_MODE ]] || A_MODE=$OPT_MODE
  [[ -z $OPT_WORKERS ]] || A_WORKERS=$OPT_WORKERS
  validate_app

  resolve_sources
  if [[ -z $BIN_SRC && ! -x $(P "$dir/bin/cinestream") ]] && ((!DRY_RUN)); then
    die "no cinestream binary: build it (bash ops/build.sh) or pass --binary PATH"
  fi
  if [[ -z $WEB_SRC_DIR && ! -d $(P "$dir/web") ]] && ((!DRY_RUN)); then
    die "no web directory: pass --web-src DIR"
  fi

  if [[ -n $BIN_SRC && -z $ROOT ]] && ((!DRY_RUN)) && ldd "$BIN_SRC" 2>/dev/null | grep -q 'not found'; then
    die "$BIN_SRC needs libraries this system lacks: $(ldd "$BIN_SRC" | grep 'not found' | awk '{print $1}' | tr '\n' ' ')"
  fi
  ensure_dir "$dir" 755
  ensure_dir "$dir/bin" 755
  [[ -z $BIN_SRC ]] || copy_file "$BIN_SRC" "$dir/bin/cinestream" 755
  if [[ -n $WEB_SRC_DIR ]]; then sync_dir "$WEB_SRC_DIR" "$dir/web"; else ensure_dir "$dir/web" 755; fi
  ensure_dir "$dir/data" 750 "$SERVICE_USER:$SERVICE_USER"
  ensure_dir "$dir/data/posters" 750 "$SERVICE_USER:$SERVICE_USER"
  if [[ -f $(P "$dir/.env") ]]; then
    fix_mode "$dir/.env" 600
    fix_owner "$dir/.env" "$SERVICE_USER:$SERVICE_USER"
  else
    env_content | write_file "$dir/.env" 600 "$SERVICE_USER:$SERVICE_USER"
  fi
  app_config_content | write_file "$dir/.deploy_config" 644

  mapfile -t stale < <(stale_units "${old_units[@]}")
  ((${#stale[@]} == 0)) || run systemctl disable --now "${stale[@]}"
  if [[ $A_MODE == single ]]; then
    unit_content | write_file "$UNIT_DIR/cinestream-$app.service" 644
    remove_path "$UNIT_DIR/cinestream-$app@.service"
  else
    unit_content | write_file "$UNIT_DIR/cinestream-$app@.service" 644
    remove_path "$UNIT_DIR/cinestream-$app.service"
  fi
  changed_since "$from" "$UNIT_DIR/*" && run systemctl daemon-reload
  mapfile -t units < <(app_units)
  run systemctl enable "${units[@]}"
  if changed_since "$from" "$dir/bin/*" || changed_since "$from" "$dir/web*" ||
    changed_since "$from" "$dir/.env" || changed_since "$from" "$UNIT_DIR/*"; then
    run systemctl restart "${units[@]}"
  else
    run systemctl start "${units[@]}"
  fi
  apply_nginx_site
  info "app $app: ports $A_PORT_START-$A_PORT_END, $A_MODE, ${A_WORKERS} process(es), units: ${units[*]}"
}

# find_app_for_domain DOMAIN: the app serving DOMAIN, else empty.
app_for_domain() {
  local app
  while IFS= read -r app; do
    [[ $(cfg_value "$(P "/var/www/$app/.deploy_config")" DOMAIN) == "$1" ]] && echo "$app"
  done < <(list_apps)
  return 0
}

cmd_set_domain() {
  local domain=${1,,} app=${2:-} other
  local -a apps
  require_privileges
  load_server
  require_initialized
  valid_domain "$domain" || die "not a domain name: '$1'"
  mapfile -t apps < <(list_apps)
  if [[ -z $app ]]; then
    ((${#apps[@]} > 0)) || die "no app deployed: run deploy.sh deploy-app NAME first"
    ((${#apps[@]} == 1)) || die "several apps (${apps[*]}): name one, deploy.sh set-domain $domain APP"
    app=${apps[0]}
  fi
  load_app "$app"
  other=$(app_for_domain "$domain")
  if [[ -n $other && $other != "$app" ]]; then die "$domain is already the domain of app $other"; fi
  A_DOMAIN=$domain
  app_config_content | write_file "/var/www/$app/.deploy_config" 644
  apply_nginx_site
  info "app $app: http://$domain/ (point the DNS A/AAAA records here, then: deploy.sh install-ssl $domain)"
}

cmd_install_ssl() {
  local domain=${1,,} app live
  local -a mail=(--register-unsafely-without-email)
  require_privileges
  load_server
  require_initialized
  valid_domain "$domain" || die "not a domain name: '$1'"
  app=$(app_for_domain "$domain")
  [[ -n $app ]] || die "no app has the domain $domain: run deploy.sh set-domain $domain [APP] first"
  load_app "$app"
  [[ -z $EMAIL ]] || mail=(--email "$EMAIL")
  if [[ -z $ROOT ]] && ((!DRY_RUN)) && ! command -v certbot >/dev/null 2>&1; then
    if [[ $DISTRO == debian ]]; then pkg_install certbot python3-certbot-nginx; else pkg_install certbot certbot-nginx; fi
  fi
  # certonly: certbot validates through nginx but leaves the generated site alone.
  run certbot certonly --nginx --non-interactive --agree-tos "${mail[@]}" --keep-until-expiring -d "$domain"
  live=/etc/letsencrypt/live/$domain
  if [[ ! -f $(P "$live/fullchain.pem") || ! -f $(P "$live/privkey.pem") ]]; then
    if [[ -n $ROOT ]] || ((DRY_RUN)); then
      info "no certificate in $live (certbot did not run): the site stays plain HTTP"
    else
      die "certbot left no certificate in $live"
    fi
  fi
  # Renewal: a deploy hook reloads nginx; Debian's certbot.timer, or our timer on Arch.
  render certbot-deploy-hook.sh.tmpl | write_file "$CERTBOT_HOOK" 755
  if [[ $DISTRO == arch ]]; then
    local from=${#CHANGED[@]}
    render certbot-renew.service.tmpl | write_file "$UNIT_DIR/cinestream-certbot-renew.service" 644
    render certbot-renew.timer.tmpl | write_file "$UNIT_DIR/cinestream-certbot-renew.timer" 644
    changed_since "$from" "$UNIT_DIR/*" && run systemctl daemon-reload
    run systemctl enable --now cinestream-certbot-renew.timer
  else
    run systemctl enable --now certbot.timer
  fi
  apply_nginx_site
  info "app $app: https://$domain/"
}

cmd_status() {
  local app u state pc ec
  load_server
  if ((SRV_INITIALIZED)); then
    echo "server: $DISTRO, MongoDB: $SRV_MONGODB, nginx user: $NGINX_USER${ROOT:+ (root $ROOT)}"
  else
    echo "server: not initialized (deploy.sh init-server)${ROOT:+ (root $ROOT)}"
  fi
  pc=$(p_cores)
  ec=$(e_cores)
  echo "cpu: P-cores ${pc:-none}, E-cores ${ec:-none} (from $SYSFS/devices)"
  echo "nginx: $(query systemctl is-active nginx)"
  [[ $SRV_MONGODB == yes ]] && echo "$MONGO_SERVICE: $(query systemctl is-active "$MONGO_SERVICE")"
  while IFS= read -r app; do
    load_app "$app"
    local ssl=no
    [[ -n $A_DOMAIN && -f $(P "/etc/letsencrypt/live/$A_DOMAIN/fullchain.pem") ]] && ssl=yes
    echo "app $app: ports $A_PORT_START-$A_PORT_END, mode $A_MODE, workers $A_WORKERS, domain ${A_DOMAIN:-none}, https $ssl, cpus ${A_CPU_AFFINITY:-all}"
    while IFS= read -r u; do
      state=$(query systemctl is-active "$u")
      echo "  $u: ${state:-unknown}"
    done < <(app_units)
  done < <(list_apps)
}

all_app_units() {
  local app
  while IFS= read -r app; do
    load_app "$app"
    app_units
  done < <(list_apps)
}

cmd_services() { # start-all | stop-all | enable-autostart
  local verb=$1
  local -a units
  require_privileges
  load_server
  require_initialized
  mapfile -t units < <(all_app_units)
  case $verb in
  start-all)
    [[ $SRV_MONGODB == yes ]] && run systemctl start "$MONGO_SERVICE"
    ((${#units[@]} == 0)) || run systemctl start "${units[@]}"
    run systemctl start nginx
    ;;
  stop-all)
    run systemctl stop nginx
    ((${#units[@]} == 0)) || run systemctl stop "${units[@]}"
    [[ $SRV_MONGODB == yes ]] && run systemctl stop "$MONGO_SERVICE"
    ;;
  enable-autostart)
    [[ $SRV_MONGODB == yes ]] && run systemctl enable "$MONGO_SERVICE"
    ((${#units[@]} == 0)) || run systemctl enable "${units[@]}"
    run systemctl enable nginx
    ;;
  esac
  return 0
}

cmd_uninit_server() {
  local purge=${1:-} app from=${#CHANGED[@]} answer
  local -a units
  [[ -z $purge || $purge == yes ]] || die "usage: uninit-server [yes]"
  require_privileges
  load_server
  if [[ -t 0 && -z $ROOT ]] && ((!DRY_RUN)); then
    read -r -p "Remove every CineStream app with its data$([[ $purge == yes ]] && echo ', nginx and MongoDB')? Type 'yes': " answer
    [[ $answer == yes ]] || die "cancelled"
  fi
  while IFS= read -r app; do
    load_app "$app"
    mapfile -t units < <({
      app_units
      enabled_instances
    } | sort -u)
    run systemctl disable --now "${units[@]}"
    remove_path "$UNIT_DIR/cinestream-$app.service"
    remove_path "$UNIT_DIR/cinestream-$app@.service"
    remove_path "$NGINX_SITE_DIR/cinestream-$app.conf"
    remove_path "/var/www/$app"
  done < <(list_apps)
  if [[ -f $(P "$UNIT_DIR/cinestream-certbot-renew.timer") ]]; then
    run systemctl disable --now cinestream-certbot-renew.timer
  fi
  remove_path "$UNIT_DIR/cinestream-certbot-renew.timer"
  remove_path "$UNIT_DIR/cinestream-certbot-renew.service"
  remove_path "$CERTBOT_HOOK"
  local svc
  for svc in nginx "$MONGO_SERVICE"; do
    remove_path "$UNIT_DIR/$svc.service.d/cpu-affinity.conf"
    if [[ -d $(P "$UNIT_DIR/$svc.service.d") ]] && [[ -z $(ls -A "$(P "$UNIT_DIR/$svc.service.d")") ]]; then
      remove_path "$UNIT_DIR/$svc.service.d"
    fi
  done
  remove_path "$INSTALLED_SCRIPT"
  remove_path "$(dirname "$INSTALLED_TEMPLATES")"
  remove_path /etc/cinestream
  changed_since "$from" "$UNIT_DIR/*" && run systemctl daemon-reload
  user_exists "$SERVICE_USER" && run userdel "$SERVICE_USER"
  if [[ $purge == yes ]]; then
    run systemctl disable --now nginx
    [[ $SRV_MONGODB == yes ]] && run systemctl disable --now "$MONGO_SERVICE"
    local -a purge_pkgs=(nginx)
    [[ $DISTRO == debian ]] && purge_pkgs+=(nginx-common nginx-light nginx-full nginx-extras)
    [[ $SRV_MONGODB == yes ]] && purge_pkgs+=("$MONGO_PKG")
    pkg_purge "${purge_pkgs[@]}"
  elif changed_since "$from" "$NGINX_SITE_DIR/*" || changed_since "$from" "$UNIT_DIR/nginx.service.d/*"; then
    run systemctl try-restart nginx
  fi
  info "uninit-server done$([[ $purge == yes ]] && echo ' (nginx and MongoDB packages purged)')"
}

cmd_render_nginx() {
  load_server
  load_app "$1"
  nginx_site_content
}

# ---------------------------------------------------------------------------------------------
# Main

need_arg() { (($1 >= 2)) || die "$2 needs a value"; }

while (($#)); do
  case $1 in
  --root) need_arg $# "$1" && ROOT=$2 && shift 2 ;;
  --root=*) ROOT=${1#*=} && shift ;;
  -n | --dry-run) DRY_RUN=1 && shift ;;
  --binary) need_arg $# "$1" && BINARY_SRC=$2 && shift 2 ;;
  --web-src) need_arg $# "$1" && WEB_SRC=$2 && shift 2 ;;
  --mode) need_arg $# "$1" && OPT_MODE=$2 && shift 2 ;;
  --workers) need_arg $# "$1" && OPT_WORKERS=$2 && shift 2 ;;
  --ports) need_arg $# "$1" && OPT_PORTS=$2 && shift 2 ;;
  --email) need_arg $# "$1" && EMAIL=$2 && shift 2 ;;
  --mongodb) need_arg $# "$1" && MONGODB_WANT=$2 && shift 2 ;;
  --distro) need_arg $# "$1" && DISTRO=$2 && shift 2 ;;
  --set)
    need_arg $# "$1"
    [[ $2 =~ ^[A-Z_][A-Z0-9_]*= ]] || die "--set wants VAR=VALUE, not '$2'"
    OVERRIDE[${2%%=*}]=${2#*=}
    shift 2
    ;;
  -h | --help) usage && exit 0 ;;
  --) shift && ARGS+=("$@") && break ;;
  -*) die "unknown option $1 (see --help)" ;;
  *) ARGS+=("$1") && shift ;;
  esac
done

[[ -z $OPT_MODE || $OPT_MODE == single || $OPT_MODE == per-port ]] || die "--mode must be single or per-port"
[[ -z $OPT_WORKERS ]] || is_positive "$OPT_WORKERS" || die "--workers must be a positive number"
if [[ -n $ROOT ]]; then
  ROOT=$(realpath -m -- "$ROOT")
  [[ $ROOT == / ]] && ROOT=""
fi
if [[ -n $ROOT ]] && ((!DRY_RUN)); then mkdir -p "$ROOT"; fi
if [[ -z $ROOT ]] && ((!DRY_RUN)) && ((EUID == 0)); then
  # One deploy.sh at a time on a real system.
  mkdir -p /run/lock
  exec 9>/run/lock/cinestream-deploy.lock
  flock -w 300 9 || die "another deploy.sh is still running"
fi
export DEBIAN_FRONTEND=noninteractive

verb=${ARGS[0]:-}
nargs=$((${#ARGS[@]} - 1))
argn() { ((nargs >= $1 && nargs <= $2)) || die "usage: deploy.sh $verb $3"; }
case $verb in
init-server) argn 0 0 "" && cmd_init_server ;;
deploy-app) argn 1 1 NAME && cmd_deploy_app "${ARGS[1]}" ;;
set-domain) argn 1 2 "DOMAIN [APP]" && cmd_set_domain "${ARGS[@]:1}" ;;
install-ssl) argn 1 1 DOMAIN && cmd_install_ssl "${ARGS[1]}" ;;
status) argn 0 0 "" && cmd_status ;;
start-all | stop-all | enable-autostart) argn 0 0 "" && cmd_services "$verb" ;;
uninit-server) argn 0 1 "[yes]" && cmd_uninit_server "${ARGS[@]:1}" ;;
render-nginx) argn 1 1 APP && cmd_render_nginx "${ARGS[1]}" ;;
"") usage >&2 && exit 2 ;;
*) die "unknown verb '$verb' (see --help)" ;;
esac
