#!/usr/bin/env bash
# Installs Banana Cake Pop's files (pinned in package-lock.json) for the app to serve at /graphql.
# Needs Node.js + npm: installed from Debian when missing and running as root.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "geoprojects: npm is missing; install it (sudo apt-get install -y nodejs npm) to get the GraphQL IDE." >&2
    exit 1
  fi
  echo "geoprojects: installing nodejs npm" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
stamp=node_modules/.geoprojects-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$stamp"
fi
