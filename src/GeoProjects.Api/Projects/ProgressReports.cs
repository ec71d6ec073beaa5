using System.Globalization;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using static GeoProjects.Api.Fields.Door;

namespace GeoProjects.Api.Projects;

/// <summary>月度进度的字段 · The fields of a monthly progress report, declared once.</summary>
public static class ProgressReportFields
{
    public static readonly EntityFields<ProgressReport> Registry = new EntityFields<ProgressReport>("ProgressReport", "progress_reports")
        .Key("id", "全局 ID · Global ID, base64 of \"ProgressReport:<key>\".", r => r.Id, Output,
            GraphTypes.Output<ProgressReport, NonNullGraphType<IdGraphType>>(f => f.Resolve(c => NodeId.Encode("ProgressReport", c.Source.Id))))
        .Field("period", "月份 (YYYY-MM) · The month reported.", r => r.Period, Output,
            new(GraphQL: GraphTypes.Output<ProgressReport, NonNullGraphType<StringGraphType>>(f =>
                f.Resolve(c => ProgressReporting.Month(c.Source.Period)))))
        .Field("completedInvestmentYtd", "累计完成投资 (亿元, 当年1月至该月末) · Completed investment from January to the end of the month, 亿元.",
            r => r.CompletedInvestmentYtd, Output, new(NonNegative: true))
        .Field("status", "当月项目状态 · The project's status that month.", r => r.Status, Output)
        .Field("note", "说明 · A note (required for a correction).", r => r.Note, Output, new(MaxLength: 1000))
        .Field("correction", "更正 (可调低累计数) · A correction, which may lower the year's cumulative figure.", r => r.Correction, Output)
        .Field("reportedBy", "填报人 · Who reported it.", r => r.ReportedBy, Output)
        .Field("reportedAt", "填报时间 (UTC) · When it was reported (UTC).", r => r.ReportedAt, Output, new(Generated: true))
        .Field("dataSource", "数据来源 · PUBLISHED or ILLUSTRATIVE.", r => r.DataSource, Output)
        .Field("version", "版本 · Version, +1 on every change.", r => r.Version, Output, new(Generated: true));
}

public sealed class ProgressReportType(QueryingTypes types) : RegistryObjectType<ProgressReport>(
    "月度进度 · A monthly progress report: 累计完成投资 for the year so far and the status that month.", ProgressReportFields.Registry, types, node: true);

/// <summary>
/// 月度进度填报 · Reporting a month: one report per project and month (upserted), the year's plan with it when given,
/// the rules offices follow (the cumulative figure only rises within a year unless a correction says why). Shared by
/// `reportProgress` and the progress-sheet import. The project's figures and status follow its latest report (a trigger).
/// </summary>
public static class ProgressReporting
{
    /// <summary>A report by key (node), as the caller may read it (row-level security: staff only).</summary>
    public static global::GraphQL.DataLoader.IDataLoaderResult<ProgressReport?> ById(global::GraphQL.IResolveFieldContext c, int id) =>
        c.LoaderById(db => db.ProgressReports, ProgressReportFields.Registry.Columns, r => r.Id).Load(id, Selection.FieldNames(c));

