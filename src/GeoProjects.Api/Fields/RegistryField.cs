using System.Linq.Expressions;
using System.Reflection;
using GeoProjects.Api.Querying;
using GraphQL.Types;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Fields;

/// <summary>The front doors a field can take part in. Every door derives its list of fields from the registry.</summary>
[Flags]
public enum Door
{
    None = 0,
    /// <summary>A field of the GraphQL object type.</summary>
    Output = 1,
    /// <summary>A field of the GraphQL filter input, and so of every door's `where` (tiles, GeoJSON, OGC, export).</summary>
    Filter = 2,
    /// <summary>A field of the GraphQL sort input (and OGC's sortby).</summary>
    Sort = 4,
    /// <summary>A property of OGC API features; a queryable too when it can be filtered.</summary>
    OgcApi = 8,
    /// <summary>A property of the /geojson FeatureCollections.</summary>
    GeoJsonLayer = 16,
    /// <summary>An attribute of the vector tiles, described in TileJSON's vector_layers.</summary>
    VectorTiles = 32,
    /// <summary>A column of exported files that import reads back (CSV, GeoJSON, Shapefile, GeoPackage).</summary>
    Files = 64,
    /// <summary>A field of the mutations' inputs (createX, updateX): relations are set by ID as `{name}Id`.</summary>
    Input = 128,
    Query = Output | Filter | Sort,
    Everywhere = Query | OgcApi | GeoJsonLayer | VectorTiles | Files | Input,
}

/// <summary>How a value is written where there are no GraphQL types (SQL, JSON, files, tiles).</summary>
public enum ValueKind { Key, Text, Integer, Decimal, Boolean, Date, DateTime, Enum, Geometry, Relation }

/// <summary>
/// Who may read and who may write a field: the least role of each. Every door derives from it (GraphQL's @authorize,
/// filters and sorts, OGC properties and queryables, GeoJSON, tiles, exports; the mutations' and every later writer's
/// input). <see cref="Write"/> null: whoever may run the entity's mutations. Which rows is the database's rule
/// (row-level security), and the database checks each field's write role as well (access_field_writes).
/// </summary>
public sealed record FieldAccess(Security.Role Read = Security.Role.Anonymous, Security.Role? Write = null)
{
    public static FieldAccess Everyone { get; } = new();
    /// <summary>Internal figures (plans, progress, warnings, history): government staff, not the public.</summary>
    public static FieldAccess Staff { get; } = new(Security.Role.Viewer);
}

