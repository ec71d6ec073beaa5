using GeoProjects.Api.Hosting;
using System.Globalization;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using Microsoft.EntityFrameworkCore;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Security;
using GeoProjects.Api.Zones;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Tiles;

/// <summary>
/// Mapbox Vector Tiles made in PostGIS (ST_TileEnvelope, ST_AsMVTGeom, ST_AsMVT) for projects and zones, with the
/// GraphQL filter model, clusters at low zoom, Chinese basemap CRSs, ETags from the database's data version, TileJSON.
/// </summary>
public static class TileEndpoints
{
    public const string MediaType = "application/vnd.mapbox-vector-tile";
    // Clients revalidate every time; an unchanged tile costs a 304 and one tiny query.
    private const string CacheControl = "public, max-age=0, must-revalidate";

    public static IHostApplicationBuilder AddGeoProjectsTiles(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<TileOptions>(builder.Configuration.GetSection("Tiles"));
        builder.Services.AddSingleton<TileCache>();
        return builder;
    }

    public static IEndpointRouteBuilder MapGeoProjectsTiles(this IEndpointRouteBuilder app)
    {
        // Map clients on other origins (Cors:AllowedOrigins) may use the tiles, as they may the GraphQL endpoint.
        app.MapGet("/tiles/projects/{z:int}/{x:int}/{y:int}.mvt", ProjectsTileAsync).RequireCors(CorsSetup.PublicRead);
        app.MapGet("/tiles/zones/{z:int}/{x:int}/{y:int}.mvt", ZonesTileAsync).RequireCors(CorsSetup.PublicRead);
        app.MapGet("/tiles/projects.json", (HttpContext http, IOptions<TileOptions> o) => TileJsonAsync(http, "projects", o.Value)).RequireCors(CorsSetup.PublicRead);
        app.MapGet("/tiles/zones.json", (HttpContext http, IOptions<TileOptions> o) => TileJsonAsync(http, "zones", o.Value)).RequireCors(CorsSetup.PublicRead);
        app.MapGeoProjectsGeoJson();
        return app;
    }

    private static Task<IResult> ProjectsTileAsync(HttpContext http, GeoProjectsDb db, IOptions<TileOptions> options, int z, int x, int y) =>
        ServeTileAsync(http, db, z, x, y, ProjectSchema.Filter, async (request, t, parameters) =>
        {
            var o = options.Value;
            var (filter, matching) = ProjectQueries.Matching(db, request.Where, request.Context);
            var (searched, inside) = (SearchBox(t, request.Crs, 64.0 / 4096), SearchBox(t, request.Crs, 0));
            var rows = matching.Where(p => p.Location.Intersects(searched));
            var cells = PyramidCells(db, filter, request, t);
            // Clusters aggregate every matching project (a tile stays at most 64 features). Points up to MaxFeatures: a
            // tile that holds more (inside its bounds, as the pyramid counts) is clustered too (never truncated, never
            // over ~500 KB); a closer zoom shows them.
            var clustered = t.Z < o.ClusterBelowZoom || (cells is null
                ? await matching.Where(p => p.Location.Intersects(inside)).Select(p => p.Id).Take(o.MaxFeatures + 1)
                    .CountAsync(http.RequestAborted)
                : await cells.SumAsync(c => c.Count, http.RequestAborted)) > o.MaxFeatures;
            if (clustered && cells is not null)
                return (byte[]?)await FlatSql.ScalarAroundAsync(db, cells, PyramidSql(MeasureShown), parameters, http.RequestAborted);
            var sql = clustered ? ClusterSql(request, MeasureShown) : LayerSql("projects", ProjectFields.Registry, request);
            return (byte[]?)await FlatSql.ScalarAroundAsync(db, rows, sql, parameters, http.RequestAborted);
        });

    /// <summary>
    /// The tile's 8×8 cells of the cluster pyramid (project_clusters, kept on write), when they answer it: zoom ≤ 13, WGS84
    /// tiles (the pyramid's cells are Web Mercator of the stored coordinates) and a filter on sector and status only.
    /// </summary>
    private static IQueryable<ProjectCluster>? PyramidCells(
        GeoProjectsDb db, System.Linq.Expressions.Expression<Func<Project, bool>>? filter, MapLayerRequest request, TileAddress t)
    {
        if (t.Z > ProjectCluster.MaxZoom || request.Crs != CoordinateSystem.Wgs84) return null;
        var (x0, y0, zoom) = (t.X * 8, t.Y * 8, (short)t.Z);
        return SummaryFilter.Over(db.ProjectClusters, filter, ProjectCluster.Dimensions)
            ?.Where(c => c.Zoom == zoom && c.Cx >= x0 && c.Cx < x0 + 8 && c.Cy >= y0 && c.Cy < y0 + 8);
    }

