#!/usr/bin/env bash
# Installs the Debian 12 packages darkscope needs to build, test and run, only the
# ones missing. A fresh Debian system has no package lists, so `apt-get update`
# runs first whenever something must be installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang
  libpcap-dev zlib1g-dev libzstd-dev liblzma-dev libbz2-dev libisal-dev
  libjansson-dev libinih-dev libgsl-dev
  tcpdump zstd xz-utils bzip2 gzip
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "darkscope: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
