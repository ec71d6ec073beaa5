using System.Text.Json;

namespace GeoProjects.Tests.Infrastructure;

public static class ProjectQueryExtensions
{
    private const string CodesQuery = """
        query Codes($where: ProjectFilterInput) {
          projects(first: 100, where: $where) { totalCount nodes { code } }
        }
        """;

    /// <summary>The codes of every project matching <paramref name="where"/> (the seed has fewer than 100).</summary>
    public static async Task<HashSet<string>> ProjectCodesAsync(this ApiFixture api, object where)
    {
        var r = await api.QueryAsync(CodesQuery, new { where });
        r.AssertNoErrors();
        var projects = r.Data.GetProperty("projects");
        var codes = projects.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("code").GetString()!).ToHashSet();
        Assert.Equal(projects.GetProperty("totalCount").GetInt32(), codes.Count);
        return codes;
    }

    public static JsonElement Geo(string geoJson) => JsonDocument.Parse(geoJson).RootElement.Clone();
}
