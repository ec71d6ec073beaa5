using System.ComponentModel;
using System.Linq.Expressions;
using System.Text.Json;
using GeoProjects.Api.Batches;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Security;
using GeoProjects.Api.Zones;
using GraphQL;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Projects;

[Description("统计分组维度 · A dimension to group project statistics by.")]
public enum ProjectDimension
{
    [Description("行业领域 · Sector.")] Sector,
    [Description("所属功能区 · Assigned zone.")] Zone,
    [Description("项目状态 · Lifecycle status.")] Status,
    [Description("批次 · Batch (集中开工/签约 event).")] Batch,
    [Description("产业链 · Industry chain.")] IndustryChain,
    [Description("开工年份 · Start year.")] StartYear,
    [Description("月份 (月度进度趋势) · Month of the progress reports, for a monthly trend (up to asOf).")] Period,
}

/// <summary>The group key; members of dimensions not grouped by stay null.</summary>
public sealed class StatsKey
{
    public Sector? Sector { get; set; }
    public int? ZoneId { get; set; }
    public ProjectStatus? Status { get; set; }
    public int? BatchId { get; set; }
    public string? IndustryChain { get; set; }
    public int? StartYear { get; set; }
    public DateOnly? Period { get; set; }
}

public sealed class ProjectStatsGroup
{
    public StatsKey Key { get; set; } = new();
    public int Count { get; set; }
    /// <summary>The sum of the projects' measure (ProjectFields.Registry.Measure), shown under that field's name.</summary>
    public decimal Measure { get; set; }
    public decimal? AnnualPlannedInvestment { get; set; }
    public decimal? CompletedInvestment { get; set; }
    // Bounding box of the group's locations (min/max of ST_X/ST_Y); null for an empty total.
    public double? MinX { get; set; }
    public double? MinY { get; set; }
    public double? MaxX { get; set; }
    public double? MaxY { get; set; }

    public decimal? CompletionRate => AnnualPlannedInvestment > 0 && CompletedInvestment is { } done ? done / AnnualPlannedInvestment : null;
}

/// <summary>GROUP BY statistics in one SQL statement per request (per level for Zone.stats).</summary>
public static class ProjectStatsQueries
{
    public static void AddProjectStatsQueries(this ObjectGraphType query, QueryingTypes types)
    {
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProjectStatsGroupType>>>>("projectStats")
            .Description("项目统计: 按维度分组的数量与投资合计, 一条 GROUP BY SQL · Counts and investment totals grouped by dimensions, in one SQL GROUP BY. No groupBy gives one total.")
            .Arguments(types.WhereArgument(ProjectSchema.Filter))
            .Argument<ListGraphType<NonNullGraphType<EnumerationGraphType<ProjectDimension>>>>("groupBy", "分组维度 · Dimensions to group by, e.g. [SECTOR, ZONE].")
            .Argument<DateScalar>("asOf", "进度类筛选的计算日期, 默认今天 (北京时间) · Date at which progress filters are measured; default today (China time).")
            .ResolveAsync(async c => await GetStatsAsync(
                c.RequestServices!.GetRequiredService<GeoProjectsDb>(), c.InputArgument("where"), Progress.Context(c),
                c.GetArgument<List<ProjectDimension>?>("groupBy") ?? [], WantsProgress(c), WantsBox(c), NeedsRows(c), c.CancellationToken));
    }

    private static readonly string[] ProgressTotals = ["annualPlannedInvestment", "completedInvestment", "completionRate"];
    private static readonly string[] ProgressMembers = [nameof(ProjectStatsGroup.AnnualPlannedInvestment), nameof(ProjectStatsGroup.CompletedInvestment)];
    private static readonly string[] BoxMembers =
        [nameof(ProjectStatsGroup.MinX), nameof(ProjectStatsGroup.MinY), nameof(ProjectStatsGroup.MaxX), nameof(ProjectStatsGroup.MaxY)];

    /// <summary>The bounding box costs four aggregates over every row: computed only when bbox or extent is selected.</summary>
    private static bool WantsBox(IResolveFieldContext c) => Selection.FieldNames(c).Overlaps(["bbox", "extent"]);

    /// <summary>Counts and investment totals come from the summary; a bounding box or a progress total needs the projects' rows.</summary>
    private static bool NeedsRows(IResolveFieldContext c) => Selection.FieldNames(c).Overlaps(ProgressTotals.Append("bbox").Append("extent"));

