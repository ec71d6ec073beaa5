#!/usr/bin/env bash
# Imports 100 000 generated projects (CSV) and prints time, throughput and peak memory, then removes them.
# The import streams the file twice (validate, then write in one transaction): memory should stay flat.
# Usage: bench/import-100k.sh [rows]   (its own database on the fast private cluster, or ConnectionStrings__GeoProjects)
set -euo pipefail
cd "$(dirname "$0")/.."
GEOPROJECTS_CLUSTER=fast source db/cluster.sh # benchmark databases may trade safety for speed
rows=${1:-100000}
db=${BENCH_DB:-geoprojects_import_bench}
export ConnectionStrings__GeoProjects=${GEOPROJECTS_EXTERNAL_DB:-"$GEOPROJECTS_SERVER;Database=$db"}
dotnet build src/GeoProjects.Api -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
# On the private cluster the database is the benchmark's own: made afresh, so an earlier schema cannot stand in the way.
[ -n "${GEOPROJECTS_EXTERNAL_DB:-}" ] || psql "${GEOPROJECTS_PG_URL:-postgresql://postgres@127.0.0.1:55481}/postgres" -qtAX \
  -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
api=src/GeoProjects.Api/bin/Release/net10.0/GeoProjects.Api
"$api" migrate >/dev/null
file=$(mktemp --suffix=.csv)
trap 'rm -f "$file"' EXIT
python3 - "$rows" "$file" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
random.seed(100000)
sectors = ["先进制造", "高端化工", "海洋经济", "文化旅游"]
with open(path, "w", encoding="utf-8") as f:
    f.write("项目编码,项目名称,行业领域,项目状态,总投资(亿元),经度,纬度,来源说明\n")
    for i in range(n):
        f.write(f"BENCH-{i:06d},基准测试项目 {i},{random.choice(sectors)},在建,{random.uniform(1, 50):.2f},"
                f"{random.uniform(119.6, 120.3):.5f},{random.uniform(35.6, 36.1):.5f},ILLUSTRATIVE: benchmark row\n")
PY
echo "file: $rows rows, $(du -h "$file" | cut -f1)"
# The reference: GDAL loading the same file into a bare PostGIS table (COPY, no validation, no triggers), when installed.
if command -v ogr2ogr >/dev/null && [ -z "${GEOPROJECTS_EXTERNAL_DB:-}" ]; then
  start=$(date +%s%N)
  ogr2ogr -f PostgreSQL "PG:host=127.0.0.1 port=$(echo "$GEOPROJECTS_SERVER" | sed -E 's/.*Port=([0-9]+).*/\1/') user=postgres dbname=$db" "$file" \
    -nln ogr2ogr_bench -overwrite -oo X_POSSIBLE_NAMES=经度 -oo Y_POSSIBLE_NAMES=纬度 -a_srs EPSG:4326 --config PG_USE_COPY YES
  echo "ogr2ogr (bare table, COPY): $(( ($(date +%s%N) - start) / 1000000 )) ms"
fi
/usr/bin/time -f "elapsed %e s, peak memory %M KB" "$api" import "$file" 2>&1 | tail -4
psql "${GEOPROJECTS_PG_URL:-postgresql://postgres@127.0.0.1:55481}/$db" -qtAc "DELETE FROM projects WHERE code LIKE 'BENCH-%'" >/dev/null 2>&1 \
  || echo "(remove the BENCH-* projects yourself on an external database)"
