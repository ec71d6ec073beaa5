#!/usr/bin/env bash
# Installs the pinned npm packages the app serves (package-lock.json in each folder, no CDN at run time):
# Ide/ (Banana Cake Pop at /graphql), Map/ (OpenLayers for the web map at /) and Ogc/ (Swagger UI for /ogc/api?f=html).
# Also used by the tests for their CRS oracle and reference clients. Needs Node.js + npm: installed from Debian when missing and running as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
folders=("$here/Ide" "$here/Map" "$here/Ogc" "$@")
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "geoprojects: npm is missing; install it (sudo apt-get install -y nodejs npm) to get the IDE and the web map." >&2
    exit 1
  fi
  echo "geoprojects: installing nodejs npm" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
for folder in "${folders[@]}"; do
  stamp="$folder/node_modules/.geoprojects-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$folder/package-lock.json" "$stamp"; then
    (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$folder/package-lock.json" "$stamp"
  fi
done
