#!/usr/bin/env bash
# The README's second command: installs what is missing, builds with warnings as
# errors, and runs the whole test suite (then again under AddressSanitizer and
# UndefinedBehaviorSanitizer). Any failure makes it exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
DS_BUILD_DIR=build scripts/build.sh -DDS_WERROR=ON
(cd build && ctest --output-on-failure -j"$(nproc)")
if [ "${DS_SKIP_SANITIZE:-0}" != 1 ]; then
  DS_BUILD_DIR=build-asan scripts/build.sh -DDS_WERROR=ON -DDS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$(nproc)")
fi
