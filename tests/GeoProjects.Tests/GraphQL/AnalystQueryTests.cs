using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>Statistics, progress, distance, nearness and node IDs: the analysts' GraphQL.</summary>
[Collection(ApiCollection.Name)]
public sealed class StatsTests(ApiFixture api)
{
    private async Task<JsonElement[]> StatsAsync(object? where, string[] groupBy)
    {
        var r = await api.QueryAsync("""
            query($where: ProjectFilterInput, $groupBy: [ProjectDimension!]) {
              projectStats(where: $where, groupBy: $groupBy) {
                sector zone { code } status batch { level } industryChain startYear
                count totalInvestment annualPlannedInvestment completedInvestment completionRate bbox
              }
            }
            """, new { where, groupBy });
        r.AssertNoErrors();
        return r.Data.GetProperty("projectStats").EnumerateArray().ToArray();
    }

    [Theory]
    [InlineData("""{ "batch": { "date": { "eq": "2023-11-25" } } }""", 88, "313")]
    [InlineData("""{ "batch": { "date": { "eq": "2023-11-25" }, "level": { "eq": "CITY" } } }""", 35, "182")]
    [InlineData("""{ "batch": { "date": { "eq": "2023-11-25" }, "level": { "eq": "DISTRICT" } } }""", 53, "131")]
    public async Task TheArticlesFiguresComeOutOfOneCallEach(string where, int count, string total)
    {
        api.Statements.Reset();
        var group = Assert.Single(await StatsAsync(JsonDocument.Parse(where).RootElement, []));

        Assert.Equal(count, group.GetProperty("count").GetInt32());
        Assert.Equal(decimal.Parse(total), group.GetProperty("totalInvestment").GetDecimal());
        Assert.Equal(1, api.Statements.Count);
    }

    [Fact]
    public async Task GroupTotalsEqualTheSumsOfTheMatchingRowsForRandomFilters()
    {
        // Property-style: for seeded random filters and groupings, the groups partition the matching rows.
        var random = new Random(20231125);
        string[] sectors = ["ADVANCED_MANUFACTURING", "HIGH_END_CHEMICALS", "MARINE_ECONOMY", "CULTURE_TOURISM"];
        string[] statuses = ["STARTED", "UNDER_CONSTRUCTION", "COMPLETED", "IN_OPERATION", "SIGNED", "RESERVE"];
        string[] zones = ["GZK", "DJK", "ETDZ", "SGEP", "MHT", "QBPZ", "LSW", "ITR"];
        string[] dimensions = ["SECTOR", "ZONE", "STATUS", "BATCH", "INDUSTRY_CHAIN", "START_YEAR"];
        for (var i = 0; i < 20; i++)
        {
            var low = Math.Round((decimal)random.NextDouble() * 10, 2);
            var where = new Dictionary<string, object>
            {
                ["sector"] = new { @in = sectors.Where(_ => random.Next(3) > 0).ToArray() },
                ["totalInvestment"] = new { gte = low, lte = low + random.Next(1, 60) },
            };
            if (random.Next(2) == 0) where["status"] = new { nin = statuses.Where(_ => random.Next(4) == 0).ToArray() };
            if (random.Next(2) == 0) where["zone"] = new { code = new { @in = zones.Where(_ => random.Next(2) == 0).ToArray() } };
            var groupBy = dimensions.Where(_ => random.Next(3) == 0).ToArray();

            var rows = await RowsAsync(where);
            var groups = await StatsAsync(where, groupBy);

            var label = $"filter {i}: {JsonSerializer.Serialize(where)} by [{string.Join(",", groupBy)}]";
            Assert.True(rows.Count == groups.Sum(g => g.GetProperty("count").GetInt32()), label);
            Assert.True(rows.Sum(r => r.Total) == groups.Sum(g => g.GetProperty("totalInvestment").GetDecimal()), label);
            Assert.True(rows.Sum(r => r.Completed ?? 0) == groups.Sum(g => g.GetProperty("completedInvestment").GetDecimal()), label);
            if (groupBy.Length == 0) Assert.Single(groups);
            if (groupBy.Contains("SECTOR") && groupBy.All(d => d is "SECTOR" or "ZONE" or "STATUS"))
                foreach (var g in groups)
                    Assert.Equal(rows.Count(r => r.Sector == g.GetProperty("sector").GetString() && Matches(g, r)), g.GetProperty("count").GetInt32());
        }
    }

    private static bool Matches(JsonElement group, Row row) =>
        (group.GetProperty("zone").ValueKind == JsonValueKind.Null || group.GetProperty("zone").GetProperty("code").GetString() == row.Zone) &&
        (group.GetProperty("status").ValueKind == JsonValueKind.Null || group.GetProperty("status").GetString() == row.Status);

    private sealed record Row(string Sector, string Status, string? Zone, decimal Total, decimal? Completed);

