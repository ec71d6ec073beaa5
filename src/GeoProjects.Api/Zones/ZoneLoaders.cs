using System.Linq.Expressions;
using System.Text.Json;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.DataLoader;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Zones;

public static class ZoneLoaders
{
    /// <summary>A zone by key, with the fields the current field selects; one statement for all keys of a level.</summary>
    public static IDataLoaderResult<Zone?> ById(IResolveFieldContext c, int id) =>
        c.LoaderById(db => db.Zones, ZoneSchema.Columns, z => z.Id).Load(id, Selection.FieldNames(c));

    /// <summary>
    /// One page of each zone's projects, for all zones of a level in one statement (UNION ALL of per-zone
    /// limited queries), plus one grouped count when totalCount is asked.
    /// </summary>
    public static IDataLoaderResult<Connection<Project>?> Projects(IResolveFieldContext c)
    {
        var page = PagingArguments.Read(c);
        var where = c.InputArgument("where");
        var order = c.ListArgument("order");
        var key = "Zone.projects:" + JsonSerializer.Serialize(new { page, where = Describe(where), order = Describe(order) });
        var fields = Selection.ConnectionNodeFields(c);
        if (Selection.Selects(c, "totalCount")) fields.Add(CountMarker); // any occurrence asking for it makes the batch count
        var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
        var paging = c.RequestServices!.GetRequiredService<IOptions<PagingOptions>>().Value;
        var context = Progress.Context(c);
        return c.RequestServices!.GetRequiredService<RequestLoaders>().GetOrAdd<int, Connection<Project>>(key,
                (ids, wanted, ct) => FetchAsync(db, paging, ids, page, where, order, context, wanted, ct))
            .Load(c.Source is Zone zone ? zone.Id : throw new InvalidOperationException("Zone.projects resolves on a Zone"), fields);
    }

    private static async Task<IReadOnlyDictionary<int, Connection<Project>>> FetchAsync(
        GeoProjectsDb db, PagingOptions paging, IReadOnlyList<int> ids, PageArgs page, IDictionary<string, object?>? where,
        IEnumerable<object?>? order, QueryContext context, IReadOnlySet<string> fields, CancellationToken ct)
    {
        var withCount = fields.Contains(CountMarker);
        Paging.Validate(page, paging);
        var start = page.After is null ? 0 : Paging.Index(page.After) + 1;
        var size = page.First ?? paging.DefaultPageSize;
        var keys = SortTranslator.Translate(ProjectSchema.Sort, order, p => p.Id, context);
        var scoped = ProjectQueries.Filtered(db, where, context).Where(p => p.ZoneId != null && ids.Contains(p.ZoneId.Value));

        // One branch per zone, glued with UNION ALL into one statement: each branch filters, orders and limits
        // (size + 1, to see a next page) on its own, so PostgreSQL stops early per zone instead of numbering every
        // project of every zone (ROW_NUMBER), which is what EF Core makes of a GroupBy/SelectMany with Take.
        var p = Expression.Parameter(typeof(Project), "p");
        var row = Expression.Lambda<Func<Project, ZoneProject>>(
            Expression.MemberInit(Expression.New(typeof(ZoneProject)),
                Expression.Bind(typeof(ZoneProject).GetProperty(nameof(ZoneProject.ZoneId))!, Expression.Property(Expression.Property(p, nameof(Project.ZoneId)), "Value")),
                Expression.Bind(typeof(ZoneProject).GetProperty(nameof(ZoneProject.Project))!, FilterTranslator.Inline(ProjectSchema.Columns.Selector(fields), p))),
            p);
        IQueryable<ZoneProject>? union = null;
        foreach (var id in ids)
        {
            var zoneId = id;
            var branch = SortTranslator.Apply(ProjectQueries.Filtered(db, where, context).Where(x => x.ZoneId == zoneId), keys).Skip(start).Take(size + 1).Select(row);
            union = union is null ? branch : union.Concat(branch);
        }
        var found = size == 0 || union is null ? [] : await union.ToListAsync(ct);
        var pages = found.GroupBy(r => r.ZoneId).ToDictionary(g => g.Key, g => g.Select(r => r.Project).ToList());
        var counts = withCount
            ? await scoped.GroupBy(p => p.ZoneId!.Value).Select(x => new { x.Key, Count = x.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct)
            : null;

        var result = new Dictionary<int, Connection<Project>>();
        foreach (var id in ids)
        {
            var items = pages.GetValueOrDefault(id) ?? [];
            var edges = items.Take(size).Select((node, i) => new Edge<Project>(Paging.Cursor(start + i), node)).ToList();
            var info = new PageInfo(items.Count > size, start > 0, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor);
            var count = counts?.GetValueOrDefault(id) ?? 0;
            result[id] = new Connection<Project>(edges, info, _ => withCount ? Task.FromResult(count) : throw new InvalidOperationException("totalCount was not selected"));
        }
        return result;
    }

    private const string CountMarker = "#totalCount";

    private static string Describe(object? value) => JsonSerializer.Serialize(value, DescribeOptions);

    internal static readonly JsonSerializerOptions DescribeOptions = new(GeoJson.Options) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private sealed class ZoneProject
    {
        public int ZoneId { get; set; }
        public Project Project { get; set; } = null!;
    }
}
