using GeoProjects.Api.Hosting;
using GeoProjects.Api.Data;
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
        FeatureCollectionAsync(http, db, options.Value, "ProjectFilterInput", (request, limit) =>
            ProjectQueries.Filtered(db, request.Where, request.Context).OrderBy(p => p.Id).Take(limit)
                .Select(p => new
                {
                    p.Id, p.Code, p.Name, p.NameEn, p.Sector, p.IndustryChain, p.Status, p.TotalInvestment, p.AnnualPlannedInvestment,
                    p.CompletedInvestment, p.LandAreaMu, p.StartDate, ZoneName = p.Zone!.Name, BatchName = p.Batch!.Name, p.DataSource, p.SourceNote, Geometry = p.Location,
                }),
            $$"""
            'code', q."Code", 'name', q."Name", 'nameEn', q."NameEn", 'sector', {{MapLayerRequest.EnumSql<Sector>("q.\"Sector\"")}}, 'industryChain', q."IndustryChain", 'status', {{MapLayerRequest.EnumSql<ProjectStatus>("q.\"Status\"")}},
            'totalInvestment', q."TotalInvestment", 'annualPlannedInvestment', q."AnnualPlannedInvestment", 'completedInvestment', q."CompletedInvestment",
            'landAreaMu', q."LandAreaMu", 'startDate', q."StartDate", 'zone', q."ZoneName", 'batch', q."BatchName", 'dataSource', {{MapLayerRequest.EnumSql<DataSource>("q.\"DataSource\"")}}, 'sourceNote', q."SourceNote"
            """);

    private static Task<IResult> ZonesAsync(HttpContext http, GeoProjectsDb db, IOptions<TileOptions> options) =>
        FeatureCollectionAsync(http, db, options.Value, "ZoneFilterInput", (request, limit) =>
            db.Zones.Filter(ZoneSchema.Filter, request.Where).OrderBy(z => z.Id).Take(limit)
                .Select(z => new { z.Id, z.Code, z.Name, z.NameEn, z.Kind, z.AreaKm2, z.IsApproximate, z.Confidence, z.SourceNote, Geometry = z.Boundary }),
            $$"""
            'code', q."Code", 'name', q."Name", 'nameEn', q."NameEn", 'kind', {{MapLayerRequest.EnumSql<ZoneKind>("q.\"Kind\"")}}, 'areaKm2', q."AreaKm2",
            'approximate', q."IsApproximate", 'confidence', {{MapLayerRequest.EnumSql<BoundaryConfidence>("q.\"Confidence\"")}}, 'sourceNote', q."SourceNote"
            """);

    private static async Task<IResult> FeatureCollectionAsync<T>(
        HttpContext http, GeoProjectsDb db, TileOptions options, string filterType, Func<MapLayerRequest, int, IQueryable<T>> query, string properties)
    {
        try
        {
            var request = await MapLayerRequest.ReadAsync(http, filterType);
            var limit = options.GeoJsonDefaultLimit;
            if (http.Request.Query["limit"].FirstOrDefault() is { } text && (!int.TryParse(text, out limit) || limit < 1 || limit > options.GeoJsonMaxLimit))
                throw new QueryInputException("INVALID_LIMIT", $"limit must be an integer from 1 to {options.GeoJsonMaxLimit}");
            if (await request.CheckETagAsync(http, db, "public, max-age=0, must-revalidate") is null) return Results.Empty;
            var sql = $$"""
                SELECT json_build_object(
                  'type', 'FeatureCollection',
                  'coordinateSystem', @geojson_crs,
                  'features', coalesce(json_agg(json_build_object(
                    'type', 'Feature', 'id', q."Id",
                    'geometry', ST_AsGeoJSON({{request.InCrs("q.\"Geometry\"", "geojson_crs")}}, 7)::json,
                    'properties', json_build_object({{properties}})) ORDER BY q."Id"), '[]'::json))::text
                FROM q
                """;
            var json = (string?)await MapLayerRequest.ScalarAroundAsync(db, query(request, limit), with => with + sql,
                new Dictionary<string, object> { ["geojson_crs"] = request.CrsName }, http.RequestAborted);
            return Results.Text(json ?? """{"type":"FeatureCollection","features":[]}""", MediaType + "; charset=utf-8");
        }
        catch (QueryInputException e)
        {
            return MapLayerRequest.BadRequest(e);
        }
    }
}
