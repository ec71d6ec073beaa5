using System.ComponentModel;
using System.Reflection;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Tiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Map;

/// <summary>Section "Map" of the configuration: an optional basemap (none by default, so the map works offline).</summary>
public sealed class MapOptions
{
    /// <summary>An XYZ raster URL template, e.g. an AMap tile URL; empty for no basemap.</summary>
    public string BasemapUrl { get; set; } = "";
    /// <summary>The basemap's coordinate system: GCJ02 for AMap/Tencent, BD09 for Baidu, WGS84 otherwise.</summary>
    public CoordinateSystem BasemapCrs { get; set; } = CoordinateSystem.Wgs84;
    public string BasemapAttribution { get; set; } = "";
}

/// <summary>The web map at `/`: OpenLayers from its npm package (no CDN), our page, and its configuration.</summary>
public static class MapEndpoints
{
    public static IHostApplicationBuilder AddGeoProjectsWebMap(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<MapOptions>(builder.Configuration.GetSection("Map"));
        return builder;
    }

    public static WebApplication MapGeoProjectsWebMap(this WebApplication app)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "map");
        app.MapGet("/", () => File.Exists(Path.Combine(folder, "vendor", "ol.js"))
            ? Results.File(Path.Combine(folder, "index.html"), "text/html; charset=utf-8")
            : Results.Text("The web map is not installed: run ./run.sh (it runs npm ci in src/GeoProjects.Api/Map).", statusCode: 503));
        app.MapGet("/map/config.json", (IOptions<MapOptions> options, IOptions<TileOptions> tiles) =>
        {
            var o = options.Value;
            return Results.Json(new
            {
                basemap = string.IsNullOrWhiteSpace(o.BasemapUrl) ? null : new { url = o.BasemapUrl, crs = o.BasemapCrs.ToString().ToUpperInvariant(), attribution = o.BasemapAttribution },
                crs = o.BasemapCrs.ToString().ToUpperInvariant(),
                clusterBelowZoom = tiles.Value.ClusterBelowZoom,
                center = new[] { 119.98, 35.86 },
                zoom = 10,
                fields = PopupFields(),
                measure = new { field = ProjectFields.Registry.Measure.Name, tile = ProjectFields.Registry.Measure.TileAttribute },
            });
        });
        if (Directory.Exists(folder))
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder), RequestPath = "/map" });
        return app;
    }

    /// <summary>
    /// The project properties the map shows (the registry's GeoJSON properties, which its popup reads), with bilingual
    /// labels and enum values' labels from their descriptions: a field added to the registry shows up without a change here.
    /// </summary>
    private static object[] PopupFields() => FlatSql.Properties(ProjectFields.Registry, Door.GeoJsonLayer).Select(f => (object)new
    {
        name = f.Name,
        label = Label(f.Description),
        values = f.Kind == ValueKind.Enum
            ? Enum.GetNames(f.ValueType).ToDictionary(EnumNames.ToGraphQL,
                n => Label(f.ValueType.GetField(n)!.GetCustomAttribute<DescriptionAttribute>()?.Description ?? n))
            : null,
    }).ToArray();

    /// <summary>"项目名称 · Project name (Chinese)." → "项目名称 · Project name": the first sentence, no parenthesis or trailing period.</summary>
    private static string Label(string description)
    {
        var end = description.IndexOfAny(['(', ';', '.'], description.IndexOf(" · ", StringComparison.Ordinal) + 3);
        return (end > 0 ? description[..end] : description).TrimEnd(' ', '.', ',');
    }
}
