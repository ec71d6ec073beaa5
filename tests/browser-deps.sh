#!/usr/bin/env bash
# What the browser tests need from Debian: Chromium (driven by Microsoft.Playwright at /usr/bin/chromium)
# and a CJK font, so screenshots show 中文 instead of boxes.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-zenhei)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "geoprojects: the browser tests need ${missing[*]}; install them (sudo apt-get install -y ${missing[*]})." >&2
  exit 1
fi
echo "geoprojects: installing ${missing[*]}" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
