#!/usr/bin/env bash
# Scale-out on existing engines, measured: bench/scale.sh [--projects N] [--seconds S]
# Starts on loopback ports (from SCALE_PORT, default 5381): a PostgreSQL primary, one streaming replica made with
# pg_basebackup, two API replicas that read from the replica (commands and writes go to the primary), and nginx in
# front (Debian's, installed when missing). Measures the headline query through nginx against one API replica alone,
# kills one API replica in the middle of a run (nginx fails over; failed requests are counted), and shows the
# replication lag the APIs export. Clusters are scratch ones in benchmark mode; everything is removed afterwards.
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
base=${SCALE_PORT:-5381}; primary=$base; replica=$((base + 1)); api1=$((base + 2)); api2=$((base + 3)); lb=$((base + 4))
results=${RESULTS:-bench/results}
pgbin=/usr/lib/postgresql/15/bin
as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
GEOPROJECTS_CLUSTER=fast source db/cluster.sh >/dev/null # only to make sure PostgreSQL + PostGIS are installed
for tool in nginx wrk; do
  if ! command -v $tool >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "bench: $tool is missing (sudo apt-get install -y $tool)" >&2; exit 1; }
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $tool >/dev/null
  fi
done
for p in $primary $replica $api1 $api2 $lb; do
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
(cd / && "${as[@]}" $pgbin/initdb -D "$data/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null)
pg "$data/primary" $primary
primary_cs="Host=127.0.0.1;Port=$primary;Username=postgres;Database=geoprojects"
replica_cs="Host=127.0.0.1;Port=$replica;Username=postgres;Database=geoprojects"
dotnet build src/GeoProjects.Api -c Release -nologo -v q -clp:ErrorsOnly >&2
api=src/GeoProjects.Api/bin/Release/net10.0/GeoProjects.Api
ConnectionStrings__GeoProjects=$primary_cs "$api" migrate >/dev/null
ConnectionStrings__GeoProjects=$primary_cs "$api" generate --count "$projects" --seed 20231125 2>/dev/null

echo "== streaming replica on $replica (pg_basebackup -R)" >&2
(cd / && "${as[@]}" $pgbin/pg_basebackup -D "$data/replica" -h 127.0.0.1 -p $primary -U postgres -X stream -R --checkpoint=fast >/dev/null)
pg "$data/replica" $replica

echo "== two API replicas ($api1, $api2) reading from the replica, nginx on $lb" >&2
for p in $api1 $api2; do
  ConnectionStrings__GeoProjects=$primary_cs ConnectionStrings__GeoProjectsRead=$replica_cs Logging__LogLevel__Default=Warning \
    "$api" --urls "http://127.0.0.1:$p" >/dev/null 2>&1 & pids+=($!)
  disown $! # killed on purpose below: no job notice
done
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
for p in $api1 $api2 $lb; do
  for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$p/health/ready" && break; sleep 0.5; done
done

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
  echo "| one API replica, direct | $one_rps | $one_p50 | $one_p99 | $one_bad | $one_err |"
  echo "| two API replicas behind nginx | $lb_rps | $lb_p50 | $lb_p99 | $lb_bad | $lb_err |"
  echo "| behind nginx, one replica killed half-way | $fo_rps | $fo_p50 | $fo_p99 | $fo_bad | $fo_err |"
  echo
  echo "Replication: data version after a write: $versions; geoprojects_database_replica_lag_seconds on an API replica: ${lag:-not exported}."
} | tee "$out"
echo "kept in $out" >&2
