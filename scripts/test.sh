#!/usr/bin/env bash
# The test command: real Trivy and fixture DB first, then jest on Node 24. Extra arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/dev-env.sh"
HADOLINT_BIN="$(bash scripts/prepare-system.sh)"
export HADOLINT_BIN
# kube-apiserver and etcd for the cluster tests (KUBE_APISERVER_BIN, ETCD_BIN): only the tests and the bench need
# them, so the bundled example does not wait for their build.
# shellcheck disable=SC1090
source "$(bash scripts/prepare-kube.sh)"
# A real OpenSearch for the Elasticsearch receiver's tests (OPENSEARCH_CLASSPATH): after prepare-system, which installs
# Java and Maven where they are missing.
# shellcheck disable=SC1090
source "$(bash scripts/prepare-opensearch.sh)"
NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning" \
  exec "$NODE24" node_modules/jest/bin/jest.js "$@"
