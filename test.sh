#!/usr/bin/env bash
# Runs every test: the same PostGIS bootstrap as run.sh, then `dotnet test` over the solution.
# Each test run creates its own fresh database on that server and drops it afterwards. Then the benchmark's smoke
# run: bench/run.sh at 1 000 projects, 1 s per scenario, which fails when any system answers a scenario wrongly.
set -euo pipefail
cd "$(dirname "$0")"
# Tests use the fast, throw-away cluster (.data/pg-test): never the durable one that ./run.sh keeps.
GEOPROJECTS_CLUSTER=fast source db/cluster.sh
export GEOPROJECTS_TEST_SERVER="$GEOPROJECTS_SERVER"
tests/deps.sh   # Chromium, CJK font, GDAL, and the npm packages (IDE, map, CRS oracle)

log=$(mktemp); smoke=$(mktemp -d); surface=$(mktemp)
trap 'rm -rf "$log" "$smoke" "$surface"' EXIT
status=0
GEOPROJECTS_SURFACE_REPORT=$surface dotnet test GeoProjects.sln -nologo 2>&1 | tee "$log" || status=$?
cat "$surface" # what the generated surface test covered and skipped

if [ $status != 0 ]; then
  echo "benchmark smoke run: not run (the tests failed)"
elif [ -n "${GEOPROJECTS_EXTERNAL_DB:-}" ]; then
  echo "benchmark smoke run: skipped (it needs the private cluster; the connection string points elsewhere)"
elif DURATION=1 WARMUP=0 BENCH_DB=geoprojects_bench_smoke BENCH_PORT=${BENCH_PORT:-5191} RESULTS="$smoke" bench/run.sh 1000 >"$smoke/log" 2>&1; then
  echo "benchmark smoke run (1 000 projects): passed"
else
  cat "$smoke/log"; echo "benchmark smoke run (1 000 projects): FAILED"; status=1
fi

# A plain closing line that CI reads, summed over the test assemblies.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