/// <summary>
/// One field of an entity, declared once: what it is (name, bilingual description, CLR accessor, SQL column, type,
/// nullability), the doors it takes part in, and what each door needs of it. Everything else derives from this.
/// </summary>
public sealed record RegistryField
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required Type EntityType { get; init; }
    /// <summary>entity => value, per request context for fields computed from it (progress as of a date); null for output-only fields.</summary>
    public Func<QueryContext, LambdaExpression>? Accessor { get; init; }
    /// <summary>
    /// The entity's mapped property this field stores, when it is one (EF Core maps it to <see cref="Column"/>); a relation's navigation.
    /// </summary>
    public PropertyInfo? Property { get; init; }
    /// <summary>The column in the entity's table, pinned here: EF Core's mapping and every hand-written SQL door use it.</summary>
    public string? Column { get; init; }
    public required ValueKind Kind { get; init; }
    /// <summary>The value's CLR type without Nullable (the enum type for enums).</summary>
    public required Type ValueType { get; init; }
    public required bool Nullable { get; init; }
    public required Door Doors { get; init; }
    /// <summary>中文表头: the column header planning offices use for it in spreadsheets and files.</summary>
    public string? Header { get; init; }
    /// <summary>The vector tile attribute (snake_case, as MVT styles write them).</summary>
    public string? TileAttribute { get; init; }
    /// <summary>A Shapefile column name (10 characters at most) when the name is longer.</summary>
    public string? DbfName { get; init; }
    /// <summary>SQL of a computed field for the doors PostGIS writes, over the row alias given (may use the as-of parameters).</summary>
    public Func<string, string>? Sql { get; init; }
    /// <summary>For a flat view of a relation (zone name, zone code): the relation field and the related field shown.</summary>
    public RelatedValue? Via { get; init; }
    /// <summary>For a relation: the related entity's registry, and the foreign key column.</summary>
    public Func<IEntityFields>? Related { get; init; }
    /// <summary>The entity properties the GraphQL field reads, so SQL selects only those columns.</summary>
    public IReadOnlyList<PropertyInfo> Reads { get; init; } = [];
    /// <summary>The node type whose global IDs this field holds (the key).</summary>
    public string? NodeType { get; init; }
    /// <summary>The GraphQL output field, when it is more than the accessor's value (arguments, loaders, CRS).</summary>
    public Func<QueryingTypes, FieldType>? GraphQL { get; init; }
    /// <summary>Written by the database (keys, timestamps, versions); never by import or the seed.</summary>
    public bool Generated { get; init; }
    /// <summary>The value import takes when a file leaves it empty.</summary>
    public string? ImportDefault { get; init; }
    public int? MaxLength { get; init; }
    /// <summary>Amounts and areas: a negative value is refused by import (and the database's CHECK).</summary>
    public bool NonNegative { get; init; }
    /// <summary>OGC's temporal property (the `datetime` parameter filters on it).</summary>
    public bool Temporal { get; init; }
    /// <summary>
    /// The entity's measure: summed per group by the statistics (under the field's name), per cell by the map's clusters
    /// (under its tile attribute) and sizing the map's symbols. The description of its sum.
    /// </summary>
    public string? SumDescription { get; init; }
    public FieldAccess Access { get; init; } = FieldAccess.Everyone;

    public bool In(Door door) => (Doors & door) != 0;

    public bool ReadableBy(Security.Caller caller) => caller.Is(Access.Read);

    public bool WritableBy(Security.Caller caller) => Access.Write is not { } least || caller.Is(least);

    /// <summary>Required in files: not nullable, not generated, without a default.</summary>
    public bool Required => !Nullable && !Generated && ImportDefault is null && Kind != ValueKind.Key;

    public LambdaExpression Member(QueryContext? context = null) =>
        (Accessor ?? throw new InvalidOperationException($"{Name} has no accessor"))(context ?? QueryContext.Default);

    public FilterOperand Operand => Kind switch
    {
        ValueKind.Key => FilterOperand.Id,
        ValueKind.Text => FilterOperand.String,
        ValueKind.Boolean => FilterOperand.Boolean,
        ValueKind.Enum => FilterOperand.Enum,
        ValueKind.Geometry => FilterOperand.Geometry,
        ValueKind.Relation => FilterOperand.Object,
        _ => FilterOperand.Comparable,
    };

    /// <summary>The kind of a CLR value type, for fields declared by accessor.</summary>
    public static ValueKind KindOf(Type type)
    {
        var t = System.Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string)) return ValueKind.Text;
        if (t == typeof(bool)) return ValueKind.Boolean;
        if (t.IsEnum) return ValueKind.Enum;
        if (typeof(Geometry).IsAssignableFrom(t)) return ValueKind.Geometry;
        if (t == typeof(int) || t == typeof(long)) return ValueKind.Integer;
        if (t == typeof(decimal) || t == typeof(double)) return ValueKind.Decimal;
        if (t == typeof(DateOnly)) return ValueKind.Date;
        if (t == typeof(DateTime)) return ValueKind.DateTime;
        return ValueKind.Relation;
    }
}

/// <summary>
/// A related entity's field shown flat (a zone's name on a project): the relation and the field, by their names;
/// import also finds the related entity by <paramref name="AlsoMatches"/> (a zone by its name as well as its code).
/// </summary>
public sealed record RelatedValue(string Relation, string Field, IReadOnlyList<string>? AlsoMatches = null);
