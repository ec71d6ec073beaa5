using System.Linq.Expressions;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Querying;

// The one filter model. GraphQL `where` inputs (and later tile and OGC parameters) are parsed into the same
// dictionaries and translated by FilterTranslator into one LINQ predicate that EF Core sends to PostgreSQL.

public enum FilterOperand { String, Comparable, Enum, Boolean, Id, Geometry, Object }

public sealed class FilterField
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    /// <summary>entity => member, e.g. <c>p => p.TotalInvestment</c>; computed per request for fields that depend on it.</summary>
    public required Func<QueryContext, LambdaExpression> Accessor { get; init; }
    public required FilterOperand Operand { get; init; }
    /// <summary>The filter of the related entity, for <see cref="FilterOperand.Object"/>.</summary>
    public IEntityFilter? Related { get; init; }
    /// <summary>The node type whose IDs this field holds, for <see cref="FilterOperand.Id"/>.</summary>
    public string? NodeType { get; init; }

    public Type ValueType => Accessor(QueryContext.Default).ReturnType;
}

public interface IEntityFilter
{
    /// <summary>GraphQL type name of the entity, e.g. <c>Project</c>; the input is <c>ProjectFilterInput</c>.</summary>
    string TypeName { get; }
    Type EntityType { get; }
    IReadOnlyList<FilterField> Fields { get; }
}

public sealed class EntityFilter<T>(string typeName) : IEntityFilter
{
    private readonly List<FilterField> _fields = [];
    public string TypeName => typeName;
    public Type EntityType => typeof(T);
    public IReadOnlyList<FilterField> Fields => _fields;

    /// <summary>A field derived from the field registry.</summary>
    public EntityFilter<T> Add(FilterField field)
    {
        _fields.Add(field);
        return this;
    }

    public EntityFilter<T> Field<TValue>(string name, string description, Expression<Func<T, TValue>> accessor) =>
        Computed(name, description, _ => accessor);

    /// <summary>A field computed from the request's context (e.g. progress as of a date).</summary>
    public EntityFilter<T> Computed<TValue>(string name, string description, Func<QueryContext, Expression<Func<T, TValue>>> accessor)
    {
        _fields.Add(new FilterField { Name = name, Description = description, Accessor = accessor, Operand = OperandOf(typeof(TValue)) });
        return this;
    }

    public EntityFilter<T> Id(string name, string description, Expression<Func<T, int>> accessor, string nodeType)
    {
        _fields.Add(new FilterField { Name = name, Description = description, Accessor = _ => accessor, Operand = FilterOperand.Id, NodeType = nodeType });
        return this;
    }

    public EntityFilter<T> Object<TRelated>(string name, string description, Expression<Func<T, TRelated?>> accessor, Func<EntityFilter<TRelated>> related)
        where TRelated : class
    {
        _fields.Add(new FilterField { Name = name, Description = description, Accessor = _ => accessor, Operand = FilterOperand.Object, Related = new LazyFilter<TRelated>(related) });
        return this;
    }

    private static FilterOperand OperandOf(Type t)
    {
        var u = Nullable.GetUnderlyingType(t) ?? t;
        if (u == typeof(string)) return FilterOperand.String;
        if (u == typeof(bool)) return FilterOperand.Boolean;
        if (u.IsEnum) return FilterOperand.Enum;
        if (typeof(Geometry).IsAssignableFrom(u)) return FilterOperand.Geometry;
        if (u == typeof(int) || u == typeof(long) || u == typeof(decimal) || u == typeof(double) || u == typeof(DateOnly) || u == typeof(DateTime))
            return FilterOperand.Comparable;
        throw new NotSupportedException($"no filter operand for {t}");
    }

    // Entity filters refer to each other (Project -> Zone -> Project), so related definitions resolve lazily.
    private sealed class LazyFilter<TRelated>(Func<EntityFilter<TRelated>> factory) : IEntityFilter
    {
        private readonly Lazy<EntityFilter<TRelated>> _inner = new(factory);
        public string TypeName => _inner.Value.TypeName;
        public Type EntityType => typeof(TRelated);
        public IReadOnlyList<FilterField> Fields => _inner.Value.Fields;
    }
}

/// <summary>A client error in a filter, sort or paging argument; becomes a GraphQL error with this code (or an HTTP 400).</summary>
public sealed class QueryInputException : global::GraphQL.ExecutionError
{
    public QueryInputException(string code, string message) : base(message) => Code = code;
}

/// <summary>
/// What a request's filters and sorts may depend on besides the row: the date progress is measured at
/// and the warning thresholds (section "Progress" of the configuration).
/// </summary>
public sealed record QueryContext(DateOnly AsOf, decimal YellowBehindPoints, decimal RedBehindPoints)
{
    public static QueryContext Default { get; } = new(DateOnly.FromDateTime(DateTime.UtcNow), 10, 30);
}
