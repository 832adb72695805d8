#!/usr/bin/env bash
# Installs (as root, from Debian's packages) and starts what the integration tests use, when it is missing:
# the Docker Engine, the CNCF distribution registry, skopeo, containerd and zstd (zstd layers), chromium, htpasswd, kubectl; then starts the Engine.
set -euo pipefail
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v ctr >/dev/null || need+=(containerd)
command -v zstd >/dev/null || need+=(zstd)
command -v chromium >/dev/null || need+=(chromium)
command -v curl >/dev/null || need+=(curl)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v kubectl >/dev/null || need+=(kubernetes-client)
command -v openssl >/dev/null || need+=(openssl)
# getcap reads back the file capabilities minnow writes (test/build/capabilities.test.ts).
command -v getcap >/dev/null || [ -x /usr/sbin/getcap ] || need+=(libcap2-bin)
command -v git >/dev/null || need+=(git)
# The NTIA minimum-elements checker (PyPI) runs in a venv of its own.
command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3 python3-venv)
# The completion scripts (minnow completion zsh|fish) are run by the tests in the shells they are for.
command -v zsh >/dev/null || need+=(zsh)
command -v fish >/dev/null || need+=(fish)
# bench/hostile.mjs measures the peak RSS of minnow and its peers with GNU time.
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-test-env: missing ${need[*]}; run as root or install them with apt-get" >&2
    exit 1
  fi
  echo "setup-test-env: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || { echo "setup-test-env: Go is not installed" >&2; exit 1; }
bash "$(dirname "$0")/install-go-tools.sh"
bash "$(dirname "$0")/install-py-tools.sh"
bash "$(dirname "$0")/install-node-versions.sh"
bash "$(dirname "$0")/start-docker.sh"
