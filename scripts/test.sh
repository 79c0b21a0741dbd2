#!/usr/bin/env bash
# The test job: set up, then lint, unit tests and the real-traffic suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/node-env.sh
npm test
