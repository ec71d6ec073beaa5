using System.Globalization;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;
using Npgsql;
using NpgsqlTypes;

namespace GeoProjects.Api.Import;

public sealed record ImportOptions(string? Crs = null, string? MappingFile = null, TextWriter? Progress = null);

public sealed record RowError(int Row, string Reason);

public sealed record ImportResult(int Rows, int Inserted, int Updated, IReadOnlyList<RowError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Imports projects from GeoJSON or CSV: every row is validated first (streaming); with any bad row nothing is
/// written and every bad row is reported. Then one transaction upserts by code in batches; a killed import
/// leaves the database as it was. Zones not given are assigned by the database's spatial join.
/// </summary>
public sealed class ProjectImporter(GeoProjectsDb db)
{
    private const int BatchSize = 1000;
    // coordtransform's box for China; a project outside it is a data error here.
    private static readonly Envelope China = new(73.66, 135.05, 3.86, 53.55);

    public async Task<ImportResult> ImportAsync(string path, ImportOptions options, CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new ImportException($"no file '{path}'");
        var mapping = new ImportMapping(options.MappingFile ?? DefaultMappingFile());
        var crs = ParseCrs(options.Crs ?? await SourceRows.DeclaredCrsAsync(path, ct));
        var zones = await db.Zones.AsNoTracking().Select(z => new { z.Id, z.Code, z.Name }).ToListAsync(ct);
        var zoneIds = zones.SelectMany(z => new[] { (Key: z.Code, z.Id), (Key: z.Name, z.Id) }).GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.First().Id);
        var batches = await db.Batches.AsNoTracking().ToDictionaryAsync(b => b.Name, b => b.Id, ct);
        var existing = (await db.Projects.AsNoTracking().Select(p => p.Code).ToListAsync(ct)).ToHashSet();
        var fallbackNote = $"Imported from {Path.GetFileName(path)} on {DateTime.UtcNow:yyyy-MM-dd}";

        // Pass 1: validate every row, keeping only codes (not rows) in memory.
        var errors = new List<RowError>();
        var codes = new HashSet<string>();
        var rows = 0;
        await foreach (var row in SourceRows.ReadAsync(path, mapping, ct))
        {
            rows++;
            var (_, rowErrors) = Validate(row, mapping, crs, zoneIds, batches, fallbackNote);
            errors.AddRange(rowErrors.Select(e => new RowError(row.Number, e)));
            if (row.Fields.GetValueOrDefault("code") is { } code && !codes.Add(code.Trim()))
                errors.Add(new RowError(row.Number, $"code '{code}' appears twice in the file"));
            if (rows % 10_000 == 0) options.Progress?.WriteLine($"validated {rows} rows");
        }
        if (errors.Count > 0) return new ImportResult(rows, 0, 0, errors);

        // Pass 2: read again and write, all in one transaction.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var tx = await connection.BeginTransactionAsync(ct);
            var batch = new List<ValidProject>(BatchSize);
            var written = 0;
            await foreach (var row in SourceRows.ReadAsync(path, mapping, ct))
            {
                batch.Add(Validate(row, mapping, crs, zoneIds, batches, fallbackNote).Project!);
                if (batch.Count == BatchSize)
                {
                    await UpsertAsync(connection, tx, batch, ct);
                    written += batch.Count;
                    batch.Clear();
                    if (written % 10_000 == 0 || written == BatchSize) options.Progress?.WriteLine($"wrote {written} of {rows} rows");
                }
            }
            await UpsertAsync(connection, tx, batch, ct);
            await tx.CommitAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        var updated = codes.Count(existing.Contains);
        return new ImportResult(rows, rows - updated, updated, []);
    }

    private static string? DefaultMappingFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "db", "import-mapping.json"))) return Path.Combine(dir.FullName, "db", "import-mapping.json");
        return null;
    }

    /// <summary>WGS84, CGCS2000 (EPSG:4490, within decimetres of WGS84 here, so taken as is), GCJ02, BD09.</summary>
    public static CoordinateSystem ParseCrs(string? crs) => crs?.Replace("-", "").Replace("_", "").ToUpperInvariant() switch
    {
        null or "" or "WGS84" or "EPSG:4326" or "4326" or "CRS84" or "CGCS2000" or "EPSG:4490" or "4490" => CoordinateSystem.Wgs84,
        "GCJ02" => CoordinateSystem.Gcj02,
        "BD09" => CoordinateSystem.Bd09,
        _ => throw new ImportException($"input crs '{crs}' is not supported: use WGS84, CGCS2000, GCJ02 or BD09"),
    };

    private sealed record ValidProject(
        string Code, string Name, string? NameEn, string Sector, string? IndustryChain, string Status, decimal Total, decimal? Annual, decimal? Completed,
        decimal? LandMu, string? Developer, DateOnly? StartDate, int? BatchId, int? ZoneId, double Lon, double Lat, string DataSource, string SourceNote);

    private static (ValidProject? Project, List<string> Errors) Validate(
        SourceRow row, ImportMapping mapping, CoordinateSystem crs, Dictionary<string, int> zones, Dictionary<string, int> batches, string fallbackNote)
    {
        var errors = new List<string>();
        string? Text(string field, int max, bool required)
        {
            var v = row.Fields.GetValueOrDefault(field)?.Trim();
            if (string.IsNullOrEmpty(v)) { if (required) errors.Add($"{field} is required"); return null; }
            if (v.Length > max) errors.Add($"{field} is longer than {max} characters");
            return v;
        }
        decimal? Number(string field, bool required)
        {
            var v = row.Fields.GetValueOrDefault(field)?.Trim();
            if (string.IsNullOrEmpty(v)) { if (required) errors.Add($"{field} is required"); return null; }
            if (!decimal.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) { errors.Add($"{field} '{v}' is not a number"); return null; }
            if (d < 0) errors.Add($"{field} {v} must be ≥ 0");
            return d;
        }
        string? Enum<TEnum>(string field, bool required, string? fallback = null) where TEnum : struct, System.Enum
        {
            var v = row.Fields.GetValueOrDefault(field)?.Trim();
            if (string.IsNullOrEmpty(v)) { if (required && fallback is null) errors.Add($"{field} is required"); return fallback; }
            var name = mapping.Value(field, v);
            if (!System.Enum.TryParse<TEnum>(name.Replace("_", ""), ignoreCase: true, out var value) || !System.Enum.IsDefined(value))
            {
                errors.Add($"{field} '{v}' is not one of {string.Join(", ", EnumNames.Of<TEnum>())} (or a Chinese name from the mapping file)");
                return null;
            }
            return value.ToString();
        }

        var code = Text("code", 32, true);
        var name = Text("name", 200, true);
        var nameEn = Text("nameEn", 300, false);
        var sector = Enum<Sector>("sector", true);
        var chain = Text("industryChain", 50, false);
        var status = Enum<ProjectStatus>("status", true);
        var total = Number("totalInvestment", true);
        var annual = Number("annualPlannedInvestment", false);
        var completed = Number("completedInvestment", false);
        var land = Number("landAreaMu", false);
        var developer = Text("developer", 200, false);
        var source = Enum<DataSource>("dataSource", false, nameof(DataSource.Published));
        var note = Text("sourceNote", 4000, false) ?? fallbackNote;
        DateOnly? start = null;
        if (Text("startDate", 20, false) is { } s)
        {
            if (DateOnly.TryParseExact(s, ["yyyy-MM-dd", "yyyy/M/d", "yyyy.M.d", "yyyyMMdd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) start = d;
            else errors.Add($"startDate '{s}' is not a date (yyyy-MM-dd)");
        }
        int? batchId = null;
        if (Text("batch", 200, false) is { } b)
        {
            if (batches.TryGetValue(b, out var id)) batchId = id;
            else errors.Add($"batch '{b}' does not exist");
        }
        int? zoneId = null;
        if (Text("zone", 100, false) is { } z)
        {
            if (zones.TryGetValue(z, out var id)) zoneId = id;
            else errors.Add($"zone '{z}' is not a zone code or name");
        }

        double lon = 0, lat = 0;
        if (row.GeometryError is { } ge) errors.Add(ge);
        else if (row.Geometry is null) errors.Add("location is required (a Point geometry, lon/lat columns or WKT)");
        else if (row.Geometry is not Point point) errors.Add($"location must be a Point, not a {row.Geometry.GeometryType}");
        else if (!new IsValidOp(point).IsValid || double.IsNaN(point.X)) errors.Add("location is not a valid point");
        else
        {
            (lon, lat) = ChineseCrs.ToWgs84(crs, point.X, point.Y);
            if (!China.Contains(lon, lat)) errors.Add($"location ({point.X}, {point.Y}) is outside China's extent (73.66–135.05 E, 3.86–53.55 N)");
        }
        if (errors.Count > 0) return (null, errors);
        return (new ValidProject(code!, name!, nameEn, sector!, chain, status!, total!.Value, annual, completed, land, developer, start, batchId, zoneId,
            Math.Round(lon, 9), Math.Round(lat, 9), source!, note), errors);
    }

    private static async Task UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<ValidProject> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        // One statement per batch: arrays unnested into rows; conflicts on code update in place.
        await using var command = new NpgsqlCommand("""
            INSERT INTO projects (code, name, name_en, sector, industry_chain, status, total_investment, annual_planned_investment, completed_investment,
                                  land_area_mu, developer, start_date, batch_id, zone_id, location, data_source, source_note)
            SELECT u.code, u.name, u.name_en, u.sector, u.chain, u.status, u.total, u.annual, u.completed, u.land, u.developer, u.start_date,
                   u.batch_id, u.zone_id, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), u.data_source, u.note
            FROM unnest(@code, @name, @name_en, @sector, @chain, @status, @total, @annual, @completed, @land, @developer, @start_date,
                        @batch_id, @zone_id, @lon, @lat, @data_source, @note)
                 AS u(code, name, name_en, sector, chain, status, total, annual, completed, land, developer, start_date, batch_id, zone_id, lon, lat, data_source, note)
            ON CONFLICT (code) DO UPDATE SET
              name = EXCLUDED.name, name_en = EXCLUDED.name_en, sector = EXCLUDED.sector, industry_chain = EXCLUDED.industry_chain,
              status = EXCLUDED.status, total_investment = EXCLUDED.total_investment, annual_planned_investment = EXCLUDED.annual_planned_investment,
              completed_investment = EXCLUDED.completed_investment, land_area_mu = EXCLUDED.land_area_mu, developer = EXCLUDED.developer,
              start_date = EXCLUDED.start_date, batch_id = EXCLUDED.batch_id, zone_id = EXCLUDED.zone_id, location = EXCLUDED.location,
              data_source = EXCLUDED.data_source, source_note = EXCLUDED.source_note
            """, connection, tx);
        void Add<T>(string name, NpgsqlDbType type, Func<ValidProject, T> value) =>
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = rows.Select(value).ToArray() });
        Add("code", NpgsqlDbType.Text, r => r.Code);
        Add("name", NpgsqlDbType.Text, r => r.Name);
        Add("name_en", NpgsqlDbType.Text, r => r.NameEn);
        Add("sector", NpgsqlDbType.Text, r => r.Sector);
        Add("chain", NpgsqlDbType.Text, r => r.IndustryChain);
        Add("status", NpgsqlDbType.Text, r => r.Status);
        Add("total", NpgsqlDbType.Numeric, r => r.Total);
        Add("annual", NpgsqlDbType.Numeric, r => r.Annual);
        Add("completed", NpgsqlDbType.Numeric, r => r.Completed);
        Add("land", NpgsqlDbType.Numeric, r => r.LandMu);
        Add("developer", NpgsqlDbType.Text, r => r.Developer);
        Add("start_date", NpgsqlDbType.Date, r => r.StartDate);
        Add("batch_id", NpgsqlDbType.Integer, r => r.BatchId);
        Add("zone_id", NpgsqlDbType.Integer, r => r.ZoneId);
        Add("lon", NpgsqlDbType.Double, r => r.Lon);
        Add("lat", NpgsqlDbType.Double, r => r.Lat);
        Add("data_source", NpgsqlDbType.Text, r => r.DataSource);
        Add("note", NpgsqlDbType.Text, r => r.SourceNote);
        await command.ExecuteNonQueryAsync(ct);
    }
}
