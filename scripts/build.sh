#!/usr/bin/env bash
# Configures and builds darkscope in ./build (or $DS_BUILD_DIR). Extra arguments go
# to cmake's configure step, e.g. -DDS_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${DS_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
