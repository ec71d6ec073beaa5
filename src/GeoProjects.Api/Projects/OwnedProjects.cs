using System.Linq.Expressions;
using System.Text.Json;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.DataLoader;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Projects;

/// <summary>
/// The projects a record owns through a foreign key (a zone's, a batch's) as a connection with the usual where, order and
/// paging: one page of each owner of a level in one statement (UNION ALL of per-owner limited queries), plus one grouped
/// count when totalCount is asked.
/// </summary>
public static class OwnedProjects
{
    public static IDataLoaderResult<Connection<Project>?> Load(
        IResolveFieldContext c, string name, Expression<Func<Project, int?>> owner, int ownerId)
    {
        var page = PagingArguments.Read(c);
        var where = c.InputArgument("where");
        var order = c.ListArgument("order");
        var key = name + ":" + JsonSerializer.Serialize(new { page, where = Describe(where), order = Describe(order) });
        var fields = Selection.ConnectionNodeFields(c);
        if (Selection.Selects(c, "totalCount")) fields.Add(CountMarker); // any occurrence asking for it makes the batch count
        var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
        var paging = c.RequestServices!.GetRequiredService<IOptions<PagingOptions>>().Value;
        var context = Progress.Context(c);
        return c.RequestServices!.GetRequiredService<RequestLoaders>().GetOrAdd<int, Connection<Project>>(key,
                (ids, wanted, ct) => FetchAsync(db, paging, owner, ids, page, where, order, context, wanted, ct))
            .Load(ownerId, fields);
    }

    private static async Task<IReadOnlyDictionary<int, Connection<Project>>> FetchAsync(
        GeoProjectsDb db, PagingOptions paging, Expression<Func<Project, int?>> owner, IReadOnlyList<int> ids, PageArgs page,
        IDictionary<string, object?>? where, IEnumerable<object?>? order, QueryContext context, IReadOnlySet<string> fields, CancellationToken ct)
    {
        var withCount = fields.Contains(CountMarker);
        Paging.Validate(page, paging);
        var start = page.After is null ? 0 : Paging.Index(page.After) + 1;
        var size = page.First ?? paging.DefaultPageSize;
        var keys = SortTranslator.Translate(ProjectSchema.Sort, order, p => p.Id, context);

        // One statement for every owner of the level, whatever their number: the owners' ids as one array parameter, and for
        // each a LATERAL subquery that filters, orders and limits (size + 1, to see a next page) on its own, so PostgreSQL
        // stops early per owner instead of numbering every project of every owner (ROW_NUMBER, EF Core's GroupBy/Take). One
        // statement text, so it is prepared once per connection; a nested loop returns each owner's rows in the inner order.
        var found = size == 0 || ids.Count == 0 ? []
            : await PagesOf(db, owner, ids, where, context, keys, start, size + 1, fields).ToListAsync(ct);
        var pages = found.GroupBy(r => r.OwnerId).ToDictionary(g => g.Key, g => g.Select(r => r.Project).ToList());
        var counts = withCount
            ? await ProjectQueries.Filtered(db, where, context).Where(OwnedByAny(owner, ids))
                .GroupBy(Expression.Lambda<Func<Project, int>>(Expression.Property(owner.Body, nameof(Nullable<int>.Value)), owner.Parameters))
                .Select(x => new { x.Key, Count = x.Count() })
                .ToDictionaryAsync(x => x.Key, x => x.Count, ct)
            : null;

        var result = new Dictionary<int, Connection<Project>>();
        foreach (var id in ids)
        {
            var items = pages.GetValueOrDefault(id) ?? [];
            var edges = items.Take(size).Select((node, i) => new Edge<Project>(Paging.Cursor(start + i), node)).ToList();
            var info = new PageInfo(items.Count > size, start > 0, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor);
            var count = counts?.GetValueOrDefault(id) ?? 0;
            result[id] = new Connection<Project>(edges, info,
                _ => withCount ? Task.FromResult(count) : throw new InvalidOperationException("totalCount was not selected"));
        }
        return result;
    }

    /// <summary>
    /// SELECT … FROM unnest(@ids) JOIN LATERAL (the owner's filtered, ordered projects, OFFSET start LIMIT take) ON TRUE:
    /// the inner query is built with the owner's id as a free parameter, then bound by SelectMany.
    /// </summary>
    private static IQueryable<OwnedProject> PagesOf(
        GeoProjectsDb db, Expression<Func<Project, int?>> owner, IReadOnlyList<int> ids, IDictionary<string, object?>? where,
        QueryContext context, IReadOnlyList<SortKey> keys, int start, int take, IReadOnlySet<string> fields)
    {
        var owners = db.Database.SqlQuery<int>($"SELECT unnest({ids.ToArray()}) AS \"Value\"");
        var id = Expression.Parameter(typeof(int), "owner");
        var p = owner.Parameters[0];
        // owner(p) != null && owner(p).Value == id: the values of unnest() may be null as far as EF Core knows, and it would
        // add `OR both are null` to a bare equality, which no index answers.
        var ownedBy = Expression.Lambda<Func<Project, bool>>(Expression.AndAlso(
            Expression.NotEqual(owner.Body, Expression.Constant(null, typeof(int?))),
            Expression.Equal(Expression.Property(owner.Body, nameof(Nullable<int>.Value)), id)), p);
        var page = SortTranslator.Apply(ProjectQueries.Filtered(db, where, context).Where(ownedBy), keys).Skip(start).Take(take);
        var row = Expression.Lambda<Func<Project, OwnedProject>>(
            Expression.MemberInit(Expression.New(typeof(OwnedProject)),
                Expression.Bind(typeof(OwnedProject).GetProperty(nameof(OwnedProject.OwnerId))!, id),
                Expression.Bind(typeof(OwnedProject).GetProperty(nameof(OwnedProject.Project))!,
                    FilterTranslator.Inline(ProjectSchema.Columns.Selector(fields), p))),
            p);
        var rows = Expression.Call(typeof(Queryable), nameof(Queryable.Select), [typeof(Project), typeof(OwnedProject)],
            page.Expression, Expression.Quote(row));
        return owners.SelectMany(Expression.Lambda<Func<int, IEnumerable<OwnedProject>>>(rows, id));
    }

    /// <summary>p => owner(p) != null &amp;&amp; ids.Contains(owner(p).Value), the ids captured (one array parameter).</summary>
    private static Expression<Func<Project, bool>> OwnedByAny(Expression<Func<Project, int?>> owner, IReadOnlyList<int> ids)
    {
        var captured = new Captured<int[]>([.. ids]);
        var contains = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(int)],
            Expression.Property(Expression.Constant(captured), nameof(Captured<int[]>.Value)),
            Expression.Property(owner.Body, nameof(Nullable<int>.Value)));
        return Expression.Lambda<Func<Project, bool>>(
            Expression.AndAlso(Expression.NotEqual(owner.Body, Expression.Constant(null, typeof(int?))), contains), owner.Parameters);
    }

    private sealed class Captured<T>(T value)
    {
        public T Value { get; } = value;
    }

    private const string CountMarker = "#totalCount";

    private static string Describe(object? value) => JsonSerializer.Serialize(value, DescribeOptions);

    internal static readonly JsonSerializerOptions DescribeOptions =
        new(GeoJson.Options) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private sealed class OwnedProject
    {
        public int OwnerId { get; set; }
        public Project Project { get; set; } = null!;
    }
}
