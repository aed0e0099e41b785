#!/usr/bin/env bash
# Builds the pinned Trivy from the Go module proxy and the fixture vulnerability DB, for tests, the example
# and benchmarks. The binary is cached outside the repository, keyed by tools/go.sum: a cold build takes
# several minutes on 2 cores, a warm run takes a second.
# Writes "$VULNGATE_DEV_CACHE/env.sh" with TRIVY_BIN and TRIVY_FIXTURE_CACHE for the callers to source.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${VULNGATE_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vulngate-dev}"
version="0.74.0"
key="$(cat "$root/tools/go.mod" "$root/tools/go.sum" "$root/tools/fixturedb/main.go" | sha256sum | cut -c1-12)"
bin_dir="$cache/trivy-$version-$key"
trivy="$bin_dir/trivy"
fixturedb="$bin_dir/fixturedb"

export GOTOOLCHAIN=local GOEXPERIMENT=jsonv2 CGO_ENABLED=0 GOFLAGS=-mod=mod
if [ ! -x "$trivy" ] || [ ! -x "$fixturedb" ]; then
  command -v go >/dev/null || { echo "prepare-trivy: Go is needed to build Trivy (go 1.26.x)" >&2; exit 2; }
  echo "prepare-trivy: building Trivy $version from the Go module proxy into $bin_dir (first time: several minutes)" >&2
  mkdir -p "$bin_dir"
  started=$(date +%s)
  (cd "$root/tools" && go build -trimpath \
      -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$version" \
      -o "$trivy.tmp" github.com/aquasecurity/trivy/cmd/trivy && mv "$trivy.tmp" "$trivy")
  (cd "$root/tools" && go build -trimpath -o "$fixturedb.tmp" ./fixturedb && mv "$fixturedb.tmp" "$fixturedb")
  echo "prepare-trivy: built in $(( $(date +%s) - started )) s" >&2
fi
got="$("$trivy" version --format json)"
case "$got" in
  *"\"Version\":\"$version\""*) ;;
  *) echo "prepare-trivy: $trivy reports $got, expected $version" >&2; exit 3 ;;
esac

# vexcheck (tools/vexcheck): the OpenVEX project's go-vex library reading and validating a document, for the tests.
vexcheck="$bin_dir/vexcheck-$(sha256sum "$root/tools/vexcheck/main.go" | cut -c1-12)"
if [ ! -x "$vexcheck" ]; then
  (cd "$root/tools" && go build -trimpath -o "$vexcheck.tmp" ./vexcheck && mv "$vexcheck.tmp" "$vexcheck")
fi

# The DB is rebuilt whenever the fixtures or the tool change (well under a second), so fixture edits always take
# effect; only then, since its bytes differ from build to build (bolt-fixtures loads in map order) and the image
# with the DB baked in (scripts/image.sh) is cached by them.
db_cache="$cache/trivy-cache"
db_inputs="$( (echo "$fixturedb"; cd "$root/test/fixtures/db" && sha256sum ./*) | sha256sum | cut -c1-16)"
if [ ! -s "$db_cache/db/trivy.db" ] || [ "$(cat "$db_cache/fixtures.key" 2>/dev/null)" != "$db_inputs" ]; then
  "$fixturedb" -cache-dir "$db_cache" -fixtures "$root/test/fixtures/db" >&2
  echo "$db_inputs" >"$db_cache/fixtures.key"
fi

cat > "$cache/env.sh" <<ENV
export TRIVY_BIN='$trivy'
export TRIVY_FIXTURE_CACHE='$db_cache'
export VEXCHECK_BIN='$vexcheck'
ENV
echo "$cache/env.sh"
