using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsvHelper;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.Projects;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Import;

/// <summary>
/// Exports projects, filtered by the same `where` model as GraphQL, to GeoJSON, CSV, Shapefile or GeoPackage,
/// streaming row by row, in the columns the field registry gives to files, which import reads back (a round
/// trip gives the same records). CSV may carry the registry's Chinese headers (项目编码, 总投资(亿元) …).
/// </summary>
public sealed class ProjectExporter(GeoProjectsDb db)
{
    private static readonly EntityFields<Project> Registry = ProjectFields.Registry;

    /// <summary>The file columns, in registry order; the location is written as geometry (or lon/lat in CSV).</summary>
    public static readonly IReadOnlyList<RegistryField> FileColumns = Registry.In(Door.Files).Where(f => f.Kind != ValueKind.Geometry).ToList();

    /// <summary>This export's columns: the file columns its caller may read (an operator reads all).</summary>
    private IReadOnlyList<RegistryField> Columns { get; set; } = [];

    private static readonly RegistryField Location = FlatSql.Geometry(Registry, Door.Files);

    /// <summary>One exported project: its column values (numbers as decimals, the rest as text), and its WGS84 point.</summary>
    private sealed record Row(object?[] Values, double Lon, double Lat);

    /// <summary>Writes the projects <paramref name="where"/> selects; progress filters are evaluated for <paramref name="context"/>.</summary>
    public async Task<int> ExportAsync(
        string path, IDictionary<string, object?>? where, CoordinateSystem crs, Querying.QueryContext context, CancellationToken ct = default,
        bool chineseHeaders = false, Hosting.IWorkProgress? progress = null)
    {
        var query = ProjectQueries.Filtered(db, where, context).OrderBy(p => p.Code);
        Columns = FlatSql.Properties(Registry, Door.Files).ToList();
        var location = FlatSql.Column(Location);
        var sql = $"SELECT {string.Join(", ", Columns.Select(FileValue))}, ST_X({location}), ST_Y({location}) "
            + $"FROM q ORDER BY {FlatSql.Column(Registry.Find("code"))}";
        var rows = Rows(FlatSql.RowsAroundAsync(db, query, sql, ct), progress);
        if (chineseHeaders && !Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase))
            throw new ImportException("--headers is for CSV; Excel workbooks always carry the Chinese headers, GIS formats the field names");
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".geojson" or ".json" => await GeoJsonAsync(path, rows, crs, ct),
            ".csv" => await CsvAsync(path, rows, crs, chineseHeaders, ct),
            ".xlsx" => await XlsxAsync(path, rows, crs, ct),
            ".shp" => await ShapefileAsync(path, rows, Wgs84Only(crs, "Shapefile"), ct),
            ".zip" => await ZippedShapefileAsync(path, rows, Wgs84Only(crs, "Shapefile"), ct),
            ".gpkg" => await GeoPackageAsync(path, rows, Wgs84Only(crs, "GeoPackage"), ct),
            var other => throw new ImportException($"unsupported file type '{other}': use .geojson, .csv, .xlsx, .shp, .zip (a zipped Shapefile) or .gpkg"),
        };
    }

    /// <summary>A column's SQL: dates as yyyy-MM-dd text, enums in GraphQL's spelling, related values by their shown field.</summary>
    private static string FileValue(RegistryField f) => f.Kind is ValueKind.Date ? $"{FlatSql.Value(Registry, f)}::text" : FlatSql.Value(Registry, f);

    private static async IAsyncEnumerable<Row> Rows(IAsyncEnumerable<object?[]> values, Hosting.IWorkProgress? progress)
    {
        var count = 0;
        await foreach (var v in values)
        {
            if (++count % 1_000 == 0) progress?.Report("exporting", count);
            yield return new Row(v[..^2],
                Convert.ToDouble(v[^2], CultureInfo.InvariantCulture), Convert.ToDouble(v[^1], CultureInfo.InvariantCulture));
        }
    }

    private static bool IsNumber(RegistryField f) => f.Kind is ValueKind.Decimal or ValueKind.Integer;

    private static string? Text(object? value) => value switch
    {
        null => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private async Task<int> GeoJsonAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
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
            for (var i = 0; i < Columns.Count; i++)
            {
                var name = Columns[i].Name;
                if (r.Values[i] is null) w.WriteNull(name);
                else if (IsNumber(Columns[i])) w.WriteNumber(name, Convert.ToDecimal(r.Values[i], CultureInfo.InvariantCulture));
                else w.WriteString(name, Text(r.Values[i]));
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

    /// <summary>Shapefile column names (DBF allows 10 characters): the registry's short name where the field's is longer.</summary>
    public static string DbfName(RegistryField f) => f.DbfName ?? f.Name;

    private const string Wgs84Prj = "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

    private async Task<int> ShapefileAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        var options = new NetTopologySuite.IO.Esri.Shapefiles.Writers.ShapefileWriterOptions(NetTopologySuite.IO.Esri.ShapeType.Point)
        {
            Encoding = new UTF8Encoding(false),
            Projection = Wgs84Prj,
        };
        foreach (var column in Columns)
        {
            if (IsNumber(column)) options.AddField<double>(DbfName(column));
            else options.AddCharacterField(DbfName(column), 254);
        }
        var count = 0;
        var truncated = 0;
        using (var writer = NetTopologySuite.IO.Esri.Shapefile.OpenWrite(path, options))
        {
            await foreach (var r in rows.WithCancellation(ct))
            {
                for (var i = 0; i < Columns.Count; i++)
                {
                    var field = writer.Fields[DbfName(Columns[i])];
                    if (IsNumber(Columns[i]))
                        field.Value = r.Values[i] is null ? null : Convert.ToDouble(r.Values[i], CultureInfo.InvariantCulture);
                    else
                    {
                        // DBF text holds 254 bytes: longer values are cut at a character boundary, and counted.
                        var value = Text(r.Values[i]);
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

    private async Task<int> ZippedShapefileAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
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

    private async Task<int> GeoPackageAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        var names = Columns.Select(c => c.Name).ToList();
        using var connection = GeoPackageFile.Create(path, Columns.Select(c => (c.Name, IsNumber(c) ? "REAL" : "TEXT")).ToList());
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = $"INSERT INTO projects (geom, {string.Join(", ", names.Select(n => $"\"{n}\""))}) "
            + $"VALUES ($geom, {string.Join(", ", names.Select((_, i) => $"$p{i}"))})";
        var envelope = new NetTopologySuite.Geometries.Envelope();
        var count = 0;
        await foreach (var r in rows.WithCancellation(ct))
        {
            insert.Parameters.Clear();
            var point = GraphQL.GeoJson.Factory.CreatePoint(new NetTopologySuite.Geometries.Coordinate(r.Lon, r.Lat));
            envelope.ExpandToInclude(point.Coordinate);
            insert.Parameters.AddWithValue("$geom", GeoPackageFile.Blob(point));
            for (var i = 0; i < Columns.Count; i++)
            {
                object? v = r.Values[i] is null ? DBNull.Value
                    : IsNumber(Columns[i]) ? Convert.ToDouble(r.Values[i], CultureInfo.InvariantCulture) : Text(r.Values[i]);
                insert.Parameters.AddWithValue($"$p{i}", v ?? DBNull.Value);
            }
            insert.ExecuteNonQuery();
            count++;
        }
        tx.Commit();
        GeoPackageFile.SetExtent(connection, envelope);
        return count;
    }

    /// <summary>
    /// An Excel workbook (MiniExcel, streamed): one sheet 重大项目, the Chinese headers, amounts and coordinates as numbers,
    /// dates as yyyy-MM-dd text, so import reads back exactly what was written; made readable by GDAL as well (QGIS).
    /// </summary>
    private async Task<int> XlsxAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, CancellationToken ct)
    {
        var count = 0;
        IEnumerable<Dictionary<string, object?>> Sheet()
        {
            foreach (var r in rows.ToBlockingEnumerable(ct))
            {
                var sheetRow = new Dictionary<string, object?>();
                for (var i = 0; i < Columns.Count; i++)
                    sheetRow[Columns[i].Header ?? Columns[i].Name] = r.Values[i] switch { null => null, Enum e => e.ToString(), var v => v };
                var (lon, lat) = ChineseCrs.FromWgs84(crs, r.Lon, r.Lat);
                sheetRow["经度"] = lon;
                sheetRow["纬度"] = lat;
                count++;
                yield return sheetRow;
            }
        }
        if (File.Exists(path)) File.Delete(path);
        await MiniExcelLibs.MiniExcel.SaveAsAsync(path, Sheet(), sheetName: "重大项目", cancellationToken: ct);
        WorkbookForGis.Rewrite(path);
        return count;
    }

    private async Task<int> CsvAsync(string path, IAsyncEnumerable<Row> rows, CoordinateSystem crs, bool chineseHeaders, CancellationToken ct)
    {
        // UTF-8 with a BOM, so spreadsheet programs read 中文 right.
        await using var text = new StreamWriter(path, false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        await using var csv = new CsvWriter(text, CultureInfo.InvariantCulture);
        var header = Columns.Select(c => chineseHeaders ? c.Header ?? c.Name : c.Name).Concat(chineseHeaders ? ["经度", "纬度"] : ["lon", "lat"]);
        foreach (var h in header) csv.WriteField(h);
        await csv.NextRecordAsync();
        var count = 0;
        await foreach (var r in rows.WithCancellation(ct))
        {
            foreach (var value in r.Values) csv.WriteField(Text(value));
            var (lon, lat) = ChineseCrs.FromWgs84(crs, r.Lon, r.Lat);
            csv.WriteField(lon.ToString("R", CultureInfo.InvariantCulture));
            csv.WriteField(lat.ToString("R", CultureInfo.InvariantCulture));
            await csv.NextRecordAsync();
            count++;
        }
        return count;
    }
}