    public static string Month(DateOnly period) => period.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>"2024-09" → 2024-09-01, or null.</summary>
    public static DateOnly? ParseMonth(string? text) =>
        DateOnly.TryParseExact(text?.Trim() + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    public sealed record Report(
        int ProjectId, string Period, decimal CompletedInvestmentYtd, ProjectStatus Status, string? Note, bool Correction,
        decimal? AnnualPlannedInvestment, DataSource DataSource);

    /// <summary>Checks and writes one month; every problem is returned (paths under <paramref name="prefix"/>) and nothing written then.</summary>
    public static async Task<(ProgressReport? Written, List<Problem> Problems)> ReportAsync(
        PrimaryDb db, Report input, string actor, string[] prefix, CancellationToken ct)
    {
        var problems = new List<Problem>();
        void Problem(string field, string code, string message) => problems.Add(new Problem([.. prefix, field], code, message));
        var project = await db.Projects.AsNoTracking().SingleAsync(p => p.Id == input.ProjectId, ct);
        var period = ParseMonth(input.Period);
        var thisMonth = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "Asia/Shanghai"));
        if (period is null) Problem("period", "INVALID_PERIOD", $"period '{input.Period}' is not a month (YYYY-MM)");
        else if (period > new DateOnly(thisMonth.Year, thisMonth.Month, 1)) Problem("period", "PERIOD_IN_FUTURE", $"{input.Period} has not begun");
        if (input.CompletedInvestmentYtd < 0) Problem("completedInvestmentYtd", "NEGATIVE", "completedInvestmentYtd must be ≥ 0");
        if (input.CompletedInvestmentYtd > project.TotalInvestment)
            Problem("completedInvestmentYtd", "COMPLETED_EXCEEDS_TOTAL",
                $"completedInvestmentYtd {input.CompletedInvestmentYtd} exceeds totalInvestment {project.TotalInvestment}");
        if (input.AnnualPlannedInvestment is < 0) Problem("annualPlannedInvestment", "NEGATIVE", "annualPlannedInvestment must be ≥ 0");
        if (input.Note is { Length: > 1000 }) Problem("note", "TOO_LONG", "note is longer than 1000 characters");
        if (input.Correction && string.IsNullOrWhiteSpace(input.Note))
            Problem("note", "CORRECTION_NEEDS_NOTE", "a correction needs a note saying why");
        var year = period is { } p0 ? await db.ProgressReports.Where(r => r.ProjectId == project.Id && r.Period.Year == p0.Year).ToListAsync(ct) : [];
        if (period is { } p && !input.Correction)
        {
            var earlier = year.Where(r => r.Period <= p).Select(r => r.CompletedInvestmentYtd).DefaultIfEmpty(0).Max();
            var later = year.Where(r => r.Period > p).Select(r => (decimal?)r.CompletedInvestmentYtd).Min();
            if (input.CompletedInvestmentYtd < earlier)
                Problem("completedInvestmentYtd", "DECREASE_NEEDS_CORRECTION",
                    $"the year's cumulative figure was already {earlier}; lowering it is a correction (correction: true, with a note)");
            if (later is { } next && input.CompletedInvestmentYtd > next)
                Problem("completedInvestmentYtd", "EXCEEDS_LATER_REPORT", $"a later month of {p.Year} reports {next}; correct that month first");
        }
        if (problems.Count > 0) return (null, problems);

