#!/usr/bin/env bash
# Installs the pinned Python tools the tests check minnow against from PyPI, each in its own venv under
# ${MINNOW_TOOLS_DIR:-~/.cache/minnow-test-tools}, skipping any whose pinned version is already there:
# ntia-conformance-checker (`ntia-checker`), which the SBOM tests run on minnow's SPDX output.
set -euo pipefail
tools="${MINNOW_TOOLS_DIR:-$HOME/.cache/minnow-test-tools}"
venv="$tools/ntia-venv"
version="6.0.0"
if [ "$("$venv/bin/ntia-checker" --version 2>/dev/null || true)" != "$version" ]; then
  echo "setup-test-env: pip install ntia-conformance-checker==$version"
  rm -rf "$venv"
  mkdir -p "$tools"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "ntia-conformance-checker==$version"
fi
