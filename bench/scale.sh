#!/usr/bin/env bash
# Scale-out on existing engines, measured: bench/scale.sh [--projects N] [--seconds S]
# Starts on loopback ports (from SCALE_PORT, default 5381): a PostgreSQL primary, one streaming replica made with
# pg_basebackup, two API replicas that read from the replica (commands and writes go to the primary), a reference API
# on the primary alone, and nginx in front (Debian's, installed when missing). Every API serves as geoprojects_api, the
# role (and its password) streaming to the replica with the data, so row-level security holds there as on the primary:
# the script checks through nginx that the public and a viewer see exactly what they see against the one database
# (counts by status through GraphQL and OGC, a tile's bytes) and that the replica's sessions are the API's role only.
# Then it measures the headline query through nginx against one API replica alone, kills one API replica in the middle
# of a run (nginx fails over; failed requests are counted), and shows the replication lag the APIs export. Clusters are
# scratch ones in benchmark mode (password logins, as a real primary); everything is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=100000; seconds=10
while [ $# -gt 0 ]; do
  case "$1" in
    --projects) projects=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: bench/scale.sh [--projects N] [--seconds S]" >&2; exit 2 ;;
  esac
done
base=${SCALE_PORT:-5381}; primary=$base; replica=$((base + 1)); api1=$((base + 2)); api2=$((base + 3)); lb=$((base + 4)); ref=$((base + 5))
results=${RESULTS:-bench/results}
pgbin=/usr/lib/postgresql/15/bin
as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
GEOPROJECTS_CLUSTER=fast source db/cluster.sh >/dev/null # only to make sure PostgreSQL + PostGIS are installed
for tool in nginx wrk jq; do
  if ! command -v $tool >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "bench: $tool is missing (sudo apt-get install -y $tool)" >&2; exit 1; }
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $tool >/dev/null
  fi
done
for p in $primary $replica $api1 $api2 $lb $ref; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "bench: port $p is in use (SCALE_PORT moves them)" >&2; exit 1; fi
done

work=$(mktemp -d); chmod 755 "$work"
data=/tmp/geoprojects-scale-$$; [ "$(id -u)" = 0 ] && data=/var/lib/postgresql/geoprojects-scale-$$
mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres "$data"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && nginx -c "$work/nginx.conf" -p "$work" -s stop 2>/dev/null || true
  for d in replica primary; do [ -d "$data/$d" ] && (cd / && "${as[@]}" $pgbin/pg_ctl -D "$data/$d" stop -m immediate >/dev/null 2>&1) || true; done
  rm -rf "$data" "$work"
}
trap cleanup EXIT
pg() { # directory, port: start a benchmark-mode server that streams WAL to replicas
  (cd / && "${as[@]}" $pgbin/pg_ctl -D "$1" -l "$1/server.log" -w -o "-p $2 -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=replica -c max_wal_senders=5 -c hot_standby=on" start >/dev/null)
}

echo "== primary on $primary, $projects projects" >&2
owner_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+='); api_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$owner_password" > "$work/pwfile"; [ "$(id -u)" = 0 ] && chown postgres "$work/pwfile"
(cd / && "${as[@]}" $pgbin/initdb -D "$data/primary" -U postgres --pwfile="$work/pwfile" --auth-host=scram-sha-256 --auth-local=peer \
  -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null)
rm -f "$work/pwfile"
pg "$data/primary" $primary
export PGPASSWORD=$owner_password # psql and pg_basebackup below, as the owner
primary_cs="Host=127.0.0.1;Port=$primary;Username=postgres;Password=$owner_password;Database=geoprojects"
# The replica's string says where to read; the API logs in there as geoprojects_api (its role and password stream with the
# data). The owner's user is left in on purpose: it must not be the one that serves (README: Scale-out).
replica_cs="Host=127.0.0.1;Port=$replica;Username=postgres;Database=geoprojects"
dotnet build src/GeoProjects.Api -c Release -nologo -v q -clp:ErrorsOnly >&2
api=src/GeoProjects.Api/bin/Release/net10.0/GeoProjects.Api
export Database__ApiPassword=$api_password # `migrate` sets it on geoprojects_api; every API process logs in with it
ConnectionStrings__GeoProjects=$primary_cs "$api" migrate >/dev/null
ConnectionStrings__GeoProjects=$primary_cs "$api" generate --count "$projects" --seed 20231125 2>/dev/null

