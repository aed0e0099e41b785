#!/usr/bin/env bash
# A real Debian 12 rootfs for the scan benchmarks (debootstrap --variant=minbase bookworm, from Debian's packages),
# as a deterministic layer tar cached outside the repository. Prints its path.
set -euo pipefail
cache="${VULNGATE_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vulngate-dev}"
layer="$cache/rootfs-bookworm-minbase.tar"
if [ ! -s "$layer" ]; then
  if ! command -v debootstrap >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "rootfs: debootstrap is missing (apt-get install debootstrap)" >&2; exit 2; }
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
  fi
  dir="$cache/rootfs-bookworm.tmp"
  if [ ! -f "$dir/var/lib/dpkg/status" ]; then
    rm -rf "$dir"
    echo "rootfs: debootstrap --variant=minbase bookworm (a few minutes, once)" >&2
    debootstrap --variant=minbase bookworm "$dir" http://deb.debian.org/debian >&2
  fi
  # Deterministic: the same packages give the same bytes, so the same diff_id on every run.
  tar --sort=name --mtime='2024-01-01 00:00Z' --owner=0 --group=0 --numeric-owner --exclude=./dev/* --exclude=./proc/* \
    --exclude=./sys/* -C "$dir" -cf "$layer.tmp" . && mv "$layer.tmp" "$layer"
fi
echo "$layer"
