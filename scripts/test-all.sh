#!/usr/bin/env bash
# The one command that runs every test: sets up the Engine, registry, skopeo and chromium, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh
[ -d node_modules ] || npm ci
npm test
