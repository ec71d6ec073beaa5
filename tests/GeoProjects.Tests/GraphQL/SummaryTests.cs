using System.Globalization;
using System.Net;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using NetTopologySuite.IO.VectorTiles.Mapbox;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// The summaries kept on write (project_summary for statistics, project_clusters for cluster tiles) against oracles: a
/// GROUP BY computed here after random writes, the projects' own cluster SQL, and what each role may see.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SummaryTests(ApiFixture api)
{
    private const double HalfWorld = 20037508.342789244;
    private static readonly string[] Sectors = ["AdvancedManufacturing", "MarineEconomy", "DigitalEconomy", "Infrastructure"];
    private static readonly string[] Statuses = ["Reserve", "Signed", "Started", "UnderConstruction"];

    private sealed record Row(int Id, string Sector, string Status, int? Zone, int? Batch, string? Chain, int? Year, decimal Total, double Mx, double My);

    /// <summary>
    /// Random inserts, updates (of every summarized column, and of none) and deletes, several rows a statement, in a
    /// transaction rolled back at the end; after each statement both summaries equal sums computed here from the rows.
    /// </summary>
    [Fact]
    public async Task SummariesEqualAGroupByOfTheRowsAfterRandomWrites()
    {
        var random = new Random((int)PropertyRuns.Seed);
        await using var c = await api.OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await Exec(c, "SELECT set_config('app.role', 'admin', true)");
        var zones = await Ints(c, "SELECT id FROM zones");
        var batches = await Ints(c, "SELECT id FROM project_batches");
        var mine = new List<int>();
        string Value(Func<string> pick) => random.Next(6) == 0 ? "NULL" : pick();
        string Location() => $"ST_SetSRID(ST_MakePoint({119.6 + random.NextDouble() * 0.7:F6}, {35.5 + random.NextDouble() * 0.6:F6}), 4326)";
        string Set(int column) => column switch
        {
            0 => $"sector = '{Sectors[random.Next(Sectors.Length)]}'",
            1 => $"status = '{Statuses[random.Next(Statuses.Length)]}'",
            2 => $"zone_id = {Value(() => zones[random.Next(zones.Count)].ToString(CultureInfo.InvariantCulture))}",
            3 => $"batch_id = {Value(() => batches[random.Next(batches.Count)].ToString(CultureInfo.InvariantCulture))}",
            4 => $"total_investment = {random.Next(0, 50_000) / 100m}, industry_chain = {Value(() => $"'链{random.Next(3)}'")}",
            5 => $"location = {Location()}, start_date = {Value(() => $"'{2020 + random.Next(5)}-0{1 + random.Next(9)}-15'")}",
            _ => "developer = 'unchanged sums'",
        };
        for (var step = 0; step < 40; step++)
        {
            var pick = mine.OrderBy(_ => random.Next()).Take(random.Next(1, 6)).ToList();
            var ids = string.Join(", ", pick.DefaultIfEmpty(0));
            var kind = mine.Count < 5 ? 0 : random.Next(4);
            if (kind == 0)
            {
                var values = Enumerable.Range(0, random.Next(1, 8)).Select(_ =>
                    $"('SUM-{Guid.NewGuid().ToString("N")[..24]}', '汇总测试', '{Sectors[random.Next(Sectors.Length)]}', '{Statuses[random.Next(Statuses.Length)]}', "
                    + $"{random.Next(0, 50_000) / 100m}, {Location()}, 'Illustrative', 'ILLUSTRATIVE: summary test', "
                    + $"{Value(() => batches[random.Next(batches.Count)].ToString(CultureInfo.InvariantCulture))}, {Value(() => $"'链{random.Next(3)}'")}, "
                    + $"{Value(() => $"'{2020 + random.Next(5)}-06-01'")}::date)");
                mine.AddRange(await Ints(c, $"""
                    INSERT INTO projects (code, name, sector, status, total_investment, location, data_source, source_note, batch_id, industry_chain, start_date)
                    VALUES {string.Join(", ", values)} RETURNING id
                    """));
            }
            else if (kind == 3)
            {
                await Exec(c, $"DELETE FROM projects WHERE id IN ({ids})");
                mine.RemoveAll(pick.Contains);
            }
            else
            {
                var columns = Enumerable.Range(0, 7).OrderBy(_ => random.Next()).Take(2).ToList();
                await Exec(c, $"UPDATE projects SET {Set(columns[0])}, {Set(columns[1])} WHERE id IN ({ids})");
            }
            await AssertSummariesAsync(c, step);
        }
        await tx.RollbackAsync();
    }

    private static async Task AssertSummariesAsync(NpgsqlConnection c, int step)
    {
        var rows = new List<Row>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT id, sector, status, zone_id, batch_id, industry_chain, extract(year FROM start_date)::int, total_investment,
                   ST_X(ST_Transform(location, 3857)), ST_Y(ST_Transform(location, 3857)) FROM projects
            """, c))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
                rows.Add(new Row(r.GetInt32(0), r.GetString(1), r.GetString(2), Nullable(r, 3), Nullable(r, 4), r.IsDBNull(5) ? null : r.GetString(5),
                    Nullable(r, 6), r.GetDecimal(7), r.GetDouble(8), r.GetDouble(9)));

        var expected = rows.GroupBy(p => $"{p.Sector}|{p.Status}|{p.Zone}|{p.Batch}|{p.Chain}|{p.Year}")
            .Select(g => $"{g.Key}|{g.Count()}|{g.Sum(p => p.Total):F2}").Order(StringComparer.Ordinal).ToList();
        var actual = await Texts(c, """
            SELECT concat_ws('|', sector, status, coalesce(zone_id::text, ''), coalesce(batch_id::text, ''), coalesce(industry_chain, ''),
                             coalesce(start_year::text, ''), count, round(total_investment, 2)) FROM project_summary
            """);
        Assert.True(expected.SequenceEqual(actual.Order(StringComparer.Ordinal)), $"step {step}: summary differs\n"
            + string.Join("\n", expected.Except(actual).Take(5)) + "\nvs\n" + string.Join("\n", actual.Except(expected).Take(5)));

        // The pyramid: per zoom, the tile of zoom + 3 holding the Web Mercator point, computed here.
        static int Cell(double v, int zoom) => (int)Math.Clamp(Math.Floor(v / (2 * HalfWorld) * Math.Pow(2, zoom + 3)), 0, Math.Pow(2, zoom + 3) - 1);
        var cells = rows.SelectMany(p => Enumerable.Range(0, 14).Select(z => (Key: $"{z}|{Cell(p.Mx + HalfWorld, z)}|{Cell(HalfWorld - p.My, z)}|{p.Sector}|{p.Status}", Row: p)))
            .GroupBy(x => x.Key).ToDictionary(g => g.Key, g => (Count: g.Count(), Total: g.Sum(x => x.Row.Total), X: g.Sum(x => x.Row.Mx),
                Y: g.Sum(x => x.Row.My), Id: g.Sum(x => (long)x.Row.Id)));
        var stored = new Dictionary<string, (int Count, decimal Total, double X, double Y, long Id)>();
        await using (var cmd = new NpgsqlCommand("SELECT zoom, cx, cy, sector, status, count, total_investment, sum_x, sum_y, sum_id FROM project_clusters", c))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
                stored[$"{r.GetInt16(0)}|{r.GetInt32(1)}|{r.GetInt32(2)}|{r.GetString(3)}|{r.GetString(4)}"] =
                    (r.GetInt32(5), r.GetDecimal(6), r.GetDouble(7), r.GetDouble(8), r.GetInt64(9));
        Assert.Equal(cells.Keys.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, e) in cells)
        {
            var a = stored[key];
            Assert.True(e.Count == a.Count && e.Total == a.Total && e.Id == a.Id, $"step {step}, cell {key}: {e} vs {a}");
            // Coordinate sums differ from a fresh sum only by rounding (they were added and subtracted in another order).
            Assert.True(Math.Abs(e.X - a.X) < 1e-3 && Math.Abs(e.Y - a.Y) < 1e-3, $"step {step}, cell {key}: {e} vs {a}");
        }
    }

    /// <summary>
    /// projectStats answered from the summary (a filter on its dimensions, counts and totals only) equals the same statistics
    /// answered from the rows (a bounding box asked for), for each role; the public's groups are the published projects'.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("{ sector: { in: [ADVANCED_MANUFACTURING, MARINE_ECONOMY] } }")]
    [InlineData("{ zone: { approximate: { eq: true } }, status: { neq: SIGNED } }")]
    [InlineData("{ or: [{ batch: { level: { eq: DISTRICT } } }, { industryChain: { startsWith: \"海\" } }] }")]
    public async Task StatisticsFromTheSummaryEqualTheRowsForEveryRole(string? where)
    {
        var argument = where is null ? "" : $"where: {where}, ";
        foreach (var token in new[] { "", api.Token("stats viewer", GeoProjects.Api.Security.Role.Viewer) })
            foreach (var groupBy in new[] { "", "SECTOR", "STATUS, ZONE", "BATCH, INDUSTRY_CHAIN, START_YEAR" })
            {
                async Task<List<string>> Groups(string extra)
                {
                    api.Statements.Reset();
                    var response = await api.QueryAsync($$"""
                        { projectStats({{argument}}groupBy: [{{groupBy}}]) { sector status zone { id } batch { id } industryChain startYear count totalInvestment {{extra}} } }
                        """, token: token);
                    response.AssertNoErrors();
                    return response.Data.GetProperty("projectStats").EnumerateArray().Select(g =>
                        string.Join("|", new[] { "sector", "status", "zone", "batch", "industryChain", "startYear", "count", "totalInvestment" }
                            .Select(f => g.GetProperty(f).ToString()))).Order(StringComparer.Ordinal).ToList();
                }
                var fromSummary = await Groups("");
                Assert.Contains(api.Statements.Recent, sql => sql.Contains("project_summary", StringComparison.Ordinal));
                var fromRows = await Groups("bbox");
                Assert.DoesNotContain(api.Statements.Recent, sql => sql.Contains("project_summary", StringComparison.Ordinal));
                Assert.Equal(fromRows, fromSummary);
            }
    }

    /// <summary>The public's sums in both summaries are those of the published projects; a viewer's, of all of them.</summary>
    [Fact]
    public async Task ThePublicSeesTheSumsOfPublishedProjectsOnly()
    {
        await using var c = await api.OpenAsync();
        var all = (await Ints(c, "SELECT count(*)::int FROM projects"))[0];
        var published = (await Ints(c, "SELECT count(*)::int FROM projects WHERE status IN (SELECT status FROM access_public_statuses)"))[0];
        Assert.True(published < all, "the seed has internal projects");
        foreach (var (token, expected) in new[] { ("", published), (api.Token("stats viewer", GeoProjects.Api.Security.Role.Viewer), all) })
        {
            var stats = await api.QueryAsync("{ projectStats { count } }", token: token);
            Assert.Equal(expected, stats.Data.GetProperty("projectStats")[0].GetProperty("count").GetInt32());
            using var client = token == "" ? api.CreateAnonymousClient() : api.CreateClient();
            var (x, y) = VectorTileTests.TileOf(120.0, 35.9, 5);
            await using var stream = await client.GetStreamAsync($"/tiles/projects/5/{x}/{y}.mvt");
            var tile = new MapboxTileReader().Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, 5));
            Assert.Equal(expected, tile.Layers.Single(l => l.Name == "clusters").Features.Sum(f => Convert.ToInt32(f.Attributes["count"])));
        }
    }

    /// <summary>
    /// Cluster tiles drawn from the pyramid equal those drawn from the projects (the same filter plus a condition every project
    /// meets, which only the projects can answer): the same cells, counts, investment and single-project ids, centres within
    /// a pixel, at every cluster zoom and for dense point tiles (a cap of 3 points).
    /// </summary>
    [Fact]
    public async Task ClusterTilesFromThePyramidEqualTheProjectsOwn()
    {
        await using var capped = api.WithWebHostBuilder(b => b.UseSetting("Tiles:MaxFeatures", "3").UseSetting("Tiles:CacheMegabytes", "0"));
        using var client = capped.CreateClient();
        var anonymous = capped.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = null;
        var filters = new object?[] { null, new { sector = new { eq = "ADVANCED_MANUFACTURING" } }, new { status = new { nin = new[] { "SIGNED" } } } };
        var compared = 0;
        foreach (var z in new[] { 5, 7, 9, 10, 11, 12, 13 })
            foreach (var (x, y) in Seed.Projects.Select(p => VectorTileTests.TileOf(p.Location.X, p.Location.Y, z)).Distinct().Take(6))
                foreach (var filter in filters)
                    foreach (var http in new[] { client, anonymous })
                    {
                        var pyramid = await ClustersAsync(http, z, x, y, filter is null ? null : JsonSerializer.Serialize(filter));
                        var everyProject = JsonSerializer.Serialize(new { and = new object?[] { filter ?? new { }, new { totalInvestment = new { gte = 0 } } } });
                        var rows = await ClustersAsync(http, z, x, y, everyProject);
                        Assert.Equal(rows.Select(r => r.Key), pyramid.Select(p => p.Key));
                        foreach (var (r, p) in rows.Zip(pyramid))
                            Assert.True(Math.Abs(r.X - p.X) <= 1.01 && Math.Abs(r.Y - p.Y) <= 1.01, $"z{z}/{x}/{y} {filter}: {r} vs {p}");
                        compared += rows.Count;
                    }
        Assert.True(compared > 100, $"{compared} clusters compared");
    }

    /// <summary>A tile's clusters, as (count|investment|id, pixel x, pixel y), in a stable order.</summary>
    private static async Task<List<(string Key, double X, double Y)>> ClustersAsync(HttpClient http, int z, int x, int y, string? where)
    {
        var response = await http.GetAsync($"/tiles/projects/{z}/{x}/{y}.mvt" + (where is null ? "" : "?where=" + Uri.EscapeDataString(where)));
        if (response.StatusCode == HttpStatusCode.NoContent) return [];
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var tile = new MapboxTileReader().Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, z));
        var size = 360.0 / (1 << z) / 4096; // a pixel of the 4096 grid, in degrees of longitude
        return (tile.Layers.SingleOrDefault(l => l.Name == "clusters")?.Features ?? []).Select(f => (
                Key: $"{f.Attributes["count"]}|{Convert.ToDecimal(f.Attributes["total_investment"], CultureInfo.InvariantCulture):F2}|"
                    + (f.Attributes.Exists("project_id") ? f.Attributes["project_id"] : ""),
                X: f.Geometry.Coordinate.X / size, Y: MercatorY(f.Geometry.Coordinate.Y) / (2 * HalfWorld / (1 << z) / 4096)))
            .OrderBy(f => f.Key, StringComparer.Ordinal).ThenBy(f => f.X).ThenBy(f => f.Y).ToList();
    }

    private static double MercatorY(double lat) => Math.Log(Math.Tan(Math.PI / 4 + lat * Math.PI / 360)) * HalfWorld / Math.PI;

    private static int? Nullable(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static async Task Exec(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<List<int>> Ints(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var values = new List<int>();
        while (await r.ReadAsync()) values.Add(r.GetInt32(0));
        return values;
    }

    private static async Task<List<string>> Texts(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var values = new List<string>();
        while (await r.ReadAsync()) values.Add(r.GetString(0));
        return values;
    }
}
