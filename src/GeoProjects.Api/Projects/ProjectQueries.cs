using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Projects;

public static class ProjectQueries
{
    public static void AddProjectQueries(this ObjectGraphType query, QueryingTypes types)
    {
        query.Field<ProjectsConnectionType>("projects")
            .Description("重大项目列表: 筛选、排序、游标分页, 均在 PostgreSQL 中执行 · Major projects with filtering, sorting and cursor paging, all run in PostgreSQL.")
            .Arguments(PagingArguments.Both())
            .Arguments(types.WhereArgument(ProjectSchema.Filter), types.OrderArgument(ProjectSchema.Sort))
            .Argument<ProjectNearInputType>("near", "按距离排序 (KNN 索引), 可限定最大距离 · Order by distance from a point first (KNN index), optionally within maxDistance metres.")
            .Argument<DateScalar>("asOf", "进度类筛选/排序的计算日期, 默认今天 (北京时间) · Date at which progress filters and sorts are measured; default today (China time).")
            .ResolveAsync(async c => await GetProjectsAsync(
                c.RequestServices!.GetRequiredService<GeoProjectsDb>(), c.RequestServices!.GetRequiredService<IOptions<PagingOptions>>().Value,
                PagingArguments.Read(c), new ProjectQuery(c.InputArgument("where"), c.ListArgument("order"), c.GetArgument<Near?>("near"), Progress.Context(c)),
                Selection.ConnectionNodeFields(c), c.CancellationToken));

        query.Field<ProjectType>("project")
            .Description("按 ID 获取项目; 给出 asOf 则为该时刻的状态 (由修订记录重建) · A project by its global ID; with `asOf`, as it stood then.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "项目全局 ID · The project's global ID.")
            .Argument<DateTimeScalar>("asOf", "时间旅行: 该时刻的状态, 含已删除的项目 · Time travel: the project as the registry held it at this instant, "
                + "rebuilt from its revisions (a deleted project too, before its deletion).")
            .ResolveAsync(async c =>
            {
                var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
                var id = NodeId.Decode("Project", c.GetArgument<string>("id"));
                return c.GetArgument<DateTime?>("asOf") is { } asOf
                    ? await History.HistoryQueries.AsOfAsync<Project>(db, "Project", id, asOf, c.CancellationToken)
                    : await GetProjectAsync(db, id, Selection.FieldNames(c), c.CancellationToken);
            });
    }

    public static IQueryable<Project> Filtered(GeoProjectsDb db, IDictionary<string, object?>? where, QueryContext? context = null) =>
        Matching(db, where, context).Rows;

    /// <summary>
    /// The filter translated once, as an expression (null without one), and the projects it keeps: for callers that may
    /// also carry it over to a summary (<see cref="SummaryFilter"/>).
    /// </summary>
    public static (System.Linq.Expressions.Expression<Func<Project, bool>>? Filter, IQueryable<Project> Rows) Matching(
        GeoProjectsDb db, IDictionary<string, object?>? where, QueryContext? context)
    {
        var filter = where is null ? null : FilterTranslator.Translate(ProjectSchema.Filter, where, context);
        return (filter, filter is null ? db.Projects.AsNoTracking() : db.Projects.AsNoTracking().Where(filter));
    }

    /// <summary>Filtered, and the order: by distance from `near` first (KNN on geography(location)), then `order`, then id.</summary>
    public static (IQueryable<Project> Filtered, IReadOnlyList<SortKey> Keys) Ordering(GeoProjectsDb db, ProjectQuery query)
    {
        var filtered = Filtered(db, query.Where, query.Context);
        var keys = SortTranslator.Translate(ProjectSchema.Sort, query.Order, p => p.Id, query.Context).ToList();
        if (query.Near is { } near)
        {
            var point = near.Point;
            if (near.MaxDistance is { } max)
            {
                if (max < 0 || double.IsNaN(max)) throw new QueryInputException("FILTER_VALUE_INVALID", "near.maxDistance must be ≥ 0 metres");
                filtered = filtered.Where(p => GeoSql.WithinMetres(p.Location, point, max));
            }
            System.Linq.Expressions.Expression<Func<Project, double>> knn = p => EF.Functions.DistanceKnn(GeoSql.Geography(p.Location), GeoSql.Geography(point));
            keys.Insert(0, new SortKey(knn, false));
        }
        return (filtered, keys);
    }

    public static Task<Connection<Project>> GetProjectsAsync(
        GeoProjectsDb db, PagingOptions paging, PageArgs page, ProjectQuery query, IReadOnlySet<string> fields, CancellationToken ct)
    {
        var (filtered, keys) = Ordering(db, query);
        return Paging.PageAsync(filtered, keys, ProjectSchema.Columns.Selector(fields), page, paging, ct);
    }

    public static Task<Project?> GetProjectAsync(GeoProjectsDb db, int id, IReadOnlySet<string> fields, CancellationToken ct) =>
        ProjectSchema.Columns.Apply(db.Projects.AsNoTracking().Where(p => p.Id == id), fields).SingleOrDefaultAsync(ct);
}

/// <summary>What a projects query asks besides paging.</summary>
public sealed record ProjectQuery(IDictionary<string, object?>? Where, IEnumerable<object?>? Order, Near? Near, QueryContext Context);

public sealed record Near(NetTopologySuite.Geometries.Point Point, double? MaxDistance);

public sealed class ProjectNearInputType : InputObjectGraphType<Near>
{
    public ProjectNearInputType()
    {
        Name = "ProjectNearInput";
        Description = "邻近查询 · Order projects by distance from a point, nearest first.";
        Field<NonNullGraphType<GeoJsonPointInputType>>("point").Description("参照点 (WGS84) · The point to measure from (WGS84).");
        Field<FloatGraphType>("maxDistance").Description("最大距离 (米, 椭球面) · Keep only projects within this many metres (on the spheroid).");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) =>
        new Near((NetTopologySuite.Geometries.Point)value["point"]!, value.TryGetValue("maxDistance", out var m) && m is not null ? Convert.ToDouble(m, System.Globalization.CultureInfo.InvariantCulture) : null);
}
