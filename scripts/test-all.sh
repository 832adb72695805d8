#!/usr/bin/env bash
# The one command that runs every test: sets up the Engine, registry, skopeo and chromium, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh
[ -d node_modules ] || npm ci
rm -f test-artifacts/vitest-report.json
status=0
npm test || status=$?
node scripts/test-summary.mjs
exit $status
