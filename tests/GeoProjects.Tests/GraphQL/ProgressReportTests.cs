using System.Text.Json;
using GeoProjects.Api.Import;
using GeoProjects.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>Monthly progress: reportProgress's rules, the project's figures following its latest report, the sheet import.</summary>
[Collection(EditingCollection.Name)]
public sealed class ProgressReportTests(ApiFixture api)
{
    private const string Errors = "errors { __typename ... on ValidationError { problems { path code } } }";

    private Task<JsonElement> MutateAsync(string text) => new MutationTests(api).MutateAsync(text);

    private async Task<string> ProjectAsync(string code) =>
        (await MutateAsync($$"""
            mutation { createProject(input: { code: "{{code}}", name: "[示例] 进度 {{code}}", sector: MARINE_ECONOMY, status: STARTED,
              totalInvestment: 10, location: { type: "Point", coordinates: [120.1, 35.9] }, dataSource: ILLUSTRATIVE }) { project { id } } }
            """)).GetProperty("createProject").GetProperty("project").GetProperty("id").GetString()!;

    private async Task<JsonElement> ReportAsync(string id, string period, decimal ytd, string extra = "") =>
        (await MutateAsync($$"""
            mutation { reportProgress(input: { projectId: "{{id}}", period: "{{period}}", completedInvestmentYtd: {{ytd}}, status:
              UNDER_CONSTRUCTION {{extra}} })
              { progressReport { period completedInvestmentYtd reportedBy } {{Errors}} } }
            """)).GetProperty("reportProgress");

