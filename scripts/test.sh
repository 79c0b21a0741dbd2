#!/usr/bin/env bash
# The test job: set up, then lint, unit tests and the real-traffic suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/node-env.sh

# The TRex container specs need a Docker daemon. Start one when none runs, without its bridge
# and iptables rules (its FORWARD DROP would break bridged traffic), and stop it at the end.
if ! docker info >/dev/null 2>&1; then
  /usr/sbin/dockerd --iptables=false --ip6tables=false --bridge=none >/tmp/dplab-test-dockerd.log 2>&1 &
  dockerd_pid=$!
  trap 'kill "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || { echo "test: dockerd did not start (log: /tmp/dplab-test-dockerd.log)" >&2; tail -5 /tmp/dplab-test-dockerd.log >&2; }
fi
npm test