    private static Task<IResult> ZonesTileAsync(HttpContext http, GeoProjectsDb db, IOptions<TileOptions> options, int z, int x, int y) =>
        ServeTileAsync(http, db, z, x, y, ZoneSchema.Filter, async (request, t, parameters) =>
        {
            var box = SearchBox(t, request.Crs, 64.0 / 4096);
            var rows = db.Zones.Filter(ZoneSchema.Filter, request.Where).Where(zone => zone.Boundary.Intersects(box))
                .OrderBy(zone => zone.Id).Take(options.Value.MaxFeatures);
            return (byte[]?)await FlatSql.ScalarAroundAsync(db, rows, LayerSql("zones", ZoneFields.Registry, request), parameters, http.RequestAborted);
        });

    /// <summary>What every tile shares: address checks, the filter, the ETag, the server's tile cache, 204 for an empty tile, 400s.</summary>
    private static async Task<IResult> ServeTileAsync(
        HttpContext http, GeoProjectsDb db, int z, int x, int y, IEntityFilter filter,
        Func<MapLayerRequest, TileAddress, Dictionary<string, object>, Task<byte[]?>> render)
    {
        // One address per tile: routing also matches 402.MVT, 0402.mvt, +402.mvt and 402.mvt/, which would be copies of it in
        // every cache. Those are no tile paths (404, with the coded body every unknown path gets).
        if (!http.Request.Path.Value!.EndsWith($"/{z}/{x}/{y}.mvt", StringComparison.Ordinal)) return Results.NotFound();
        var (tile, error) = TileAddress.Parse(z, x, y);
        if (tile is not { } t) return MapLayerRequest.BadRequest(new QueryInputException("INVALID_TILE", error!));
        try
        {
            var request = MapLayerRequest.Read(http, filter);
            if (await request.CheckETagAsync(http, db, CacheControl) is not { } version) return Results.Empty;
            var parameters = new Dictionary<string, object> { ["tile_z"] = t.Z, ["tile_x"] = t.X, ["tile_y"] = t.Y, ["tile_crs"] = request.CrsName };
            var bytes = await http.RequestServices.GetRequiredService<TileCache>()
                .GetOrRenderAsync(http, request.TileKey(http, version), () => render(request, t, parameters));
            return bytes.Length > 0 ? Results.Bytes(bytes, MediaType) : Results.NoContent();
        }
        catch (QueryInputException e)
        {
            return MapLayerRequest.BadRequest(e);
        }
    }

    /// <summary>A layer of the entity's features with the attributes the registry gives to tiles; the key is also the feature id.</summary>
    private static string LayerSql(string layer, IEntityFields entity, MapLayerRequest request)
    {
        var geometry = request.InCrs(FlatSql.Column(FlatSql.Geometry(entity, Door.VectorTiles)), "tile_crs");
        var attributes = FlatSql.Properties(entity, Door.VectorTiles).Select(f => $"{FlatSql.TileValue(entity, f)} AS {FlatSql.Quote(f.TileAttribute!)}");
        return $$"""
            SELECT ST_AsMVT(t.*, '{{layer}}', 4096, 'geom', 'feature_id') FROM (
              SELECT ST_AsMVTGeom(ST_Transform({{geometry}}, 3857), ST_TileEnvelope(@tile_z, @tile_x, @tile_y), 4096, 64, true) AS geom,
                     q.{{FlatSql.Quote(entity.KeyColumn)}} AS feature_id, {{string.Join(", ", attributes)}}
              FROM q) t
            WHERE t.geom IS NOT NULL
            """;
    }

