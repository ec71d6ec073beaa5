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
            .ResolveAsync(async c => await GetProjectsAsync(
                c.RequestServices!.GetRequiredService<GeoProjectsDb>(), c.RequestServices!.GetRequiredService<IOptions<PagingOptions>>().Value,
                PagingArguments.Read(c), c.InputArgument("where"), c.ListArgument("order"), Selection.ConnectionNodeFields(c), c.CancellationToken));

        query.Field<ProjectType>("project")
            .Description("按 ID 获取项目 · A project by its global ID.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "项目全局 ID · The project's global ID.")
            .ResolveAsync(async c => await GetProjectAsync(
                c.RequestServices!.GetRequiredService<GeoProjectsDb>(), NodeId.Decode("Project", c.GetArgument<string>("id")),
                Selection.FieldNames(c), c.CancellationToken));
    }

    public static IQueryable<Project> Filtered(GeoProjectsDb db, IDictionary<string, object?>? where) =>
        db.Projects.AsNoTracking().Filter(ProjectSchema.Filter, where);

    public static Task<Connection<Project>> GetProjectsAsync(
        GeoProjectsDb db, PagingOptions paging, PageArgs page, IDictionary<string, object?>? where, IEnumerable<object?>? order,
        IReadOnlySet<string> fields, CancellationToken ct)
    {
        var sorted = Filtered(db, where).Sort(ProjectSchema.Sort, order, p => p.Id);
        return Paging.PageAsync(sorted, q => ProjectSchema.Columns.Apply(q, fields), page, paging, ct);
    }

    public static Task<Project?> GetProjectAsync(GeoProjectsDb db, int id, IReadOnlySet<string> fields, CancellationToken ct) =>
        ProjectSchema.Columns.Apply(db.Projects.AsNoTracking().Where(p => p.Id == id), fields).SingleOrDefaultAsync(ct);
}
