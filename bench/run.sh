#!/usr/bin/env bash
# The benchmark, one command: bench/run.sh [projects] (default 100000; 1000000 supported).
# Creates its own database on the private cluster (geoprojects_bench, or $BENCH_DB), generates the projects, starts GeoProjects
# (Release; a second instance with its tile cache off for tile rendering), the hand-written SQL reference (bench/GeoProjects.Bench, Npgsql) and PostGraphile v4 (npm, pinned)
# on a read-only role, then measures each scenario with wrk at a fixed concurrency and prints a Markdown table,
# also kept in bench/results/. Environment: DURATION (s, default 10), WARMUP (s of unmeasured load before each
# measurement, default 15: .NET's tiered JIT takes ~40 s of load to reach steady state, V8 less), CONNECTIONS (default 16), RESULTS (directory for
# the table, default bench/results). test.sh runs it as a smoke test: DURATION=1 WARMUP=0 at 1 000 projects.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
count=${1:-100000}
duration=${DURATION:-10}
warmup=${WARMUP:-15}
results=${RESULTS:-bench/results}
db=${BENCH_DB:-geoprojects_bench}
gp_port=${BENCH_PORT:-5181}; sql_port=$((gp_port + 1)); pg_port=$((gp_port + 2)); nocache_port=$((gp_port + 3))
gpw_port=$((gp_port + 4)); pgw_port=$((gp_port + 5)) # the concurrent-editor scenario's writers
own_port=$((gp_port + 7)) # (+6 is start-up's) the hand-written SQL as the tables' owner: no row-level security, the physical reference
for p in $gp_port $sql_port $pg_port $nocache_port $gpw_port $pgw_port $own_port; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "bench: port $p is in use (BENCH_PORT moves the three servers)" >&2; exit 1; fi
done
connections=${CONNECTIONS:-16}
GEOPROJECTS_CLUSTER=fast source db/cluster.sh # benchmark databases may trade safety for speed
if [ -n "$GEOPROJECTS_EXTERNAL_DB" ]; then echo "bench/run.sh uses the private cluster; unset ConnectionStrings__GeoProjects" >&2; exit 1; fi
port=$(echo "$GEOPROJECTS_SERVER" | sed -E 's/.*Port=([0-9]+).*/\1/')
psql_admin() { psql "postgresql://postgres@127.0.0.1:$port/$1" -qtAX -v ON_ERROR_STOP=1 -c "$2"; }
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "bench: wrk is missing (sudo apt-get install -y wrk)" >&2; exit 1; }
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

echo "== data: $count projects" >&2
psql_admin postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)"
export ConnectionStrings__GeoProjects="$GEOPROJECTS_SERVER;Database=$db"
dotnet build src/GeoProjects.Api -c Release -nologo -v q -clp:ErrorsOnly >&2
dotnet build bench/GeoProjects.Bench -c Release -nologo -v q -clp:ErrorsOnly >&2
api=src/GeoProjects.Api/bin/Release/net10.0/GeoProjects.Api
"$api" migrate >/dev/null
"$api" generate --count "$count" --seed 20231125
psql_admin $db "DO \$\$ BEGIN CREATE ROLE bench_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
  GRANT USAGE ON SCHEMA public TO bench_reader; GRANT SELECT ON ALL TABLES IN SCHEMA public TO bench_reader;"
reader="Host=127.0.0.1;Port=$port;Username=bench_reader;Database=$db"
(cd bench/postgraphile && npm ci --no-audit --no-fund --loglevel=error >&2)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# Its live subscribers all come from this machine: the per-client limit (2 000) is for the internet, not a load generator.
ConnectionStrings__GeoProjects="$reader" Logging__LogLevel__Default=Warning Live__MaxConnectionsPerClient=20000 "$api" \
  --urls http://127.0.0.1:$gp_port >/dev/null 2>&1 & pids+=($!); api_pid=$!
# A second GeoProjects with its tile cache off measures tile rendering itself.
ConnectionStrings__GeoProjects="$reader" Logging__LogLevel__Default=Warning Tiles__CacheMegabytes=0 "$api" --urls http://127.0.0.1:$nocache_port >/dev/null 2>&1 & pids+=($!); nocache_pid=$!
ConnectionStrings__GeoProjects="$reader" Logging__LogLevel__Default=Warning bench/GeoProjects.Bench/bin/Release/net10.0/GeoProjects.Bench --urls http://127.0.0.1:$sql_port >/dev/null 2>&1 & pids+=($!)
ConnectionStrings__GeoProjects="$GEOPROJECTS_SERVER;Database=$db" Logging__LogLevel__Default=Warning \
  bench/GeoProjects.Bench/bin/Release/net10.0/GeoProjects.Bench --urls http://127.0.0.1:$own_port >/dev/null 2>&1 & pids+=($!)
