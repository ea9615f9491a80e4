#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is needed, build, create the store,
# and serve CineStream on http://127.0.0.1:8080 (override with --port, --host, ... or .env).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/install-deps.sh --build-only
bash ops/build.sh
./build/cinestream init-db "$@"

# Without an SMTP server configured, a loopback one (Debian's aiosmtpd) takes the mail into a
# Maildir, so that verification and password-reset links can be followed in demo mode.
demo_mail=()
if [ -z "${SMTP_URL:-}" ] && ! grep -qs '^SMTP_URL=' .env && [[ " $* " != *" --smtp-url"* ]]; then
  port=${DEMO_SMTP_PORT:-8025}
  mkdir -p build/demo-mail/tmp build/demo-mail/new build/demo-mail/cur  # a Maildir
  /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox \
    build/demo-mail &
  smtp_pid=$!
  trap 'kill "$smtp_pid" 2>/dev/null' EXIT
  demo_mail=(--smtp-url "smtp://127.0.0.1:$port" --smtp-starttls false)
  echo "demo mail: smtp://127.0.0.1:$port delivers into $(pwd)/build/demo-mail/new (Maildir)"
fi
./build/cinestream serve "${demo_mail[@]}" "$@"
