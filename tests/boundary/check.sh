#!/usr/bin/env bash
# Builds one boundary probe and checks the outcome. Usage: check.sh BUILD_DIR TARGET fails|builds
# For "fails" the build must fail because the undeclared module's header is not found, not for
# any other reason.
set -uo pipefail
build_dir=$1 target=$2 expect=$3
out=$(cmake --build "$build_dir" --target "$target" 2>&1)
status=$?
if [ "$expect" = builds ]; then
  [ $status -eq 0 ] && { echo "$target built, as declared"; exit 0; }
  echo "$out"; echo "FAIL: $target should build"; exit 1
fi
if [ $status -ne 0 ] && grep -q 'cinestream/store/database.hpp: No such file or directory' <<<"$out"; then
  echo "$target refused: the undeclared module's header is not visible"
  exit 0
fi
echo "$out"
echo "FAIL: $target should fail to compile on the undeclared include"
exit 1
