#!/usr/bin/env bash
# A real Debian 12 rootfs (debootstrap --variant=minbase bookworm, from Debian's packages), as a deterministic layer
# tar cached outside the repository: the scan benchmarks' base layer and, slimmed, the image's local base
# (scripts/image-bases.sh). Prints its path. With --sources, prints instead the deb822 sources of the Debian mirror
# this machine's apt uses (the one debootstrap fetches from), for the rootfs's own apt.
set -euo pipefail
cache="${VULNGATE_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vulngate-dev}"
layer="$cache/rootfs-bookworm-minbase.tar"

# The Debian repositories apt is configured with (origin Debian), as "URI suite" lines; apt's lists must exist.
debian_repositories() {
  local format='$(ORIGIN) $(REPO_URI) $(SUITE)'
  if [ -z "$(apt-get indextargets --format "$format" | awk '$1 == "Debian"')" ]; then
    apt-get update -qq >&2
  fi
  # Suites are codenames in the sources (bookworm, bookworm-security), which is what indextargets calls CODENAME.
  apt-get indextargets --format '$(ORIGIN) $(REPO_URI) $(CODENAME)' | awk '$1 == "Debian" { print $2, $3 }' | sort -u
}

if [ "${1:-}" = "--sources" ]; then
  debian_repositories | awk '
    { suites[$1] = suites[$1] (suites[$1] == "" ? "" : " ") $2 }
    END { for (uri in suites) printf "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n", uri, suites[uri] }'
  exit 0
fi

if [ ! -s "$layer" ]; then
  if ! command -v debootstrap >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "debian-rootfs: debootstrap is missing (apt-get install debootstrap)" >&2; exit 2; }
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
  fi
  mirror="$(debian_repositories | awk '$2 == "bookworm" { print $1; exit }')"
  [ -n "$mirror" ] || { echo "debian-rootfs: apt has no Debian bookworm repository configured" >&2; exit 2; }
  dir="$cache/rootfs-bookworm.tmp"
  if [ ! -f "$dir/var/lib/dpkg/status" ]; then
    rm -rf "$dir"
    echo "debian-rootfs: debootstrap --variant=minbase bookworm from $mirror (a minute or two, once)" >&2
    debootstrap --variant=minbase bookworm "$dir" "$mirror" >&2
  fi
  # Deterministic: the same packages give the same bytes, so the same diff_id on every run.
  tar --sort=name --mtime='2024-01-01 00:00Z' --owner=0 --group=0 --numeric-owner --exclude=./dev/* --exclude=./proc/* \
    --exclude=./sys/* -C "$dir" -cf "$layer.tmp" . && mv "$layer.tmp" "$layer"
fi
echo "$layer"
