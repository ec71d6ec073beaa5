using System.Text.Json;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

[Collection(ApiCollection.Name)]
public sealed class SortingAndPagingTests(ApiFixture api)
{
    private const string PageQuery = """
        query($first: Int, $after: String, $last: Int, $before: String, $order: [ProjectSortInput!]) {
          projects(first: $first, after: $after, last: $last, before: $before, order: $order) {
            totalCount
            edges { cursor node { code totalInvestment zone { name } } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
        }
        """;

    private async Task<JsonElement> PageAsync(object variables)
    {
        var r = await api.QueryAsync(PageQuery, variables);
        r.AssertNoErrors();
        return r.Data.GetProperty("projects");
    }

    private static string[] Codes(JsonElement page) => page.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("code").GetString()!).ToArray();

    private static readonly object ByInvestment = new object[] { new { totalInvestment = "DESC" }, new { code = "ASC" } };

    private static readonly string[] ExpectedOrder = Seed.Projects.OrderByDescending(p => p.Total).ThenBy(p => p.Code, StringComparer.Ordinal).Select(p => p.Code).ToArray();

    [Fact]
    public async Task DefaultPageIsTenAndTotalCountCountsAll()
    {
        var page = await PageAsync(new { order = ByInvestment });

        Assert.Equal(10, Codes(page).Length);
        Assert.Equal(Seed.Projects.Count, page.GetProperty("totalCount").GetInt32());
        Assert.Equal(ExpectedOrder.Take(10), Codes(page));
        Assert.True(page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        Assert.False(page.GetProperty("pageInfo").GetProperty("hasPreviousPage").GetBoolean());
    }

    [Fact]
    public async Task ForwardPagingVisitsEveryProjectOnceInOrder()
    {
        var seen = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await PageAsync(new { first = 17, after, order = ByInvestment });
            seen.AddRange(Codes(page));
            var info = page.GetProperty("pageInfo");
            Assert.Equal(after is not null, info.GetProperty("hasPreviousPage").GetBoolean());
            if (!info.GetProperty("hasNextPage").GetBoolean()) break;
            after = info.GetProperty("endCursor").GetString();
        }
        Assert.Equal(ExpectedOrder, seen);
    }

    [Fact]
    public async Task BackwardPagingWithLastAndBefore()
    {
        var last = await PageAsync(new { last = 5, order = ByInvestment });
        Assert.Equal(ExpectedOrder[^5..], Codes(last));
        Assert.False(last.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        Assert.True(last.GetProperty("pageInfo").GetProperty("hasPreviousPage").GetBoolean());

        var before = await PageAsync(new { last = 5, before = last.GetProperty("pageInfo").GetProperty("startCursor").GetString(), order = ByInvestment });
        Assert.Equal(ExpectedOrder[^10..^5], Codes(before));
        Assert.True(before.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
    }

    [Fact]
    public async Task SortsByARelatedEntityThenByOwnField()
    {
        var page = await PageAsync(new { first = 100, order = new object[] { new { zone = new { name = "ASC" } }, new { totalInvestment = "ASC" } } });
        var rows = page.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node"))
            .Select(n => (Zone: n.GetProperty("zone").GetProperty("name").GetString()!, Total: n.GetProperty("totalInvestment").GetDecimal())).ToList();

        Assert.Equal(Seed.Projects.Count, rows.Count);
        for (var i = 1; i < rows.Count; i++)
        {
            var c = string.CompareOrdinal(rows[i - 1].Zone, rows[i].Zone);
            Assert.True(c < 0 || (c == 0 && rows[i - 1].Total <= rows[i].Total), $"row {i}: {rows[i - 1]} before {rows[i]}");
        }
    }

    [Fact]
    public async Task NestedZoneProjectsArePagedPerZone()
    {
        var r = await api.QueryAsync("""
            { zones(where: { code: { eq: "DJK" } }) { projects(first: 3, order: [{ totalInvestment: DESC }]) { totalCount nodes { code } pageInfo { hasNextPage endCursor } } } }
            """);
        r.AssertNoErrors();
        var projects = r.Data.GetProperty("zones")[0].GetProperty("projects");
        var expected = Seed.Projects.Where(p => Seed.AssignedZone(p) == "DJK").OrderByDescending(p => p.Total).ThenBy(p => p.Code).Select(p => p.Code).ToList();
        Assert.Equal(expected.Count, projects.GetProperty("totalCount").GetInt32());
        Assert.Equal(expected.Take(3), projects.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("code").GetString()));

        var cursor = projects.GetProperty("pageInfo").GetProperty("endCursor").GetString();
        var next = await api.QueryAsync("""
            query($after: String) { zones(where: { code: { eq: "DJK" } }) { projects(first: 3, after: $after, order: [{ totalInvestment: DESC }]) { nodes { code } } } }
            """, new { after = cursor });
        Assert.Equal(expected.Skip(3).Take(3), next.Data.GetProperty("zones")[0].GetProperty("projects").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("code").GetString()));
    }

    /// <summary>
    /// A keyset cursor is read only by the order that wrote it, and only as written: another order's cursor, edited values
    /// (an enum by a name it lacks, or by number: cursors carry its names) and a position beyond the maximum are INVALID_CURSOR.
    /// A position cursor (as earlier versions gave) still pages, by OFFSET.
    /// </summary>
    [Fact]
    public async Task CursorsAreCheckedAndOldPositionCursorsStillPage()
    {
        const string Page = "query($after: String, $order: [ProjectSortInput!]) { projects(first: 2, after: $after, order: $order) { nodes { code } pageInfo { endCursor } } }";
        var byInvestment = new[] { new { totalInvestment = "DESC" } };
        var first = await api.QueryAsync(Page, new { order = byInvestment });
        var cursor = first.Data.GetProperty("projects").GetProperty("pageInfo").GetProperty("endCursor").GetString()!;
        var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        Assert.StartsWith("k", text);

        string Encode(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));
        var tag = text[..text.IndexOf(':')];
        var bySector = new[] { new { sector = "ASC" } };
        var sectorCursor = (await api.QueryAsync(Page, new { order = bySector })).Data.GetProperty("projects").GetProperty("pageInfo")
            .GetProperty("endCursor").GetString()!;
        var sectorTag = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(sectorCursor)).Split(':')[0];
        Assert.Matches("^k[0-9A-F]{8}:\\[\"[A-Za-z]+\",\\d+\\]$", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(sectorCursor)));
        foreach (var (after, order) in new (string, object)[]
        {
            (cursor, new[] { new { code = "ASC" } }), // another order's cursor
            (Encode(tag + ":[\"many\", 3]"), byInvestment), // a text where a number goes
            (Encode(tag + ":[12.5]"), byInvestment), // a key missing
            (Encode(tag + ":{\"a\": 1}"), byInvestment),
            (Encode("1000000001"), byInvestment), // beyond the largest position
            (Encode(sectorTag + ":[\"NoSuchSector\", 3]"), bySector), // an enum's name it does not have
            (Encode(sectorTag + ":[2, 3]"), bySector), // an enum by number: cursors carry names
        })
        {
            var r = await api.QueryAsync(Page, new { after, order });
            Assert.Equal("INVALID_CURSOR", r.FirstErrorCode);
        }

        // Position 1 ("MQ==") is the second row: the page after it starts at the third, as with a keyset cursor after the second.
        var byPosition = await api.QueryAsync(Page, new { after = Encode("1"), order = byInvestment });
        var byKeyset = await api.QueryAsync(Page, new { after = cursor, order = byInvestment });
        byPosition.AssertNoErrors();
        Assert.Equal(byKeyset.Data.GetProperty("projects").GetProperty("nodes").ToString(), byPosition.Data.GetProperty("projects").GetProperty("nodes").ToString());
    }
}
