#!/usr/bin/env bash
# Installs the MongoDB wire-protocol test peer: CongoDB, the in-memory server inside the npm package
# @push.rocks/smartmongo 2.2.0. A plain install of that package fails (it pulls mongodb-memory-server,
# which downloads a mongod binary), so its tarball is fetched with `npm pack`, checked against the
# pinned digest, and only dist_ts/congodb is kept; its own dependencies are locked in package-lock.json.
# Idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version=2.2.0
sha256=1f9915eb73859a62183e589a699f58b9fd006c972deb5ce6f61fa945defbc22e

npm ci --no-audit --no-fund --ignore-scripts --prefix "$here"
if [ -f "$here/vendor/congodb/index.js" ] && [ "$(cat "$here/vendor/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@push.rocks/smartmongo@$version" >/dev/null)
echo "$sha256  $tmp/push.rocks-smartmongo-$version.tgz" | sha256sum -c --quiet -
tar -xzf "$tmp/push.rocks-smartmongo-$version.tgz" -C "$tmp" package/dist_ts/congodb package/license
rm -rf "$here/vendor"
mkdir -p "$here/vendor"
mv "$tmp/package/dist_ts/congodb" "$here/vendor/congodb"
mv "$tmp/package/license" "$here/vendor/LICENSE"
echo "$version" >"$here/vendor/VERSION"