        var month = period!.Value;
        var report = year.SingleOrDefault(r => r.Period == month);
        if (report is null) db.ProgressReports.Add(report = new ProgressReport { ProjectId = project.Id, Period = month, ReportedBy = actor });
        report.CompletedInvestmentYtd = input.CompletedInvestmentYtd;
        report.Status = input.Status;
        report.Note = input.Note;
        report.Correction = input.Correction;
        report.ReportedBy = actor;
        report.ReportedAt = DateTime.UtcNow;
        report.DataSource = input.DataSource;
        if (input.AnnualPlannedInvestment is { } planned) await PlanAsync(db, project.Id, month.Year, planned, input.DataSource, ct);
        // The project's figures and status follow its latest plan and report: a trigger sees to it, for every writer.
        await db.SaveChangesAsync(ct);
        await db.Entry(report).ReloadAsync(ct);
        return (report, problems);
    }

    private static async Task PlanAsync(PrimaryDb db, int projectId, int year, decimal planned, DataSource source, CancellationToken ct)
    {
        var plan = await db.AnnualPlans.SingleOrDefaultAsync(a => a.ProjectId == projectId && a.Year == year, ct);
        if (plan is null) db.AnnualPlans.Add(plan = new AnnualPlan { ProjectId = projectId, Year = year });
        plan.PlannedInvestment = planned;
        plan.DataSource = source;
    }

    public static void AddProgressMutation(this ObjectGraphType mutation)
    {
        var input = new InputObjectGraphType { Name = "ReportProgressInput", Description = "一个月的进度 · One month's progress for one project." };
        input.Field<NonNullGraphType<IdGraphType>>("projectId").Description("项目 ID · The project's global ID.");
        input.Field<NonNullGraphType<StringGraphType>>("period").Description("月份 (YYYY-MM) · The month.");
        input.Field<NonNullGraphType<DecimalScalar>>("completedInvestmentYtd")
            .Description("累计完成投资 (亿元, 当年) · Completed investment this year so far.");
        input.Field<NonNullGraphType<EnumerationGraphType<ProjectStatus>>>("status").Description("当月状态 · The status that month.");
        input.Field<StringGraphType>("note").Description("说明 · A note; required for a correction.");
        input.Field<BooleanGraphType>("correction").Description("更正 · A correction may lower the year's cumulative figure (with a note).");
        input.Field<DecimalScalar>("annualPlannedInvestment").Description("当年计划投资 (亿元) · The year's planned investment, set with the report.");
        input.Field<EnumerationGraphType<DataSource>>("dataSource").Description("数据来源 · PUBLISHED (default) or ILLUSTRATIVE.");
        mutation.AddMutation("reportProgress", "填报月度进度 (同月重复填报即覆盖) · Reports a month's progress; reporting a month again replaces it.",
            input, "progressReport", new GraphQLTypeReference("ProgressReport"), [typeof(ValidationErrorType), typeof(ProjectNotFoundErrorType)],
            (c, i) => Writes.InTransactionAsync(c, async (db, ct) =>
            {
                var project = await ProjectMutations.FindAsync(db, i["projectId"], ["input", "projectId"], ct);
                await Writes.RequireEditableAsync(db, project.Id, ct);
                object? Get(string key) => i.TryGetValue(key, out var value) ? value : null;
                (ProgressReport? written, List<Problem> problems) = await ReportAsync(db, new Report(project.Id, (string)i["period"]!,
                    Convert.ToDecimal(i["completedInvestmentYtd"], CultureInfo.InvariantCulture), (ProjectStatus)i["status"]!,
                    Get("note") as string, Get("correction") as bool? ?? false,
                    Get("annualPlannedInvestment") is { } plan ? Convert.ToDecimal(plan, CultureInfo.InvariantCulture) : null,
                    Get("dataSource") as DataSource? ?? DataSource.Published), Writes.Actor, ["input"], ct);
                return written is null ? throw new MutationFailedException([new ValidationError(problems)]) : new Payload(written);
            }));
    }

    /// <summary>`Project.progress(from, to)`: the project's reports, by month.</summary>
    public static Func<QueryingTypes, FieldType> ProgressField() =>
        GraphTypes.Output<Project, NonNullGraphType<ListGraphType<NonNullGraphType<ProgressReportType>>>>(f => f
            .Argument<StringGraphType>("from", "起始月份 (YYYY-MM, 含) · The first month (YYYY-MM), inclusive.")
            .Argument<StringGraphType>("to", "截止月份 (YYYY-MM, 含) · The last month (YYYY-MM), inclusive.")
            .ResolveAsync(async c =>
            {
                DateOnly Bound(string name, DateOnly fallback) => c.GetArgument<string?>(name) is not { } text ? fallback
                    : ParseMonth(text) ?? throw new QueryInputException("INVALID_PERIOD", $"{name}: '{text}' is not a month (YYYY-MM)");
                var (from, to) = (Bound("from", DateOnly.MinValue), Bound("to", DateOnly.MaxValue));
                var id = c.Source.Id;
                return await c.RequestServices!.GetRequiredService<GeoProjectsDb>().ProgressReports.AsNoTracking()
                    .Where(r => r.ProjectId == id && r.Period >= from && r.Period <= to).OrderBy(r => r.Period).ToListAsync(c.CancellationToken);
            }));
}
