using Npgsql;

// Hand-written SQL for the benchmark's scenarios, as a minimal HTTP server: the physical limit GeoProjects is
// measured against. Usage: GeoProjects.Bench --urls http://127.0.0.1:5182 (ConnectionStrings__GeoProjects set).
// Its statements are prepared (Npgsql's automatic preparation: each is planned once per connection, as PostGraphile's
// are), so it is the database's own speed and not a service that plans every request.
var builder = WebApplication.CreateBuilder(args);
var connection = new NpgsqlConnectionStringBuilder(builder.Configuration.GetConnectionString("GeoProjects")
    ?? throw new InvalidOperationException("set ConnectionStrings__GeoProjects")) { MaxAutoPrepare = 16, AutoPrepareMinUsages = 1 };
var dataSource = NpgsqlDataSource.Create(connection.ConnectionString);
var app = builder.Build();

async Task<IResult> Scalar(string sql, string contentType, params object[] parameters)
{
    await using var command = dataSource.CreateCommand(sql);
    foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
    var result = await command.ExecuteScalarAsync();
    return result switch
    {
        byte[] { Length: > 0 } bytes => Results.Bytes(bytes, contentType),
        byte[] => Results.NoContent(),
        string text => Results.Text(text, contentType),
        _ => Results.NoContent(),
    };
}

// 1. The headline query: zone by name, sector, investment range, first 50 with name, investment, location.
app.MapGet("/headline", (string zone, string sector, decimal min, decimal max) => Scalar("""
    SELECT json_build_object('data', json_build_object('projects', json_build_object('nodes', coalesce(json_agg(json_build_object(
      'name', t.name, 'totalInvestment', t.total_investment, 'location', json_build_object('coordinates', json_build_array(ST_X(t.location), ST_Y(t.location))))), '[]'))))::text
    FROM (SELECT p.name, p.total_investment, p.location FROM projects p JOIN zones z ON z.id = p.zone_id
          WHERE z.name = $1 AND p.sector = $2 AND p.total_investment BETWEEN $3 AND $4 ORDER BY p.id LIMIT 50) t
    """, "application/json", zone, sector, min, max));

// 2. Nested: zones, the first 20 projects of each, their batch.
app.MapGet("/nested", () => Scalar("""
    SELECT json_build_object('data', json_build_object('zones', json_agg(json_build_object(
      'name', z.name,
      'projects', json_build_object('nodes', coalesce((
        SELECT json_agg(json_build_object('name', p.name, 'batch', CASE WHEN b.id IS NULL THEN NULL ELSE json_build_object('name', b.name) END) ORDER BY p.id)
        FROM (SELECT * FROM projects p WHERE p.zone_id = z.id ORDER BY p.id LIMIT 20) p LEFT JOIN project_batches b ON b.id = p.batch_id), '[]'::json))
    ) ORDER BY z.id)))::text
    FROM zones z
    """, "application/json"));

// 3. Statistics by sector and zone, of every project or (min) of those with at least that investment.
app.MapGet("/stats", (decimal? min) => Scalar("""
    SELECT json_build_object('data', json_build_object('projectStats', json_agg(json_build_object(
      'sector', s.sector, 'zone', s.zone_id, 'count', s.count, 'totalInvestment', s.total))))::text
    FROM (SELECT sector, zone_id, count(*) AS count, sum(total_investment) AS total FROM projects
          WHERE total_investment >= $1 GROUP BY sector, zone_id) s
    """, "application/json", min ?? 0m));

// 4. The same ST_AsMVT SQL as GeoProjects' tiles (points from zoom 11, clusters below), run directly, at the same paths.
app.MapGet("/tiles/projects/{z:int}/{x:int}/{y:int}.mvt", (int z, int x, int y) => z >= 11
    ? Scalar("""
        WITH b AS (SELECT ST_TileEnvelope($1, $2, $3) AS env)
        SELECT ST_AsMVT(t.*, 'projects', 4096, 'geom', 'id') FROM (
          SELECT ST_AsMVTGeom(ST_Transform(p.location, 3857), b.env, 4096, 64, true) AS geom, p.id, p.code, p.name, p.sector, p.status,
                 p.total_investment::float8 AS total_investment, zz.name AS zone_name
          FROM projects p CROSS JOIN b LEFT JOIN zones zz ON zz.id = p.zone_id
          WHERE p.location && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)) t
        WHERE t.geom IS NOT NULL
        """, "application/vnd.mapbox-vector-tile", z, x, y)
    : Scalar("""
        WITH m AS (SELECT ST_Transform(p.location, 3857) AS g, p.total_investment, p.id FROM projects p
                   WHERE p.location && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)),
        c AS (SELECT count(*)::int AS count, sum(total_investment)::float8 AS total_investment, min(id) AS first_id, ST_Centroid(ST_Collect(g)) AS center
              FROM m GROUP BY floor((ST_X(g) + 20037508.342789244) / $4), floor((ST_Y(g) + 20037508.342789244) / $4))
        SELECT ST_AsMVT(t.*, 'clusters', 4096, 'geom') FROM (
          SELECT ST_AsMVTGeom(center, ST_TileEnvelope($1, $2, $3), 4096, 0, true) AS geom, count, total_investment,
                 CASE WHEN count = 1 THEN first_id END AS project_id FROM c) t
        WHERE t.geom IS NOT NULL
        """, "application/vnd.mapbox-vector-tile", z, x, y, 2 * 20037508.342789244 / (1 << z) / 8));

app.Run();
