#!/usr/bin/env bash
# Starts GeoProjects: PostGIS (private cluster under .data/ unless ConnectionStrings__GeoProjects is set),
# migrations and seed data, then the API on $GEOPROJECTS_URL (default http://127.0.0.1:5080).
set -euo pipefail
cd "$(dirname "$0")"
source db/cluster.sh

url=${GEOPROJECTS_URL:-http://127.0.0.1:5080}
if [ -z "$GEOPROJECTS_EXTERNAL_DB" ]; then
  export ConnectionStrings__GeoProjects="$GEOPROJECTS_SERVER;Database=${GEOPROJECTS_DB_NAME:-geoprojects}"
  # The API logs in as geoprojects_api with its own password, which `migrate` sets (row-level security holds for it).
  export Database__ApiPassword="$(cat .data/pg-api-password)"
fi

src/GeoProjects.Api/install-web-assets.sh
dotnet build src/GeoProjects.Api -c Release -nologo -v q -clp:ErrorsOnly
api=src/GeoProjects.Api/bin/Release/net10.0/GeoProjects.Api
"$api" migrate
echo "GeoProjects:  map $url/   GraphQL $url/graphql (Banana Cake Pop in a browser; SDL at ?sdl)   TileJSON $url/tiles/projects.json"
exec "$api" --urls "$url"