(cd bench/postgraphile && exec node_modules/.bin/postgraphile -c "postgres://bench_reader@127.0.0.1:$port/$db" --host 127.0.0.1 --port $pg_port \
  --schema public --append-plugins @graphile-contrib/pg-simplify-inflector,@graphile/postgis,postgraphile-plugin-connection-filter,@graphile/pg-aggregates \
  --disable-query-log --disable-graphiql >/dev/null 2>&1) & pids+=($!); pg_pid=$!
for url in http://127.0.0.1:$gp_port/graphql?sdl http://127.0.0.1:$nocache_port/graphql?sdl http://127.0.0.1:$sql_port/stats \
    http://127.0.0.1:$own_port/stats http://127.0.0.1:$pg_port/graphql; do
  for _ in $(seq 1 60); do curl -s -o /dev/null -X "$( [ "${url##*/}" = graphql ] && echo POST || echo GET)" -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' "$url" && break; sleep 0.5; done
done

tmp=$(mktemp -d)
body() { printf '%s' "$2" > "$tmp/$1.json"; echo "$tmp/$1.json"; }
q_headline='{"query":"query($zone: String!, $min: Decimal!, $max: Decimal!) { projects(first: 50, where: { zone: { name: { eq: $zone } }, sector: { in: [ADVANCED_MANUFACTURING] }, totalInvestment: { gte: $min, lte: $max } }) { nodes { name totalInvestment location { coordinates } } } }","variables":{"zone":"古镇口核心区","min":10,"max":50}}'
p_headline='{"query":"query($zone: String!, $min: BigFloat!, $max: BigFloat!) { projects(first: 50, orderBy: ID_ASC, filter: { zone: { name: { equalTo: $zone } }, sector: { equalTo: \"AdvancedManufacturing\" }, totalInvestment: { greaterThanOrEqualTo: $min, lessThanOrEqualTo: $max } }) { nodes { name totalInvestment location { x y } } } }","variables":{"zone":"古镇口核心区","min":"10","max":"50"}}'
q_nested='{"query":"{ zones { name projects(first: 20) { nodes { name batch { name } } } } }"}'
p_nested='{"query":"{ zones(orderBy: ID_ASC) { nodes { name projects(first: 20, orderBy: ID_ASC) { nodes { name batch { name } } } } } }"}'
q_stats='{"query":"{ projectStats(where: { zone: { approximate: { eq: true } } }, groupBy: [SECTOR, ZONE]) { sector zone { name } count totalInvestment } }"}'
p_stats='{"query":"{ projects(filter: { zoneId: { isNull: false } }) { groupedAggregates(groupBy: [SECTOR, ZONE_ID]) { keys distinctCount { id } sum { totalInvestment } } } }"}'
# Statistics with a filter the summary cannot answer (investment): a GROUP BY over the matching rows for every system.
q_stats2='{"query":"{ projectStats(where: { totalInvestment: { gte: 10 } }, groupBy: [SECTOR, ZONE]) { sector zone { name } count totalInvestment } }"}'
p_stats2='{"query":"{ projects(filter: { zoneId: { isNull: false }, totalInvestment: { greaterThanOrEqualTo: \"10\" } }) { groupedAggregates(groupBy: [SECTOR, ZONE_ID]) { keys distinctCount { id } sum { totalInvestment } } } }"}'
tiles=$(python3 - <<'PY'
import math
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    r = math.radians(lat)
    y = int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}"
points = [(119.96, 35.79), (120.2, 36.03), (120.1, 35.9), (119.78, 35.65)]
print(",".join(f"/tiles/projects/{tile(lon, lat, z)}.mvt" for z in (8, 12, 14) for lon, lat in points))
PY
)
etags=$(for p in ${tiles//,/ }; do curl -s -o /dev/null -D - "http://127.0.0.1:$gp_port$p" | awk -F': ' 'tolower($1)=="etag"{gsub("\r","",$2); printf "%s,", $2}'; done)

# Every system must answer each scenario correctly before it is timed: a fast error is not a result.
check() { # name, url, body file (POST) or "" (GET)
  local out
  if [ -n "$3" ]; then out=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' --data @"$3" "$2")
  else out=$(curl -s -o /dev/null -w '%{http_code}' "$2"); fi
  if [ "${out##*$'\n'}" != 200 ] || grep -q '"errors"' <<< "$out"; then
    echo "bench: $1 did not answer correctly: ${out:0:400}" >&2; exit 1
  fi
}
# wrk → "req/s p50_ms p99_ms"; the warm-up run is discarded.
measure() {
  local url=$1; shift
  [ "$warmup" = 0 ] || env "$@" wrk -t2 -c"$connections" -d"${warmup}s" --timeout 10s -s bench/wrk.lua "$url" >/dev/null 2>&1 || true
  env "$@" wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s --latency -s bench/wrk.lua "$url" > "$tmp/wrk.txt" 2>&1 || true
  awk 'function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
       /Requests\/sec/ { rps=$2 } /^ +50%/ { p50=ms($2) } /^ +99%/ { p99=ms($2) } /Non-2xx/ { bad=$NF } /Socket errors/ { t=$NF }
       END { printf "%.1f %.2f %.2f %s %s\n", rps, p50, p99, (bad==""?0:bad), (t==""?0:t) }' "$tmp/wrk.txt"
}
row() { # scenario, system, measurement, reference measurement
  read -r rps p50 p99 bad timeouts <<< "$3"; read -r rrps rp50 rp99 _ _ <<< "$4"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$rps" "$p50" "$p99" \
    "$(python3 -c "print(f'{$p50/$rp50:.2f}' if $rp50 else '–')")" "$(python3 -c "print(f'{$p99/$rp99:.2f}' if $rp99 else '–')")" \
    "$(python3 -c "print(f'{$rps/$rrps:.2f}' if $rrps else '–')")" "$bad" "$timeouts"
}
headline_url="http://127.0.0.1:$sql_port/headline?zone=%E5%8F%A4%E9%95%87%E5%8F%A3%E6%A0%B8%E5%BF%83%E5%8C%BA&sector=AdvancedManufacturing&min=10&max=50"
check "hand-written SQL (headline)" "$headline_url" ""
for s in nested stats; do check "hand-written SQL ($s)" "http://127.0.0.1:$sql_port/$s" ""; done
for s in "${headline_url#http://*/}" nested stats "${tiles%%,*}"; do check "hand-written SQL as owner (${s%%\?*})" "http://127.0.0.1:$own_port/${s#/}" ""; done
check "hand-written SQL (tile)" "http://127.0.0.1:$sql_port${tiles%%,*}" ""
check "GeoProjects (tile)" "http://127.0.0.1:$gp_port${tiles%%,*}" ""
check "GeoProjects, tile cache off (tile)" "http://127.0.0.1:$nocache_port${tiles%%,*}" ""
check "GeoProjects (headline)" http://127.0.0.1:$gp_port/graphql "$(body h_gp "$q_headline")"
check "GeoProjects (nested)" http://127.0.0.1:$gp_port/graphql "$(body n_gp "$q_nested")"
check "GeoProjects (stats)" http://127.0.0.1:$gp_port/graphql "$(body s_gp "$q_stats")"
check "PostGraphile (headline)" http://127.0.0.1:$pg_port/graphql "$(body h_pg "$p_headline")"
check "PostGraphile (nested)" http://127.0.0.1:$pg_port/graphql "$(body n_pg "$p_nested")"
check "PostGraphile (stats)" http://127.0.0.1:$pg_port/graphql "$(body s_pg "$p_stats")"
check "hand-written SQL (stats, filtered)" "http://127.0.0.1:$sql_port/stats?min=10" ""
check "GeoProjects (stats, filtered)" http://127.0.0.1:$gp_port/graphql "$(body s2_gp "$q_stats2")"
check "PostGraphile (stats, filtered)" http://127.0.0.1:$pg_port/graphql "$(body s2_pg "$p_stats2")"
# Deep pages: the first page by investment, and one 90 % of the way through (GeoProjects' keyset cursor, PostGraphile's own).
visible=$(psql "postgresql://bench_reader@127.0.0.1:$port/$db" -qtAX -c "SELECT count(*) FROM projects")
deep_row=$(psql "postgresql://bench_reader@127.0.0.1:$port/$db" -qtAX -c \
  "SELECT total_investment || ',' || id FROM projects ORDER BY total_investment DESC, id DESC OFFSET $((visible * 9 / 10 - 1)) LIMIT 1")
python3 bench/probe.py deep http://127.0.0.1:$gp_port/graphql http://127.0.0.1:$pg_port/graphql "$tmp" "$visible" "$deep_row"

# What one request of each GraphQL scenario sends to the database, from the server's own metrics, while nothing else runs.
declare -A sql
for s in h_gp n_gp s_gp s2_gp; do sql[$s]=$(python3 bench/probe.py sql http://127.0.0.1:$gp_port/graphql "$tmp/$s.json"); done
sql[d_gp]=$(python3 bench/probe.py sql http://127.0.0.1:$gp_port/graphql "$tmp/deep.json")
# The filtered statistics alone (the median of five requests one after another): the target is a latency, not a rate.
s2_alone_ms=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' -X POST -H 'Content-Type: application/json' \
  --data @"$tmp/s2_gp.json" http://127.0.0.1:$gp_port/graphql; done | sort -n | sed -n 3p | awk '{printf "%.0f", $1 * 1000}')

echo "== measuring (${warmup}s warm-up + ${duration}s each, $connections connections)" >&2
declare -A m
# What row-level security costs: the headline and tiles with a viewer's token (every row visible) right after the same
# anonymous runs (published rows only; the policy is evaluated either way), so both meet a server equally warm.
viewer="Bearer $(ConnectionStrings__GeoProjects="$reader" "$api" token --sub "bench viewer" --role viewer --ttl 2h)"
m[h_sql]=$(measure "$headline_url" PATHS="/${headline_url#http://*/}")
m[h_own]=$(measure "${headline_url/:$sql_port/:$own_port}" PATHS="/${headline_url#http://*/}")
allocated() { python3 bench/probe.py metric http://127.0.0.1:$gp_port/metrics dotnet_gc_heap_total_allocated; }
served() { python3 bench/probe.py metric http://127.0.0.1:$gp_port/metrics 'http_server_request_duration_seconds_count{'; }
a0=$(allocated); r0=$(served)
m[h_gp]=$(measure http://127.0.0.1:$gp_port/graphql BODY_FILE="$(body h_gp "$q_headline")")
bytes_per_request=$(python3 -c "print(round(($(allocated) - $a0) / max(1, $(served) - $r0) / 1024))")
m[h_gpv]=$(measure http://127.0.0.1:$gp_port/graphql BODY_FILE="$(body h_gp "$q_headline")" AUTH="$viewer")
m[h_pg]=$(measure http://127.0.0.1:$pg_port/graphql BODY_FILE="$(body h_pg "$p_headline")")
m[n_sql]=$(measure http://127.0.0.1:$sql_port/nested PATHS=/nested)
m[n_own]=$(measure http://127.0.0.1:$own_port/nested PATHS=/nested)
m[n_gp]=$(measure http://127.0.0.1:$gp_port/graphql BODY_FILE="$(body n_gp "$q_nested")")
m[n_pg]=$(measure http://127.0.0.1:$pg_port/graphql BODY_FILE="$(body n_pg "$p_nested")")
m[s_sql]=$(measure http://127.0.0.1:$sql_port/stats PATHS=/stats)
m[s_own]=$(measure http://127.0.0.1:$own_port/stats PATHS=/stats)
m[s_gp]=$(measure http://127.0.0.1:$gp_port/graphql BODY_FILE="$(body s_gp "$q_stats")")
m[s_pg]=$(measure http://127.0.0.1:$pg_port/graphql BODY_FILE="$(body s_pg "$p_stats")")
m[s2_sql]=$(measure http://127.0.0.1:$sql_port/stats PATHS=/stats?min=10)
m[s2_own]=$(measure http://127.0.0.1:$own_port/stats PATHS=/stats?min=10)
m[s2_gp]=$(measure http://127.0.0.1:$gp_port/graphql BODY_FILE="$tmp/s2_gp.json")
m[s2_pg]=$(measure http://127.0.0.1:$pg_port/graphql BODY_FILE="$tmp/s2_pg.json")
m[d_first]=$(measure http://127.0.0.1:$gp_port/graphql BODY_FILE="$tmp/first.json")
m[d_gp]=$(measure http://127.0.0.1:$gp_port/graphql BODY_FILE="$tmp/deep.json")
m[d_pg]=$(measure http://127.0.0.1:$pg_port/graphql BODY_FILE="$tmp/pg_deep.json")
m[t_sql]=$(measure http://127.0.0.1:$sql_port/ PATHS="$tiles")
m[t_own]=$(measure http://127.0.0.1:$own_port/ PATHS="$tiles")
m[t_gp]=$(measure http://127.0.0.1:$nocache_port/ PATHS="$tiles")
m[t_gpv]=$(measure http://127.0.0.1:$nocache_port/ PATHS="$tiles" AUTH="$viewer")
m[t_hit]=$(measure http://127.0.0.1:$gp_port/ PATHS="$tiles")
m[t_304]=$(measure http://127.0.0.1:$gp_port/ PATHS="$tiles" ETAGS="$etags")
# Cold tiles: the tiles of 30 random projects at every zoom from 5 to 14, one request at a time, on the instance
# whose tile cache is off, with and without a filter, and from the direct SQL; then 16 simultaneous first requests for
# one tile the cache has not seen, on the instance whose cache is on.
echo "== tile sweep" >&2
points=$(psql "postgresql://bench_reader@127.0.0.1:$port/$db" -qtAX -c \
  "SELECT string_agg(ST_X(location) || ':' || ST_Y(location), ',') FROM (SELECT location FROM projects ORDER BY md5(id::text) LIMIT 30) p")
sweep=$(python3 bench/probe.py sweep http://127.0.0.1:$nocache_port http://127.0.0.1:$sql_port "$points")
# Every order the schema offers, one request at a time as a viewer (every field may be sorted by): the first page and
# the page 90 % deep, with the plan of the deep page's condition (the owner sees what a viewer sees).
echo "== every order: first and deep pages" >&2
orders=$(python3 bench/probe.py orders http://127.0.0.1:$gp_port/graphql "postgresql://postgres@127.0.0.1:$port/$db" "${viewer#Bearer }" \
  2> "$tmp/orders.err") || { cat "$tmp/orders.err" >&2; exit 1; }
coalesced=$(python3 bench/probe.py coalesce http://127.0.0.1:$gp_port \
  "${tiles%%,*}?where=$(python3 -c 'import json, urllib.parse; print(urllib.parse.quote(json.dumps({"totalInvestment": {"gte": 0.5}})))')")
# A hostile mix (the kinds of request tests/…/HostileRequestTests refuses) on 4 connections, alongside the headline
# query: what normal clients see while it runs. Last, because a server that cannot bound such work may stay busy.
hostile_files=$(python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
def q(text): return json.dumps({"query": text})
bodies = {
    "fanout": q("{ ...F0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i+1} ...F{i+1} }}" for i in range(40)) + " fragment F40 on Query { __typename }"),
    "aliases": q("{ " + " ".join(f"a: projects(first: {i % 100}) {{ totalCount }}" for i in range(800)) + " }"),
    "chain": q("{ ...F0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i+1} }}" for i in range(1000)) + " fragment F1000 on Query { __typename }"),
    "directives": q("{ __typename " + " ".join("@include(if: true)" for _ in range(1000)) + " }"),
    "introspection": q("{ " + " ".join(f"s{i}: __schema {{ types {{ name fields {{ name }} }} }}" for i in range(400)) + " }"),
    "deep": q("{ " + "... on Query { " * 300 + "__typename" + " }" * 300 + " }"),
    "repeats": q("{ " + " ".join("__typename" for _ in range(10000)) + " }"),
}
paths = []
for name, body in bodies.items():
    path = f"{tmp}/hostile-{name}.json"
    open(path, "w").write(body)
    paths.append(path)
print(",".join(paths))
PY
)
under_attack() { # graphql url, headline body file → "headline measurement|hostile measurement"
  env BODY_FILES="$hostile_files" wrk -t1 -c4 -d"$((warmup + duration))s" --timeout 10s --latency -s bench/wrk.lua "$1" > "$tmp/hostile.txt" 2>&1 &
  local attacker=$!
  local normal; normal=$(measure "$1" BODY_FILE="$2")
  wait $attacker || true
  local hostile; hostile=$(awk 'function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
       /Requests\/sec/ { rps=$2 } /^ +50%/ { p50=ms($2) } /^ +99%/ { p99=ms($2) } /Non-2xx/ { bad=$NF } /Socket errors/ { t=$NF }
       END { printf "%.1f %.2f %.2f %s %s\n", rps, p50, p99, (bad==""?0:bad), (t==""?0:t) }' "$tmp/hostile.txt")
  echo "$normal|$hostile"
}
m[a_gp]=$(under_attack http://127.0.0.1:$gp_port/graphql "$(body h_gp "$q_headline")")
api_rss_attack=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$api_pid/status)
m[a_pg]=$(under_attack http://127.0.0.1:$pg_port/graphql "$(body h_pg "$p_headline")")
api_rss=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$api_pid/status)
nocache_rss=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$nocache_pid/status)
pg_rss=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$pg_pid/status 2>/dev/null || echo "?")

# Concurrent editors: 16 editors add 1 to the land area of 4 projects, each reading then writing, on a role that may
# write. GeoProjects checks expectedVersion and the editor retries on a conflict; PostGraphile's generated updateProject
# has no such check, so what it loses is counted. Disjoint projects for the two, on the same data.
echo "== concurrent editors" >&2
psql_admin $db "DO \$\$ BEGIN CREATE ROLE bench_writer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
  GRANT USAGE ON SCHEMA public TO bench_writer; GRANT ALL ON ALL TABLES IN SCHEMA public TO bench_writer;
  GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO bench_writer;
  ALTER ROLE bench_writer SET app.role = 'admin';" # PostGraphile's writer, as row-level security knows an admin
writer="Host=127.0.0.1;Port=$port;Username=bench_writer;Database=$db"
ConnectionStrings__GeoProjects="$writer" Logging__LogLevel__Default=Warning "$api" --urls http://127.0.0.1:$gpw_port >/dev/null 2>&1 & pids+=($!)
(cd bench/postgraphile && exec node_modules/.bin/postgraphile -c "postgres://bench_writer@127.0.0.1:$port/$db" --host 127.0.0.1 --port $pgw_port \
  --schema public --append-plugins @graphile-contrib/pg-simplify-inflector,@graphile/postgis --disable-query-log --disable-graphiql >/dev/null 2>&1) & pids+=($!)
for url in http://127.0.0.1:$gpw_port/graphql http://127.0.0.1:$pgw_port/graphql; do
  for _ in $(seq 1 60); do curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' "$url" && break; sleep 0.5; done
done
increments=$(( duration < 5 ? 5 : duration * 2 ))
# Editors sign in: an admin token signed with the local key (.data/jwt-signing-key), which the server reads too.
editor_token=$(ConnectionStrings__GeoProjects="$writer" "$api" token --sub "bench editor" --role admin --ttl 1h)
e_gp=$(GEOPROJECTS_TOKEN=$editor_token node bench/editors.mjs http://127.0.0.1:$gpw_port/graphql geoprojects 16 $increments 1,2,3,4)
e_pg=$(node bench/editors.mjs http://127.0.0.1:$pgw_port/graphql postgraphile 16 $increments 5,6,7,8)
lost_gp=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["lost"])' "$e_gp")
# Mutation throughput on the same 32 projects: GeoProjects' updateProject (checked against the version its previous write
# returned, a revision and a notification each) and PostGraphile's updateProject by id (a plain UPDATE), 16 writers.
ids32=$(seq -s, 101 132)
w_gp=$(GEOPROJECTS_TOKEN=$editor_token node bench/editors.mjs http://127.0.0.1:$gpw_port/graphql geoprojects 16 "throughput:$duration" "$ids32")
w_pg=$(node bench/editors.mjs http://127.0.0.1:$pgw_port/graphql postgraphile 16 "throughput:$duration" "$ids32")
editor_row() { # system, editors.mjs output
  python3 -c 'import json, sys; print("| {0} | {editors} | {increments} | {writes} | {conflicts} | {conflictsPerSecond:.1f} | {lost} | {p50:.1f} | {p99:.1f} |".format(sys.argv[1], **json.loads(sys.argv[2])))' "$1" "$2"
}

# Live fan-out: WebSocket and SSE subscribers of projectUpdated on the reading instance while the writing instance takes
# a steady stream of updates (NOTIFY carries each commit across instances); latency from the commit to each subscriber.
echo "== live fan-out" >&2
(cd bench/live && npm ci --no-audit --no-fund --loglevel=error >&2)
live_ws=${LIVE_WS:-10000}; live_sse=${LIVE_SSE:-1000}
[ "$duration" -le 2 ] && { live_ws=${LIVE_WS:-20}; live_sse=${LIVE_SSE:-5}; } # the smoke run
live_seconds=$(( duration < 2 ? 2 : duration ))
l_gp=$(node bench/live/live.mjs http://127.0.0.1:$gp_port/graphql http://127.0.0.1:$gpw_port/graphql "$editor_token,${viewer#Bearer }" \
  "$live_ws" "$live_sse" 5 "$live_seconds" "$api_pid" 9,10,11,12)
python3 -c 'import json, sys; r = json.loads(sys.argv[1]); sys.exit(0 if r["ws"]["received"] and r["sse"]["received"] else 1)' "$l_gp" \
  || { echo "bench: live subscribers received nothing: $l_gp" >&2; exit 1; }
live_row() { # transport, its report
  python3 -c 'import json, sys; r = json.loads(sys.argv[2]); t = r[sys.argv[1]]
print("| {0} | {subscribers} | {1} | {expected} | {received} | {p50:.1f} | {p99:.1f} |".format(sys.argv[1], r["writes"], **t))' "$1" "$2"
}

# Start-up: a fresh instance on the same data, ready time and throughput in 2-second windows; then bulk import.
echo "== start-up and import" >&2
windows=15 import_rows=100000
[ "$duration" -le 2 ] && windows=2 # the smoke run
[ "$count" -le 1000 ] && import_rows=1000
startup=$(STARTUP_NO_BUILD=1 STARTUP_CONNECTION="$reader" BENCH_PORT=$((gp_port + 6)) bench/startup.sh "$db" $windows)
import=$(env -u ConnectionStrings__GeoProjects BENCH_DB=${db}_import bench/import-100k.sh $import_rows 2>&1 | grep -E "ogr2ogr|elapsed|imported") \
  || { echo "bench: the import benchmark failed (bench/import-100k.sh $import_rows)" >&2; exit 1; }

mkdir -p "$results"
out="$results/$(date -u +%Y-%m-%d)-$count.md"
# The figures the targets table reads, one record each (values may span lines).
fig() { printf '%s=%s\x1e' "$1" "$2" >> "$tmp/figures"; }
for k in "${!m[@]}"; do fig "$k" "${m[$k]}"; done
for k in "${!sql[@]}"; do fig "sql_$k" "${sql[$k]}"; done
fig allocated_kb "$bytes_per_request"; fig s2_alone_ms "$s2_alone_ms"; fig sweep "$sweep"; fig import "$import"
fig live "$l_gp"; fig startup "$startup"; fig orders "$(grep '^worst' "$tmp/orders.err")"
{
  echo "## Benchmark: $count projects, $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -sr); PostgreSQL $(psql_admin postgres 'SHOW server_version' | cut -d' ' -f1), PostGIS on the private cluster;"
  echo "wrk -t2 -c$connections -d${duration}s after a ${warmup}s unmeasured warm-up, on the same machine. Ratios are against the hand-written SQL (through Npgsql, over HTTP)."
  echo "Every system reads through row-level security (GeoProjects as geoprojects_api, the hand-written SQL and PostGraphile as bench_reader, none"
  echo "with a role setting, so all see the published projects); the viewer rows send a token and see every project. The hand-written SQL prepares its"
  echo "statements; its rows as the tables' owner skip row-level security (the owner sees every project): the physical reference, and what the policies cost."
  echo
  echo "Targets (issue 31), this run's figures; the tables below have the measurements they come from."
  echo
  python3 bench/targets.py "$tmp/figures" "$count"
  echo
  echo "| scenario | system | req/s | p50 ms | p99 ms | p50 ÷ SQL | p99 ÷ SQL | req/s ÷ SQL | non-2xx | timeouts (10 s) |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  row "headline (古镇口核心区, sector, 10–50 亿, first 50)" "hand-written SQL" "${m[h_sql]}" "${m[h_sql]}"
  row "" "hand-written SQL as the tables' owner (no policies)" "${m[h_own]}" "${m[h_sql]}"
  row "" "GeoProjects" "${m[h_gp]}" "${m[h_sql]}"
  row "" "GeoProjects, as a viewer (token)" "${m[h_gpv]}" "${m[h_sql]}"
  row "" "PostGraphile v4" "${m[h_pg]}" "${m[h_sql]}"
  row "nested (zones → 20 projects → batch)" "hand-written SQL" "${m[n_sql]}" "${m[n_sql]}"
  row "" "hand-written SQL as the tables' owner (no policies)" "${m[n_own]}" "${m[n_sql]}"
  row "" "GeoProjects" "${m[n_gp]}" "${m[n_sql]}"
  row "" "PostGraphile v4" "${m[n_pg]}" "${m[n_sql]}"
  row "stats (sector × zone; GeoProjects: zones' own filter, from the summary)" "hand-written SQL GROUP BY" "${m[s_sql]}" "${m[s_sql]}"
  row "" "hand-written SQL as the tables' owner (no policies)" "${m[s_own]}" "${m[s_sql]}"
  row "" "GeoProjects" "${m[s_gp]}" "${m[s_sql]}"
  row "" "PostGraphile v4 (pg-aggregates)" "${m[s_pg]}" "${m[s_sql]}"
  row "stats, investment ≥ 10 (a GROUP BY for all)" "hand-written SQL GROUP BY" "${m[s2_sql]}" "${m[s2_sql]}"
  row "" "hand-written SQL as the tables' owner (no policies)" "${m[s2_own]}" "${m[s2_sql]}"
  row "" "GeoProjects" "${m[s2_gp]}" "${m[s2_sql]}"
  row "" "PostGraphile v4 (pg-aggregates)" "${m[s2_pg]}" "${m[s2_sql]}"
  row "tiles (12 tiles, z8/z12/z14)" "direct ST_AsMVT SQL" "${m[t_sql]}" "${m[t_sql]}"
  row "" "direct ST_AsMVT SQL as the tables' owner (no policies)" "${m[t_own]}" "${m[t_sql]}"
  row "" "GeoProjects, rendered (tile cache off)" "${m[t_gp]}" "${m[t_sql]}"
  row "" "GeoProjects, rendered as a viewer (token)" "${m[t_gpv]}" "${m[t_sql]}"
  row "" "GeoProjects, repeated → server tile cache" "${m[t_hit]}" "${m[t_sql]}"
  row "" "GeoProjects, If-None-Match → 304" "${m[t_304]}" "${m[t_sql]}"
  echo
  echo "Headline allocations: ${bytes_per_request} KB allocated per request (the runtime's allocated bytes over the requests served while measured)."
  echo
  echo "Deep pages: 50 projects by investment, descending; the first page, and the page after the project 90 % of the way"
  echo "through ($visible visible projects), by cursor. Ratios against GeoProjects' first page."
  echo
  echo "| page | system | req/s | p50 ms | p99 ms | p50 ÷ first page | p99 ÷ first page | req/s ÷ first page | non-2xx | timeouts (10 s) |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  row "first" "GeoProjects" "${m[d_first]}" "${m[d_first]}"
  row "90 % deep, keyset cursor" "GeoProjects" "${m[d_gp]}" "${m[d_first]}"
  row "90 % deep, its cursor" "PostGraphile v4" "${m[d_pg]}" "${m[d_first]}"
  echo
  echo "Every order the schema offers (ProjectSortInput's own fields, ascending, then key), one request at a time as a viewer:"
  echo "the first page of 50 and the page after the project 90 % of the way; p50 and the slowest of up to 21 requests. The"
  echo "plan is EXPLAIN's for the deep page's condition as the API sends it."
  echo
  echo "$orders"
  echo
  echo "Cold tiles: the tiles of 30 random projects at each zoom, one request at a time, tile cache off (clusters come from"
  echo "the pyramid kept on write up to z13 and for a sector filter; points from z11 where a tile holds ≤ 4 000). The direct SQL"
  echo "aggregates every row below z11 and sends every point from z11, uncapped."
  echo
  echo "$sweep"
  echo
  echo "Request coalescing: 16 simultaneous first requests for one tile (cache on), and the cache's counters: $coalesced"
  echo
  echo "Mutations: updateProject on the same 32 projects, 16 writers for ${duration} s, each write changing the land area."
  echo
  echo "| system | writes | req/s | p50 ms | p99 ms | req/s ÷ PostGraphile |"
  echo "|---|---|---|---|---|---|"
  for w in "$w_gp" "$w_pg"; do
    python3 -c 'import json, sys; r, pg = json.loads(sys.argv[1]), json.loads(sys.argv[2])
name = {"geoprojects": "GeoProjects (expected version, revision, notification)", "postgraphile": "PostGraphile v4 (plain UPDATE)"}[r["system"]]
print("| {0} | {writes} | {rps:.1f} | {p50:.1f} | {p99:.1f} | {1:.2f} |".format(name, r["rps"] / pg["rps"], **r))' "$w" "$w_pg"
  done
  echo
  echo "Hostile mix: 7 kinds of abusive document (fragment fan-out, 800 conflicting aliases, a 1 000-fragment chain, 1 000 directives,"
  echo "400 aliased introspections, 300 nested fragments, 10 000 repeated fields) on 4 connections, during the headline measurement."
  echo "Ratios compare the headline under attack with the headline alone on the same system."
  echo
  echo "| system | headline req/s alone | under attack | ratio | headline p99 ms under attack | hostile req/s answered | hostile p99 ms | hostile timeouts (10 s) |"
  echo "|---|---|---|---|---|---|---|---|"
  for sys in gp pg; do
    read -r arps _ ap99 _ _ <<< "${m[a_$sys]%%|*}"; read -r hrps _ hp99 _ ht <<< "${m[a_$sys]##*|}"; read -r rps _ _ _ _ <<< "${m[h_$sys]}"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$([ $sys = gp ] && echo GeoProjects || echo 'PostGraphile v4')" "$rps" "$arps" \
      "$(python3 -c "print(f'{$arps/$rps:.2f}' if $rps else '–')")" "$ap99" "$hrps" "$hp99" "$ht"
  done
  echo
  echo "GeoProjects RSS right after the hostile mix: ${api_rss_attack} MB."
  echo "Peak RSS under load (VmHWM): GeoProjects ${api_rss} MB (the instance with its tile cache off, after rendering tiles: ${nocache_rss} MB); PostGraphile ${pg_rss} MB."
  echo
  echo "Concurrent editors: 16 editors each add 1 to a project's land area $increments times (4 projects), reading then writing."
  echo "GeoProjects: updateProject with expectedVersion, retried on ConcurrencyConflictError. PostGraphile v4: its generated"
  echo "updateProject by id, which has no conflict check. Lost updates = increments that did not survive."
  echo
  echo "| system | editors | increments | writes sent | conflicts | conflicts/s | lost updates | write p50 ms | write p99 ms |"
  echo "|---|---|---|---|---|---|---|---|---|"
  editor_row "GeoProjects" "$e_gp"
  editor_row "PostGraphile v4" "$e_pg"
  echo
  echo "Live fan-out: subscribers of projectUpdated on the reading instance (four filters, each matching every write, under an"
  echo "editor's and a viewer's token: eight groups); after one unmeasured write, 5 updates a second for ${live_seconds} s through"
  echo "the writing instance. Latency from the moment the writer's mutation returned (its commit) to each subscriber's event."
  echo
  echo "| transport | subscribers | writes | events expected | received | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|---|"
  live_row ws "$l_gp"
  live_row sse "$l_gp"
  echo
  python3 -c 'import json, sys; r = json.loads(sys.argv[1])
print("Subscribers dropped: {dropped}. All subscribed in {subscribeSeconds:.0f} s. Server RSS {rssBefore:.0f} MB before subscribing, "
      "{rssAfter:.0f} MB 3 s after the last: about {kbPerSubscriber:.0f} KB per idle subscriber.".format(**r))' "$l_gp"
  echo
  echo "Start-up (a new instance on the same database, the headline query on 16 connections in 2-second windows):"
  echo
  echo '```'
  echo "$startup"
  python3 -c 'import re, sys
rates = [float(x) for x in re.findall(r": ([0-9.]+) req/s", sys.argv[1])]
if len(rates) >= 10: print(f"10 s window ÷ the last five windows: {rates[4] / (sum(rates[-5:]) / 5):.2f}")' "$startup"
  echo '```'
  echo
  echo "Bulk import of $import_rows CSV rows (validation, zone assignment, upsert, revisions, summaries) against GDAL loading the same file:"
  echo
  echo '```'
  echo "$import"
  python3 -c 'import re, sys
ogr, ours = re.search(r"ogr2ogr.*: (\d+) ms", sys.argv[1]), re.search(r"elapsed ([0-9.]+) s", sys.argv[1])
if ogr and ours: print(f"import ÷ ogr2ogr: {float(ours.group(1)) * 1000 / int(ogr.group(1)):.1f}")' "$import"
  echo '```'
} | tee "$out"
echo "kept in $out" >&2
rm -rf "$tmp"