    /// <summary>
    /// The plan and completed totals cost a subquery per project: summed only when selected, and for a caller who may
    /// read them (they are null with an error otherwise).
    /// </summary>
    private static bool WantsProgress(IResolveFieldContext c) =>
        Selection.FieldNames(c).Overlaps(ProgressTotals) && ProgressTotals.All(t => ProjectFields.Registry.Find(t).ReadableBy(Caller.Current));

    /// <summary>
    /// The groups, from the summary kept on write (project_summary) when it holds the answer: no PERIOD, no bounding box or
    /// progress total (<paramref name="needsRows"/>), and a filter that reads the summary's dimensions only (sector, status,
    /// zone, batch, industry chain); otherwise one GROUP BY over the filtered projects. Both give the same groups.
    /// </summary>
    public static async Task<List<ProjectStatsGroup>> GetStatsAsync(
        GeoProjectsDb db, IDictionary<string, object?>? where, QueryContext context, IReadOnlyCollection<ProjectDimension> groupBy, bool progress,
        bool box, bool needsRows, CancellationToken ct)
    {
        var (filter, projects) = ProjectQueries.Matching(db, where, context);
        if (groupBy.Contains(ProjectDimension.Period)) return await TrendAsync(projects, groupBy, context, ct);
        var summary = needsRows ? null : SummaryFilter.Over(db.ProjectSummaries, filter, ProjectSummary.Dimensions);
        var groups = (summary, groupBy.Count) switch
        {
            (null, 0) => await Aggregate(projects, p => 1, _ => new StatsKey(), context, progress, box).ToListAsync(ct),
            (null, _) => await Aggregate(projects, KeySelector<Project>(groupBy, ProjectKeys), k => k, context, progress, box).ToListAsync(ct),
            (_, 0) => await SummaryTotals(summary, s => 1, _ => new StatsKey()).ToListAsync(ct),
            _ => await SummaryTotals(summary, KeySelector<ProjectSummary>(groupBy, SummaryKeys), k => k).ToListAsync(ct),
        };
        // Without groupBy the answer is one total, also when nothing matches.
        if (groupBy.Count == 0 && groups.Count == 0) groups.Add(new ProjectStatsGroup { AnnualPlannedInvestment = 0, CompletedInvestment = 0 });
        return groups.OrderByDescending(g => g.Measure).ThenByDescending(g => g.Count).ToList();
    }

    /// <summary>The measure of a project, and the summary's column of the same name holding its sums.</summary>
    private static readonly LambdaExpression ProjectMeasure = ProjectFields.Registry.Measure.Member();
    private static readonly LambdaExpression SummaryMeasure = Member<ProjectSummary>(ProjectFields.Registry.Measure.Property!.Name);

    private static LambdaExpression Member<T>(string name)
    {
        var x = Expression.Parameter(typeof(T), "x");
        return Expression.Lambda(Expression.Property(x, name), x);
    }

    /// <summary>Count and summed measure per group, from the summary.</summary>
    private static IQueryable<ProjectStatsGroup> SummaryTotals<TKey>(
        IQueryable<ProjectSummary> summary, Expression<Func<ProjectSummary, TKey>> key, Expression<Func<TKey, StatsKey>> statsKey)
    {
        Expression<Func<IGrouping<TKey, ProjectSummary>, StatsKey, Func<ProjectSummary, decimal>, ProjectStatsGroup>> totals =
            (g, k, measure) => new ProjectStatsGroup { Key = k, Count = g.Sum(s => s.Count), Measure = g.Sum(s => measure(s)) };
        var group = totals.Parameters[0];
        var body = FilterTranslator.Inline(totals, group, GroupKey(statsKey, group), SummaryMeasure);
        var select = Expression.Lambda<Func<IGrouping<TKey, ProjectSummary>, ProjectStatsGroup>>(new InvokeInliner().Visit(body), group);
        return summary.GroupBy(key).Select(select);
    }

    private static Expression GroupKey<TKey>(Expression<Func<TKey, StatsKey>> statsKey, ParameterExpression group) =>
        FilterTranslator.Replace(statsKey, Expression.Property(group, "Key"));

