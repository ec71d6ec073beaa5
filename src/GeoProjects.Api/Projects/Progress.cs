using System.ComponentModel;
using System.Globalization;
using System.Linq.Expressions;
using GeoProjects.Api.Data;
using GeoProjects.Api.Querying;
using GraphQL;

namespace GeoProjects.Api.Projects;

/// <summary>Section "Progress" of the configuration: how far behind schedule turns a project yellow or red.</summary>
public sealed class ProgressOptions
{
    /// <summary>Percentage points behind the schedule rate from which a project is YELLOW (inclusive).</summary>
    public decimal YellowBehindPoints { get; set; } = 10;
    /// <summary>More than this many points behind is RED.</summary>
    public decimal RedBehindPoints { get; set; } = 30;
}

[Description("投资进度预警 · Investment progress warning, by how far completion lags the schedule rate (序时进度).")]
public enum WarningLevel
{
    [Description("正常: 落后不足黄色阈值 · On track: less behind than the yellow threshold (10 points by default).")] Green,
    [Description("黄色预警: 落后 10–30 个百分点 · Behind by the yellow threshold up to the red one (10–30 points by default).")] Yellow,
    [Description("红色预警: 落后超过 30 个百分点 · Behind by more than the red threshold (30 points by default).")] Red,
}

/// <summary>
/// Investment progress as Chinese project offices track it: 完成率 = completed / annual plan; 序时进度 = share of
/// the year elapsed at a date; the gap between them in percentage points; and a warning level from that gap.
/// Written as expressions, so PostgreSQL computes them for filters and sorts; in decimal, so thresholds are exact.
/// </summary>
public static class Progress
{
    /// <summary>序时进度: days elapsed (the day itself included) over the days of the year.</summary>
    public static decimal ScheduleRate(DateOnly asOf) => (decimal)asOf.DayOfYear / (DateTime.IsLeapYear(asOf.Year) ? 366 : 365);

    /// <summary>
    /// The reports that count at <paramref name="asOf"/>: those of its year whose month has ended by then (September's
    /// report counts from 30 September; on 15 September, August's is the latest).
    /// </summary>
    public static (DateOnly From, DateOnly To) ReportWindow(DateOnly asOf)
    {
        var next = asOf.AddDays(1);
        return (new DateOnly(asOf.Year, 1, 1), new DateOnly(next.Year, next.Month, 1).AddMonths(-1));
    }

    /// <summary>年度计划投资 at `asOf`: the plan for its year.</summary>
    public static Expression<Func<Project, decimal?>> Planned(QueryContext context)
    {
        var year = context.AsOf.Year;
        return p => p.Plans.Where(a => a.Year == year).Select(a => (decimal?)a.PlannedInvestment).FirstOrDefault();
    }

    /// <summary>累计完成投资 at `asOf`: the latest report that counts then (<see cref="ReportWindow"/>).</summary>
    public static Expression<Func<Project, decimal?>> Completed(QueryContext context)
    {
        var (from, to) = ReportWindow(context.AsOf);
        return p => p.Reports.Where(r => r.Period >= from && r.Period <= to).OrderByDescending(r => r.Period)
            .Select(r => (decimal?)r.CompletedInvestmentYtd).FirstOrDefault();
    }

    /// <summary>An expression of the plan and the completed figure at `asOf`, over a project.</summary>
    private static Expression<Func<Project, T>> Of<T>(QueryContext context, Expression<Func<decimal?, decimal?, T>> formula)
    {
        var p = Expression.Parameter(typeof(Project), "p");
        var body = FilterTranslator.Inline(formula, FilterTranslator.Inline(Planned(context), p), FilterTranslator.Inline(Completed(context), p));
        return Expression.Lambda<Func<Project, T>>(body, p);
    }

    public static Expression<Func<Project, decimal?>> CompletionRate(QueryContext context) =>
        Of<decimal?>(context, (plan, done) => plan > 0 && done != null ? done / plan : null);

    public static Expression<Func<Project, decimal?>> ScheduleGap(QueryContext context)
    {
        var schedule = ScheduleRate(context.AsOf);
        return Of<decimal?>(context, (plan, done) => plan > 0 && done != null ? (done / plan - schedule) * 100 : null);
    }

    public static Expression<Func<Project, WarningLevel?>> Warning(QueryContext context)
    {
        var schedule = ScheduleRate(context.AsOf);
        var red = -context.RedBehindPoints;
        var yellow = -context.YellowBehindPoints;
        return Of<WarningLevel?>(context, (plan, done) => plan > 0 && done != null
            ? (done / plan - schedule) * 100 < red ? WarningLevel.Red
                : (done / plan - schedule) * 100 <= yellow ? WarningLevel.Yellow
                : WarningLevel.Green
            : null);
    }

    public static Expression<Func<Project, decimal>> Schedule(QueryContext context)
    {
        var schedule = ScheduleRate(context.AsOf);
        return _ => schedule;
    }

    /// <summary>The request's context: `asOf` when the field has it, else today in China (UTC+8); thresholds from configuration.</summary>
    public static QueryContext Context(global::GraphQL.IResolveFieldContext c) =>
        Context(c.RequestServices!, c.HasArgument("asOf") ? c.GetArgument<DateOnly?>("asOf") : null);

    /// <summary>The same for map requests, from their `asOf` query parameter; throws <see cref="QueryInputException"/> when it is not a date.</summary>
    public static QueryContext Context(HttpContext http)
    {
        var text = http.Request.Query["asOf"].FirstOrDefault();
        if (string.IsNullOrEmpty(text)) return Context(http.RequestServices, null);
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var asOf))
            throw new QueryInputException("INVALID_AS_OF", $"asOf '{text}' is not a date (yyyy-MM-dd)");
        return Context(http.RequestServices, asOf);
    }

    public static QueryContext Context(IServiceProvider services, DateOnly? asOf)
    {
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ProgressOptions>>().Value;
        var today = DateOnly.FromDateTime(services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime.AddHours(8));
        return new QueryContext(asOf ?? today, options.YellowBehindPoints, options.RedBehindPoints);
    }

    // The same formulas over loaded figures, for output fields (a test holds them equal to the SQL ones).
    public static decimal? CompletionRateOf(ProgressFigures.AtDate f) =>
        f.Planned > 0 && f.Completed is { } done ? done / f.Planned : null;

    public static decimal? ScheduleGapOf(ProgressFigures.AtDate f, DateOnly asOf) => (CompletionRateOf(f) - ScheduleRate(asOf)) * 100;

    public static WarningLevel? WarningOf(ProgressFigures.AtDate f, QueryContext c) => ScheduleGapOf(f, c.AsOf) switch
    {
        null => null,
        var gap when gap < -c.RedBehindPoints => WarningLevel.Red,
        var gap when gap <= -c.YellowBehindPoints => WarningLevel.Yellow,
        _ => WarningLevel.Green,
    };
}
