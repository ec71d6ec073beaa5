using System.Linq.Expressions;

namespace GeoProjects.Api.Querying;

// The one filter model. GraphQL `where` inputs, and the `where` of tiles, GeoJSON, OGC and exports (WhereReader), are
// read into the same dictionaries and translated by FilterTranslator into one LINQ predicate that EF Core sends to PostgreSQL.

public enum FilterOperand { String, Comparable, Enum, Boolean, Id, Geometry, Object }

public sealed class FilterField
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    /// <summary>entity => member, e.g. <c>p => p.Name</c>; computed per request for fields that depend on it.</summary>
    public required Func<QueryContext, LambdaExpression> Accessor { get; init; }
    public required FilterOperand Operand { get; init; }
    /// <summary>The filter of the related entity, for <see cref="FilterOperand.Object"/>.</summary>
    public IEntityFilter? Related { get; init; }
    /// <summary>The node type whose IDs this field holds, for <see cref="FilterOperand.Id"/>.</summary>
    public string? NodeType { get; init; }
    /// <summary>The least role that may read the field, and so filter on it: a filter must not reveal by counting.</summary>
    public Security.Role Read { get; init; }

    public Type ValueType => Accessor(QueryContext.Default).ReturnType;
}

public interface IEntityFilter
{
    /// <summary>GraphQL type name of the entity, e.g. <c>Project</c>; the input is <c>ProjectFilterInput</c>.</summary>
    string TypeName { get; }
    Type EntityType { get; }
    IReadOnlyList<FilterField> Fields { get; }
}

/// <summary>An entity's filter fields; built from the field registry (<see cref="Fields.EntityFields{T}.Filter"/>).</summary>
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
