#!/usr/bin/env bash
# npm run bench: judge/render cost and scan wall time, on the real Trivy with the offline fixture DB.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/dev-env.sh"
# kube-apiserver and etcd for the cluster benchmark; Java and Maven for the real OpenSearch of the forward one.
# shellcheck disable=SC1090
source "$(bash scripts/prepare-kube.sh)"
bash scripts/prepare-system.sh >/dev/null
# shellcheck disable=SC1090
source "$(bash scripts/prepare-opensearch.sh)"
build="$vulngate_root/bench/.build"
rm -rf "$build"
npx --no-install tsc -p tsconfig.json --noEmit false --outDir "$build" --rootDir src
echo '{"type":"module"}' > "$build/package.json"
echo "## Machine"
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sm), Node $("$NODE24" --version), Trivy $("$TRIVY_BIN" version --format json)"
echo
echo "## Judge and render"
BENCH_BUILD="$build" "$NODE24" bench/judge.mjs
echo
echo "## Scan: shared and distinct bases on a real Debian rootfs"
BENCH_ROOTFS="$(bash scripts/debian-rootfs.sh)" "$NODE24" bench/layers.mjs
echo
echo "## Scan: small fixture images (vulngate's own overhead)"
"$NODE24" bench/scan.mjs
echo
echo "## Code dependencies: vulngate scan --fs . on this repository"
"$NODE24" bench/fs.mjs
echo
echo "## Forward"
BENCH_BUILD="$build" "$NODE24" bench/forward.ts
echo
echo "## Cluster: 5,000 pods of 50 images"
BENCH_BUILD="$build" "$NODE24" bench/cluster.ts
rm -rf "$build"
