#!/usr/bin/env bash
# Soak and fault run: bench/soak.sh [--minutes N] [--connections C] [--projects P] [--subscribers S] [--keep-data] [--restart-db]
# A mixed workload for N minutes (default 10) at C connections in all (default 64), split over six kinds: the headline,
# nested and stats GraphQL queries, tiles over all zooms, OGC paging and GeoJSON; meanwhile a writer updates projects
# (5 a second, with expectedVersion) and S subscribers (default 1 000: four in five WebSocket, one in five SSE, mixed
# filters and callers) must each receive every update. wrk runs in one-minute segments, so the p99 of the first and the
# last five minutes can be compared (drift). Reports per kind the requests, errors (non-2xx/3xx), socket errors and
# timeouts, p50/p99; events expected and received; the API's RSS sampled every 10 s; then the verdicts: 0 errors, 0 lost
# events, RSS within ±15 % of its median after the warm-up (the first five minutes, or the first third of a shorter run),
# p99 drift ≤ 20 %. With --restart-db, PostgreSQL is restarted half-way: a probe every 100 ms gives the error window and
# the time to full recovery. Runs on the fast cluster, in its own database (--keep-data reuses it when it already holds
# P projects: generating a million takes minutes). Results in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); tmp_log=$tmp/api.log
minutes=10; connections=64; projects=100000; restart=0; subscribers=1000; keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --projects) projects=$2; shift 2 ;;
    --subscribers) subscribers=$2; shift 2 ;;
    --keep-data) keep=1; shift ;;
    --restart-db) restart=1; shift ;;
    *) echo "usage: bench/soak.sh [--minutes N] [--connections C] [--projects P] [--subscribers S] [--keep-data] [--restart-db]" >&2
       exit 2 ;;
  esac
done
GEOPROJECTS_CLUSTER=fast source db/cluster.sh # benchmark databases may trade safety for speed
if [ -n "$GEOPROJECTS_EXTERNAL_DB" ]; then echo "bench/soak.sh uses the private cluster; unset ConnectionStrings__GeoProjects" >&2; exit 1; fi
db=${BENCH_DB:-geoprojects_soak}; port=${BENCH_PORT:-5281}; results=${RESULTS:-bench/results}
pgdata=$(readlink -f .data/pg-test); pgport=$(sed -n 4p "$pgdata/postmaster.pid")
as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }

export ConnectionStrings__GeoProjects="$GEOPROJECTS_SERVER;Database=$db"
dotnet build src/GeoProjects.Api -c Release -nologo -v q -clp:ErrorsOnly >&2
api=src/GeoProjects.Api/bin/Release/net10.0/GeoProjects.Api
held=$(psql "$GEOPROJECTS_PG_URL/$db" -qtAX -c "SELECT count(*) FROM projects" 2>/dev/null || echo 0)
fresh=0; if [ $keep = 0 ] || [ "$held" -lt "$projects" ]; then fresh=1; fi
[ $fresh = 0 ] || psql "$GEOPROJECTS_PG_URL/postgres" -qtAX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
"$api" migrate >/dev/null
[ $fresh = 0 ] || "$api" generate --count "$projects" --seed 20231125 2>/dev/null
# All subscribers come from this one address: the per-client limit (2 000) is for the internet, not for a load generator.
Live__MaxConnectionsPerClient=$((subscribers + 100)) Logging__LogLevel__Default=Warning "$api" --urls "http://127.0.0.1:$port" \
  >"$tmp_log" 2>&1 & api_pid=$!
trap 'kill $api_pid 2>/dev/null || true; jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" && break; sleep 0.5; done
curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" || { echo "bench: the API is not ready:"; cat "$tmp_log"; exit 1; } >&2
token=$("$api" token --sub "soak editor" --role admin --ttl "$((minutes + 10))m")
viewer=$("$api" token --sub "soak viewer" --role viewer --ttl "$((minutes + 10))m")

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
load() { # kind, URL, wrk.lua environment…: one wrk per minute, so the first and the last minutes can be compared
  local kind=$1 url=$2; shift 2
  for m in $(seq 1 "$minutes"); do
    env "$@" wrk -t1 -c"$per" -d60s --timeout 10s --latency -s bench/wrk.lua "$url" > "$tmp/$kind.$m.txt" 2>&1
  done
}
wait_pids=()
for kind in headline nested stats; do load $kind "http://127.0.0.1:$port/graphql" BODY_FILE="$tmp/$kind.json" & wait_pids+=($!); done
load tiles "http://127.0.0.1:$port/" PATHS="$tiles" & wait_pids+=($!)
load ogc "http://127.0.0.1:$port/" PATHS="${ogc%,}" & wait_pids+=($!)
load geojson "http://127.0.0.1:$port/" PATHS="$geojson" & wait_pids+=($!)
# The writer and the subscribers (bench/live/live.mjs), for the whole run.
(cd bench/live && npm ci --no-audit --no-fund --loglevel=error >&2)
ws=$(( subscribers * 4 / 5 )); sse=$(( subscribers - ws ))
node bench/live/live.mjs "http://127.0.0.1:$port/graphql" "http://127.0.0.1:$port/graphql" "$token,$viewer" $ws $sse 5 \
  $(( minutes * 60 )) $api_pid 9,10,11,12 > "$tmp/live.json" 2> "$tmp/live.err" & wait_pids+=($!)

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

mkdir -p "$results"
suffix=""; if [ $restart = 1 ]; then suffix=-restart-db; fi # not `$([ … ] && …)`: a false test there ends the script (set -e)
out="$results/soak-$(date -u +%Y-%m-%d)-${minutes}min$suffix.md"
{
  echo "## Soak: $minutes min, $connections connections, $projects projects, $(date -u +%Y-%m-%d)$([ $restart = 1 ] && echo ', PostgreSQL restarted half-way')"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; wrk, one process per kind ($per connections each, one run a minute), 10 s"
  echo "timeout; $subscribers subscribers and a writer (bench/live/live.mjs) on the same instance."
  echo
  python3 bench/soak_report.py "$tmp" "$minutes" "$(IFS=,; echo "${kinds[*]}")"
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
