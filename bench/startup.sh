#!/usr/bin/env bash
# Start-up curve: starts GeoProjects (Release) on a benchmark database and prints how long until /health/ready answers,
# then the headline query's req/s (bench/run.sh's, wrk, 16 connections) in 2-second windows. Run bench/run.sh first (it makes the
# database), or name one: bench/startup.sh [database, default geoprojects_bench] [windows, default 15]. STARTUP_CONNECTION: a
# connection string to use instead (bench/run.sh passes its read-only role, so row-level security applies as in its runs).
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-geoprojects_bench}
windows=${2:-15}
port=${BENCH_PORT:-5181}
GEOPROJECTS_CLUSTER=fast source db/cluster.sh >/dev/null
[ -n "${STARTUP_NO_BUILD:-}" ] || dotnet build src/GeoProjects.Api -c Release -nologo -v q -clp:ErrorsOnly >&2
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
cat > "$tmp/headline.json" <<'JSON'
{"query":"query($zone: String!, $min: Decimal!, $max: Decimal!) { projects(first: 50, where: { zone: { name: { eq: $zone } }, sector: { in: [ADVANCED_MANUFACTURING] }, totalInvestment: { gte: $min, lte: $max } }) { nodes { name totalInvestment location { coordinates } } } }","variables":{"zone":"古镇口核心区","min":10,"max":50}}
JSON
start=$(date +%s%N)
ConnectionStrings__GeoProjects="${STARTUP_CONNECTION:-$GEOPROJECTS_SERVER;Database=$db}" Logging__LogLevel__Default=Warning \
  src/GeoProjects.Api/bin/Release/net10.0/GeoProjects.Api --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 1500); do curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" && break; sleep 0.02; done
curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" || { echo "bench: not ready after 30 s (is $db migrated?)" >&2; exit 1; }
echo "ready after $(( ($(date +%s%N) - start) / 1000000 )) ms"
for w in $(seq 1 "$windows"); do
  BODY_FILE="$tmp/headline.json" wrk -t2 -c16 -d2s -s bench/wrk.lua "http://127.0.0.1:$port/graphql" 2>/dev/null \
    | awk -v t=$((w * 2)) '/Requests\/sec/ { printf "%3d s: %s req/s\n", t, $2 }'
done
