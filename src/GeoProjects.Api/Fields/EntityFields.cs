using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Security;
using GraphQL.Types;

namespace GeoProjects.Api.Fields;

/// <summary>An entity's registry, untyped: what the doors that work on any entity (SQL, files, OGC) read.</summary>
public interface IEntityFields
{
    /// <summary>GraphQL type name (Project), also the node type of its global IDs.</summary>
    string TypeName { get; }
    /// <summary>The entity's table and key column, pinned here for hand-written SQL.</summary>
    string Table { get; }
    string KeyColumn { get; }
    IReadOnlyList<RegistryField> Fields { get; }
    IEntityFilter Filter { get; }
    IEntitySort Sort { get; }
    RegistryField Find(string name);
    /// <summary>Sets a field's least roles to read and to write (null: unchanged), as the configured policy says.</summary>
    void Configure(string name, Role? read, Role? write);
}

/// <summary>
/// The field registry of one entity, in the order the GraphQL type lists them. Each field is declared once;
/// the filter and sort models, the projection, the GraphQL type and every flat door derive from it.
/// </summary>
public sealed class EntityFields<T>(string typeName, string table) : IEntityFields where T : class
{
    private readonly List<RegistryField> _fields = [];
    private EntityFilter<T>? _filter;
    private EntitySort<T>? _sort;
    private Projection<T>? _columns;

    public string TypeName => typeName;
    public string Table => table;
    public string KeyColumn => KeyField.Column!;
    public IReadOnlyList<RegistryField> Fields => _fields;
    /// <summary>The key: a node's ID, or (revisions, keyed by a long) the field named id.</summary>
    public RegistryField KeyField => _fields.SingleOrDefault(f => f.Kind == ValueKind.Key) ?? Find("id");

    public RegistryField Find(string name) => _fields.First(f => f.Name == name);

    /// <summary>The field the statistics and the map's clusters sum (declared with a <see cref="FieldOptions.Sum"/>).</summary>
    public RegistryField Measure => _fields.Single(f => f.SumDescription is not null);

    /// <summary>The fields a door shows, in registry order.</summary>
    public IEnumerable<RegistryField> In(Door door) => _fields.Where(f => f.In(door));

    // ---------------- declaring ----------------

    /// <summary>The key: an integer column, a global ID (base64 of "Type:key") in GraphQL, the feature id elsewhere.</summary>
    public EntityFields<T> Key(
        string name, string description, Expression<Func<T, int>> accessor, Door doors, Func<QueryingTypes, FieldType>? graphQL = null) =>
        Add(Declare(name, description, accessor, doors, new FieldOptions(Generated: true, GraphQL: graphQL)) with
        {
            Kind = ValueKind.Key,
            NodeType = typeName,
        });

    public EntityFields<T> Field<TValue>(
        string name, string description, Expression<Func<T, TValue>> accessor, Door doors, FieldOptions? options = null) =>
        Add(Declare(name, description, accessor, doors, options ?? new()));

    /// <summary>A field computed per request (progress as of `asOf`): filterable and sortable in SQL, never stored.</summary>
    public EntityFields<T> Computed<TValue>(
        string name, string description, Func<QueryContext, Expression<Func<T, TValue>>> accessor, Door doors, FieldOptions? options = null)
    {
        var field = Declare(name, description, accessor(QueryContext.Default), doors, options ?? new());
        return Add(field with { Accessor = accessor, Property = null, Column = null });
    }

    /// <summary>A GraphQL-only field (arguments, no single column), e.g. a distance from a point.</summary>
    public EntityFields<T> Output(
        string name, string description, Type valueType, Func<QueryingTypes, FieldType> graphQL, params Expression<Func<T, object?>>[] reads) =>
        Add(new RegistryField
        {
            Name = name, Description = description, EntityType = typeof(T), Kind = RegistryField.KindOf(valueType),
            ValueType = System.Nullable.GetUnderlyingType(valueType) ?? valueType, Nullable = true, Doors = Door.Output, GraphQL = graphQL,
            Reads = reads.Select(PropertyOf).ToList(),
        });

    /// <summary>A relation to another entity through a foreign key: an object in GraphQL, a nested filter and sort.</summary>
    public EntityFields<T> Relation<TRelated>(
        string name, string description, Expression<Func<T, TRelated?>> navigation, Expression<Func<T, int?>> foreignKey,
        Func<IEntityFields> related, Door doors, Func<QueryingTypes, FieldType>? graphQL = null) where TRelated : class
    {
        var fk = PropertyOf(foreignKey);
        return Add(new RegistryField
        {
            Name = name, Description = description, EntityType = typeof(T), Accessor = _ => navigation, Property = PropertyOf(navigation),
            Kind = ValueKind.Relation, ValueType = typeof(TRelated), Nullable = true, Doors = doors, Column = Snake(fk.Name), Related = related,
            Reads = [fk], GraphQL = graphQL,
        });
    }

