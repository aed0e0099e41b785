#!/usr/bin/env bash
# The pure test tier: no Go, no Trivy, no bundle; on Node 24 like the full suite. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NODE24="$(bash scripts/node24.sh)"
export NODE24
NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning" \
  exec "$NODE24" node_modules/jest/bin/jest.js --config jest.unit.config.js "$@"
