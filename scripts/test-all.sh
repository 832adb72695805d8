#!/usr/bin/env bash
# The one command that runs every test: sets up the Engine, registry, skopeo and chromium, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh
[ -d node_modules ] || npm ci
rm -f test-artifacts/vitest-report.json
status=0
npm test || status=$?
# Multi-stage builds by the legacy builder leave their builder stages as untagged images: drop them so
# repeated runs do not fill the disk (nothing else is building once the suite is done).
docker image prune -f >/dev/null 2>&1 || true
node scripts/test-summary.mjs
exit $status