    /// <summary>Totals of each zone's assigned projects, for every zone of a level in one statement.</summary>
    public static BatchLoader<int, ProjectStatsGroup> ZoneStats(IResolveFieldContext c)
    {
        var where = c.InputArgument("where");
        var context = Progress.Context(c);
        var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
        var progress = WantsProgress(c);
        var box = WantsBox(c);
        var key = $"Zone.stats:{progress}:{box}:" + JsonSerializer.Serialize(where, OwnedProjects.DescribeOptions);
        return c.RequestServices!.GetRequiredService<RequestLoaders>().GetOrAdd<int, ProjectStatsGroup>(key, async (ids, _, ct) =>
        {
            var scoped = ProjectQueries.Filtered(db, where, context).Where(p => p.ZoneId != null && ids.Contains(p.ZoneId.Value));
            var rows = await Aggregate(scoped, KeySelector<Project>([ProjectDimension.Zone], ProjectKeys), k => k, context, progress, box).ToListAsync(ct);
            var byZone = rows.ToDictionary(g => g.Key.ZoneId!.Value);
            return ids.ToDictionary(id => id, id => byZone.GetValueOrDefault(id) ?? new ProjectStatsGroup { Key = new StatsKey { ZoneId = id } });
        });
    }

    /// <summary>
    /// Count and investment per group; with <paramref name="progress"/> the plan and completed figure at `asOf` too, as the
    /// progress fields see them, and with <paramref name="box"/> the bounding box (four more aggregates over every row).
    /// </summary>
    private static IQueryable<ProjectStatsGroup> Aggregate<TKey>(
        IQueryable<Project> projects, Expression<Func<Project, TKey>> key, Expression<Func<TKey, StatsKey>> statsKey, QueryContext context,
        bool progress, bool box)
    {
        Expression<Func<IGrouping<TKey, Project>, StatsKey, Func<Project, decimal>, Func<Project, decimal?>, Func<Project, decimal?>,
            ProjectStatsGroup>> every = (g, k, measure, planned, completed) => new ProjectStatsGroup
            {
                Key = k,
                Count = g.Count(),
                Measure = g.Sum(p => measure(p)),
                AnnualPlannedInvestment = g.Sum(p => planned(p)),
                CompletedInvestment = g.Sum(p => completed(p)),
                MinX = g.Min(p => (double?)p.Location.X),
                MinY = g.Min(p => (double?)p.Location.Y),
                MaxX = g.Max(p => (double?)p.Location.X),
                MaxY = g.Max(p => (double?)p.Location.Y),
            };
        var all = (MemberInitExpression)every.Body;
        var wanted = all.Bindings.Where(b => (progress || !ProgressMembers.Contains(b.Member.Name)) && (box || !BoxMembers.Contains(b.Member.Name)));
        var aggregates = Expression.Lambda(Expression.MemberInit(all.NewExpression, wanted), every.Parameters);
        var group = aggregates.Parameters[0];
        var body = FilterTranslator.Inline(
            aggregates, group, GroupKey(statsKey, group), ProjectMeasure, Progress.Planned(context), Progress.Completed(context));
        body = new InvokeInliner().Visit(body);
        return projects.GroupBy(key).Select(Expression.Lambda<Func<IGrouping<TKey, Project>, ProjectStatsGroup>>(body, group));
    }

    /// <summary>A report of a filtered project, the row a monthly trend groups.</summary>
    public sealed class Reported
    {
        public required Project Project { get; init; }
        public required ProgressReport Report { get; init; }
    }

