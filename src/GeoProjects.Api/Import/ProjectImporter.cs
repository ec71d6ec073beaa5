using System.Globalization;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.Projects;
using GeoProjects.Api.GraphQL;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;
using Npgsql;
using NpgsqlTypes;

namespace GeoProjects.Api.Import;

/// <summary>How to import: the file's CRS, a column mapping, where progress goes, and who imports (for the revisions).</summary>
public sealed record ImportOptions(string? Crs = null, string? MappingFile = null, Hosting.IWorkProgress? Progress = null, string? Actor = null)
{
    /// <summary>Who the revisions name: --actor, else the operating system's user.</summary>
    public string ActorOrUser => string.IsNullOrWhiteSpace(Actor) ? Environment.UserName : Actor.Trim();
}

public sealed record RowError(int Row, string Reason);

public sealed record ImportResult(int Rows, int Inserted, int Updated, IReadOnlyList<RowError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Imports projects from GeoJSON or CSV: every row is validated first (streaming); with any bad row nothing is
/// written and every bad row is reported. Then one transaction copies the rows into a staging table (binary COPY) and
/// upserts them by code in one statement; a killed import leaves the database as it was. Zones not given are assigned
/// by the database's spatial join.
/// </summary>
public sealed class ProjectImporter(GeoProjectsDb db)
{
    private const int BatchSize = 1000;

    public async Task<ImportResult> ImportAsync(string path, ImportOptions options, CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new ImportException($"no file '{path}'");
        var mapping = new ImportMapping(options.MappingFile ?? DefaultMappingFile());
        var crs = ParseCrs(options.Crs ?? await SourceRows.DeclaredCrsAsync(path, ct));
        var lookups = await LookupsAsync(ct);
        var existing = (await db.Projects.AsNoTracking().Select(p => p.Code).ToListAsync(ct)).ToHashSet();
        var defaults = new RowDefaults(Path.GetFileName(path), DateTime.UtcNow);

        // Pass 1: validate every row, keeping only codes (not rows) in memory.
        var errors = new List<RowError>();
        var codes = new HashSet<string>();
        var rows = 0;
        await foreach (var row in SourceRows.ReadAsync(path, mapping, ct))
        {
            rows++;
            var (_, rowErrors) = Validate(row, mapping, crs, lookups, defaults);
            errors.AddRange(rowErrors.Select(e => new RowError(row.Number, e)));
            if (row.Fields.GetValueOrDefault("code") is { } code && !codes.Add(code.Trim()))
                errors.Add(new RowError(row.Number, $"code '{code}' appears twice in the file"));
            if (rows % 1_000 == 0) options.Progress?.Report("validating", rows);
        }
        if (errors.Count > 0) return new ImportResult(rows, 0, 0, errors);

        // Pass 2: read again, COPY into a staging table, then one upsert, all in one transaction.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var tx = await connection.BeginTransactionAsync(ct);
            await Security.CallerSettings.ApplyAsync(connection, tx, Security.Caller.Current, ct);
            await using (var create = new NpgsqlCommand(StagingSql, connection, tx)) await create.ExecuteNonQueryAsync(ct);
            await using (var copy = await connection.BeginBinaryImportAsync(CopySql, ct))
            {
                var written = 0;
                await foreach (var row in SourceRows.ReadAsync(path, mapping, ct))
                {
                    await WriteAsync(copy, Validate(row, mapping, crs, lookups, defaults).Project!, ct);
                    if (++written % BatchSize == 0) options.Progress?.Report("writing", written, rows);
                }
                await copy.CompleteAsync(ct);
            }
            options.Progress?.Report("saving", rows, rows);
            // One statement: the triggers (zones, revisions, summaries, notifications) each run once over every row.
            await using (var upsert = new NpgsqlCommand(UpsertSql, connection, tx) { CommandTimeout = 0 }) await upsert.ExecuteNonQueryAsync(ct);
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

    /// <summary>The file columns import reads: the registry's, as export writes them.</summary>
    private static IReadOnlyList<RegistryField> Columns => ProjectExporter.FileColumns;

    /// <summary>A validated row: one value per column, ready for its SQL parameter (enums by their stored names, relations by key).</summary>
    private sealed record ValidProject(object?[] Values, double Lon, double Lat);

    /// <summary>What fills an empty column that has an import default ({file} and {date} in it).</summary>
    private sealed record RowDefaults(string File, DateTime Now)
    {
        public string Fill(string template) =>
            template.Replace("{file}", File).Replace("{date}", Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// For each relation a file names (a zone or a batch, by code or name): the related keys by those values. A value that
    /// names several records (two batches of one name) maps to <see cref="Ambiguous"/>; a code always wins over a name.
    /// </summary>
    private async Task<Dictionary<string, Dictionary<string, int>>> LookupsAsync(CancellationToken ct)
    {
        var lookups = new Dictionary<string, Dictionary<string, int>>();
        foreach (var column in Columns.Where(c => c.Via is not null))
        {
            var related = ProjectFields.Registry.Find(column.Via!.Relation).Related!();
            var keys = new Dictionary<string, int>();
            foreach (var shown in new[] { column.Via.Field }.Concat(column.Via.AlsoMatches ?? []))
            {
                var sql = $"SELECT {FlatSql.Quote(related.KeyColumn)} AS key, {FlatSql.Quote(related.Find(shown).Column!)} AS value "
                    + $"FROM {FlatSql.Quote(related.Table)}";
                var byThis = (await db.Database.SqlQueryRaw<RelatedKey>(sql).ToListAsync(ct)).GroupBy(r => r.Value);
                foreach (var named in byThis)
                    keys.TryAdd(named.Key, named.Select(r => r.Key).Distinct().Count() == 1 ? named.First().Key : Ambiguous);
            }
            lookups[column.Name] = keys;
        }
        return lookups;
    }

    private sealed record RelatedKey(int Key, string Value);

    private const int Ambiguous = -1;

    private static (ValidProject? Project, List<string> Errors) Validate(
        SourceRow row, ImportMapping mapping, CoordinateSystem crs, Dictionary<string, Dictionary<string, int>> lookups, RowDefaults defaults)
    {
        var errors = new List<string>();
        var values = new object?[Columns.Count];
        for (var i = 0; i < Columns.Count; i++)
        {
            var field = Columns[i];
            var text = row.Fields.GetValueOrDefault(field.Name)?.Trim();
            if (string.IsNullOrEmpty(text) && field.ImportDefault is { } fallback) text = defaults.Fill(fallback);
            if (string.IsNullOrEmpty(text))
            {
                if (field.Required) errors.Add($"{field.Name} is required");
                continue;
            }
            values[i] = ColumnValue(field, text, mapping, lookups, errors);
        }
        var (lon, lat) = Location(row, crs, errors);
        // The rules every way in shares (lengths, ≥ 0, completed ≤ total, dates in order, inside China), on the row as a project.
        var project = AsProject(values, GeoJson.Factory.CreatePoint(new Coordinate(Math.Round(lon, 9), Math.Round(lat, 9))));
        errors.AddRange(ProjectFields.Rules(project).Select(p => p.Message).Where(m => !errors.Contains(m)).ToList());
        return errors.Count > 0 ? (null, errors) : (new ValidProject(values, project.Location.X, project.Location.Y), errors);
    }

    /// <summary>The row's values on a Project (relations by their keys), for the shared rules.</summary>
    private static Project AsProject(object?[] values, Point location)
    {
        var project = new Project { Code = null!, Name = null!, Location = location, SourceNote = null! };
        for (var i = 0; i < Columns.Count; i++)
        {
            var column = Columns[i];
            var property = column.Via is { } via ? ProjectFields.Registry.Find(via.Relation).Reads.Single() : column.Property!;
            if (values[i] is { } value) property.SetValue(project, value);
        }
        return project;
    }

    /// <summary>One column's value read by the field's kind: a number, a known enum value, a date, an existing relation.</summary>
    private static object? ColumnValue(
        RegistryField field, string v, ImportMapping mapping, Dictionary<string, Dictionary<string, int>> lookups, List<string> errors)
    {
        if (field.Via is { } via)
        {
            var found = lookups[field.Name].TryGetValue(v, out var key);
            if (found && key != Ambiguous) return key;
            var by = string.Join(" or ", new[] { via.Field }.Concat(via.AlsoMatches ?? []));
            if (found)
            {
                errors.Add($"{field.Name} '{v}' names several of them: give its {via.Field}");
                return null;
            }
            errors.Add($"{field.Name} '{v}' is not a {via.Relation} {by} that exists");
            return null;
        }
        switch (field.Kind)
        {
            case ValueKind.Decimal or ValueKind.Integer:
                if (!decimal.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    errors.Add($"{field.Name} '{v}' is not a number");
                    return null;
                }
                return field.Kind == ValueKind.Integer ? (object)(int)d : d;
            case ValueKind.Enum:
                var name = mapping.Value(field.Name, v);
                if (Enum.TryParse(field.ValueType, name.Replace("_", ""), ignoreCase: true, out var value) && Enum.IsDefined(field.ValueType, value!))
                    return value;
                var known = string.Join(", ", Enum.GetNames(field.ValueType).Select(EnumNames.ToGraphQL));
                errors.Add($"{field.Name} '{v}' is not one of {known} (or a Chinese name from the mapping file)");
                return null;
            case ValueKind.Date:
                if (DateOnly.TryParseExact(v, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
                errors.Add($"{field.Name} '{v}' is not a date (yyyy-MM-dd)");
                return null;
            case ValueKind.Boolean:
                if (bool.TryParse(v, out var b)) return b;
                errors.Add($"{field.Name} '{v}' is not true or false");
                return null;
            default:
                return v;
        }
    }

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy/M/d", "yyyy.M.d", "yyyyMMdd"];

    /// <summary>The row's point in WGS84: a valid Point inside China, converted from the file's CRS.</summary>
    private static (double Lon, double Lat) Location(SourceRow row, CoordinateSystem crs, List<string> errors)
    {
        if (row.GeometryError is { } ge) errors.Add(ge);
        else if (row.Geometry is null) errors.Add("location is required (a Point geometry, lon/lat columns or WKT)");
        else if (row.Geometry is not Point point) errors.Add($"location must be a Point, not a {row.Geometry.GeometryType}");
        else if (!new IsValidOp(point).IsValid || double.IsNaN(point.X)) errors.Add("location is not a valid point");
        else return ChineseCrs.ToWgs84(crs, point.X, point.Y);
        return (100, 30); // a placeholder inside China, so the row's other problems are still found
    }

    /// <summary>The SQL column a file column is written to (a relation's foreign key for a related value), and its parameter type.</summary>
    private static (string Column, NpgsqlDbType Type) Target(RegistryField field) => field.Via is { } via
        ? (ProjectFields.Registry.Find(via.Relation).Column!, NpgsqlDbType.Integer)
        : (field.Column!, field.Kind switch
        {
            ValueKind.Decimal => NpgsqlDbType.Numeric,
            ValueKind.Integer => NpgsqlDbType.Integer,
            ValueKind.Date => NpgsqlDbType.Date,
            ValueKind.Boolean => NpgsqlDbType.Boolean,
            _ => NpgsqlDbType.Text,
        });

    /// <summary>
    /// The staging table a file is copied into: a column per file column (c0, c1, …), then lon and lat; dropped at commit.
    /// The import is one statement however large the file, so the API's statement_timeout is lifted for its transaction
    /// (the command line's operator interrupts it, and the transaction rolls back).
    /// </summary>
    private static readonly string StagingSql = "SET LOCAL statement_timeout = 0; "
        + $"CREATE TEMP TABLE import_rows ({string.Join(", ", Columns.Select((c, i) => $"c{i} {SqlType(Target(c).Type)}"))}, lon float8, lat float8) "
        + "ON COMMIT DROP";

    private static readonly string CopySql = "COPY import_rows FROM STDIN (FORMAT BINARY)";

    private static string SqlType(NpgsqlDbType type) => type switch
    {
        NpgsqlDbType.Numeric => "numeric",
        NpgsqlDbType.Integer => "integer",
        NpgsqlDbType.Date => "date",
        NpgsqlDbType.Boolean => "boolean",
        _ => "text",
    };

    /// <summary>
    /// The staged rows into projects in one statement; a conflict on the code updates in place. Built from the registry's
    /// columns, so a new file column is written without a change here.
    /// </summary>
    private static readonly string UpsertSql = BuildUpsert();

    private static string BuildUpsert()
    {
        var columns = Columns.Select((c, i) => (Name: FlatSql.Quote(Target(c).Column), Staged: $"u.c{i}")).ToList();
        var location = FlatSql.Quote(FlatSql.Geometry(ProjectFields.Registry, Door.Files).Column!);
        var code = FlatSql.Quote(ProjectFields.Registry.Find("code").Column!);
        var updated = columns.Select(c => c.Name).Where(c => c != code).Append(location);
        return $"""
            INSERT INTO {FlatSql.Quote(ProjectFields.Registry.Table)} ({string.Join(", ", columns.Select(c => c.Name))}, {location})
            SELECT {string.Join(", ", columns.Select(c => c.Staged))}, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326)
            FROM import_rows u
            ON CONFLICT ({code}) DO UPDATE SET {string.Join(", ", updated.Select(c => $"{c} = EXCLUDED.{c}"))}
            """;
    }

    private static async Task WriteAsync(NpgsqlBinaryImporter copy, ValidProject row, CancellationToken ct)
    {
        await copy.StartRowAsync(ct);
        for (var i = 0; i < Columns.Count; i++)
        {
            var value = row.Values[i] is Enum e ? e.ToString() : row.Values[i];
            if (value is null) await copy.WriteNullAsync(ct);
            else await copy.WriteAsync(value, Target(Columns[i]).Type, ct);
        }
        await copy.WriteAsync(row.Lon, NpgsqlDbType.Double, ct);
        await copy.WriteAsync(row.Lat, NpgsqlDbType.Double, ct);
    }
}
