#!/usr/bin/env bash
# Installs every Debian package CineStream needs to build, test and benchmark.
# Idempotent: apt skips what is present. Usage: ops/install-deps.sh [--build-only]
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev ca-certificates libc-ares-dev zlib1g-dev
  libmongoc-dev libbson-dev
  libsqlite3-dev libfmt-dev libspdlog-dev libcli11-dev
  libcurl4-openssl-dev  # the mail module's SMTP client
  libxml2-dev  # the agent's HTML parser (cinema sites' schema.org data)
  python3-aiosmtpd  # a loopback SMTP server: demo mode's mail (ops/run.sh) and the mail tests
  libhowardhinnant-date-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format
)
test_pkgs=(
  curl chromium shellcheck nginx-light wrk faketime
  python3 python3-flask gunicorn
  openssl  # the mail tests' STARTTLS certificate (tests/support/smtp_server.py)
  clang libclang-rt-14-dev  # libFuzzer and its sanitizer runtimes (tests/fuzz/run.sh)
)
# Node.js may come from elsewhere on the image (Debian's npm then conflicts): only add Debian's if absent.
if ! command -v npm >/dev/null 2>&1; then test_pkgs+=(nodejs npm); fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

pkgs=("${build_pkgs[@]}")
if [ "${1:-}" != "--build-only" ]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node test packages (the Gemini SDK fidelity test, browser tests, the MongoDB test peer), exactly
# as locked.
if [ "${1:-}" != "--build-only" ]; then
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --prefix "$repo/tests/node"
    # The MongoDB wire-protocol peer the MongoDB store tests run against (tests/mongo_peer).
    bash "$repo/tests/mongo_peer/install.sh"
  else
    echo "install-deps: npm not found; skipping the Node test packages in tests/node" >&2
  fi
fi
