using System.Linq.Expressions;

namespace GeoProjects.Api.Querying;

public sealed class SortField
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required Func<QueryContext, LambdaExpression> Accessor { get; init; }
    public IEntitySort? Related { get; init; }
    /// <summary>The least role that may read the field, and so sort by it: an order must not reveal a hidden value either.</summary>
    public Security.Role Read { get; init; }
}

public interface IEntitySort
{
    string TypeName { get; }
    IReadOnlyList<SortField> Fields { get; }
}

public sealed class EntitySort<T>(string typeName) : IEntitySort
{
    private readonly List<SortField> _fields = [];
    public string TypeName => typeName;
    public IReadOnlyList<SortField> Fields => _fields;

    /// <summary>A field derived from the field registry.</summary>
    public EntitySort<T> Add(SortField field)
    {
        _fields.Add(field);
        return this;
    }
}

public sealed record SortKey(LambdaExpression Key, bool Descending);

/// <summary>Turns HotChocolate-shaped <c>order: [{ field: ASC }, { zone: { name: DESC } }]</c> into sort keys.</summary>
public static class SortTranslator
{
    public static IReadOnlyList<SortKey> Translate<T, TKey>(
        EntitySort<T> sort, IEnumerable<object?>? order, Expression<Func<T, TKey>> tieBreaker, QueryContext? context = null)
    {
        context ??= QueryContext.Default;
        var p = Expression.Parameter(typeof(T), "x");
        var keys = new List<SortKey>();
        var lastDescending = false;
        foreach (var item in order ?? [])
        {
            if (item is not IDictionary<string, object?> d)
                throw new QueryInputException("SORT_INVALID", "each order item must be an input object such as { name: ASC }");
            Collect(sort, d, p, keys, p, context, ref lastDescending);
        }
        // A total order, so cursors are stable; the key goes the last item's way, so an order of one direction is one range
        // of an index on (field, key) and a page deep in it a row-value seek, not a walk through the cursor's ties.
        keys.Add(new SortKey(tieBreaker, lastDescending));
        return keys;
    }

    private static void Collect(
        IEntitySort sort, IDictionary<string, object?> item, Expression target, List<SortKey> keys, ParameterExpression root, QueryContext context,
        ref bool lastDescending)
    {
        foreach (var (name, value) in item)
        {
            if (value is null) continue;
            var field = sort.Fields.FirstOrDefault(f => f.Name == name)
                ?? throw new QueryInputException("SORT_INVALID", $"{sort.TypeName} cannot be sorted by '{name}'");
            Security.Authorization.DemandToRead(field.Read, $"sort by {name}");
            var member = FilterTranslator.Replace(field.Accessor(context), target);
            if (field.Related is not null)
            {
                if (value is not IDictionary<string, object?> nested)
                    throw new QueryInputException("SORT_INVALID", $"'{name}' takes an input object such as {{ name: ASC }}");
                Collect(field.Related, nested, member, keys, root, context, ref lastDescending);
                continue;
            }
            var direction = value.ToString();
            if (direction is not ("ASC" or "DESC"))
                throw new QueryInputException("SORT_INVALID", $"'{name}' takes ASC or DESC");
            var key = member.Type.IsValueType && Nullable.GetUnderlyingType(member.Type) is null
                ? Expression.Convert(member, typeof(Nullable<>).MakeGenericType(member.Type)) // null-safe through optional relations
                : member;
            lastDescending = direction == "DESC";
            // A value the same for every row (the schedule rate at `asOf`) orders nothing: left out, the order is a keyset's.
            if (Reads(key, root)) keys.Add(new SortKey(Expression.Lambda(key, root), lastDescending));
        }
    }

    private static bool Reads(Expression e, ParameterExpression row)
    {
        var finder = new ParameterFinder(row);
        finder.Visit(e);
        return finder.Found;
    }

    private sealed class ParameterFinder(ParameterExpression row) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found |= node == row;
            return node;
        }
    }

    public static IQueryable<T> Apply<T>(IQueryable<T> query, IReadOnlyList<SortKey> keys)
    {
        var expression = query.Expression;
        for (var i = 0; i < keys.Count; i++)
        {
            var method = (i == 0 ? (keys[i].Descending ? "OrderByDescending" : "OrderBy") : (keys[i].Descending ? "ThenByDescending" : "ThenBy"));
            expression = Expression.Call(typeof(Queryable), method, [typeof(T), keys[i].Key.ReturnType], expression, Expression.Quote(keys[i].Key));
        }
        return query.Provider.CreateQuery<T>(expression);
    }

    /// <summary>The same ordering over an in-expression sequence (inside a GroupBy projection).</summary>
    public static Expression ApplyEnumerable(Expression source, Type itemType, IReadOnlyList<SortKey> keys)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            var method = (i == 0 ? (keys[i].Descending ? "OrderByDescending" : "OrderBy") : (keys[i].Descending ? "ThenByDescending" : "ThenBy"));
            source = Expression.Call(typeof(Enumerable), method, [itemType, keys[i].Key.ReturnType], source, keys[i].Key);
        }
        return source;
    }
}
