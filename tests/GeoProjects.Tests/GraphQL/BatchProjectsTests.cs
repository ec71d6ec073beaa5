using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>
/// A batch's projects as a connection with the usual where, order and paging, checked against the top-level projects
/// query filtered by the batch (another path to the same rows), for the public and for staff.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BatchProjectsTests(ApiFixture api)
{
    [Theory]
    [InlineData("", "", "")]
    [InlineData(null, "", "")]
    [InlineData("", "totalInvestment: { gte: 3 }", "[{ totalInvestment: DESC }, { code: ASC }]")]
    [InlineData(null, "sector: { in: [ADVANCED_MANUFACTURING, MARINE_ECONOMY] }", "[{ name: ASC }]")]
    public async Task ABatchsProjectsAreTheProjectsOfThatBatch(string? token, string where, string order)
    {
        var arguments = (where.Length > 0 ? $"where: {{ {where} }}, " : "") + (order.Length > 0 ? $"order: {order}, " : "");
        var nested = await api.QueryAsync($$"""
            { batches(order: [{ code: ASC }]) { code projects({{arguments}}first: 7) { totalCount pageInfo { hasNextPage } nodes { code batch { code } } } } }
            """, token: token);
        nested.AssertNoErrors();
        var batches = nested.Data.GetProperty("batches").EnumerateArray().ToList();
        Assert.NotEmpty(batches);
        var total = 0;
        foreach (var batch in batches)
        {
            var code = batch.GetProperty("code").GetString();
            var flat = await api.QueryAsync($$"""
                { projects(where: { {{where}} batch: { code: { eq: "{{code}}" } } }, {{(order.Length > 0 ? $"order: {order}, " : "")}}first: 7) {
                    totalCount pageInfo { hasNextPage } nodes { code batch { code } } } }
                """, token: token);
            flat.AssertNoErrors();
            Assert.Equal(flat.Data.GetProperty("projects").GetRawText(), batch.GetProperty("projects").GetRawText());
            total += batch.GetProperty("projects").GetProperty("totalCount").GetInt32();
        }
        Assert.True(total > 0, "the seed's batches hold projects");
    }
}
