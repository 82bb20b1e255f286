#!/usr/bin/env bash
# The README's second command: installs what is missing, builds with warnings as
# errors, and runs the whole test suite (then again under AddressSanitizer and
# UndefinedBehaviorSanitizer). Any failure makes it exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The hostile-input tests also need valgrind (tests/test_valgrind.sh) and jq; tests/test_format.sh needs clang-format.
for p in valgrind jq clang-format; do
  if ! command -v "$p" > /dev/null; then
    SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" > /dev/null
  fi
done
DS_BUILD_DIR=build scripts/build.sh -DDS_WERROR=ON
(cd build && ctest --output-on-failure -j"$(nproc)")
if [ "${DS_SKIP_SANITIZE:-0}" != 1 ]; then
  DS_BUILD_DIR=build-asan scripts/build.sh -DDS_WERROR=ON -DDS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$(nproc)")
fi
# libFuzzer harnesses (clang, ASan+UBSan), a short bounded run each (docs/FUZZING.md).
if [ "${DS_SKIP_FUZZ:-0}" != 1 ]; then
  scripts/fuzz.sh "${DS_FUZZ_SECONDS:-25}" # 10 harnesses x 25 s: about 4.5 minutes with the build
fi