    /// <summary>A related entity's field shown flat by the doors without nesting (a project's zone name in a tile).</summary>
    public EntityFields<T> Shown(string name, string description, RelatedValue via, Door doors, FieldOptions? options = null)
    {
        if ((doors & Door.Query) != 0)
            throw new ArgumentException($"{name}: a flat view of a relation is not a GraphQL field; GraphQL nests it");
        var o = options ?? new();
        return Add(new RegistryField
        {
            Name = name, Description = description, EntityType = typeof(T), Kind = ValueKind.Text, ValueType = typeof(string), Nullable = true,
            Doors = doors, Via = via, Header = o.Header, TileAttribute = TileName(name, doors, o), DbfName = o.Dbf, MaxLength = o.MaxLength,
        });
    }

    private RegistryField Declare(string name, string description, LambdaExpression accessor, Door doors, FieldOptions o)
    {
        var property = accessor.Body is MemberExpression { Member: PropertyInfo p, Expression: ParameterExpression } ? p : null;
        var type = accessor.ReturnType;
        return new RegistryField
        {
            Name = name, Description = description, EntityType = typeof(T), Accessor = _ => accessor, Property = property,
            Column = o.Column ?? (property is null ? null : Snake(property.Name)), Kind = RegistryField.KindOf(type),
            ValueType = System.Nullable.GetUnderlyingType(type) ?? type,
            Nullable = o.Nullable ?? CanBeNull(type, property),
            Doors = doors, Header = o.Header, TileAttribute = TileName(name, doors, o), DbfName = o.Dbf, GraphQL = o.GraphQL,
            Generated = o.Generated, ImportDefault = o.ImportDefault, MaxLength = o.MaxLength, NonNegative = o.NonNegative, Temporal = o.Temporal,
            Reads = ReadsOf(accessor), Sql = o.Sql, SumDescription = o.Sum,
        };
    }

    /// <summary>Nullable value types, and reference types unless the property is declared non-nullable (C# nullable annotations).</summary>
    private static bool CanBeNull(Type type, PropertyInfo? property) =>
        type.IsValueType ? System.Nullable.GetUnderlyingType(type) is not null
            : property is null || new NullabilityInfoContext().Create(property).ReadState != NullabilityState.NotNull;

    /// <summary>Makes the named fields readable by <paramref name="access"/>'s role and above, at every door.</summary>
    public EntityFields<T> ReadableBy(FieldAccess access, params string[] names) => Change(names, _ => access);

    /// <summary>Only <paramref name="least"/> and above may set the named fields, by any writer (mutations, import, OGC).</summary>
    public EntityFields<T> WritableBy(Role least, params string[] names) => Change(names, a => a with { Write = least });

    /// <summary>The configured policy's change to one field (<see cref="AccessPolicy"/>), before anything derives from it.</summary>
    public void Configure(string name, Role? read, Role? write) =>
        Change([name], a => new FieldAccess(read ?? a.Read, write ?? a.Write));

    private EntityFields<T> Change(string[] names, Func<FieldAccess, FieldAccess> change)
    {
        foreach (var name in names)
        {
            var found = _fields.Where(f => f.Name == name).ToList();
            if (found.Count == 0) throw new InvalidOperationException($"{typeName} has no field '{name}'");
            foreach (var f in found) _fields[_fields.IndexOf(f)] = f with { Access = change(f.Access) };
        }
        (_filter, _sort) = (null, null); // derived from the fields' access: built again when next asked
        return this;
    }

    private EntityFields<T> Add(RegistryField draft)
    {
        if (_fields.Any(f => f.Name == draft.Name && (f.Doors & draft.Doors) != 0))
            throw new InvalidOperationException($"{typeName}.{draft.Name} is declared twice for the same door");
        _fields.Add(draft);
        return this;
    }

    private static string? TileName(string name, Door doors, FieldOptions o) => (doors & Door.VectorTiles) == 0 ? null : o.Tile ?? Snake(name);

    /// <summary>PascalCase or camelCase → snake_case, as the database's columns and the tiles' attributes are named.</summary>
    public static string Snake(string name) => Data.EnumNames.ToGraphQL(name).ToLowerInvariant();

    /// <summary>The mapped properties an expression reads on its parameter (completionRate reads two amounts).</summary>
    private static IReadOnlyList<PropertyInfo> ReadsOf(LambdaExpression accessor)
    {
        var reads = new List<PropertyInfo>();
        new ReadCollector(accessor.Parameters[0], reads).Visit(accessor.Body);
        return reads.Distinct().ToList();
    }

    private sealed class ReadCollector(ParameterExpression parameter, List<PropertyInfo> reads) : ExpressionVisitor
    {
        protected override Expression VisitMember(MemberExpression node)
        {
            // Stored values only: a navigation (a project's reports) is read by the SQL the accessor becomes, not projected.
            if (node.Expression == parameter && node.Member is PropertyInfo { CanWrite: true } p && !IsNavigation(p.PropertyType)) reads.Add(p);
            return base.VisitMember(node);
        }

