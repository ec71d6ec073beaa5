#!/usr/bin/env bash
# Soak and fault run: bench/soak.sh [--minutes N] [--connections C] [--projects P] [--restart-db]
# A mixed workload for N minutes (default 10) at C connections in all (default 64), split over six kinds: the headline,
# nested and stats GraphQL queries, tiles over all zooms, OGC paging and GeoJSON. Reports per kind the requests,
# errors (non-2xx/3xx), socket errors and timeouts, p50/p99; the API's RSS sampled every 10 s (a plateau after warm-up
# means no growth). With --restart-db, PostgreSQL is restarted half-way: a probe every 100 ms gives the error window
# and the time to full recovery. Runs on the fast cluster, in its own database. Results in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10; connections=64; projects=100000; restart=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --projects) projects=$2; shift 2 ;;
    --restart-db) restart=1; shift ;;
    *) echo "usage: bench/soak.sh [--minutes N] [--connections C] [--projects P] [--restart-db]" >&2; exit 2 ;;
  esac
done
GEOPROJECTS_CLUSTER=fast source db/cluster.sh # benchmark databases may trade safety for speed
if [ -n "$GEOPROJECTS_EXTERNAL_DB" ]; then echo "bench/soak.sh uses the private cluster; unset ConnectionStrings__GeoProjects" >&2; exit 1; fi
db=${BENCH_DB:-geoprojects_soak}; port=${BENCH_PORT:-5281}; results=${RESULTS:-bench/results}
pgdata=$(readlink -f .data/pg-test); pgport=$(sed -n 4p "$pgdata/postmaster.pid")
as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }

psql "$GEOPROJECTS_PG_URL/postgres" -qtAX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
export ConnectionStrings__GeoProjects="$GEOPROJECTS_SERVER;Database=$db"
dotnet build src/GeoProjects.Api -c Release -nologo -v q -clp:ErrorsOnly >&2
api=src/GeoProjects.Api/bin/Release/net10.0/GeoProjects.Api
"$api" migrate >/dev/null
"$api" generate --count "$projects" --seed 20231125 2>/dev/null
Logging__LogLevel__Default=Warning "$api" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 & api_pid=$!
tmp=$(mktemp -d)
trap 'kill $api_pid 2>/dev/null || true; jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" && break; sleep 0.5; done