    private static string[] Codes(JsonElement payload) =>
        payload.GetProperty("errors")[0].GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("code").GetString()!).ToArray();

    [Fact]
    public async Task MonthsAreReportedAndTheProjectFollowsTheLatest()
    {
        var id = await ProjectAsync("T-PROG");
        var march = await ReportAsync(id, "2024-03", 1.5m, ", annualPlannedInvestment: 4");
        Assert.Equal(("2024-03", "测试员"), (march.GetProperty("progressReport").GetProperty("period").GetString(),
            march.GetProperty("progressReport").GetProperty("reportedBy").GetString()));
        await ReportAsync(id, "2024-05", 2.5m);
        await ReportAsync(id, "2024-03", 1.8m); // the same month again replaces it
        var project = (await MutateAsync($$"""
            { project(id: "{{id}}") { status annualPlannedInvestment(asOf: "2024-12-31") completedInvestment(asOf: "2024-12-31")
              progress(from: "2024-01", to: "2024-12") { period
              completedInvestmentYtd } } }
            """)).GetProperty("project");
        Assert.Equal(("UNDER_CONSTRUCTION", 4m, 2.5m), (project.GetProperty("status").GetString(),
            project.GetProperty("annualPlannedInvestment").GetDecimal(), project.GetProperty("completedInvestment").GetDecimal()));
        Assert.Equal(["2024-03:1.8", "2024-05:2.5"], project.GetProperty("progress").EnumerateArray()
            .Select(r => $"{r.GetProperty("period").GetString()}:{r.GetProperty("completedInvestmentYtd").GetDecimal():0.0#}"));
    }

    [Fact]
    public async Task TheYearsFigureRisesUnlessACorrectionSaysWhy()
    {
        var id = await ProjectAsync("T-PROG-RULES");
        await ReportAsync(id, "2024-06", 3m);
        Assert.Equal(["DECREASE_NEEDS_CORRECTION"], Codes(await ReportAsync(id, "2024-07", 2m)));
        Assert.Equal(["EXCEEDS_LATER_REPORT"], Codes(await ReportAsync(id, "2024-05", 4m)));
        Assert.Equal(["CORRECTION_NEEDS_NOTE"], Codes(await ReportAsync(id, "2024-07", 2m, ", correction: true")));
        var corrected = await ReportAsync(id, "2024-07", 2m, ", correction: true, note: \"审计调整 · audit adjustment\"");
        Assert.Equal(JsonValueKind.Null, corrected.GetProperty("errors").ValueKind);
        Assert.Equal(["INVALID_PERIOD"], Codes(await ReportAsync(id, "2024-13", 1m)));
        Assert.Equal(["PERIOD_IN_FUTURE", "COMPLETED_EXCEEDS_TOTAL"], Codes(await ReportAsync(id, "2099-01", 11m)));
        var missing = (await MutateAsync($$"""
            mutation { reportProgress(input: { projectId: "{{Convert.ToBase64String("Project:99999"u8.ToArray())}}", period: "2024-01",
              completedInvestmentYtd: 1, status: STARTED }) { progressReport { period } errors { __typename } } }
            """)).GetProperty("reportProgress").GetProperty("errors")[0];
        Assert.Equal("ProjectNotFoundError", missing.GetProperty("__typename").GetString());
    }

    [Fact]
    public async Task TheMonthlySheetIsImportedAllOrNothing()
    {
        await ProjectAsync("T-SHEET");
        var file = Path.Combine(Path.GetTempPath(), $"progress-{Guid.NewGuid():N}.xlsx");
        async Task<ImportResult> ImportAsync(params Dictionary<string, object?>[] rows)
        {
            File.Delete(file);
            MiniExcelLibs.MiniExcel.SaveAs(file, rows);
            await using var scope = api.Services.CreateAsyncScope();
            using var asOperator = ApiFixture.AsOperator("import:统计科");
            return await scope.ServiceProvider.GetRequiredService<ProgressImporter>().ImportAsync(file, new ImportOptions(Actor: "统计科"));
        }
        static Dictionary<string, object?> Row(string code, string month, double ytd, string status = "在建") =>
            new() { ["项目编码"] = code, ["月份"] = month, ["累计完成投资"] = ytd, ["状态"] = status, ["备注"] = null };
        async Task<long> ReportsAsync()
        {
            await using var c = await api.OpenAsync();
            await using var count = new NpgsqlCommand(
                "SELECT count(*) FROM progress_reports r JOIN projects p ON p.id = r.project_id WHERE p.code = 'T-SHEET'", c);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        try
        {
            var bad = await ImportAsync(Row("T-SHEET", "2024-01", 1), Row("T-SHEET", "2024-02", 0.5), Row("NO-SUCH", "2024-02", 1, "完工?"));
            Assert.False(bad.Succeeded);
            Assert.Equal([3, 4, 4], bad.Errors.Select(e => e.Row));
            Assert.Equal(0, await ReportsAsync());
            var good = await ImportAsync(Row("T-SHEET", "2024-01", 1), Row("T-SHEET", "2024/2", 1.5), Row("T-SHEET", "2024.3", 2.25, "竣工"));
            Assert.True(good.Succeeded, string.Join("\n", good.Errors));
            Assert.Equal(3, await ReportsAsync());
            var status = (await MutateAsync("""{ projects(where: { code: { eq: "T-SHEET" } }) { nodes { status completedInvestment(asOf: "2024-03-31") } } }"""))
                .GetProperty("projects").GetProperty("nodes")[0];
            Assert.Equal(("COMPLETED", 2.25m), (status.GetProperty("status").GetString(), status.GetProperty("completedInvestment").GetDecimal()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>`projectStats(groupBy: [PERIOD])` equals the same sums over plain SQL, month by month.</summary>
    [Fact]
    public async Task TheMonthlyTrendEqualsTheSumsOfTheReports()
    {
        var data = await MutateAsync("""
            { projectStats(asOf: "2024-06-30", groupBy: [PERIOD]) { period count totalInvestment annualPlannedInvestment completedInvestment } }
            """);
        var actual = data.GetProperty("projectStats").EnumerateArray().Select(g =>
            $"{g.GetProperty("period").GetString()}|{g.GetProperty("count").GetInt32()}|{g.GetProperty("totalInvestment").GetDecimal():0.00}|"
            + $"{g.GetProperty("annualPlannedInvestment").GetDecimal():0.00}|{g.GetProperty("completedInvestment").GetDecimal():0.00}").ToList();
        await using var c = await api.OpenAsync();
        await using var oracle = new NpgsqlCommand("""
            SELECT to_char(r.period, 'YYYY-MM'), count(*), sum(p.total_investment),
                   coalesce(sum((SELECT a.planned_investment FROM annual_plans a WHERE a.project_id = p.id AND a.year = extract(year FROM r.period))), 0),
                   sum(r.completed_investment_ytd)
            FROM progress_reports r JOIN projects p ON p.id = r.project_id
            WHERE r.period <= DATE '2024-06-01' GROUP BY 1 ORDER BY 1
            """, c);
        var expected = new List<string>();
        await using (var r = await oracle.ExecuteReaderAsync())
            while (await r.ReadAsync())
                expected.Add($"{r.GetString(0)}|{r.GetInt64(1)}|{r.GetDecimal(2):0.00}|{r.GetDecimal(3):0.00}|{r.GetDecimal(4):0.00}");
        Assert.True(expected.Count >= 7, "the seed's reports: December 2023 and January to June 2024");
        Assert.Equal(expected, actual);
    }
}