    /// <summary>
    /// The cluster layer from the projects: a global grid of 8×8 cells per tile (geoprojects_cluster_cell, as the pyramid's), so
    /// no cluster straddles two tiles and counts add up; the centre is the mean of the cell's points. Its attributes are
    /// aggregates (count, summed investment), described in TileJSON below.
    /// </summary>
    private static string ClusterSql(MapLayerRequest request, bool measure)
    {
        var projects = ProjectFields.Registry;
        var location = request.InCrs(FlatSql.Column(FlatSql.Geometry(projects, Door.VectorTiles)), "tile_crs");
        return $$"""
            , m AS (SELECT ST_Transform({{location}}, 3857) AS g, {{FlatSql.Column(projects.Measure)}} AS measure,
                           q.{{FlatSql.Quote(projects.KeyColumn)}} AS id FROM q),
            c AS (
              SELECT count(*) AS n, sum(measure) AS total, sum(ST_X(g)) AS sx, sum(ST_Y(g)) AS sy, sum(id::bigint) AS sid
              FROM m GROUP BY geoprojects_cluster_cell(ST_X(g) + 20037508.342789244, @tile_z),
                              geoprojects_cluster_cell(20037508.342789244 - ST_Y(g), @tile_z))
            {{ClusterLayer(measure)}}
            """;
    }

    /// <summary>The projects' measure (summed per cluster): its column, in the projects and in the pyramid, and its tile attribute.</summary>
    private static readonly RegistryField Measure = ProjectFields.Registry.Measure;

    /// <summary>A cluster's sum shows its projects' measure (a cell of one project, that project's): for whoever may read it.</summary>
    private static bool MeasureShown => Measure.ReadableBy(Caller.Current);

    /// <summary>Clusters (c: count n, measure, coordinate and id sums per cell) as the `clusters` layer; a cell of one project names it.</summary>
    private static string ClusterLayer(bool measure) => $"""
        SELECT ST_AsMVT(t.*, 'clusters', 4096, 'geom') FROM (
          SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(sx / n, sy / n), 3857), ST_TileEnvelope(@tile_z, @tile_x, @tile_y), 4096, 0, true) AS geom,
                 n::integer AS count,{(measure ? $" total::float8 AS {FlatSql.Quote(Measure.TileAttribute!)}," : "")}
                 CASE WHEN n = 1 THEN sid::integer END AS project_id
          FROM c) t
        WHERE t.geom IS NOT NULL
        """;

    /// <summary>The cluster layer from the pyramid's cells (q): the same sums, already made.</summary>
    private static string PyramidSql(bool measure) => $"""
        , c AS (SELECT sum(q.count) AS n, sum(q.{FlatSql.Quote(Measure.Column!)}) AS total, sum(q.sum_x) AS sx, sum(q.sum_y) AS sy, sum(q.sum_id) AS sid
                FROM q GROUP BY q.cx, q.cy)
        {ClusterLayer(measure)}
        """;

    /// <summary>
    /// The WGS84 area whose features can land in the tile: the tile's bounds in the basemap's CRS, with a margin
    /// (a share of the tile: the MVT buffer), brought back to WGS84 (plus the GCJ/BD offsets). Feeds the GiST index.
    /// </summary>
    private static Geometry SearchBox(TileAddress t, CoordinateSystem crs, double margin)
    {
        var (w, s, e, n) = t.Bounds(margin);
        var box = GeoJson.Factory.ToGeometry(new Envelope(w, e, s, n));
        if (crs == CoordinateSystem.Wgs84) return box;
        // The offsets are under 0.01° in China; widen by that much rather than reshape the box.
        var back = ChineseCrs.Convert(box, crs, inverse: true).EnvelopeInternal;
        back.ExpandBy(0.01);
        return GeoJson.Factory.ToGeometry(back);
    }

    /// <summary>
    /// The extent of the data, every zone (the district among them) and every project, computed by PostGIS from the
    /// GiST-indexed envelopes (ST_Extent), not by reading every geometry into .NET.
    /// </summary>
    public static async Task<Envelope> ExtentAsync(GeoProjectsDb db, CancellationToken ct)
    {
        var box = await db.Database.SqlQueryRaw<ExtentRow>("""
            SELECT ST_XMin(e) AS min_x, ST_YMin(e) AS min_y, ST_XMax(e) AS max_x, ST_YMax(e) AS max_y -- snake case, as the model maps names
            FROM (SELECT ST_Extent(g) AS e FROM (SELECT ST_Extent(boundary)::geometry AS g FROM zones
                                                 UNION ALL SELECT ST_Extent(location)::geometry FROM projects) x) y
            """).SingleAsync(ct);
        return box.MinX is { } minX ? new Envelope(minX, box.MaxX!.Value, box.MinY!.Value, box.MaxY!.Value) : new Envelope(-180, 180, -85, 85);
    }

