#!/usr/bin/env bash
# Installs the pinned Go tools the tests check minnow against (cosign, oras for attestations; dlv for --debug
# images; syft for the SBOM, dive for analyze's bench) from the Go module proxy
# into GOPATH/bin, skipping any tool whose pinned version is already there, so a second run costs nothing.
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"
gobin="$(go env GOPATH)/bin"
# tool binary | module path | pinned version
tools=(
  "cosign|github.com/sigstore/cosign/v2/cmd/cosign|v2.6.5"
  "oras|oras.land/oras/cmd/oras|v1.3.6"
  # Keep in step with DELVE_VERSION in src/build/delve.ts: the test drives the image's dlv with this one.
  "dlv|github.com/go-delve/delve/cmd/dlv|v1.27.2"
  "syft|github.com/anchore/syft/cmd/syft|v1.57.1"
  "dive|github.com/wagoodman/dive|v0.13.1"
)
for entry in "${tools[@]}"; do
  IFS='|' read -r name pkg version <<<"$entry"
  have="$(go version -m "$gobin/$name" 2>/dev/null | awk '$1 == "mod" { print $3; exit }')" || true
  if [ "$have" = "$version" ]; then continue; fi
  echo "setup-test-env: go install $pkg@$version"
  GOFLAGS=-mod=mod go install "$pkg@$version"
done
