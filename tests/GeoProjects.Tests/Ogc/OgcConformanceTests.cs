using System.Net;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// CQL2's three-valued logic, datetime intervals and bounding boxes as GDAL, QGIS and OWSLib send them. The oracle for
/// null logic is PostgreSQL's own WHERE, which is three-valued as CQL2 is, over the same rows.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OgcConformanceTests(ApiFixture api)
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> ItemsAsync(string query)
    {
        using var client = api.CreateClient();
        using var response = await client.GetAsync("/ogc/collections/projects/items?limit=1&" + query);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<int> MatchedAsync(string query)
    {
        var (status, body) = await ItemsAsync(query);
        Assert.True(status == HttpStatusCode.OK, $"{query}: {(int)status} {body}");
        return body.GetProperty("numberMatched").GetInt32();
    }

    private async Task<int> SqlCountAsync(string where)
    {
        await using var c = await api.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            $"SELECT count(*) FROM projects p LEFT JOIN zones z ON z.id = p.zone_id WHERE {where}", c);
        return (int)(long)(await cmd.ExecuteScalarAsync())!;
    }

    public static TheoryData<string, string> NegatedForms() => new()
    {
        { "NOT (annualPlannedInvestment >= 1)", "NOT (p.annual_planned_investment >= 1)" },
        { "annualPlannedInvestment <> 1", "p.annual_planned_investment <> 1" },
        { "NOT (annualPlannedInvestment = 1)", "NOT (p.annual_planned_investment = 1)" },
        { "NOT (annualPlannedInvestment < 2.5)", "NOT (p.annual_planned_investment < 2.5)" },
        { "NOT (annualPlannedInvestment BETWEEN 1 AND 5)", "NOT (p.annual_planned_investment BETWEEN 1 AND 5)" },
        { "developer <> 'x'", "p.developer <> 'x'" },
        { "developer NOT LIKE '%C0%'", "p.developer NOT LIKE '%C0%'" },
        { "NOT (developer LIKE '%C0%')", "NOT (p.developer LIKE '%C0%')" },
        { "developer NOT IN ('x', 'y')", "p.developer NOT IN ('x', 'y')" },
        { "NOT (developer IN ('x', 'y'))", "NOT (p.developer IN ('x', 'y'))" },
        { "startDate <> DATE('2023-11-25')", "p.start_date <> DATE '2023-11-25'" },
        { "NOT (startDate < DATE('2023-11-25'))", "NOT (p.start_date < DATE '2023-11-25')" },
        { "NOT (developer IS NULL)", "p.developer IS NOT NULL" },
        { "NOT (annualPlannedInvestment > 1 AND developer LIKE '%C%')", "NOT (p.annual_planned_investment > 1 AND p.developer LIKE '%C%')" },
        { "NOT (annualPlannedInvestment > 3 OR startDate = DATE('2023-11-25'))", "NOT (p.annual_planned_investment > 3 OR p.start_date = DATE '2023-11-25')" },
        { "NOT (NOT (annualPlannedInvestment > 3))", "NOT (NOT (p.annual_planned_investment > 3))" },
        { "zone <> '古镇口核心区'", "z.name <> '古镇口核心区'" },
        { "NOT (zoneCode = 'GZK') AND annualPlannedInvestment <> 2", "NOT (z.code = 'GZK') AND p.annual_planned_investment <> 2" },
    };

    [Theory]
    [MemberData(nameof(NegatedForms))]
    public async Task NegationFollowsThreeValuedLogicInText(string cql2, string sql) =>
        Assert.Equal(await SqlCountAsync(sql), await MatchedAsync("filter=" + Uri.EscapeDataString(cql2)));

    public static TheoryData<string, string> NegatedFormsInJson() => new()
    {
        { """{"op":"not","args":[{"op":">=","args":[{"property":"annualPlannedInvestment"},1]}]}""", "NOT (p.annual_planned_investment >= 1)" },
        { """{"op":"<>","args":[{"property":"developer"},"x"]}""", "p.developer <> 'x'" },
        { """{"op":"not","args":[{"op":"like","args":[{"property":"developer"},"%C0%"]}]}""", "NOT (p.developer LIKE '%C0%')" },
        { """{"op":"not","args":[{"op":"in","args":[{"property":"developer"},["x","y"]]}]}""", "NOT (p.developer IN ('x', 'y'))" },
        { """{"op":"<>","args":[{"property":"startDate"},{"date":"2023-11-25"}]}""", "p.start_date <> DATE '2023-11-25'" },
        { """{"op":"not","args":[{"op":"and","args":[{"op":">","args":[{"property":"annualPlannedInvestment"},1]},{"op":"isNull","args":[{"property":"developer"}]}]}]}""",
          "NOT (p.annual_planned_investment > 1 AND p.developer IS NULL)" },
    };

    [Theory]
    [MemberData(nameof(NegatedFormsInJson))]
    public async Task NegationFollowsThreeValuedLogicInJson(string cql2, string sql) =>
        Assert.Equal(await SqlCountAsync(sql), await MatchedAsync("filter-lang=cql2-json&filter=" + Uri.EscapeDataString(cql2)));

    [Fact]
    public async Task DatetimeIntervalsAsGdalAndQgisSendThem()
    {
        var started = await SqlCountAsync("p.start_date IS NOT NULL");
        Assert.Equal(await SqlCountAsync("p.start_date >= DATE '2023-11-01'"), await MatchedAsync("datetime=2023-11-01T/.."));
        Assert.Equal(88, await MatchedAsync("datetime=2023-11-25"));
        Assert.Equal(88, await MatchedAsync("datetime=2023-11-25T00:00:00Z/2023-11-25T23:59:59Z"));
        Assert.Equal(started, await MatchedAsync("datetime=../.."));
        var (status, body) = await ItemsAsync("datetime=2024-01-01/2023-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidParameterValue", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task BoundingBoxesIn3DAndAcrossTheAntimeridian()
    {
        var box = await MatchedAsync("bbox=119.9,35.7,120.3,36.1");
        Assert.Equal(box, await MatchedAsync("bbox=119.9,35.7,-10,120.3,36.1,10"));
        // From 100°E eastwards across 180° to 170°W: the district lies inside, so every project does.
        Assert.Equal(94, await MatchedAsync("bbox=100,30,-170,40"));
        Assert.Equal(0, await MatchedAsync("bbox=170,30,-170,40"));
        var (status, _) = await ItemsAsync("bbox=119,36,121,35");
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }
}
