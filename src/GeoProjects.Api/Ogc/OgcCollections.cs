using System.Linq.Expressions;
using System.Text.Json.Nodes;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Ogc;

/// <summary>
/// An OGC feature property, from the field registry: named as the GraphQL field, filtered along <see cref="Path"/>
/// (a zone's name is <c>zone.name</c> in the filter model), queryable when the filter model has it.
/// </summary>
public sealed record Queryable(RegistryField Field, IReadOnlyList<string> Path, FilterField? Filter, bool Sortable, string Sql)
{
    public string Name => Field.Name;
    public string Description => Field.Description;
    public bool IsGeometry => Field.Kind == ValueKind.Geometry;
    public bool IsQueryable => Filter is not null;

    /// <summary>JSON Schema's type of the property.</summary>
    public string Type => Field.Kind switch
    {
        ValueKind.Geometry => "geometry",
        ValueKind.Integer or ValueKind.Decimal or ValueKind.Key => "number",
        ValueKind.Boolean => "boolean",
        _ => "string",
    };

    public string? Format => Field.Kind switch { ValueKind.Date => "date", ValueKind.DateTime => "date-time", _ => null };

    public string[]? Enum => Field.Kind == ValueKind.Enum ? System.Enum.GetNames(Field.ValueType).Select(EnumNames.ToGraphQL).ToArray() : null;

    /// <summary>The operation placed where the filter input has the property: { zone: { name: op } }.</summary>
    public JsonObject Where(JsonObject operation) =>
        Path.Reverse().Aggregate(operation, (inner, step) => new JsonObject { [step] = inner });

    /// <summary>The sort item for sortby, in the order input's shape: { zone: { name: DESC } }.</summary>
    public Dictionary<string, object?> Order(string direction)
    {
        object? item = direction;
        foreach (var step in Path.Reverse()) item = new Dictionary<string, object?> { [step] = item };
        return (Dictionary<string, object?>)item;
    }

    public static Queryable Of(IEntityFields entity, RegistryField field)
    {
        var path = field.Via is { } via ? new[] { via.Relation, via.Field } : [field.Name];
        var filter = Follow(entity.Filter, path);
        var sortable = field.Via is { } v
            ? entity.Sort.Fields.FirstOrDefault(f => f.Name == v.Relation)?.Related?.Fields.Any(f => f.Name == v.Field) == true
            : entity.Sort.Fields.Any(f => f.Name == field.Name);
        return new Queryable(field, path, filter, sortable, field.Kind == ValueKind.Geometry ? FlatSql.Column(field) : FlatSql.Value(entity, field));
    }

    private static FilterField? Follow(IEntityFilter filter, IReadOnlyList<string> path)
    {
        var field = filter.Fields.FirstOrDefault(f => f.Name == path[0]);
        if (path.Count == 1) return field;
        return field?.Related is null ? null : Follow(field.Related, path.Skip(1).ToList());
    }
}

/// <summary>A feature collection: its registry (properties and queryables) and its filtered, ordered, paged rows.</summary>
public abstract class OgcCollection(string id, string title, string description, IEntityFields entity, string geometryType)
{
    public string Id => id;
    public string Title => title;
    public string Description => description;
    public IEntityFields Entity => entity;
    public string GeometryType => geometryType;

    /// <summary>Every OGC property of the collection, the geometry included, in registry order.</summary>
    public IReadOnlyList<Queryable> All { get; } = entity.Fields.Where(f => f.In(Door.OgcApi)).Select(f => Queryable.Of(entity, f)).ToList();

    /// <summary>A property by name; one the caller may not read is not there for it.</summary>
    public Queryable? Find(string name) => All.FirstOrDefault(q => q.Name == name && q.Field.ReadableBy(Security.Caller.Current));
    /// <summary>The properties and queryables the current caller may read (the others are not listed, filtered on or sorted by).</summary>
    public IEnumerable<Queryable> Properties => All.Where(q => !q.IsGeometry && q.Field.ReadableBy(Security.Caller.Current));
    public IEnumerable<Queryable> Queryables => All.Where(q => q.IsQueryable && q.Field.ReadableBy(Security.Caller.Current));
    public Queryable GeometryProperty => All.Single(q => q.IsGeometry);
    public Queryable? TemporalProperty => All.FirstOrDefault(q => q.Field.Temporal);

    /// <summary>The filtered rows (whole entities, so the feature SQL reads the registry's columns), ordered, then paged.</summary>
    public abstract IQueryable Rows(
        GeoProjectsDb db, IDictionary<string, object?>? where, QueryContext context, IEnumerable<object?>? order, int? offset, int? limit);

    public abstract Task<int> CountAsync(GeoProjectsDb db, IDictionary<string, object?>? where, QueryContext context, CancellationToken ct);

    public static readonly OgcCollection Projects = new Of<Project>(
        "projects", "重大项目 · Major projects", "西海岸新区重大项目登记册 · Major investment projects of 青岛西海岸新区 (most records ILLUSTRATIVE)",
        ProjectFields.Registry, "Point", (db, where, context) => ProjectQueries.Filtered(db, where, context), p => p.Id);

    public static readonly OgcCollection Zones = new Of<Zone>(
        "zones", "功能区 · Zones", "西海岸新区及其功能区 (边界为近似) · The district and its functional areas (approximate boundaries)",
        ZoneFields.Registry, "MultiPolygon", (db, where, _) => db.Zones.AsNoTracking().Filter(ZoneSchema.Filter, where), z => z.Id);

    public static readonly IReadOnlyList<OgcCollection> Every = [Projects, Zones];

    private sealed class Of<T>(
        string id, string title, string description, EntityFields<T> entity, string geometryType,
        Func<GeoProjectsDb, IDictionary<string, object?>?, QueryContext, IQueryable<T>> filtered, Expression<Func<T, int>> key)
        : OgcCollection(id, title, description, entity, geometryType) where T : class
    {
        public override IQueryable Rows(
            GeoProjectsDb db, IDictionary<string, object?>? where, QueryContext context, IEnumerable<object?>? order, int? offset, int? limit)
        {
            var q = SortTranslator.Apply(filtered(db, where, context), SortTranslator.Translate(entity.Sort, order, key, context));
            if (offset is { } o) q = q.Skip(o);
            if (limit is { } l) q = q.Take(l);
            return q;
        }

        public override Task<int> CountAsync(GeoProjectsDb db, IDictionary<string, object?>? where, QueryContext context, CancellationToken ct) =>
            filtered(db, where, context).CountAsync(ct);
    }
}
