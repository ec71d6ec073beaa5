using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

[Collection(ApiCollection.Name)]
public sealed class HeadlineQueryTests(ApiFixture api)
{
    // "which 先进制造 projects of 10–50 亿元 lie inside 古镇口核心区?", answered from the seed files with NTS.
    private static readonly HashSet<string> Expected = Seed.Projects
        .Where(p => p.Sector == "ADVANCED_MANUFACTURING" && p.Total is >= 10 and <= 50 && Seed.Zone("GZK").Boundary.Contains(p.Location))
        .Select(p => p.Code).ToHashSet();

    [Fact]
    public void TheExpectedSetIsNotTrivial()
    {
        Assert.Contains("XHA-2023-D01", Expected); // 致真存储芯片制造项目
        Assert.True(Expected.Count >= 3, string.Join(",", Expected));
    }

    [Fact]
    public async Task FiltersBySectorAndInvestmentThroughTheNamedZoneRelation()
    {
        var codes = await api.ProjectCodesAsync(new
        {
            zone = new { name = new { eq = "古镇口核心区" } },
            sector = new { @in = new[] { "ADVANCED_MANUFACTURING" } },
            totalInvestment = new { gte = 10, lte = 50 },
        });

        Assert.Equal(Expected, codes);
    }

    [Fact]
    public async Task FiltersBySectorAndInvestmentWithinAGeoJsonPolygon()
    {
        var codes = await api.ProjectCodesAsync(new
        {
            location = new { within = new { geometry = ProjectQueryExtensions.Geo(Seed.ZoneGeoJson("GZK")) } },
            sector = new { @in = new[] { "ADVANCED_MANUFACTURING" } },
            totalInvestment = new { gte = 10, lte = 50 },
        });

        Assert.Equal(Expected, codes);
    }

    [Fact]
    public async Task HeadlineQueryAsALiteralReturnsZhizhenWithItsPublishedFigures()
    {
        var r = await api.QueryAsync("""
            {
              projects(where: { zone: { name: { eq: "古镇口核心区" } }, sector: { in: [ADVANCED_MANUFACTURING] }, totalInvestment: { gte: 10, lte: 50 } }, order: [{ totalInvestment: DESC }]) {
                nodes { name totalInvestment landAreaMu industryChain dataSource sourceNote zone { name } }
              }
            }
            """);

        r.AssertNoErrors();
        var zhizhen = r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == "致真存储芯片制造项目");
        Assert.Equal(30m, zhizhen.GetProperty("totalInvestment").GetDecimal());
        Assert.Equal(50m, zhizhen.GetProperty("landAreaMu").GetDecimal());
        Assert.Equal("集成电路", zhizhen.GetProperty("industryChain").GetString());
        Assert.Equal("古镇口核心区", zhizhen.GetProperty("zone").GetProperty("name").GetString());
        Assert.Equal("PUBLISHED", zhizhen.GetProperty("dataSource").GetString());
        Assert.Contains("west-coast-88-projects-2023-11-25", zhizhen.GetProperty("sourceNote").GetString());
    }
}
