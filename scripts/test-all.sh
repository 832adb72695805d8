#!/usr/bin/env bash
# The one command that runs every test: sets up the Engine, registry, skopeo and chromium, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh
[ -d node_modules ] || npm ci
rm -f test-artifacts/vitest-report.json
# The fixture images are a cache meant to outlive a run: keep them where they were, outside the checked temp dir.
export MINNOW_FIXTURE_CACHE="${MINNOW_FIXTURE_CACHE:-${TMPDIR:-/tmp}/minnow-fixture-images}"
# The suite runs with a temp dir of its own, which must be empty afterwards: a test (or a tool it runs: go, the
# Engine's CLI, chromium) that leaves files behind fails the run, named, instead of filling the disk.
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/minnow-test-run-XXXXXX")"
status=0
TMPDIR="$run_tmp" npm test || status=$?
# Multi-stage builds by the legacy builder leave their builder stages as untagged images: drop them so
# repeated runs do not fill the disk (nothing else is building once the suite is done).
docker image prune -f >/dev/null 2>&1 || true
node scripts/test-summary.mjs
if [ -n "$(ls -A "$run_tmp")" ]; then
  echo "test run left files in its temp dir $run_tmp:" >&2
  ls -A "$run_tmp" | head -50 >&2
  status=1
else
  rmdir "$run_tmp"
fi
exit $status
