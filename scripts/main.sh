#!/usr/bin/env bash
# The main job: set up, then a conformance + benchmark run on the p2p veth topology over every
# backend (the OVS kernel datapath inside a user-mode Linux guest, since the host has no
# openvswitch.ko; it is not benchmarked there), results in runs/latest (results.json,
# results.csv, benchmarks.csv, junit.xml, logs/) and the benchmark table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/dplab run --suite all --topology p2p --kernel uml:debian --out "${DPLAB_OUT:-runs/latest}" "$@"
