#!/usr/bin/env bash
# Sourced by run.sh, test.sh and the bench scripts. Ensures a PostGIS server and exports GEOPROJECTS_SERVER
# (a connection string without a database name).
#  - ConnectionStrings__GeoProjects set: that database is used, no cluster is started.
#  - otherwise a private PostgreSQL 15 + PostGIS 3 cluster, chosen by GEOPROJECTS_CLUSTER:
#    durable (default; ./run.sh): .data/pg on 127.0.0.1:$GEOPROJECTS_PG_PORT (55480), the data people keep.
#      PostgreSQL's durable defaults (fsync, full_page_writes, synchronous_commit), data checksums, and a password
#      (scram-sha-256) over TCP: generated once into .data/pg-password (mode 0600) for the `postgres` user, who owns the
#      tables and migrates, and into .data/pg-api-password for geoprojects_api, the API's login (row-level security holds).
#    fast (./test.sh and bench/): .data/pg-test on 127.0.0.1:$GEOPROJECTS_TEST_PG_PORT (55481), throw-away test and
#      benchmark databases only: fsync, synchronous_commit and full_page_writes off, no password.
# It also generates .data/jwt-signing-key (0600), the key of locally signed bearer tokens (`GeoProjects.Api token`).
# PostgreSQL refuses to run as root, so as root a cluster runs as the `postgres` user.

GEOPROJECTS_EXTERNAL_DB=${ConnectionStrings__GeoProjects:-}

