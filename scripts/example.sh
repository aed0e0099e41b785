#!/usr/bin/env bash
# The bundled example: builds real image tarballs, scans them with the real Trivy (built from the Go module
# proxy on first use) against a small offline vulnerability DB, and runs the gate twice:
#   1. with example/profiles/default.yml  → fails (exit 1) on the fixable HIGH/CRITICAL findings
#   2. with example/profiles/accepted.yml → passes (exit 0): the same findings are excepted with notes
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/dev-env.sh"
rm -rf example/tar_images example/out
"$NODE24" test/support/fixture-images.ts example/tar_images debian-app node-app clean >/dev/null

gate() {
  PATH="$(dirname "$TRIVY_BIN"):$PATH" "$NODE24" dist/cli/index.js scan \
    --images 'example/tar_images/*.tar' --profiles-dir example/profiles --profile "$1" \
    --cache-dir "$TRIVY_FIXTURE_CACHE" --offline --output-dir "example/out/$1"
}

echo "== 1/2: vulngate scan --profile default"
set +e; gate default; first=$?; set -e
echo "== exit code $first (expected 1: the profile failed the check)"
echo
echo "== 2/2: vulngate scan --profile accepted"
set +e; gate accepted; second=$?; set -e
echo "== exit code $second (expected 0: every blocking finding is excepted)"
echo
echo "Outputs: example/out/default/ and example/out/accepted/ (vulngate-results.json, summary.md, reports/)"
[ "$first" -eq 1 ] && [ "$second" -eq 0 ]
