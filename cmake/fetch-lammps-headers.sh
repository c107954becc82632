#!/usr/bin/env bash
# Usage: fetch-lammps-headers.sh DEST
# Debian's liblammps-dev lacks headers a pair style needs (fmt/, exceptions.h, neigh_request.h,
# lammpsplugin.h, version.h). This extracts every header of Debian's LAMMPS source package of
# the same version into DEST (nothing from LAMMPS is committed to Mosaic). Needs root for apt.
set -euo pipefail
dest=$1
version=$(dpkg-query -W -f='${source:Version}' liblammps-dev 2>/dev/null) || {
  echo "fetch-lammps-headers: liblammps-dev is not installed (apt-get install liblammps-dev)" >&2; exit 1; }
if [ -f "$dest/.source-version" ] && [ "$(cat "$dest/.source-version")" = "$version" ]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() { (cd "$work" && apt-get source --download-only "lammps=$version" >/dev/null 2>&1); }
if ! fetch; then
  # Add source entries matching the binary ones, then try again.
  if [ -f /etc/apt/sources.list.d/debian.sources ] && ! grep -rqs "deb-src" /etc/apt/sources.list.d/ /etc/apt/sources.list; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/mosaic-deb-src.sources
  elif [ -f /etc/apt/sources.list ] && ! grep -qs "^deb-src" /etc/apt/sources.list; then
    grep "^deb " /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/mosaic-deb-src.list
  fi
  apt-get update -qq >/dev/null
  fetch || { echo "fetch-lammps-headers: cannot download the Debian source of lammps=$version (is a deb-src entry reachable?)" >&2; exit 1; }
fi
tar -xJf "$work"/lammps_*.orig.tar.xz -C "$work" --wildcards '*/src/*.h' '*/src/fmt/*'
src=$(echo "$work"/lammps-*/src)
mkdir -p "$dest"
cp "$src"/*.h "$dest"/
rm -rf "$dest/fmt" && cp -r "$src/fmt" "$dest/fmt"
# The headers Debian ships must be the very same files.
for h in /usr/include/lammps/*.h; do
  cmp -s "$h" "$dest/$(basename "$h")" || { echo "fetch-lammps-headers: $h differs from the source package" >&2; exit 1; }
done
echo "$version" > "$dest/.source-version"
echo "fetch-lammps-headers: LAMMPS $version headers in $dest"
