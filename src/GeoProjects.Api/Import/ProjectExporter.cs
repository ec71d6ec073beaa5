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

    public async Task<int> ExportAsync(string path, IDictionary<string, object?>? where, CoordinateSystem crs, CancellationToken ct = default)
    {
        var rows = ProjectQueries.Filtered(db, where).OrderBy(p => p.Code)
            .Select(p => new Row(p.Code, p.Name, p.NameEn, p.Sector, p.IndustryChain, p.Status, p.TotalInvestment, p.AnnualPlannedInvestment,
                p.CompletedInvestment, p.LandAreaMu, p.Developer, p.StartDate, p.Batch!.Name, p.Zone!.Code, p.DataSource, p.SourceNote, p.Location.X, p.Location.Y))
            .AsAsyncEnumerable();
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".geojson" or ".json" => await GeoJsonAsync(path, rows, crs, ct),
            ".csv" => await CsvAsync(path, rows, crs, ct),
            var other => throw new ImportException($"unsupported file type '{other}': use .geojson or .csv (Shapefile and GeoPackage are not supported yet)"),
        };
    }

    private static string Enum(object value) => string.Concat(value.ToString()!.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
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

    private static async Task<int> CsvAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        // UTF-8 with a BOM, so spreadsheet programs read 中文 right.
        await using var text = new StreamWriter(path, false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        await using var csv = new CsvWriter(text, CultureInfo.InvariantCulture);
        var header = Fields(new Row("", "", null, default, null, default, 0, null, null, null, null, null, null, null, default, "", 0, 0)).Select(f => f.Name).Append("lon").Append("lat");
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
