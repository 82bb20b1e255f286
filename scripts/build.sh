#!/usr/bin/env bash
# Configures and builds darkscope in ./build (or $DS_BUILD_DIR). Extra arguments go
# to cmake's configure step, e.g. -DDS_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${DS_BUILD_DIR:-build}
# The report front end first (when Node.js is there), so that the binary embeds it.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  scripts/build-web.sh "$build"
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