    /// <summary>TileJSON's description of a layer's attributes, from the registry (enum values as the tiles spell them).</summary>
    public static Dictionary<string, string> TileFields(IEntityFields entity) => FlatSql.Properties(entity, Door.VectorTiles).ToDictionary(
        f => f.TileAttribute!,
        f => f.Kind switch
        {
            ValueKind.Key => $"Number: {entity.TypeName} key, also the feature id (the GraphQL ID is base64 of \"{entity.TypeName}:<id>\")",
            ValueKind.Enum => $"String: {f.Description} ({string.Join(", ", Enum.GetNames(f.ValueType).Select(EnumNames.ToGraphQL))})",
            ValueKind.Integer or ValueKind.Decimal => $"Number: {f.Description}",
            ValueKind.Boolean => $"Boolean: {f.Description}",
            _ => $"String: {f.Description}",
        });

    /// <summary>TileJSON's description of the cluster layer's attributes (the summed measure for whoever may read it).</summary>
    private static Dictionary<string, string> ClusterFields()
    {
        var fields = new Dictionary<string, string> { ["count"] = "Number: 项目数 projects in the cell" };
        if (MeasureShown) fields[Measure.TileAttribute!] = $"Number: {Measure.SumDescription}";
        fields["project_id"] = "Number: the project's key when the cluster holds one project";
        return fields;
    }

    private sealed record ExtentRow(double? MinX, double? MinY, double? MaxX, double? MaxY);

    private static async Task<IResult> TileJsonAsync(HttpContext http, string layer, TileOptions options)
    {
        try
        {
            // The parameters are passed on to every tile URL: check them here, as the tiles will.
            MapLayerRequest.Read(http, layer == "projects" ? ProjectSchema.Filter : ZoneSchema.Filter);
        }
        catch (QueryInputException e)
        {
            return MapLayerRequest.BadRequest(e);
        }
        var env = await ExtentAsync(http.RequestServices.GetRequiredService<GeoProjectsDb>(), http.RequestAborted);
        var query = http.Request.QueryString.HasValue ? http.Request.QueryString.Value : "";
        var origin = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
        static string F(double d) => d.ToString("0.######", CultureInfo.InvariantCulture);
        object[] layers = layer == "projects"
            ?
            [
                new { id = "projects", description = "重大项目 · Major projects (points), from the cluster zoom up", minzoom = options.ClusterBelowZoom,
                    maxzoom = TileAddress.MaxZoom, fields = TileFields(ProjectFields.Registry) },
                new { id = "clusters", description = "项目聚合 · Projects aggregated on a grid of 8×8 cells per tile: below the cluster zoom, "
                    + $"and in a tile that would hold more than {options.MaxFeatures} points", minzoom = 0,
                    maxzoom = TileAddress.MaxZoom,
                    fields = ClusterFields() },
            ]
            :
            [
                new { id = "zones", description = "功能区 · Zones (approximate boundaries)", minzoom = 0, maxzoom = TileAddress.MaxZoom, fields = TileFields(ZoneFields.Registry) },
            ];
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Json(new
        {
            tilejson = "3.0.0",
            name = layer == "projects" ? "GeoProjects 重大项目" : "GeoProjects 功能区",
            description = layer == "projects" ? "西海岸新区重大项目 · Major projects of 青岛西海岸新区" : "西海岸新区功能区 · Functional areas of 青岛西海岸新区 (approximate)",
            version = "1.0.0",
            attribution = "GeoProjects; boundaries approximate; most projects ILLUSTRATIVE",
            scheme = "xyz",
            tiles = new[] { $"{origin}/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt{query}" },
            minzoom = 0,
            maxzoom = TileAddress.MaxZoom,
            bounds = new[] { env.MinX, env.MinY, env.MaxX, env.MaxY }.Select(d => double.Parse(F(d), CultureInfo.InvariantCulture)),
            center = new object[] { double.Parse(F(env.Centre.X), CultureInfo.InvariantCulture), double.Parse(F(env.Centre.Y), CultureInfo.InvariantCulture), 9 },
            vector_layers = layers,
        });
    }
}