    /// <summary>
    /// The monthly trend: the filtered projects' reports up to asOf, grouped by month (and the other dimensions asked):
    /// per month the projects that reported, their total investment, their plans for that year and their 累计完成投资.
    /// </summary>
    private static async Task<List<ProjectStatsGroup>> TrendAsync(
        IQueryable<Project> projects, IReadOnlyCollection<ProjectDimension> groupBy, QueryContext context, CancellationToken ct)
    {
        var (_, to) = Progress.ReportWindow(context.AsOf);
        var rows = projects.SelectMany(p => p.Reports.Where(r => r.Period <= to), (p, r) => new Reported { Project = p, Report = r });
        var x = Expression.Parameter(typeof(Reported), "x");
        var projectKey = KeySelector<Project>(groupBy.Where(d => d != ProjectDimension.Period).ToList(), ProjectKeys);
        var init = (MemberInitExpression)FilterTranslator.Inline(projectKey, Expression.Property(x, nameof(Reported.Project)));
        var period = Expression.Convert(Expression.Property(Expression.Property(x, nameof(Reported.Report)), nameof(ProgressReport.Period)), typeof(DateOnly?));
        var key = Expression.Lambda<Func<Reported, StatsKey>>(
            Expression.MemberInit(init.NewExpression, [.. init.Bindings, Expression.Bind(typeof(StatsKey).GetProperty(nameof(StatsKey.Period))!, period)]), x);
        Expression<Func<IGrouping<StatsKey, Reported>, Func<Project, decimal>, ProjectStatsGroup>> month = (g, measure) => new ProjectStatsGroup
        {
            Key = g.Key,
            Count = g.Count(),
            Measure = g.Sum(r => measure(r.Project)),
            AnnualPlannedInvestment = g.Sum(r => r.Project.Plans.Where(a => a.Year == r.Report.Period.Year)
                .Select(a => (decimal?)a.PlannedInvestment).FirstOrDefault()),
            CompletedInvestment = g.Sum(r => (decimal?)r.Report.CompletedInvestmentYtd),
            MinX = g.Min(r => (double?)r.Project.Location.X),
            MinY = g.Min(r => (double?)r.Project.Location.Y),
            MaxX = g.Max(r => (double?)r.Project.Location.X),
            MaxY = g.Max(r => (double?)r.Project.Location.Y),
        };
        var group = month.Parameters[0];
        var totals = Expression.Lambda<Func<IGrouping<StatsKey, Reported>, ProjectStatsGroup>>(
            new InvokeInliner().Visit(FilterTranslator.Inline(month, group, ProjectMeasure)), group);
        var groups = await rows.GroupBy(key).Select(totals).ToListAsync(ct);
        return groups.OrderBy(g => g.Key.Period).ThenByDescending(g => g.Measure).ToList();
    }

    /// <summary>Each dimension's key as a project has it, and as the summary stores it.</summary>
    private static readonly Dictionary<ProjectDimension, LambdaExpression> ProjectKeys = new()
    {
        [ProjectDimension.Sector] = (Expression<Func<Project, Sector?>>)(x => x.Sector),
        [ProjectDimension.Zone] = (Expression<Func<Project, int?>>)(x => x.ZoneId),
        [ProjectDimension.Status] = (Expression<Func<Project, ProjectStatus?>>)(x => x.Status),
        [ProjectDimension.Batch] = (Expression<Func<Project, int?>>)(x => x.BatchId),
        [ProjectDimension.IndustryChain] = (Expression<Func<Project, string?>>)(x => x.IndustryChain),
        [ProjectDimension.StartYear] = (Expression<Func<Project, int?>>)(x => x.StartDate.HasValue ? x.StartDate.Value.Year : null),
    };

    private static readonly Dictionary<ProjectDimension, LambdaExpression> SummaryKeys = new()
    {
        [ProjectDimension.Sector] = (Expression<Func<ProjectSummary, Sector?>>)(x => x.Sector),
        [ProjectDimension.Zone] = (Expression<Func<ProjectSummary, int?>>)(x => x.ZoneId),
        [ProjectDimension.Status] = (Expression<Func<ProjectSummary, ProjectStatus?>>)(x => x.Status),
        [ProjectDimension.Batch] = (Expression<Func<ProjectSummary, int?>>)(x => x.BatchId),
        [ProjectDimension.IndustryChain] = (Expression<Func<ProjectSummary, string?>>)(x => x.IndustryChain),
        [ProjectDimension.StartYear] = (Expression<Func<ProjectSummary, int?>>)(x => x.StartYear),
    };

    private static readonly Dictionary<ProjectDimension, string> KeyMembers = new()
    {
        [ProjectDimension.Sector] = nameof(StatsKey.Sector), [ProjectDimension.Zone] = nameof(StatsKey.ZoneId),
        [ProjectDimension.Status] = nameof(StatsKey.Status), [ProjectDimension.Batch] = nameof(StatsKey.BatchId),
        [ProjectDimension.IndustryChain] = nameof(StatsKey.IndustryChain), [ProjectDimension.StartYear] = nameof(StatsKey.StartYear),
    };

    /// <summary>x => new StatsKey { Sector = x.Sector, … } with only the requested dimensions bound.</summary>
    private static Expression<Func<T, StatsKey>> KeySelector<T>(
        IReadOnlyCollection<ProjectDimension> groupBy, IReadOnlyDictionary<ProjectDimension, LambdaExpression> keys)
    {
        var x = Expression.Parameter(typeof(T), "x");
        var bindings = groupBy.Distinct().Select(d => d == ProjectDimension.Period
            ? throw new ArgumentException("PERIOD groups reports (see TrendAsync), not projects", nameof(groupBy))
            : Bind(KeyMembers[d], keys[d], x));
        return Expression.Lambda<Func<T, StatsKey>>(Expression.MemberInit(Expression.New(typeof(StatsKey)), bindings), x);
    }

