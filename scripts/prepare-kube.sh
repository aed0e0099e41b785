#!/usr/bin/env bash
# Builds kube-apiserver (k8s.io/kubernetes v1.36.3) and etcd (v3.6.8) from the Go module proxy for the cluster tests,
# cached outside the repository by tools/kube/go.sum: cold about 7 + 2 minutes on 2 cores, warm a second.
# Prints a file to source with KUBE_APISERVER_BIN and ETCD_BIN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${VULNGATE_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vulngate-dev}"
key="$(cat "$root/tools/kube/go.mod" "$root/tools/kube/go.sum" "$root/tools/kube/etcd/main.go" | sha256sum | cut -c1-12)"
bin_dir="$cache/kube-1.36.3-$key"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
build() { # name, package
  [ -x "$bin_dir/$1" ] && return 0
  command -v go >/dev/null || { echo "prepare-kube: Go is needed to build $1 (go 1.26.x)" >&2; exit 2; }
  echo "prepare-kube: building $1 from the Go module proxy into $bin_dir (first time: minutes)" >&2
  mkdir -p "$bin_dir"
  local started; started=$(date +%s)
  (cd "$root/tools/kube" && go build -trimpath -ldflags "-s -w" -o "$bin_dir/$1.tmp" "$2" && mv "$bin_dir/$1.tmp" "$bin_dir/$1")
  echo "prepare-kube: $1 built in $(( $(date +%s) - started )) s" >&2
}
build etcd ./etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
cat > "$cache/kube-env.sh" <<ENV
export KUBE_APISERVER_BIN='$bin_dir/kube-apiserver'
export ETCD_BIN='$bin_dir/etcd'
ENV
echo "$cache/kube-env.sh"
