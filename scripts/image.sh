#!/usr/bin/env bash
# npm run image: builds the GitLab image from the Dockerfile and writes it as an OCI archive (build/vulngate-image.oci.tar
# unless --out says otherwise). Prints the archive's path.
#   --out FILE           where to write the archive
#   --bake-db-from DIR   BAKE_DB=true, with the DB of that Trivy cache dir (db/, java-db/) instead of a download
# Docker where an engine answers (the Dockerfile's pinned bases), else buildah as root with vfs storage and chroot
# isolation, on bases assembled from packages (scripts/image-bases.sh; VULNGATE_IMAGE_BASES=official takes the
# Dockerfile's pinned bases instead). VULNGATE_IMAGE_ENGINE=docker|buildah chooses. The archive is cached outside the
# repository under a key of every input (Dockerfile, dist/cli, bases, DB), so an unchanged image is built once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cache="${VULNGATE_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vulngate-dev}"
out="$root/build/vulngate-image.oci.tar"
db_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$(realpath -m "$2")"; shift 2 ;;
    --bake-db-from) db_dir="$(realpath "$2")"; shift 2 ;;
    *) echo "image: unknown argument $1 (--out FILE, --bake-db-from DIR)" >&2; exit 2 ;;
  esac
done
[ -f dist/cli/index.js ] || { echo "image: dist/cli/index.js is missing: run 'npm run bundle' first" >&2; exit 2; }
version="$(sed -nE 's/^  "version": "([^"]+)".*/\1/p' package.json)"

engine="${VULNGATE_IMAGE_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then engine=docker; else engine=buildah; fi
fi
bases="${VULNGATE_IMAGE_BASES:-$([ "$engine" = buildah ] && echo local || echo official)}"
[ "$engine/$bases" != docker/local ] || { echo "image: local bases are assembled for buildah only" >&2; exit 2; }
if [ "$engine" = buildah ] && ! command -v buildah >/dev/null; then
  bash scripts/prepare-system.sh >/dev/null
fi
if [ "$bases" = local ]; then
  # shellcheck disable=SC1090
  source "$(bash scripts/prepare-trivy.sh)"
  NODE24="$(bash scripts/node24.sh)"
  export NODE24
fi

# The DB to bake, as the trivy-db build context.
db_context=""
if [ -n "$db_dir" ]; then
  [ -f "$db_dir/db/trivy.db" ] || { echo "image: $db_dir has no db/trivy.db" >&2; exit 2; }
  db_context="$(mktemp -d)"
  trap 'rm -rf "$db_context"' EXIT
  for part in db java-db; do
    if [ -d "$db_dir/$part" ]; then cp -R "$db_dir/$part" "$db_context/"; fi
  done
fi

# Every input of the image. Of the DB, its files but metadata.json, whose timestamps change with each fixture build.
image_key() {
  {
    echo "$engine $bases $version"
    sha256sum Dockerfile .dockerignore scripts/image.sh scripts/image-bases.sh scripts/debian-rootfs.sh
    find dist/cli -type f | sort | xargs sha256sum
    if [ "$bases" = local ]; then
      "$NODE24" --version
      echo "$TRIVY_BIN"
      stat -c '%s %Y' "$(bash scripts/debian-rootfs.sh)"
    fi
    if [ -n "$db_context" ]; then (cd "$db_context" && find . -type f ! -name metadata.json | sort | xargs sha256sum); fi
  } | sha256sum | cut -c1-16
}
name=vulngate-image
if [ -n "$db_context" ]; then name=vulngate-image-db; fi
cached="$cache/image-$(image_key)/$name.oci.tar"

build_args=(--build-arg "VERSION=$version")
if [ -n "$db_context" ]; then build_args+=(--build-arg BAKE_DB=true --build-context "trivy-db=$db_context"); fi

build_with_buildah() {
  export BUILDAH_ROOT="$cache/buildah"
  local bah=(buildah --root "$BUILDAH_ROOT/storage" --runroot "$BUILDAH_ROOT/run" --storage-driver vfs)
  if [ "$bases" = local ]; then
    while read -r base; do build_args+=(--build-arg "$base"); done < <(bash scripts/image-bases.sh)
  fi
  local tag="localhost/vulngate-dev/vulngate:$version-$(basename "$(dirname "$cached")")"
  # --layers: one layer per instruction, as Docker builds it, and a layer cache: the DB variant, built after the plain
  # one, reuses its layers as Docker's cache would. vfs keeps a full copy of the tree per layer, so before the plain
  # variant the layers of earlier builds go (the bases stay).
  if [ -z "$db_context" ]; then "${bah[@]}" rmi --prune >/dev/null 2>&1 || true; fi
  "${bah[@]}" build --isolation chroot --layers --pull=false "${build_args[@]}" -t "$tag" -f Dockerfile . >&2
  "${bah[@]}" push -q "$tag" "oci-archive:$1:vulngate:$version" >&2
  "${bah[@]}" rmi "$tag" >/dev/null
}

build_with_docker() {
  local tag="vulngate:$version-build"
  docker build "${build_args[@]}" -t "$tag" -f Dockerfile . >&2
  # docker save writes an OCI image layout from Docker 25 on.
  docker save "$tag" -o "$1"
}

if [ ! -s "$cached" ]; then
  mkdir -p "$(dirname "$cached")"
  echo "image: building $name with $engine ($bases bases) into $(dirname "$cached")" >&2
  started=$(date +%s)
  "build_with_$engine" "$cached.tmp"
  mv "$cached.tmp" "$cached"
  echo "$(( $(date +%s) - started ))" >"${cached%.oci.tar}.build-seconds"
  echo "image: built in $(cat "${cached%.oci.tar}.build-seconds") s" >&2
  # Keep the last few builds: each archive is some 150 MB.
  find "$cache" -maxdepth 1 -name 'image-*' -type d -printf '%T@ %p\n' | sort -rn | tail -n +7 | cut -d' ' -f2- |
    xargs -r rm -rf
else
  echo "image: $name from the cache, $(dirname "$cached") (built in $(cat "${cached%.oci.tar}.build-seconds") s)" >&2
fi
mkdir -p "$(dirname "$out")"
ln -f "$cached" "$out" 2>/dev/null || cp "$cached" "$out"
echo "$out"