    private async Task<List<Row>> RowsAsync(object where)
    {
        var r = await api.QueryAsync("""
            query($where: ProjectFilterInput) { projects(first: 100, where: $where) { nodes { sector status zone { code } totalInvestment completedInvestment } } }
            """, new { where });
        r.AssertNoErrors();
        return r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().Select(n => new Row(
            n.GetProperty("sector").GetString()!, n.GetProperty("status").GetString()!,
            n.GetProperty("zone").ValueKind == JsonValueKind.Null ? null : n.GetProperty("zone").GetProperty("code").GetString(),
            n.GetProperty("totalInvestment").GetDecimal(),
            n.GetProperty("completedInvestment").ValueKind == JsonValueKind.Null ? null : n.GetProperty("completedInvestment").GetDecimal())).ToList();
    }

    [Fact]
    public async Task GroupsCarryTypedKeysAndTheirExtent()
    {
        var groups = await StatsAsync(new { zone = new { code = new { eq = "GZK" } } }, ["ZONE", "SECTOR"]);
        var manufacturing = groups.Single(g => g.GetProperty("sector").GetString() == "ADVANCED_MANUFACTURING");
        var expected = Seed.Projects.Where(p => Seed.AssignedZone(p) == "GZK" && p.Sector == "ADVANCED_MANUFACTURING").ToList();

        Assert.Equal("GZK", manufacturing.GetProperty("zone").GetProperty("code").GetString());
        Assert.Equal(expected.Count, manufacturing.GetProperty("count").GetInt32());
        var bbox = manufacturing.GetProperty("bbox").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.Equal([expected.Min(p => p.Location.X), expected.Min(p => p.Location.Y), expected.Max(p => p.Location.X), expected.Max(p => p.Location.Y)], bbox);
    }

    [Fact]
    public async Task ZoneStatsAreBatchedIntoOneStatement()
    {
        api.Statements.Reset();
        var r = await api.QueryAsync("{ zones { code stats(where: { sector: { eq: ADVANCED_MANUFACTURING } }) { count totalInvestment } } }");
        r.AssertNoErrors();

        Assert.Equal(2, api.Statements.Count); // the zones, then one GROUP BY zone_id for all of them
        foreach (var z in r.Data.GetProperty("zones").EnumerateArray())
        {
            var code = z.GetProperty("code").GetString();
            var expected = Seed.Projects.Where(p => Seed.AssignedZone(p) == code && p.Sector == "ADVANCED_MANUFACTURING").ToList();
            Assert.Equal(expected.Count, z.GetProperty("stats").GetProperty("count").GetInt32());
            Assert.Equal(expected.Sum(p => p.Total), z.GetProperty("stats").GetProperty("totalInvestment").GetDecimal());
        }
    }
}

/// <summary>完成率 / 序时进度 / 预警 on hand-made projects around the thresholds (added and removed by the test).</summary>
[Collection(ApiCollection.Name)]
public sealed class ProgressTests(ApiFixture api)
{
    // Annual plan 100 亿元: completed = 100 + gap at a date whose schedule rate is exactly 1 (2023-12-31).
    private static readonly (string Code, decimal Completed, string Level)[] Cases =
    [
        ("T-PROG-A", 105m, "GREEN"),
        ("T-PROG-B", 90.01m, "GREEN"),   // 9.99 points behind
        ("T-PROG-C", 90m, "YELLOW"),     // exactly 10 behind
        ("T-PROG-D", 89.99m, "YELLOW"),
        ("T-PROG-E", 70m, "YELLOW"),     // exactly 30 behind
        ("T-PROG-F", 69.99m, "RED"),     // more than 30 behind
    ];

    private async Task WithHandMadeProjectsAsync(Func<Task> test)
    {
        await using var c = await api.OpenAsync();
        foreach (var (code, completed, _) in Cases)
        {
            // A plan of 100 亿元 for 2023 and 2024, and the same completed figure reported for December 2023 and June 2024.
            await using var insert = new NpgsqlCommand("""
                WITH p AS (
                  INSERT INTO projects (code, name, sector, status, total_investment, location, data_source, source_note)
                  VALUES ($1, $1, 'AdvancedManufacturing', 'UnderConstruction', 300, ST_SetSRID(ST_MakePoint(119.97, 35.78), 4326), 'Illustrative',
                          'ILLUSTRATIVE: test fixture') RETURNING id),
                plans AS (INSERT INTO annual_plans (project_id, year, planned_investment, data_source)
                          SELECT id, y, 100, 'Illustrative' FROM p, (VALUES (2023), (2024)) v(y))
                INSERT INTO progress_reports (project_id, period, completed_investment_ytd, status, correction, reported_by, data_source)
                SELECT id, m, $2, 'UnderConstruction', false, 'test', 'Illustrative' FROM p, (VALUES (DATE '2023-12-01'), (DATE '2024-06-01')) v(m)
                """, c);
            insert.Parameters.Add(new() { Value = code });
            insert.Parameters.Add(new() { Value = completed });
            await insert.ExecuteNonQueryAsync();
        }
        try
        {
            await test();
        }
        finally
        {
            await using var delete = new NpgsqlCommand("DELETE FROM projects WHERE code LIKE 'T-PROG-%'", c);
            await delete.ExecuteNonQueryAsync();
        }
    }

