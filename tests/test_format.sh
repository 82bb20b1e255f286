#!/usr/bin/env bash
# Every C source and header is formatted as .clang-format says (clang-format
# --dry-run -Werror). Skipped (exit 77) when clang-format is not installed;
# scripts/test.sh installs it.
set -u
SRC=${DS_SRC:?}
if ! command -v clang-format > /dev/null; then
  echo "SKIP: clang-format is not installed"
  exit 77
fi
cd "$SRC" || exit 1
mapfile -t files < <(find src tests fuzz bench -name '*.[ch]' | sort)
echo "checking ${#files[@]} files"
[ ${#files[@]} -gt 0 ] || { echo "FAIL: no C files found under $SRC"; exit 1; }
clang-format --dry-run -Werror "${files[@]}"
