#!/usr/bin/env bash
# Runs every test: the same PostGIS bootstrap as run.sh, then `dotnet test` over the solution.
# Each test run creates its own fresh database on that server and drops it afterwards.
set -euo pipefail
cd "$(dirname "$0")"
source db/cluster.sh
export GEOPROJECTS_TEST_SERVER="$GEOPROJECTS_SERVER"
tests/deps.sh   # Chromium, CJK font, GDAL, and the npm packages (IDE, map, CRS oracle)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test GeoProjects.sln -nologo 2>&1 | tee "$log" || status=$?
# A plain closing line that CI reads, summed over the test assemblies.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