    private static MemberAssignment Bind(string member, LambdaExpression value, ParameterExpression p) =>
        Expression.Bind(typeof(StatsKey).GetProperty(member)!, FilterTranslator.Replace(value, p));
}

public sealed class ProjectStatsGroupType : ObjectGraphType<ProjectStatsGroup>
{
    public ProjectStatsGroupType()
    {
        Name = "ProjectStatsGroup";
        Description = "项目统计分组 · One group of project statistics: its keys (null for dimensions not grouped by) and totals.";
        Field<EnumerationGraphType<Sector>>("sector").Description("分组键: 行业领域 · Group key: sector.").Resolve(c => c.Source.Key.Sector);
        Field<ZoneType>("zone").Description("分组键: 功能区 · Group key: the assigned zone.")
            .Resolve(c => c.Source.Key.ZoneId is { } id ? ZoneLoaders.ById(c, id) : null);
        Field<EnumerationGraphType<ProjectStatus>>("status").Description("分组键: 项目状态 · Group key: status.").Resolve(c => c.Source.Key.Status);
        Field<ProjectBatchType>("batch").Description("分组键: 批次 · Group key: batch.")
            .Resolve(c => c.Source.Key.BatchId is { } id ? BatchLoaders.ById(c, id) : null);
        Field<StringGraphType>("industryChain").Description("分组键: 产业链 · Group key: industry chain.").Resolve(c => c.Source.Key.IndustryChain);
        Field<IntGraphType>("startYear").Description("分组键: 开工年份 · Group key: start year.").Resolve(c => c.Source.Key.StartYear);
        Field<StringGraphType>("period").Description("分组键: 月份 (YYYY-MM) · Group key: the month (with groupBy PERIOD).")
            .Resolve(c => c.Source.Key.Period is { } month ? ProgressReporting.Month(month) : null);
        Field(x => x.Count).Description("项目数 · Number of projects.");
        var measure = ProjectFields.Registry.Measure;
        Field(measure.Name, x => x.Measure).Description(measure.SumDescription);
        Field(x => x.AnnualPlannedInvestment, nullable: true).Description("年度计划投资合计 (亿元) · Sum of annual planned investment in 亿元.");
        Field(x => x.CompletedInvestment, nullable: true).Description("完成投资合计 (亿元) · Sum of completed investment in 亿元.");
        Field<DecimalScalar>("completionRate").Description("完成率 = 完成投资合计 / 年度计划合计 · Completed over annual planned, summed over the group.").Resolve(c => c.Source.CompletionRate);
        Field<ListGraphType<NonNullGraphType<FloatGraphType>>>("bbox").Description("外包框 [minX, minY, maxX, maxY] · Bounding box of the group's project locations.")
            .Resolve(c => c.Source is { MinX: { } w, MinY: { } s, MaxX: { } e, MaxY: { } n } ? new[] { w, s, e, n } : null);
        Field<GeoJsonPolygonType>("extent").Description("范围: 外包框面 · The bounding box as a GeoJSON polygon (degenerate for a single project).")
            .WithCrs(g => g is { MinX: { } w, MinY: { } s, MaxX: { } e, MaxY: { } n }
                ? GeoJson.Factory.CreatePolygon([new(w, s), new(e, s), new(e, n), new(w, n), new(w, s)]) : null);
        // A total reveals what its field does (one project's, when the filter picks one): read by whoever reads the field.
        foreach (var total in (string[])[measure.Name, "annualPlannedInvestment", "completedInvestment", "completionRate"])
            Fields.Single(f => f.Name.Equals(total, StringComparison.OrdinalIgnoreCase)) // named by the converter later
                .Require(ProjectFields.Registry.Find(total).Access.Read);
    }
}

/// <summary>Replaces `f(p)` where f is a lambda (substituted in) by the lambda's body over p, so EF Core sees plain expressions.</summary>
internal sealed class InvokeInliner : ExpressionVisitor
{
    protected override Expression VisitInvocation(InvocationExpression node) =>
        node.Expression is LambdaExpression lambda ? Visit(FilterTranslator.Inline(lambda, [.. node.Arguments.Select(Visit)!])) : base.VisitInvocation(node);
}
