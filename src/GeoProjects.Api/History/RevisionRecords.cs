using System.Globalization;
using System.Text.Json;
using GeoProjects.Api.Batches;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Zones;

namespace GeoProjects.Api.History;

/// <summary>Revisions read back: changes by GraphQL field name, and a record (jsonb, by column) as the entity it was.</summary>
public static class RevisionRecords
{
    private static readonly Dictionary<string, (IEntityFields Fields, Func<object> Blank)> Entities = new()
    {
        ["Project"] = (ProjectFields.Registry, () => new Project { Code = null!, Name = null!, Location = null!, SourceNote = null! }),
        ["Zone"] = (ZoneFields.Registry, () => new Zone { Code = null!, Name = null!, NameEn = null!, Boundary = null!, SourceNote = null! }),
        ["ProjectBatch"] = (BatchFields.Registry, () => new ProjectBatch { Code = null!, Name = null!, SourceNote = null! }),
    };

    /// <summary>The changed fields, named as GraphQL names them (zone_id → zone); columns no field declares keep their name.</summary>
    public static IEnumerable<FieldChange> Changes(Revision revision)
    {
        var fields = Entities.TryGetValue(revision.Entity, out var entity) ? entity.Fields : null;
        // An insert's (or a delete's) changes are its whole record, which is stored once.
        using var changes = JsonDocument.Parse(revision.Operation == RevisionOperation.Update ? revision.Changes : FromRecord(revision));
        return changes.RootElement.EnumerateArray().Select(c =>
        {
            var column = c.GetProperty("field").GetString()!;
            var field = fields?.Fields.FirstOrDefault(f => f.Column == column && f.Via is null);
            return new FieldChange(field?.Name ?? column, Spelled(field, c.GetProperty("old")), Spelled(field, c.GetProperty("new")));
        }).ToList();
    }

    private static readonly HashSet<string> Unchanged = ["id", "version", "updated_at", "created_at"];

    /// <summary>[{field, old, new}] from the record: every non-null value, appearing (insert) or going (delete).</summary>
    private static string FromRecord(Revision revision)
    {
        using var record = JsonDocument.Parse(revision.Record);
        var insert = revision.Operation == RevisionOperation.Insert;
        return JsonSerializer.Serialize(record.RootElement.EnumerateObject()
            .Where(p => p.Value.ValueKind != JsonValueKind.Null && !Unchanged.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new Dictionary<string, object?>
            {
                ["field"] = p.Name, ["old"] = insert ? null : p.Value, ["new"] = insert ? p.Value : null,
            }));
    }

    /// <summary>Enum values as GraphQL spells them (Started → STARTED); the rest as stored.</summary>
    private static JsonElement Spelled(RegistryField? field, JsonElement value) =>
        field?.Kind == ValueKind.Enum && value.ValueKind == JsonValueKind.String
            ? JsonSerializer.SerializeToElement(EnumNames.ToGraphQL(value.GetString()!))
            : value.Clone();

    /// <summary>The record the revision keeps, as a <paramref name="entity"/>; null when the revision is of another entity.</summary>
    public static object? AsEntity(Revision revision, string entity)
    {
        if (revision.Entity != entity || !Entities.TryGetValue(entity, out var e)) return null;
        using var record = JsonDocument.Parse(revision.Record);
        return Read(e.Fields, e.Blank(), record.RootElement);
    }

    /// <summary>Sets each stored field (and relation key) from the row's jsonb, by the column the registry pins.</summary>
    public static object Read(IEntityFields fields, object entity, JsonElement row)
    {
        foreach (var f in fields.Fields.Where(f => f.Column is not null && f.Via is null && f.Property is not null))
        {
            if (!row.TryGetProperty(f.Column!, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            var property = f.Kind == ValueKind.Relation ? f.Reads.Single() : f.Property!;
            property.SetValue(entity, f.Kind switch
            {
                ValueKind.Relation or ValueKind.Key or ValueKind.Integer when property.PropertyType != typeof(long) => value.GetInt32(),
                ValueKind.Integer => value.GetInt64(),
                ValueKind.Decimal when property.PropertyType == typeof(double) => value.GetDouble(),
                ValueKind.Decimal => value.GetDecimal(),
                ValueKind.Boolean => value.GetBoolean(),
                ValueKind.Date => DateOnly.Parse(value.GetString()!, CultureInfo.InvariantCulture),
                ValueKind.DateTime => DateTime.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal),
                ValueKind.Enum => Enum.Parse(f.ValueType, value.GetString()!),
                ValueKind.Geometry => GeoJson.Parse(value),
                _ => value.GetString(),
            });
        }
        return entity;
    }
}
