#!/usr/bin/env bash
# Builds the report front end: installs the npm modules pinned by web/package-lock.json
# (only when missing or older than the lock file) and runs web/build.mjs into
# BUILD_DIR/web, which CMake embeds into the binary. Usage: scripts/build-web.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${DS_BUILD_DIR:-build}}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "darkscope: node and npm are needed for the report front end (scripts/install-deps.sh installs them)" >&2
  exit 1
fi
stamp=web/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ web/package-lock.json -nt "$stamp" ]; then
  # --ignore-scripts: esbuild's binary comes as an npm package of its own; no
  # install script needs to run.
  (cd web && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
fi
mkdir -p "$build/web"
node web/build.mjs --out "$build/web" >/dev/null
# Tells CMake's embedding step that the modules may have changed.
touch "$build/web/npm.stamp"
