#!/usr/bin/env bash
# Starts Debian's Docker Engine for the tests when none answers on /var/run/docker.sock.
# --bridge=none --iptables=false: the Engine creates no network address outside loopback; containers use
# --network host and are reached on 127.0.0.1 only.
set -euo pipefail
sock=/var/run/docker.sock
if curl -s --unix-socket "$sock" http://localhost/_ping 2>/dev/null | grep -q OK; then
  exit 0
fi
command -v dockerd >/dev/null || { echo "start-docker: dockerd not found (apt-get install docker.io)" >&2; exit 1; }
log=${MINNOW_DOCKERD_LOG:-/tmp/minnow-dockerd.log}
nohup dockerd --bridge=none --iptables=false --ip6tables=false >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if curl -s --unix-socket "$sock" http://localhost/_ping 2>/dev/null | grep -q OK; then
    echo "start-docker: Docker Engine is up (log: $log)"
    exit 0
  fi
  sleep 0.5
done
echo "start-docker: dockerd did not answer within 30 s; see $log" >&2
tail -20 "$log" >&2
exit 1