geoprojects_cluster() {
  local kind=${GEOPROJECTS_CLUSTER:-durable} root pgbin pgdata port as=() options="" password=""
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  pgbin=/usr/lib/postgresql/15/bin
  case "$kind" in
    durable) pgdata="$root/.data/pg"; port=${GEOPROJECTS_PG_PORT:-55480} ;;
    fast) pgdata="$root/.data/pg-test"; port=${GEOPROJECTS_TEST_PG_PORT:-55481}
      options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" ;;
    *) echo "geoprojects: GEOPROJECTS_CLUSTER is durable or fast, not '$kind'" >&2; return 1 ;;
  esac

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
  if [ -L "$pgdata" ] && [ -d "$(readlink -f "$pgdata")" ]; then
    pgdata=$(readlink -f "$pgdata") # a cluster kept elsewhere, as below
  elif [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root/.data" 2>/dev/null; then
    # The checkout is not reachable by the postgres user (e.g. under a 0700 temp dir): keep the cluster in
    # postgres's own area, one per checkout and kind, and point .data/pg(-test) at it.
    local link=$pgdata
    pgdata="/var/lib/postgresql/geoprojects-$(printf '%s' "$root" | md5sum | cut -c1-12)-$kind"
    ln -sfn "$pgdata" "$link"
  fi
  mkdir -p "$pgdata"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$pgdata"
    [ -L "$root/.data/pg" ] || [ -L "$root/.data/pg-test" ] || chown postgres:postgres "$root/.data"
  fi
  chmod 700 "$pgdata"

  if [ "$kind" = durable ]; then
    geoprojects_password "$root/.data/pg-password"
    password=$(cat "$root/.data/pg-password")
    geoprojects_password "$root/.data/pg-api-password" # the API's own login (geoprojects_api); `migrate` sets it
  fi
  if [ ! -s "$pgdata/PG_VERSION" ]; then
    echo "geoprojects: creating a private $kind PostgreSQL cluster in $pgdata" >&2
    if [ "$kind" = durable ]; then
      local pwfile; pwfile=$(mktemp)
      printf '%s\n' "$password" > "$pwfile"
      [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
      (cd / && "${as[@]}" "$pgbin/initdb" -D "$pgdata" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=peer \
        --data-checksums -E UTF8 --locale=C.UTF-8 >/dev/null)
      rm -f "$pwfile"
    else
      (cd / && "${as[@]}" "$pgbin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null)
    fi
  fi
  if [ "$kind" = durable ]; then
    geoprojects_make_durable "$pgdata" "$port" "$password" || return 1
  fi
  if ! (cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1); then
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "geoprojects: port $port is taken by another server; set GEOPROJECTS_PG_PORT (or GEOPROJECTS_TEST_PG_PORT) to a free port" >&2
      return 1
    fi
    (cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' $options" \
      start >/dev/null) || { echo "geoprojects: PostgreSQL did not start; see $pgdata/server.log" >&2; tail -5 "$pgdata/server.log" >&2; return 1; }
  fi
  # A cluster that was already running keeps the port it was started with.
  port=$(sed -n 4p "$pgdata/postmaster.pid")
  GEOPROJECTS_SERVER="Host=127.0.0.1;Port=$port;Username=postgres"
  if [ -n "$password" ]; then
    GEOPROJECTS_SERVER="$GEOPROJECTS_SERVER;Password=$password"
    export PGPASSWORD=$password # for psql and pg_dump in our scripts
  fi
  GEOPROJECTS_PG_URL="postgresql://postgres@127.0.0.1:$port"
}

# A generated password, kept readable by its owner only.
geoprojects_password() {
  [ -s "$1" ] && return 0
  (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | cut -c1-32 > "$1")
  chmod 600 "$1"
}

# An older .data/pg (trust, no checksums, started with fsync off) becomes durable in place: a password and
# scram-sha-256 for TCP, data checksums (pg_checksums, with the cluster stopped), and a restart with PostgreSQL's
# durable defaults. Data and databases are kept.
geoprojects_make_durable() {
  local pgdata=$1 port=$2 password=$3 pgbin=/usr/lib/postgresql/15/bin as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  local running=0
  (cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1) && running=1
  if grep -qE '^host\s.*\strust\s*$' "$pgdata/pg_hba.conf"; then
    echo "geoprojects: $pgdata accepted anyone over TCP: setting a password (.data/pg-password) and scram-sha-256" >&2
    if [ $running = 0 ]; then
      (cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >/dev/null) || return 1
      running=1
    fi
    local live; live=$(sed -n 4p "$pgdata/postmaster.pid")
    PGPASSWORD="" "$pgbin/psql" -X -q -h 127.0.0.1 -p "$live" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "SET password_encryption = 'scram-sha-256'" -c "ALTER USER postgres PASSWORD '$password'" >/dev/null || return 1
    "${as[@]}" sed -i -E 's/^(host\s.*\s)trust\s*$/\1scram-sha-256/' "$pgdata/pg_hba.conf"
    (cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdata" reload >/dev/null)
  fi
  local checksums; checksums=$("$pgbin/pg_controldata" "$pgdata" 2>/dev/null | awk -F: '/Data page checksum version/ {gsub(/ /, "", $2); print $2}')
  local unsafe=0
  if [ $running = 1 ]; then
    local live; live=$(sed -n 4p "$pgdata/postmaster.pid")
    [ "$(PGPASSWORD=$password "$pgbin/psql" -X -qtA -h 127.0.0.1 -p "$live" -U postgres -d postgres -c 'SHOW fsync' 2>/dev/null)" = on ] || unsafe=1
  fi
  if [ "$checksums" = 0 ] || [ $unsafe = 1 ]; then
    if [ $running = 1 ]; then
      echo "geoprojects: restarting $pgdata with PostgreSQL's durable settings" >&2
      (cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdata" stop -m fast -w >/dev/null) || return 1
    fi
    if [ "$checksums" = 0 ]; then
      echo "geoprojects: enabling data checksums in $pgdata" >&2
      (cd / && "${as[@]}" "$pgbin/pg_checksums" --enable -D "$pgdata" >/dev/null) || return 1
    fi
  fi
  return 0
}

# The key that signs local bearer tokens (`GeoProjects.Api token`): generated once, readable by its owner only.
geoprojects_token_key() {
  local file
  file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.data/jwt-signing-key"
  [ -s "$file" ] && return 0
  mkdir -p "$(dirname "$file")"
  (umask 077 && head -c 64 /dev/urandom | base64 -w0 > "$file")
}
geoprojects_token_key

if [ -n "$GEOPROJECTS_EXTERNAL_DB" ]; then
  GEOPROJECTS_SERVER=$GEOPROJECTS_EXTERNAL_DB
  echo "geoprojects: using the database from ConnectionStrings__GeoProjects; no private cluster started" >&2
else
  geoprojects_cluster
fi
export GEOPROJECTS_SERVER
