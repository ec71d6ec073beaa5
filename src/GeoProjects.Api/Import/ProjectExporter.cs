using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsvHelper;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Data;
using GeoProjects.Api.Projects;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Import;

/// <summary>
/// Exports projects, filtered by the same `where` model as GraphQL, to GeoJSON or CSV, streaming row by row, in
/// the columns import reads back (a round trip gives the same records).
/// </summary>
public sealed class ProjectExporter(GeoProjectsDb db)
{
    private sealed record Row(
        string Code, string Name, string? NameEn, Sector Sector, string? IndustryChain, ProjectStatus Status, decimal TotalInvestment,
        decimal? AnnualPlannedInvestment, decimal? CompletedInvestment, decimal? LandAreaMu, string? Developer, DateOnly? StartDate,
        string? Batch, string? Zone, DataSource DataSource, string SourceNote, double Lon, double Lat);

    /// <summary>Writes the projects <paramref name="where"/> selects; progress filters are evaluated for <paramref name="context"/>.</summary>
    public async Task<int> ExportAsync(
        string path, IDictionary<string, object?>? where, CoordinateSystem crs, Querying.QueryContext context, CancellationToken ct = default)
    {
        var rows = ProjectQueries.Filtered(db, where, context).OrderBy(p => p.Code)
            .Select(p => new Row(p.Code, p.Name, p.NameEn, p.Sector, p.IndustryChain, p.Status, p.TotalInvestment, p.AnnualPlannedInvestment,
                p.CompletedInvestment, p.LandAreaMu, p.Developer, p.StartDate, p.Batch!.Name, p.Zone!.Code, p.DataSource, p.SourceNote, p.Location.X, p.Location.Y))
            .AsAsyncEnumerable();
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".geojson" or ".json" => await GeoJsonAsync(path, rows, crs, ct),
            ".csv" => await CsvAsync(path, rows, crs, ct),
            ".shp" => await ShapefileAsync(path, rows, Wgs84Only(crs, "Shapefile"), ct),
            ".zip" => await ZippedShapefileAsync(path, rows, Wgs84Only(crs, "Shapefile"), ct),
            ".gpkg" => await GeoPackageAsync(path, rows, Wgs84Only(crs, "GeoPackage"), ct),
            var other => throw new ImportException($"unsupported file type '{other}': use .geojson, .csv, .shp, .zip (a zipped Shapefile) or .gpkg"),
        };
    }

    private static string Enum(object value) => EnumNames.ToGraphQL(value.ToString()!);
    private static string? Number(decimal? d) => d?.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<(string Name, string? Value)> Fields(Row r) =>
    [
        ("code", r.Code), ("name", r.Name), ("nameEn", r.NameEn), ("sector", Enum(r.Sector)), ("industryChain", r.IndustryChain), ("status", Enum(r.Status)),
        ("totalInvestment", Number(r.TotalInvestment)), ("annualPlannedInvestment", Number(r.AnnualPlannedInvestment)),
        ("completedInvestment", Number(r.CompletedInvestment)), ("landAreaMu", Number(r.LandAreaMu)), ("developer", r.Developer),
        ("startDate", r.StartDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), ("batch", r.Batch), ("zone", r.Zone),
        ("dataSource", Enum(r.DataSource)), ("sourceNote", r.SourceNote),
    ];

    private static async Task<int> GeoJsonAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        await using var file = File.Create(path);
        await using var w = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("type", "FeatureCollection");
        w.WriteString("coordinateSystem", crs.ToString().ToUpperInvariant()); // read back by import
        w.WriteStartArray("features");
        var count = 0;
        await foreach (var r in rows.WithCancellation(ct))
        {
            w.WriteStartObject();
            w.WriteString("type", "Feature");
            w.WriteStartObject("properties");
            foreach (var (name, value) in Fields(r))
            {
                if (value is null) w.WriteNull(name);
                else if (name is "totalInvestment" or "annualPlannedInvestment" or "completedInvestment" or "landAreaMu") w.WriteNumber(name, decimal.Parse(value, CultureInfo.InvariantCulture));
                else w.WriteString(name, value);
            }
            w.WriteEndObject();
            var (lon, lat) = ChineseCrs.FromWgs84(crs, r.Lon, r.Lat);
            w.WriteStartObject("geometry");
            w.WriteString("type", "Point");
            w.WriteStartArray("coordinates");
            w.WriteNumberValue(lon);
            w.WriteNumberValue(lat);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            if (++count % 1000 == 0) await w.FlushAsync(ct);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        return count;
    }

    // A .prj or GeoPackage srs can say WGS84 but not GCJ-02/BD-09 (no EPSG code): those formats are exported in WGS84.
    private static CoordinateSystem Wgs84Only(CoordinateSystem crs, string format) => crs == CoordinateSystem.Wgs84 ? crs
        : throw new ImportException($"{format} exports are in WGS84 (its CRS metadata cannot name {crs.ToString().ToUpperInvariant()}); use .geojson or .csv for GCJ02/BD09");

    /// <summary>Shapefile column names (DBF allows 10 characters); db/import-mapping.json maps them back.</summary>
    private static readonly Dictionary<string, string> DbfNames = new()
    {
        ["nameEn"] = "name_en", ["industryChain"] = "chain", ["totalInvestment"] = "total_inv", ["annualPlannedInvestment"] = "annual_inv",
        ["completedInvestment"] = "done_inv", ["landAreaMu"] = "land_mu", ["startDate"] = "start_date", ["dataSource"] = "data_src", ["sourceNote"] = "src_note",
    };

    private const string Wgs84Prj = "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

    private static async Task<int> ShapefileAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        var options = new NetTopologySuite.IO.Esri.Shapefiles.Writers.ShapefileWriterOptions(NetTopologySuite.IO.Esri.ShapeType.Point)
        {
            Encoding = new UTF8Encoding(false),
            Projection = Wgs84Prj,
        };
        foreach (var (name, _) in Fields(Empty))
        {
            var dbf = DbfNames.GetValueOrDefault(name, name);
            if (name is "totalInvestment" or "annualPlannedInvestment" or "completedInvestment" or "landAreaMu") options.AddField<double>(dbf);
            else options.AddCharacterField(dbf, 254);
        }
        var count = 0;
        var truncated = 0;
        using (var writer = NetTopologySuite.IO.Esri.Shapefile.OpenWrite(path, options))
        {
            await foreach (var r in rows.WithCancellation(ct))
            {
                foreach (var (name, value) in Fields(r))
                {
                    var field = writer.Fields[DbfNames.GetValueOrDefault(name, name)];
                    if (name is "totalInvestment" or "annualPlannedInvestment" or "completedInvestment" or "landAreaMu")
                        field.Value = value is null ? null : double.Parse(value, CultureInfo.InvariantCulture);
                    else
                    {
                        // DBF text holds 254 bytes: longer values are cut at a character boundary, and counted.
                        var text = value;
                        while (text is not null && Encoding.UTF8.GetByteCount(text) > 254) text = text[..^1];
                        if (text != value) truncated++;
                        field.Value = text;
                    }
                }
                writer.Geometry = GraphQL.GeoJson.Factory.CreatePoint(new NetTopologySuite.Geometries.Coordinate(r.Lon, r.Lat));
                writer.Write();
                count++;
            }
        }
        await File.WriteAllTextAsync(Path.ChangeExtension(path, ".cpg"), "UTF-8", ct);
        if (truncated > 0) Console.Error.WriteLine($"warning: {truncated} text values longer than the 254 bytes a Shapefile holds were shortened");
        return count;
    }

    private static async Task<int> ZippedShapefileAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("geoprojects-shp-").FullName;
        try
        {
            var count = await ShapefileAsync(Path.Combine(folder, "projects.shp"), rows, crs, ct);
            if (File.Exists(path)) File.Delete(path);
            System.IO.Compression.ZipFile.CreateFromDirectory(folder, path);
            return count;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> GeoPackageAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        var names = Fields(Empty).Select(f => f.Name).ToList();
        var columns = names.Select(n => (n, n is "totalInvestment" or "annualPlannedInvestment" or "completedInvestment" or "landAreaMu" ? "REAL" : "TEXT")).ToList();
        using var connection = GeoPackageFile.Create(path, columns);
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = $"INSERT INTO projects (geom, {string.Join(", ", names.Select(n => $"\"{n}\""))}) VALUES ($geom, {string.Join(", ", names.Select((_, i) => $"$p{i}"))})";
        var envelope = new NetTopologySuite.Geometries.Envelope();
        var count = 0;
        await foreach (var r in rows.WithCancellation(ct))
        {
            insert.Parameters.Clear();
            var point = GraphQL.GeoJson.Factory.CreatePoint(new NetTopologySuite.Geometries.Coordinate(r.Lon, r.Lat));
            envelope.ExpandToInclude(point.Coordinate);
            insert.Parameters.AddWithValue("$geom", GeoPackageFile.Blob(point));
            var i = 0;
            foreach (var (name, value) in Fields(r))
            {
                object? v = value is null ? DBNull.Value
                    : name is "totalInvestment" or "annualPlannedInvestment" or "completedInvestment" or "landAreaMu" ? double.Parse(value, CultureInfo.InvariantCulture) : value;
                insert.Parameters.AddWithValue($"$p{i++}", v ?? DBNull.Value);
            }
            insert.ExecuteNonQuery();
            count++;
        }
        tx.Commit();
        GeoPackageFile.SetExtent(connection, envelope);
        return count;
    }

    private static readonly Row Empty = new("", "", null, default, null, default, 0, null, null, null, null, null, null, null, default, "", 0, 0);

    private static async Task<int> CsvAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        // UTF-8 with a BOM, so spreadsheet programs read 中文 right.
        await using var text = new StreamWriter(path, false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        await using var csv = new CsvWriter(text, CultureInfo.InvariantCulture);
        var header = Fields(Empty).Select(f => f.Name).Append("lon").Append("lat");
        foreach (var h in header) csv.WriteField(h);
        await csv.NextRecordAsync();
        var count = 0;
        await foreach (var r in rows.WithCancellation(ct))
        {
            foreach (var (_, value) in Fields(r)) csv.WriteField(value);
            var (lon, lat) = ChineseCrs.FromWgs84(crs, r.Lon, r.Lat);
            csv.WriteField(lon.ToString("R", CultureInfo.InvariantCulture));
            csv.WriteField(lat.ToString("R", CultureInfo.InvariantCulture));
            await csv.NextRecordAsync();
            count++;
        }
        return count;
    }
}
