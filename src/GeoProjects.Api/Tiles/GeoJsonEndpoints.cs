using GeoProjects.Api.Hosting;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Tiles;

/// <summary>RFC 7946 FeatureCollections built in PostGIS (ST_AsGeoJSON), with the GraphQL filter model and a limit cap.</summary>
public static class GeoJsonEndpoints
{
    public const string MediaType = "application/geo+json";

    public static IEndpointRouteBuilder MapGeoProjectsGeoJson(this IEndpointRouteBuilder app)
    {
        app.MapGet("/geojson/projects", ProjectsAsync).RequireCors(CorsSetup.PublicRead);
        app.MapGet("/geojson/zones", ZonesAsync).RequireCors(CorsSetup.PublicRead);
        return app;
    }

    private static Task<IResult> ProjectsAsync(HttpContext http, GeoProjectsDb db, IOptions<TileOptions> options) =>
        FeatureCollectionAsync(http, db, options.Value, ProjectFields.Registry,
            (request, limit) => ProjectQueries.Filtered(db, request.Where, request.Context).OrderBy(p => p.Id).Take(limit));

    private static Task<IResult> ZonesAsync(HttpContext http, GeoProjectsDb db, IOptions<TileOptions> options) =>
        FeatureCollectionAsync(http, db, options.Value, ZoneFields.Registry,
            (request, limit) => db.Zones.Filter(ZoneSchema.Filter, request.Where).OrderBy(z => z.Id).Take(limit));

    /// <summary>A FeatureCollection of the entity's features, with the properties the registry gives to GeoJSON.</summary>
    private static async Task<IResult> FeatureCollectionAsync(
        HttpContext http, GeoProjectsDb db, TileOptions options, IEntityFields entity, Func<MapLayerRequest, int, IQueryable> query)
    {
        try
        {
            var request = MapLayerRequest.Read(http, entity.Filter, "limit");
            var limit = options.GeoJsonDefaultLimit;
            if (http.Request.Query["limit"].FirstOrDefault() is { } text && (!int.TryParse(text, out limit) || limit < 1 || limit > options.GeoJsonMaxLimit))
                throw new QueryInputException("INVALID_LIMIT", $"limit must be an integer from 1 to {options.GeoJsonMaxLimit}");
            if (await request.CheckETagAsync(http, db, "public, max-age=0, must-revalidate") is null) return Results.Empty;
            var key = $"q.{FlatSql.Quote(entity.KeyColumn)}";
            var geometry = request.InCrs(FlatSql.Column(FlatSql.Geometry(entity, Door.GeoJsonLayer)), "geojson_crs");
            var sql = $$"""
                SELECT json_build_object(
                  'type', 'FeatureCollection',
                  'coordinateSystem', @geojson_crs,
                  'features', coalesce(json_agg(json_build_object(
                    'type', 'Feature', 'id', {{key}},
                    'geometry', ST_AsGeoJSON({{geometry}}, 7)::json,
                    'properties', json_build_object({{FlatSql.JsonProperties(entity, FlatSql.Properties(entity, Door.GeoJsonLayer))}})) ORDER BY {{key}}), '[]'::json))::text
                FROM q
                """;
            var json = (string?)await FlatSql.ScalarAroundAsync(db, query(request, limit), sql,
                new Dictionary<string, object>(ProgressFigures.Parameters(request.Context)) { ["geojson_crs"] = request.CrsName }, http.RequestAborted);
            return Results.Text(json ?? """{"type":"FeatureCollection","features":[]}""", MediaType + "; charset=utf-8");
        }
        catch (QueryInputException e)
        {
            return MapLayerRequest.BadRequest(e);
        }
    }
}
