using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>The article's published figures, reproduced by queries against the seeded registry.</summary>
[Collection(ApiCollection.Name)]
public sealed class ArticleFiguresTests(ApiFixture api)
{
    private async Task<(int Count, decimal Total)> FiguresAsync(object where)
    {
        var r = await api.QueryAsync("""
            query($where: ProjectFilterInput) { projects(first: 100, where: $where) { totalCount nodes { totalInvestment } } }
            """, new { where });
        r.AssertNoErrors();
        var p = r.Data.GetProperty("projects");
        return (p.GetProperty("totalCount").GetInt32(), p.GetProperty("nodes").EnumerateArray().Sum(n => n.GetProperty("totalInvestment").GetDecimal()));
    }

    [Fact]
    public async Task EightyEightProjectsWorth313YiStartedOn20231125() =>
        Assert.Equal((88, 313m), await FiguresAsync(new { batch = new { date = new { eq = "2023-11-25" } } }));

    [Fact]
    public async Task CityLevelEventHas35ProjectsWorth182Yi() =>
        Assert.Equal((35, 182m), await FiguresAsync(new { batch = new { date = new { eq = "2023-11-25" }, level = new { eq = "CITY" } } }));

    [Fact]
    public async Task DistrictLevelEventHas53ProjectsWorth131Yi() =>
        Assert.Equal((53, 131m), await FiguresAsync(new { batch = new { date = new { eq = "2023-11-25" }, level = new { eq = "DISTRICT" } } }));

    [Fact]
    public async Task TheBatchProjectsAreInTheArticlesFourSectors()
    {
        var other = await api.ProjectCodesAsync(new
        {
            batch = new { date = new { eq = "2023-11-25" } },
            sector = new { nin = new[] { "ADVANCED_MANUFACTURING", "HIGH_END_CHEMICALS", "MARINE_ECONOMY", "CULTURE_TOURISM" } },
        });
        Assert.Empty(other);
    }

    [Fact]
    public async Task ZhizhenIsInGuzhenkouWith30YiAnd50Mu()
    {
        var r = await api.QueryAsync("""
            { projects(where: { name: { eq: "致真存储芯片制造项目" } }) { nodes { totalInvestment landAreaMu zone { name code } batch { level date } } } }
            """);
        r.AssertNoErrors();
        var p = Assert.Single(r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray());
        Assert.Equal(30m, p.GetProperty("totalInvestment").GetDecimal());
        Assert.Equal(50m, p.GetProperty("landAreaMu").GetDecimal());
        Assert.Equal("古镇口核心区", p.GetProperty("zone").GetProperty("name").GetString());
        Assert.Equal("DISTRICT", p.GetProperty("batch").GetProperty("level").GetString());
        Assert.Equal("2023-11-25", p.GetProperty("batch").GetProperty("date").GetString());
    }
}
