#!/usr/bin/env bash
# The main job: set up, then a conformance run on the p2p veth topology over every backend (the
# OVS kernel datapath inside a user-mode Linux guest, since the host has no openvswitch.ko),
# results in runs/latest (results.json, results.csv, junit.xml, logs/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/dplab run --suite conformance --topology p2p --kernel uml:debian --out "${DPLAB_OUT:-runs/latest}" "$@"
