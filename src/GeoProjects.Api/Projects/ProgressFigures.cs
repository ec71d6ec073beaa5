using System.Linq.Expressions;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.DataLoader;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Projects;

/// <summary>The registry's figures as plans and reports.</summary>
public static class ProgressFigures
{
    /// <summary>
    /// The annual plan and completed investment a project row holds become its 2023 plan and its December 2023 report
    /// (the figures were published for the 2023 batches). Run by the migration and after the seed loads; idempotent.
    /// </summary>
    public static string CarryOver2023(string actor) => $"""
        SELECT set_config('app.user', '{actor.Replace("'", "''")}', true);
        INSERT INTO annual_plans (project_id, year, planned_investment, data_source)
        SELECT id, 2023, annual_planned_investment, data_source FROM projects WHERE annual_planned_investment IS NOT NULL
        ON CONFLICT (project_id, year) DO NOTHING;
        INSERT INTO progress_reports (project_id, period, completed_investment_ytd, status, note, correction, reported_by, data_source)
        SELECT id, DATE '2023-12-01', completed_investment, status, 'carried over from the registry''s 2023 figures', false,
               '{actor.Replace("'", "''")}', data_source
        FROM projects WHERE completed_investment IS NOT NULL
        ON CONFLICT (project_id, period) DO NOTHING;
        """;

    /// <summary>SQL of the plan at `asOf` over a projects row (parameters from <see cref="Parameters"/>).</summary>
    public static string PlannedSql(string row) =>
        $"(SELECT a.planned_investment FROM annual_plans a WHERE a.project_id = {row}.\"id\" AND a.year = @as_of_year)";

    /// <summary>SQL of the completed figure at `asOf`: the latest report that counts then.</summary>
    public static string CompletedSql(string row) => $"(SELECT r.completed_investment_ytd FROM progress_reports r WHERE r.project_id = {row}.\"id\" "
        + "AND r.period BETWEEN @report_from AND @report_to ORDER BY r.period DESC LIMIT 1)";

    /// <summary>The as-of parameters of <see cref="PlannedSql"/> and <see cref="CompletedSql"/>.</summary>
    public static Dictionary<string, object> Parameters(QueryContext context)
    {
        var (from, to) = Progress.ReportWindow(context.AsOf);
        return new() { ["as_of_year"] = context.AsOf.Year, ["report_from"] = from, ["report_to"] = to };
    }

    /// <summary>A project's plan and completed figure as they stood at a date.</summary>
    public sealed record AtDate(decimal? Planned, decimal? Completed);

    private sealed class Row
    {
        public int Id { get; set; }
        public decimal? Planned { get; set; }
        public decimal? Completed { get; set; }
    }

    /// <summary>The figures at the field's `asOf` (default today) for a project, every project of the level in one statement.</summary>
    public static IDataLoaderResult<AtDate?> For(IResolveFieldContext<Project> c)
    {
        var context = Progress.Context(c);
        var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
        return c.RequestServices!.GetRequiredService<RequestLoaders>().GetOrAdd<int, AtDate>($"Project.figures:{context.AsOf:yyyy-MM-dd}",
            async (ids, _, ct) =>
            {
                var p = Expression.Parameter(typeof(Project), "p");
                var select = Expression.Lambda<Func<Project, Row>>(Expression.MemberInit(Expression.New(typeof(Row)),
                    Expression.Bind(typeof(Row).GetProperty(nameof(Row.Id))!, Expression.Property(p, nameof(Project.Id))),
                    Expression.Bind(typeof(Row).GetProperty(nameof(Row.Planned))!, FilterTranslator.Inline(Progress.Planned(context), p)),
                    Expression.Bind(typeof(Row).GetProperty(nameof(Row.Completed))!, FilterTranslator.Inline(Progress.Completed(context), p))), p);
                var rows = await db.Projects.Where(x => ids.Contains(x.Id)).Select(select).ToListAsync(ct);
                return rows.ToDictionary(r => r.Id, r => new AtDate(r.Planned, r.Completed));
            }).Load(c.Source.Id);
    }
}