echo "== streaming replica on $replica (pg_basebackup -R)" >&2
(cd / && "${as[@]}" env PGPASSWORD="$owner_password" $pgbin/pg_basebackup -D "$data/replica" -h 127.0.0.1 -p $primary -U postgres \
  -X stream -R --checkpoint=fast >/dev/null)
pg "$data/replica" $replica

echo "== two API replicas ($api1, $api2) reading from the replica, a reference API on the primary alone ($ref), nginx on $lb" >&2
serve() { # port [read connection]
  ConnectionStrings__GeoProjects=$primary_cs ConnectionStrings__GeoProjectsRead=${2:-} Logging__LogLevel__Default=Warning \
    "$api" --urls "http://127.0.0.1:$1" >"$work/api-$1.log" 2>&1 & pids+=($!)
  disown $! # killed on purpose below: no job notice
}
serve $api1 "$replica_cs"; serve $api2 "$replica_cs"; serve $ref
api2_pid=${pids[1]}
mkdir -p "$work/tmp"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  upstream geoprojects {
    server 127.0.0.1:$api1 max_fails=1 fail_timeout=10s;
    server 127.0.0.1:$api2 max_fails=1 fail_timeout=10s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$lb;
    location / {
      proxy_pass http://geoprojects;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host 127.0.0.1;
      proxy_connect_timeout 1s;
      # A replica that is gone (or answers 502/503) is skipped; the request is tried on the other one.
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"
for p in $api1 $api2 $ref $lb; do
  for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$p/health/ready" && break; sleep 0.5; done
  curl -sf -o /dev/null "http://127.0.0.1:$p/health/ready" || { echo "bench: the API on $p is not ready:" >&2; cat "$work/api-$p.log" >&2; exit 1; }
done

# Visibility: through nginx (the replica) each caller sees exactly what it sees against the one database (the reference
# API), the public none of the reserve list, a viewer all of it; the replica's sessions are geoprojects_api's only.
viewer="Bearer $(ConnectionStrings__GeoProjects=$primary_cs "$api" token --sub "scale viewer" --role viewer --ttl 1h)"
statuses=(RESERVE SIGNED STARTED UNDER_CONSTRUCTION COMPLETED IN_OPERATION)
seen() { # port, authorization ("" for the public) → "graphql:S=n … ogc:S=n … tile=md5"
  local port=$1 auth=$2 query="{" s out="" answer
  for s in "${statuses[@]}"; do query+=" $s: projects(where: { status: { eq: $s } }) { totalCount }"; done
  answer=$(curl -s -H 'Content-Type: application/json' ${auth:+-H "Authorization: $auth"} \
    --data "$(jq -cn --arg q "$query }" '{query: $q}')" "http://127.0.0.1:$port/graphql")
  for s in "${statuses[@]}"; do out+=" graphql:$s=$(jq -r ".data.$s.totalCount // \"error\"" <<< "$answer" 2>/dev/null)"; done
  for s in "${statuses[@]}"; do
    out+=" ogc:$s=$(curl -s ${auth:+-H "Authorization: $auth"} "http://127.0.0.1:$port/ogc/collections/projects/items?limit=1&status=$s" |
      jq -r '.numberMatched // "error"' 2>/dev/null)"
  done
  out+=" tile=$(curl -sf ${auth:+-H "Authorization: $auth"} "http://127.0.0.1:$port/tiles/projects/5/26/12.mvt" | md5sum | cut -c1-12)"
  echo "${out# }"
}
count_of() { tr ' ' '\n' <<< "$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
public_lb=$(seen $lb ""); public_one=$(seen $ref ""); viewer_lb=$(seen $lb "$viewer"); viewer_one=$(seen $ref "$viewer")
published=$(psql "postgresql://postgres@127.0.0.1:$primary/geoprojects" -qtAX -c "SELECT count(*) FROM projects WHERE status <> 'Reserve'")
replica_logins=$(psql "postgresql://postgres@127.0.0.1:$replica/geoprojects" -qtAX -c \
  "SELECT string_agg(DISTINCT usename::text, ',') FROM pg_stat_activity WHERE datname = 'geoprojects' AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
public_total=0
for s in "${statuses[@]}"; do n=$(count_of "$public_lb" "graphql:$s"); [[ $n =~ ^[0-9]+$ ]] || n=-1000000000; public_total=$((public_total + n)); done
problems=()
[ "$public_lb" = "$public_one" ] || problems+=("the public through nginx: $public_lb; against the one database: $public_one")
[ "$viewer_lb" = "$viewer_one" ] || problems+=("a viewer through nginx: $viewer_lb; against the one database: $viewer_one")
[ "$(count_of "$public_lb" graphql:RESERVE)" = 0 ] && [ "$(count_of "$public_lb" ogc:RESERVE)" = 0 ] || problems+=("the public sees reserve projects")
[ "$(count_of "$viewer_lb" graphql:RESERVE)" -gt 0 ] 2>/dev/null || problems+=("a viewer sees no reserve project")
[ "$public_total" = "$published" ] || problems+=("the public sees $public_total projects; the primary has $published published")
[ "$(count_of "$public_lb" tile)" != "$(count_of "$viewer_lb" tile)" ] || problems+=("the public's tile is a viewer's")
[ "$replica_logins" = geoprojects_api ] || problems+=("the replica's API sessions log in as: ${replica_logins:-nobody}")
if [ ${#problems[@]} -gt 0 ]; then printf 'bench: visibility through the replica is wrong: %s\n' "${problems[@]}" >&2; exit 1; fi
echo "== visibility: the public and a viewer see through nginx what they see against the one database" >&2

printf '%s' '{"query":"query($zone: String!, $min: Decimal!, $max: Decimal!) { projects(first: 50, where: { zone: { name: { eq: $zone } }, sector: { in: [ADVANCED_MANUFACTURING] }, totalInvestment: { gte: $min, lte: $max } }) { nodes { name totalInvestment location { coordinates } } } }","variables":{"zone":"古镇口核心区","min":10,"max":50}}' > "$work/headline.json"
for p in $api1 $lb; do
  out=$(curl -s -H 'Content-Type: application/json' --data @"$work/headline.json" "http://127.0.0.1:$p/graphql")
  grep -q '"errors"' <<< "$out" && { echo "bench: the headline query failed on $p: ${out:0:300}" >&2; exit 1; }
done
measure() { # url → "req/s p50 p99 non-2xx socket-errors"
  BODY_FILE="$work/headline.json" wrk -t2 -c16 -d"${seconds}s" --timeout 10s --latency -s bench/wrk.lua "$1" > "$work/wrk.txt" 2>&1 || true
  awk 'function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
       /Requests\/sec/ { rps=$2 } /^ +50%/ { p50=ms($2) } /^ +99%/ { p99=ms($2) } /Non-2xx/ { bad=$NF } /Socket errors/ { gsub(",", ""); errs=$4+$6+$8+$10 }
       END { printf "%.1f %.2f %.2f %d %d\n", rps, p50, p99, bad, errs }' "$work/wrk.txt"
}
echo "== measuring (${seconds}s each after a ${seconds}s warm-up)" >&2
measure "http://127.0.0.1:$lb/graphql" >/dev/null
read -r ref_rps ref_p50 ref_p99 ref_bad ref_err <<< "$(measure "http://127.0.0.1:$ref/graphql")"
read -r one_rps one_p50 one_p99 one_bad one_err <<< "$(measure "http://127.0.0.1:$api1/graphql")"
read -r lb_rps lb_p50 lb_p99 lb_bad lb_err <<< "$(measure "http://127.0.0.1:$lb/graphql")"
# Failover: one API replica is killed half-way through a run through nginx.
( sleep $((seconds / 2)); kill -9 "$api2_pid" ) & killer=$!
read -r fo_rps fo_p50 fo_p99 fo_bad fo_err <<< "$(measure "http://127.0.0.1:$lb/graphql")"
wait $killer || true

# Replication: a write on the primary reaches the replica; the API exports how far behind its replica is.
psql "postgresql://postgres@127.0.0.1:$primary/geoprojects" -qtAX -c "UPDATE projects SET source_note = source_note WHERE id = 1" >/dev/null
sleep 6
lag=$(curl -s "http://127.0.0.1:$api1/metrics" | awk '/^geoprojects_database_replica_lag_seconds/ {print $NF}' | head -1)
versions="primary $(psql "postgresql://postgres@127.0.0.1:$primary/geoprojects" -qtAX -c 'SELECT version FROM data_version'), replica $(psql "postgresql://postgres@127.0.0.1:$replica/geoprojects" -qtAX -c 'SELECT version FROM data_version')"
state=$(psql "postgresql://postgres@127.0.0.1:$primary/postgres" -qtAX -c "SELECT state || ' ' || sync_state FROM pg_stat_replication" | head -1)

mkdir -p "$results"
out="$results/scale-$(date -u +%Y-%m-%d).md"
{
  echo "## Scale-out: $projects projects, $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB. PostgreSQL 15 primary + one streaming replica (pg_basebackup -R, $state),"
  echo "two API replicas reading from the replica, nginx $(nginx -v 2>&1 | sed 's|.*/||') in front; wrk -t2 -c16 -d${seconds}s, headline query."
  echo
  echo "| setup | req/s | p50 ms | p99 ms | non-2xx | socket errors |"
  echo "|---|---|---|---|---|---|"
  echo "| the reference API on the primary alone, direct | $ref_rps | $ref_p50 | $ref_p99 | $ref_bad | $ref_err |"
  echo "| one API replica (reads on the streaming replica), direct | $one_rps | $one_p50 | $one_p99 | $one_bad | $one_err |"
  echo "| two API replicas behind nginx | $lb_rps | $lb_p50 | $lb_p99 | $lb_bad | $lb_err |"
  echo "| behind nginx, one replica killed half-way | $fo_rps | $fo_p50 | $fo_p99 | $fo_bad | $fo_err |"
  echo
  echo "Replication: data version after a write: $versions; geoprojects_database_replica_lag_seconds on an API replica: ${lag:-not exported}."
  echo
  echo "Row-level security on the replica: every API process serves as geoprojects_api (the replica's sessions: $replica_logins)."
  echo "Checked through nginx against the reference API on the primary alone: equal for each caller, door and status (and"
  echo "the tile's bytes); the public sees none of the reserve list and all $published published projects."
  echo
  printf '| caller | door |'; printf ' %s |' "${statuses[@]}"; echo
  echo "|---|---|$(printf -- '---|%.0s' "${statuses[@]}")"
  for caller in public viewer; do
    seen_by=$public_lb; [ $caller = viewer ] && seen_by=$viewer_lb
    for door in graphql ogc; do
      printf '| %s | %s |' $caller $door
      for s in "${statuses[@]}"; do printf ' %s |' "$(count_of "$seen_by" "$door:$s")"; done
      echo
    done
  done
  echo
  echo "Tile 5/26/12 (md5): public $(count_of "$public_lb" tile), viewer $(count_of "$viewer_lb" tile)."
} | tee "$out"
echo "kept in $out" >&2