        /// <summary>
        /// A collection of the model's own entities. Not every enumerable is one: a string is its characters and a geometry
        /// (a zone's MultiPolygon boundary) its parts, and both are stored values.
        /// </summary>
        private static bool IsNavigation(Type type) => type.GetInterfaces().Prepend(type).Any(i =>
            i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            && i.GetGenericArguments()[0].Assembly == typeof(Data.Zone).Assembly);
    }

    private static PropertyInfo PropertyOf(LambdaExpression e)
    {
        var body = e.Body is UnaryExpression { NodeType: ExpressionType.Convert } u ? u.Operand : e.Body;
        return (PropertyInfo)((MemberExpression)body).Member;
    }

    // ---------------- deriving ----------------

    /// <summary>The filter model (GraphQL's filter input, and every door's `where`).</summary>
    public EntityFilter<T> Filter => _filter ??= BuildFilter();
    IEntityFilter IEntityFields.Filter => Filter;

    public EntitySort<T> Sort => _sort ??= BuildSort();
    IEntitySort IEntityFields.Sort => Sort;

    /// <summary>What a GraphQL selection reads: the key always, and per field the properties it reads.</summary>
    public Projection<T> Columns => _columns ??= BuildColumns();

    private EntityFilter<T> BuildFilter()
    {
        var filter = new EntityFilter<T>(typeName);
        foreach (var f in In(Door.Filter))
            filter.Add(new FilterField
            {
                Name = f.Name, Description = f.Description, Accessor = f.Accessor!, Operand = f.Operand, NodeType = f.NodeType,
                Related = f.Related is { } related ? new LazyFilter(related) : null, Read = f.Access.Read,
            });
        return filter;
    }

    private EntitySort<T> BuildSort()
    {
        var sort = new EntitySort<T>(typeName);
        foreach (var f in In(Door.Sort))
            sort.Add(new SortField
            {
                Name = f.Name, Description = f.Description, Accessor = f.Accessor!, Related = f.Related is { } r ? new LazySort(r) : null,
                Read = f.Access.Read,
            });
        return sort;
    }

    private Projection<T> BuildColumns()
    {
        var columns = new Projection<T>(KeyField.Property!);
        foreach (var f in In(Door.Output).Where(f => f.Reads.Count > 0)) columns.Map(f.Name, f.Reads);
        return columns;
    }

    /// <summary>The GraphQL object type's fields, in registry order.</summary>
    public IEnumerable<FieldType> OutputFields(QueryingTypes types)
    {
        foreach (var f in In(Door.Output))
        {
            var field = f.GraphQL?.Invoke(types) ?? DefaultOutput(f);
            field.Name = f.Name;
            field.Description = f.Description;
            yield return field.Require(f.Access.Read);
        }
    }

    private static FieldType DefaultOutput(RegistryField f)
    {
        var read = f.Member().Compile();
        return new FieldType
        {
            Type = GraphTypes.Of(f.ValueType, f.Nullable),
            Resolver = new global::GraphQL.Resolvers.FuncFieldResolver<object?>(c => read.DynamicInvoke(c.Source)),
        };
    }

    // Registries refer to each other (Project → Zone → Project), so related filters and sorts resolve lazily.
    private sealed class LazyFilter(Func<IEntityFields> related) : IEntityFilter
    {
        public string TypeName => related().TypeName;
        public Type EntityType => related().Filter.EntityType;
        public IReadOnlyList<FilterField> Fields => related().Filter.Fields;
    }

    private sealed class LazySort(Func<IEntityFields> related) : IEntitySort
    {
        public string TypeName => related().TypeName;
        public IReadOnlyList<SortField> Fields => related().Sort.Fields;
    }
}

/// <summary>What a declaration may add to a field besides its name, description, accessor and doors.</summary>
public sealed record FieldOptions(
    string? Header = null, string? Column = null, string? Tile = null, string? Dbf = null, int? MaxLength = null, bool NonNegative = false,
    bool Generated = false, string? ImportDefault = null, bool Temporal = false, bool? Nullable = null,
    Func<QueryingTypes, FieldType>? GraphQL = null, Func<string, string>? Sql = null, string? Sum = null);


/// <summary>EF Core's mapping takes column names and lengths from the registry, so the SQL doors and the model agree.</summary>
public static class RegistryMapping
{
    public static void MapRegistry<T>(this Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T> e, EntityFields<T> fields)
        where T : class
    {
        foreach (var f in fields.Fields.Where(f => f.Column is not null && f.Via is null))
        {
            var property = f.Kind == ValueKind.Relation ? f.Reads.Single() : f.Property;
            if (property is null) continue;
            var mapped = e.Property(property.Name).HasColumnName(f.Column);
            if (f.MaxLength is { } max) mapped.HasMaxLength(max);
        }
    }
}
