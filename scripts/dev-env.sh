# Sourced by the dev scripts: the real Trivy and fixture DB (TRIVY_BIN, TRIVY_FIXTURE_CACHE) and Node 24 (NODE24),
# with the working directory at the repository root.
vulngate_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$vulngate_root"
# shellcheck disable=SC1090
source "$(bash scripts/prepare-trivy.sh)"
NODE24="$(bash scripts/node24.sh)"
export NODE24
