using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using GeoProjects.Api.GraphQL;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GeoProjects.Api.Import;

/// <summary>One row of an input file: its number (line or feature), its fields by canonical name, its geometry.</summary>
public sealed record SourceRow(int Number, IReadOnlyDictionary<string, string?> Fields, Geometry? Geometry, string? GeometryError);

/// <summary>Streams rows from files without loading them whole.</summary>
public static class SourceRows
{
    public static IAsyncEnumerable<SourceRow> ReadAsync(string path, ImportMapping mapping, CancellationToken ct) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".geojson" or ".json" => GeoJsonAsync(path, mapping, ct),
            ".csv" => CsvAsync(path, mapping, ct),
            ".shp" or ".zip" => ShapefileAsync(path, mapping, ct),
            ".gpkg" => GeoPackageFile.ReadAsync(path, mapping, ct),
            ".xlsx" => XlsxAsync(path, mapping, ct),
            var other => throw new ImportException($"unsupported file type '{other}': use .geojson, .csv, .xlsx, .shp, .zip (a zipped Shapefile) or .gpkg"),
        };

    /// <summary>
    /// The coordinate system a file declares: a GeoJSON's top-level `coordinateSystem` (as our exports write it,
    /// when it comes before the features), a Shapefile's .prj, a GeoPackage's srs.
    /// </summary>
    public static async Task<string?> DeclaredCrsAsync(string path, CancellationToken ct)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".shp" or ".zip":
                using (var shp = OpenShapefile(path, out var temp))
                {
                    try { return CrsOfWkt(shp.Projection); }
                    finally { if (temp is not null) Directory.Delete(temp, recursive: true); }
                }
            case ".gpkg":
                return await GeoPackageFile.CrsAsync(path, ct);
            case not (".geojson" or ".json"):
                return null;
        }
        string? crs = null;
        await foreach (var _ in FeaturesAsync(path, c => crs = c, ct)) break;
        return crs;
    }

    private static async IAsyncEnumerable<SourceRow> GeoJsonAsync(string path, ImportMapping mapping, [EnumeratorCancellation] CancellationToken ct)
    {
        var number = 0;
        await foreach (var feature in FeaturesAsync(path, _ => { }, ct))
        {
            number++;
            var fields = new Dictionary<string, string?>();
            if (feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                foreach (var p in properties.EnumerateObject())
                    if (mapping.Field(p.Name) is { } name)
                        fields[name] = p.Value.ValueKind switch
                        {
                            JsonValueKind.Null or JsonValueKind.Undefined => null,
                            JsonValueKind.String => p.Value.GetString(),
                            _ => p.Value.GetRawText(),
                        };
            Geometry? geometry = null;
            string? error = null;
            if (feature.TryGetProperty("geometry", out var g) && g.ValueKind == JsonValueKind.Object)
            {
                try { geometry = g.Deserialize<Geometry>(GeoJson.Options); }
                catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NotSupportedException) { error = $"malformed geometry: {e.Message}"; }
            }
            yield return new SourceRow(number, fields, geometry, error);
        }
    }

    /// <summary>
    /// The features of a FeatureCollection, one JsonElement at a time, read with Utf8JsonReader over a growing
    /// buffer: memory holds one feature, not the file.
    /// </summary>
    private static async IAsyncEnumerable<JsonElement> FeaturesAsync(string path, Action<string> onCrs, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 16];
        var length = 0;
        var eof = false;
        var state = new JsonReaderState();
        var inFeatures = false;
        var done = false;
        while (!done)
        {
            if (!eof)
            {
                if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var read = await stream.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0) eof = true;
                length += read;
            }
            var features = new List<JsonElement>();
            var consumed = Scan(buffer.AsSpan(0, length), eof, ref state, ref inFeatures, ref done, features, onCrs);
            foreach (var f in features) yield return f;
            Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
            length -= consumed;
            if (eof && !done && consumed == 0 && features.Count == 0) throw new ImportException("the GeoJSON file ends in the middle of a value, or has no \"features\" array");
        }
    }

    private static int Scan(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, ref bool inFeatures, ref bool done, List<JsonElement> features, Action<string> onCrs)
    {
        var reader = new Utf8JsonReader(data, final, state);
        try
        {
            while (!done)
            {
                // Each step consumes whole tokens or values; when the data ends inside one, go back to `before`.
                var before = reader;
                if (!reader.Read()) { reader = before; break; }
                if (inFeatures)
                {
                    if (reader.TokenType == JsonTokenType.EndArray) { done = true; break; }
                    if (reader.TokenType != JsonTokenType.StartObject) throw new ImportException("\"features\" must hold objects");
                    if (!JsonDocument.TryParseValue(ref reader, out var document)) { reader = before; break; }
                    features.Add(document!.RootElement.Clone());
                    document.Dispose();
                }
                else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var name = reader.GetString();
                    if (!reader.Read()) { reader = before; break; }
                    if (name == "features")
                    {
                        if (reader.TokenType != JsonTokenType.StartArray) throw new ImportException("\"features\" must be an array");
                        inFeatures = true;
                    }
                    else if (name == "coordinateSystem" && reader.TokenType == JsonTokenType.String) onCrs(reader.GetString()!);
                    else if (!reader.TrySkip()) { reader = before; break; }
                }
            }
        }
        catch (JsonException e)
        {
            throw new ImportException($"the GeoJSON file is not valid JSON: {e.Message}");
        }
        state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    private static async IAsyncEnumerable<SourceRow> ShapefileAsync(string path, ImportMapping mapping, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = OpenShapefile(path, out var temp);
        try
        {
            var number = 0;
            while (reader.Read(out var deleted))
            {
                ct.ThrowIfCancellationRequested();
                number++;
                if (deleted) continue;
                var fields = new Dictionary<string, string?>();
                foreach (var field in reader.Fields)
                    if (mapping.Field(field.Name) is { } name)
                        fields[name] = field.Value switch
                        {
                            null => null,
                            string text => string.IsNullOrWhiteSpace(text) ? null : text.Trim(),
                            DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                            var other => other.ToString(),
                        };
                var geometry = reader.Geometry is { IsEmpty: false } g ? g : null;
                yield return new SourceRow(number, fields, geometry, geometry is null ? "the record has no geometry" : null);
                await Task.Yield();
            }
        }
        finally
        {
            reader.Dispose();
            if (temp is not null) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Opens a .shp, or the .shp inside a .zip (extracted to a temporary folder the caller deletes).</summary>
    private static NetTopologySuite.IO.Esri.Shapefiles.Readers.ShapefileReader OpenShapefile(string path, out string? temp)
    {
        temp = null;
        var shp = path;
        if (Path.GetExtension(path).Equals(".zip", StringComparison.OrdinalIgnoreCase))
        {
            temp = Directory.CreateTempSubdirectory("geoprojects-shp-").FullName;
            System.IO.Compression.ZipFile.ExtractToDirectory(path, temp);
            shp = Directory.GetFiles(temp, "*.shp", SearchOption.AllDirectories).FirstOrDefault()
                ?? throw new ImportException($"{Path.GetFileName(path)} holds no .shp file");
        }
        var options = new NetTopologySuite.IO.Esri.Shapefiles.Readers.ShapefileReaderOptions { Factory = GeoJson.Factory, Encoding = DbfEncoding(shp) };
        try
        {
            return NetTopologySuite.IO.Esri.Shapefile.OpenRead(shp, options);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new ImportException($"cannot read the Shapefile {Path.GetFileName(shp)}: {e.Message}");
        }
    }

    /// <summary>The DBF encoding from the .cpg (UTF-8, GBK/936, GB18030, …); null lets the reader use the DBF header.</summary>
    public static System.Text.Encoding? DbfEncoding(string shp)
    {
        var cpg = Path.ChangeExtension(shp, ".cpg");
        if (!File.Exists(cpg)) return null;
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance); // GBK and other code pages
        var name = File.ReadAllText(cpg).Trim();
        try
        {
            return name.ToUpperInvariant() switch
            {
                "936" or "CP936" or "GBK" or "GB2312" => System.Text.Encoding.GetEncoding(936),
                "UTF8" or "UTF-8" or "65001" => new System.Text.UTF8Encoding(false),
                _ when int.TryParse(name, out var page) => System.Text.Encoding.GetEncoding(page),
                _ => System.Text.Encoding.GetEncoding(name),
            };
        }
        catch (ArgumentException)
        {
            throw new ImportException($"{Path.GetFileName(cpg)} names an unknown encoding '{name}'");
        }
    }

    /// <summary>A coordinate system name from a .prj or OGC WKT: geographic WGS84 or CGCS2000; projected systems are refused.</summary>
    public static string? CrsOfWkt(string? wkt)
    {
        if (string.IsNullOrWhiteSpace(wkt)) return null;
        if (wkt.TrimStart().StartsWith("PROJCS", StringComparison.OrdinalIgnoreCase) || wkt.TrimStart().StartsWith("PROJCRS", StringComparison.OrdinalIgnoreCase))
            throw new ImportException("the file is in a projected coordinate system; reproject it to WGS84 or CGCS2000 longitude/latitude first");
        if (wkt.Contains("2000", StringComparison.Ordinal) && (wkt.Contains("CGCS", StringComparison.OrdinalIgnoreCase) || wkt.Contains("China", StringComparison.OrdinalIgnoreCase))) return "CGCS2000";
        if (wkt.Contains("WGS", StringComparison.OrdinalIgnoreCase) && wkt.Contains("84", StringComparison.Ordinal)) return "WGS84";
        throw new ImportException($"the coordinate system in the file is not WGS84 or CGCS2000: {wkt[..Math.Min(60, wkt.Length)]}…; give --crs if you know it");
    }

    private static async IAsyncEnumerable<SourceRow> CsvAsync(string path, ImportMapping mapping, [EnumeratorCancellation] CancellationToken ct)
    {
        using var text = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        using var csv = new CsvReader(text, new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim, BadDataFound = null });
        if (!await csv.ReadAsync() || !csv.ReadHeader()) yield break;
        var headers = csv.HeaderRecord!.Select(h => mapping.Field(h)).ToArray();
        while (await csv.ReadAsync())
        {
            ct.ThrowIfCancellationRequested();
            var fields = new Dictionary<string, string?>();
            for (var i = 0; i < headers.Length; i++)
                if (headers[i] is { } name)
                    fields[name] = csv.GetField(i) is { Length: > 0 } value ? value : null;
            var (geometry, error) = GeometryOf(fields);
            // The line in the file: the header is line 1.
            yield return new SourceRow(csv.Parser.Row, fields, geometry, error);
        }
    }

    /// <summary>A table row's location: a `wkt` column, or `lon`/`lat` (经度/纬度) columns.</summary>
    private static (Geometry? Geometry, string? Error) GeometryOf(Dictionary<string, string?> fields)
    {
        var lon = fields.GetValueOrDefault("lon");
        var lat = fields.GetValueOrDefault("lat");
        if (fields.GetValueOrDefault("wkt") is { } wkt)
        {
            try { return (new WKTReader(GeoJson.Factory.GeometryServices).Read(wkt), null); }
            catch (Exception e) when (e is ParseException or ArgumentException) { return (null, $"malformed WKT: {e.Message}"); }
        }
        if (lon is null && lat is null) return (null, null);
        return double.TryParse(lon, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            && double.TryParse(lat, NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
            ? (GeoJson.Factory.CreatePoint(new Coordinate(x, y)), null)
            : (null, $"lon/lat '{lon}', '{lat}' are not numbers");
    }

    /// <summary>
    /// The first sheet of an Excel workbook, streamed by MiniExcel: the header row names the columns (Chinese headers as
    /// in CSV), each row after it is a record, numbered as the sheet numbers it (the header is row 1).
    /// </summary>
    private static async IAsyncEnumerable<SourceRow> XlsxAsync(string path, ImportMapping mapping, [EnumeratorCancellation] CancellationToken ct)
    {
        IEnumerable<IDictionary<string, object?>> rows;
        try
        {
            rows = MiniExcelLibs.MiniExcel.Query(path, useHeaderRow: true).Cast<IDictionary<string, object?>>();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Xml.XmlException or NotSupportedException)
        {
            throw new ImportException($"cannot read the workbook {Path.GetFileName(path)}: {e.Message}");
        }
        var number = 1;
        foreach (var row in rows)
        {
            ct.ThrowIfCancellationRequested();
            number++;
            var fields = new Dictionary<string, string?>();
            foreach (var (header, value) in row)
                if (mapping.Field(header) is { } name)
                    fields[name] = value switch
                    {
                        null => null,
                        string s => string.IsNullOrWhiteSpace(s) ? null : s.Trim(),
                        DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                        double d => d.ToString("R", CultureInfo.InvariantCulture),
                        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                        var other => other.ToString(),
                    };
            if (fields.Values.All(v => v is null)) continue; // an empty row at the end of a sheet
            var (geometry, error) = GeometryOf(fields);
            yield return new SourceRow(number, fields, geometry, error);
            await Task.Yield();
        }
    }
}

public sealed class ImportException(string message) : Exception(message);

