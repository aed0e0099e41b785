#!/usr/bin/env bash
# The test command: real Trivy and fixture DB first, then jest on Node 24. Extra arguments go to jest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
env_file="$(bash scripts/prepare-trivy.sh)"
# shellcheck disable=SC1090
source "$env_file"
node24="$(bash scripts/node24.sh)"
export NODE24="$node24"
NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning" \
  exec "$node24" node_modules/jest/bin/jest.js "$@"
