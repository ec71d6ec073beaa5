using System.Linq.Expressions;

namespace GeoProjects.Api.Querying;

public static class QueryableExtensions
{
    /// <summary>Applies a parsed `where` input (or nothing, when absent).</summary>
    public static IQueryable<T> Filter<T>(this IQueryable<T> query, EntityFilter<T> filter, IDictionary<string, object?>? where, QueryContext? context = null) =>
        where is null ? query : query.Where(FilterTranslator.Translate(filter, where, context));

    /// <summary>Applies a parsed `order` input, then the key, so the order is total.</summary>
    public static IQueryable<T> Sort<T>(this IQueryable<T> query, EntitySort<T> sort, IEnumerable<object?>? order, Expression<Func<T, int>> key, QueryContext? context = null) =>
        SortTranslator.Apply(query, SortTranslator.Translate(sort, order, key, context));
}
