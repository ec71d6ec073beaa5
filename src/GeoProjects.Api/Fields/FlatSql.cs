using System.Data.Common;
using System.Text.RegularExpressions;
using GeoProjects.Api.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GeoProjects.Api.Fields;

/// <summary>
/// SQL for the doors that PostGIS writes (tiles, GeoJSON, OGC features, exports): each field's value over a row
/// of the entity's table, by the column names the registry pins. The filtered, ordered rows come from EF Core
/// (the same filter translation as GraphQL) as CTE `q` selecting whole entities, so `q` has the table's columns.
/// </summary>
public static partial class FlatSql
{
    public const string Row = "q";

    /// <summary>A quoted identifier; only registry names reach here, and they must look like it.</summary>
    public static string Quote(string identifier) =>
        IdentifierPattern().IsMatch(identifier) ? $"\"{identifier}\"" : throw new ArgumentException($"'{identifier}' is not a plain SQL identifier");

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();

    public static string Column(RegistryField field) =>
        $"{Row}.{Quote(field.Column ?? throw new InvalidOperationException($"{field.Name} has no column"))}";

    /// <summary>The field's value as JSON and files write it: enums in GraphQL's spelling, related values looked up by key.</summary>
    public static string Value(IEntityFields entity, RegistryField field)
    {
        if (field.Via is { } via)
        {
            var relation = entity.Find(via.Relation);
            var related = relation.Related!();
            var shown = related.Find(via.Field);
            return $"(SELECT r.{Quote(shown.Column!)} FROM {Quote(related.Table)} r WHERE r.{Quote(related.KeyColumn)} = {Column(relation)})";
        }
        if (field.Sql is { } sql) return sql(Row);
        return field.Kind == ValueKind.Enum ? EnumSql(field.ValueType, Column(field)) : Column(field);
    }

    /// <summary>The value as an MVT attribute: ST_AsMVT takes text, numbers and booleans, so amounts are float8 and dates text.</summary>
    public static string TileValue(IEntityFields entity, RegistryField field) => field.Kind switch
    {
        ValueKind.Decimal => $"{Value(entity, field)}::float8",
        ValueKind.Date => $"{Value(entity, field)}::text",
        ValueKind.DateTime => $"to_char({Value(entity, field)} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        _ => Value(entity, field),
    };

    /// <summary>json_build_object arguments: 'name', value, … for the fields given.</summary>
    public static string JsonProperties(IEntityFields entity, IEnumerable<RegistryField> fields) =>
        string.Join(", ", fields.Select(f => $"'{f.Name}', {Value(entity, f)}"));

    /// <summary>
    /// SQL turning a stored enum name (AdvancedManufacturing) into GraphQL's (ADVANCED_MANUFACTURING), so every front
    /// door spells it alike. A CASE over the enum's names: a regular expression per row cost 80 ms on a 22 000-point tile.
    /// </summary>
    public static string EnumSql(Type enumType, string column) =>
        $"CASE {column} {string.Concat(Enum.GetNames(enumType).Select(n => $"WHEN '{n}' THEN '{EnumNames.ToGraphQL(n)}' "))}END";

    /// <summary>The door's geometry field (one per entity and door).</summary>
    public static RegistryField Geometry(IEntityFields entity, Door door) => entity.Fields.Single(f => f.In(door) && f.Kind == ValueKind.Geometry);

    /// <summary>The door's non-geometry fields the current caller may read, in registry order.</summary>
    public static IEnumerable<RegistryField> Properties(IEntityFields entity, Door door) =>
        entity.Fields.Where(f => f.In(door) && f.Kind != ValueKind.Geometry && f.ReadableBy(Security.Caller.Current));

    /// <summary>Streams the rows of SQL run around an EF Core query (as <see cref="ScalarAroundAsync"/>), one array of values per row.</summary>
    public static async IAsyncEnumerable<object?[]> RowsAroundAsync(
        GeoProjectsDb db, IQueryable query, string sql, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = Around(db, query, sql, null);
            await using var reader = await Security.CallerSettings.Skip(await command.ExecuteReaderAsync(ct), ct);
            while (await reader.ReadAsync(ct))
            {
                var values = new object?[reader.FieldCount];
                for (var i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                yield return values;
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Runs SQL around the query EF Core generated for a filtered IQueryable of entities (as CTE `q`), with its
    /// parameters: the filter is translated once, by the same code as GraphQL, and PostGIS does the rest.
    /// </summary>
    public static async Task<object?> ScalarAroundAsync(
        GeoProjectsDb db, IQueryable query, string sql, IReadOnlyDictionary<string, object> parameters, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = Around(db, query, sql, parameters);
            await using var reader = await Security.CallerSettings.Skip(await command.ExecuteReaderAsync(ct), ct);
            return await reader.ReadAsync(ct) && !reader.IsDBNull(0) ? reader.GetValue(0) : null;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// EF Core's command for the query, as CTE `q` of <paramref name="sql"/>, with its parameters and ours, after the
    /// caller's settings (row-level security): its first result set is theirs.
    /// </summary>
    private static DbCommand Around(GeoProjectsDb db, IQueryable query, string sql, IReadOnlyDictionary<string, object>? parameters)
    {
        var command = query.CreateDbCommand();
        command.CommandText = $"WITH {Row} AS ({command.CommandText})\n{sql}";
        foreach (var (name, value) in parameters ?? new Dictionary<string, object>()) command.Parameters.Add(new NpgsqlParameter(name, value));
        Security.CallerSettings.Prepend(command, Security.CallerSettings.CallerOf(db));
        return command;
    }
}