    private const string Query = """
        query($asOf: Date!, $where: ProjectFilterInput) {
          projects(asOf: $asOf, where: $where, order: [{ scheduleGap: ASC }]) {
            nodes { code completionRate(asOf: $asOf) scheduleRate(asOf: $asOf) scheduleGap(asOf: $asOf) warningLevel(asOf: $asOf) }
          }
        }
        """;

    [Fact]
    public async Task WarningLevelsAroundTheThresholds() => await WithHandMadeProjectsAsync(async () =>
    {
        var r = await api.QueryAsync(Query, new { asOf = "2023-12-31", where = new { code = new { startsWith = "T-PROG-" } } });
        r.AssertNoErrors();
        var nodes = r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("code").GetString()!);

        foreach (var (code, completed, level) in Cases)
        {
            Assert.Equal(level, nodes[code].GetProperty("warningLevel").GetString());
            Assert.Equal(1m, nodes[code].GetProperty("scheduleRate").GetDecimal());
            Assert.Equal(completed / 100m, nodes[code].GetProperty("completionRate").GetDecimal());
            Assert.Equal(completed - 100m, nodes[code].GetProperty("scheduleGap").GetDecimal());
        }
        // order: [{ scheduleGap: ASC }] in SQL
        Assert.Equal(Cases.OrderBy(x => x.Completed).Select(x => x.Code), nodes.Keys);
    });

    [Theory]
    [InlineData("RED", "T-PROG-F")]
    [InlineData("YELLOW", "T-PROG-C,T-PROG-D,T-PROG-E")]
    [InlineData("GREEN", "T-PROG-A,T-PROG-B")]
    public async Task WarningLevelIsFilterableInSql(string level, string codes) => await WithHandMadeProjectsAsync(async () =>
    {
        var r = await api.QueryAsync(Query, new { asOf = "2023-12-31", where = new { code = new { startsWith = "T-PROG-" }, warningLevel = new { eq = level } } });
        r.AssertNoErrors();
        Assert.Equal(codes.Split(',').Order(), r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("code").GetString()).Order());
    });

    [Fact]
    public async Task ScheduleRateIsTheShareOfTheYearElapsed() => await WithHandMadeProjectsAsync(async () =>
    {
        // 2024 is a leap year: 2024-07-01 is day 183 of 366, exactly half.
        var r = await api.QueryAsync(Query, new { asOf = "2024-07-01", where = new { code = new { eq = "T-PROG-A" }, scheduleGap = new { eq = 55 } } });
        r.AssertNoErrors();
        var node = Assert.Single(r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray());
        Assert.Equal(0.5m, node.GetProperty("scheduleRate").GetDecimal());
        Assert.Equal(55m, node.GetProperty("scheduleGap").GetDecimal()); // 105 % done against 50 % of the year
    });

    /// <summary>June's report counts from 30 June: on 15 June the year has no report that counts yet (the fixture has none before June).</summary>
    [Fact]
    public async Task AMonthsReportCountsOnceTheMonthHasEnded() => await WithHandMadeProjectsAsync(async () =>
    {
        foreach (var (asOf, expected) in new[] { ("2024-06-15", (decimal?)null), ("2024-06-30", 1.05m) })
        {
            var r = await api.QueryAsync($$"""
                { projects(where: { code: { eq: "T-PROG-A" } }) { nodes { completedInvestment(asOf: "{{asOf}}") completionRate(asOf: "{{asOf}}") } } }
                """);
            r.AssertNoErrors();
            var node = Assert.Single(r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray());
            var rate = node.GetProperty("completionRate");
            Assert.Equal(expected, rate.ValueKind == System.Text.Json.JsonValueKind.Null ? null : rate.GetDecimal());
        }
    });

    [Fact]
    public async Task ThresholdsAreConfigurable() => await WithHandMadeProjectsAsync(async () =>
    {
        await using var strict = api.WithWebHostBuilder(b => b.UseSetting("Progress:YellowBehindPoints", "5").UseSetting("Progress:RedBehindPoints", "10"));
        using var client = strict.CreateClient();
        var body = JsonSerializer.Serialize(new { query = Query, variables = new { asOf = "2023-12-31", where = new { code = new { startsWith = "T-PROG-" }, warningLevel = new { eq = "RED" } } } });
        var r = await GraphQLResponse.ReadAsync(await client.PostAsync("/graphql", new StringContent(body, System.Text.Encoding.UTF8, "application/json")));

        r.AssertNoErrors();
        Assert.Equal(["T-PROG-D", "T-PROG-E", "T-PROG-F"], r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("code").GetString()).Order());
    });
}