printf '%s' '{"query":"query($zone: String!, $min: Decimal!, $max: Decimal!) { projects(first: 50, where: { zone: { name: { eq: $zone } }, sector: { in: [ADVANCED_MANUFACTURING] }, totalInvestment: { gte: $min, lte: $max } }) { nodes { name totalInvestment location { coordinates } } } }","variables":{"zone":"古镇口核心区","min":10,"max":50}}' > "$tmp/headline.json"
printf '%s' '{"query":"{ zones { name projects(first: 20) { nodes { name batch { name } } } } }"}' > "$tmp/nested.json"
printf '%s' '{"query":"{ projectStats(where: { zone: { approximate: { eq: true } } }, groupBy: [SECTOR, ZONE]) { sector zone { name } count totalInvestment } }"}' > "$tmp/stats.json"
tiles=$(python3 -c '
import math
def t(lon, lat, z):
    n = 2 ** z; r = math.radians(lat)
    return f"/tiles/projects/{z}/{int((lon + 180) / 360 * n)}/{int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)}.mvt"
print(",".join(t(lon, lat, z) for z in range(4, 17) for lon, lat in [(119.96, 35.79), (120.2, 36.03), (120.1, 35.9)]))')
ogc=$(for o in 0 100 200 300 400 500 600 700 800 900; do printf '/ogc/collections/projects/items?limit=100&offset=%s,' $o; done)
geojson="/geojson/projects?limit=500,/geojson/zones"

kinds=(headline nested stats tiles ogc geojson)
per=$(( connections / ${#kinds[@]} )); [ "$per" -ge 1 ] || per=1
echo "== soak: $minutes min, $connections connections ($per per kind), $projects projects$([ $restart = 1 ] && echo ', PostgreSQL restarted half-way')" >&2
load() { # kind, URL, wrk.lua environment…
  local kind=$1 url=$2; shift 2
  env "$@" wrk -t1 -c"$per" -d"${minutes}m" --timeout 10s --latency -s bench/wrk.lua "$url" > "$tmp/$kind.txt" 2>&1
}
wait_pids=()
for kind in headline nested stats; do load $kind "http://127.0.0.1:$port/graphql" BODY_FILE="$tmp/$kind.json" & wait_pids+=($!); done
load tiles "http://127.0.0.1:$port/" PATHS="$tiles" & wait_pids+=($!)
load ogc "http://127.0.0.1:$port/" PATHS="${ogc%,}" & wait_pids+=($!)
load geojson "http://127.0.0.1:$port/" PATHS="$geojson" & wait_pids+=($!)

# RSS every 10 s; a probe every 100 ms (status and time) when the database is restarted.
( while kill -0 $api_pid 2>/dev/null; do echo "$(date +%s) $(awk '/VmRSS/ {print int($2/1024)}' /proc/$api_pid/status)"; sleep 10; done ) > "$tmp/rss.txt" & rss_pid=$!
if [ $restart = 1 ]; then
  ( while kill -0 $api_pid 2>/dev/null; do
      echo "$(date +%s.%N) $(curl -s -o /dev/null -w '%{http_code}' -m 5 -H 'Content-Type: application/json' --data @"$tmp/headline.json" "http://127.0.0.1:$port/graphql")"
      sleep 0.1; done ) > "$tmp/probe.txt" & probe_pid=$!
  sleep $(( minutes * 30 ))
  restart_at=$(date +%s.%N)
  (cd / && "${as[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$pgdata" -w restart -m fast \
    -o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null)
  restarted_at=$(date +%s.%N)
fi
wait "${wait_pids[@]}" || true
kill $rss_pid 2>/dev/null || true
[ $restart = 1 ] && kill $probe_pid 2>/dev/null || true

summary() { # kind → "requests req/s p50 p99 non2xx socket-errors timeouts"
  awk 'function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
       /requests in/ { n=$1 } /Requests\/sec/ { rps=$2 } /^ +50%/ { p50=ms($2) } /^ +99%/ { p99=ms($2) } /Non-2xx/ { bad=$NF }
       /Socket errors/ { gsub(",", ""); errs=$4+$6+$8; t=$10 }
       END { printf "%s %.1f %.1f %.1f %d %d %d\n", n, rps, p50, p99, bad, errs, t }' "$tmp/$1.txt"
}
mkdir -p "$results"
out="$results/soak-$(date -u +%Y-%m-%d)-${minutes}min$([ $restart = 1 ] && echo -restart-db).md"
{
  echo "## Soak: $minutes min, $connections connections, $projects projects, $(date -u +%Y-%m-%d)$([ $restart = 1 ] && echo ', PostgreSQL restarted half-way')"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; wrk, one process per kind ($per connections each), 10 s timeout."
  echo
  echo "| kind | requests | req/s | p50 ms | p99 ms | non-2xx/3xx | socket errors | timeouts |"
  echo "|---|---|---|---|---|---|---|---|"
  for kind in "${kinds[@]}"; do read -r n rps p50 p99 bad errs t <<< "$(summary $kind)"; echo "| $kind | $n | $rps | $p50 | $p99 | $bad | $errs | $t |"; done
  echo
  echo "API resident memory every 10 s (MB): $(awk '{printf "%s ", $2}' "$tmp/rss.txt")"
  if [ $restart = 1 ]; then
    python3 - "$tmp/probe.txt" "$restart_at" "$restarted_at" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 2]
start, back = float(sys.argv[2]), float(sys.argv[3])
bad = [(float(t), c) for t, c in rows if c != "200"]
after = [(float(t), c) for t, c in rows if float(t) >= start]
codes = sorted({c for _, c in bad})
if bad:
    first, last = bad[0][0], bad[-1][0]
    recovered = next((t for t, c in after if t > last and c == "200"), None)
    print(f"\nRestart: PostgreSQL stopped and started in {back - start:.1f} s. Probe (headline, every 100 ms): "
          f"{len(bad)} failed answers ({', '.join(codes)}) from {first - start:+.1f} s to {last - start:+.1f} s; "
          f"full recovery (first 200 after the last failure) at {(recovered or last) - start:+.1f} s, with no restart of the API.")
else:
    print(f"\nRestart: PostgreSQL stopped and started in {back - start:.1f} s; the probe saw no failed answer.")
PY
  fi
} | tee "$out"
echo "kept in $out" >&2
