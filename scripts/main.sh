#!/usr/bin/env bash
# The main job: set up, then a conformance + benchmark run on the p2p veth topology over every
# backend on two kernels: the host's (benchmarked; it has no openvswitch.ko, so the kernel
# backend is skipped there) and a user-mode Linux 6.1 guest (conformance only; the OVS kernel
# datapath runs there, while that kernel has no BTF or AF_XDP for the others). Results in
# runs/latest (results.json, results.csv, benchmarks.csv, junit.xml, report.html, logs/) and
# the benchmark table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/dplab run --suite all --topology p2p --kernel host,uml:debian --out "${DPLAB_OUT:-runs/latest}" "$@"
