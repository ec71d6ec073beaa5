#!/usr/bin/env bash
# Sourced by run.sh and test.sh. Ensures a PostGIS server and exports GEOPROJECTS_SERVER
# (a connection string without a database name).
#  - ConnectionStrings__GeoProjects set: that database is used, no cluster is started.
#  - otherwise: a private PostgreSQL 15 + PostGIS 3 cluster under .data/pg on 127.0.0.1:$GEOPROJECTS_PG_PORT.
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.

GEOPROJECTS_EXTERNAL_DB=${ConnectionStrings__GeoProjects:-}

geoprojects_cluster() {
  local root pgbin pgdata port as=()
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  port=${GEOPROJECTS_PG_PORT:-55480}
  pgbin=/usr/lib/postgresql/15/bin
  pgdata="$root/.data/pg"

  if [ ! -x "$pgbin/initdb" ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
    local pkgs="postgresql-15 postgresql-15-postgis-3"
    if [ "$(id -u)" != 0 ]; then
      echo "geoprojects: PostgreSQL 15 + PostGIS 3 are missing; install them (sudo apt-get install -y $pkgs) or set ConnectionStrings__GeoProjects." >&2
      return 1
    fi
    echo "geoprojects: installing $pkgs" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
  fi

  if [ "$(id -u)" = 0 ]; then
    as=(runuser -u postgres --)
  fi
  mkdir -p "$root/.data"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root/.data" 2>/dev/null; then
    # The checkout is not reachable by the postgres user (e.g. under a 0700 temp dir): keep the cluster in
    # postgres's own area, one per checkout, and point .data/pg at it.
    pgdata="/var/lib/postgresql/geoprojects-$(printf '%s' "$root" | md5sum | cut -c1-12)"
    ln -sfn "$pgdata" "$root/.data/pg"
  fi
  mkdir -p "$pgdata"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$pgdata"
    [ -L "$root/.data/pg" ] || chown postgres:postgres "$root/.data"
  fi
  chmod 700 "$pgdata"
  if [ ! -s "$pgdata/PG_VERSION" ]; then
    echo "geoprojects: creating a private PostgreSQL cluster in $pgdata" >&2
    (cd / && "${as[@]}" "$pgbin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null)
  fi
  if ! (cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1); then
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "geoprojects: port $port is taken by another server; set GEOPROJECTS_PG_PORT to a free port" >&2
      return 1
    fi
    (cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null) || { echo "geoprojects: PostgreSQL did not start; see $pgdata/server.log" >&2; tail -5 "$pgdata/server.log" >&2; return 1; }
  fi
  # A cluster that was already running keeps the port it was started with.
  port=$(sed -n 4p "$pgdata/postmaster.pid")
  GEOPROJECTS_SERVER="Host=127.0.0.1;Port=$port;Username=postgres"
}

if [ -n "$GEOPROJECTS_EXTERNAL_DB" ]; then
  GEOPROJECTS_SERVER=$GEOPROJECTS_EXTERNAL_DB
  echo "geoprojects: using the database from ConnectionStrings__GeoProjects; no private cluster started" >&2
else
  geoprojects_cluster
fi
export GEOPROJECTS_SERVER
