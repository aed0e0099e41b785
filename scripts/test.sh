#!/usr/bin/env bash
# The test command: real Trivy and fixture DB first, then jest on Node 24. Extra arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/dev-env.sh"
HADOLINT_BIN="$(bash scripts/prepare-system.sh)"
export HADOLINT_BIN
NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning" \
  exec "$NODE24" node_modules/jest/bin/jest.js "$@"
