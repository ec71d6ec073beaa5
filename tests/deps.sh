#!/usr/bin/env bash
# What the tests need beyond the app: from Debian, Chromium (driven by Microsoft.Playwright at /usr/bin/chromium),
# a CJK font (so screenshots show 中文), GDAL (ogrinfo reads our tiles), OWSLib (an OGC API client) and wrk (the benchmark's
# smoke run); from npm,
# the CRS oracle (tests/oracle) and the reference GraphQL clients (tests/clients).
set -euo pipefail
cd "$(dirname "$0")"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-zenhei)
command -v ogrinfo >/dev/null || missing+=(gdal-bin)
command -v wrk >/dev/null || missing+=(wrk)
/usr/bin/python3 -c 'import owslib' 2>/dev/null || missing+=(python3-owslib) # OWSLib reads what an OGC write made
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "geoprojects: the tests need ${missing[*]}; install them (sudo apt-get install -y ${missing[*]})." >&2
    exit 1
  fi
  echo "geoprojects: installing ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
../src/GeoProjects.Api/install-web-assets.sh "$PWD/oracle" "$PWD/clients"
