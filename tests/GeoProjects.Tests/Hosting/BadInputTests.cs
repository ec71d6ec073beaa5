using System.Net;
using System.Text;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>Bad input gets a clear error with a code, never a stack trace, and changes nothing.</summary>
[Collection(ApiCollection.Name)]
public sealed class BadInputTests(ApiFixture api)
{
    private async Task<GraphQLResponse> RejectedAsync(string query, object? variables, int status, string codeOrMessage)
    {
        var before = await api.DataFingerprintAsync();
        var r = await api.QueryAsync(query, variables);

        Assert.Equal(status, r.Status);
        Assert.True(r.HasErrors, r.Text);
        Assert.NotNull(r.FirstErrorCode);
        Assert.Contains(codeOrMessage, r.FirstErrorCode + " " + r.FirstError.GetProperty("message").GetString());
        Assert.DoesNotContain("   at ", r.Text); // no stack trace
        Assert.Equal(before, await api.DataFingerprintAsync());
        return r;
    }

    private const string ByLocation = "query($g: Geometry!) { projects(where: { location: { within: { geometry: $g } } }) { nodes { code } } }";

    [Fact]
    public async Task UnknownEnumValue() =>
        await RejectedAsync("{ projects(where: { sector: { eq: SPACE_TOURISM } }) { nodes { code } } }", null, 400, "SPACE_TOURISM");

    [Fact]
    public async Task UnknownEnumValueInVariables() =>
        await RejectedAsync("query($w: ProjectFilterInput) { projects(where: $w) { nodes { code } } }",
            new { w = new { status = new { eq = "DEMOLISHED" } } }, 400, "DEMOLISHED");

    [Fact]
    public async Task MalformedGeoJson() =>
        await RejectedAsync(ByLocation, new { g = new { type = "Polygon", coordinates = "not coordinates" } }, 400, "GeoJSON");

    [Fact]
    public async Task UnknownGeometryType() =>
        await RejectedAsync(ByLocation, new { g = new { type = "Circle", coordinates = new[] { 120.0, 35.9 } } }, 400, "GeoJSON");

    [Fact]
    public async Task SelfIntersectingPolygon()
    {
        var bowtie = new { type = "Polygon", coordinates = new[] { new[] { new[] { 119.9, 35.7 }, new[] { 120.1, 35.9 }, new[] { 120.1, 35.7 }, new[] { 119.9, 35.9 }, new[] { 119.9, 35.7 } } } };
        await RejectedAsync(ByLocation, new { g = bowtie }, 400, "Self-intersection");
    }

    [Fact]
    public async Task PolygonWithAnUnclosedRing()
    {
        var open = new { type = "Polygon", coordinates = new[] { new[] { new[] { 119.9, 35.7 }, new[] { 120.1, 35.7 }, new[] { 120.1, 35.9 }, new[] { 119.9, 35.9 } } } };
        await RejectedAsync(ByLocation, new { g = open }, 400, "closed");
    }

    [Fact]
    public async Task MalformedGeoJsonLiteral() =>
        await RejectedAsync("""{ projects(where: { location: { within: { geometry: { type: "Polygon", coordinates: [[[1, 2]]] } } } }) { nodes { code } } }""", null, 400, "GeoJSON");

    [Fact]
    public async Task GeometryInAnotherCrs() =>
        await RejectedAsync(ByLocation, new { g = new { type = "Point", coordinates = new[] { 120.0, 35.9 }, crs = 3857 } }, 400, "crs");

    [Fact]
    public async Task PageSizeOverTheCap()
    {
        var r = await RejectedAsync("{ projects(first: 101) { nodes { code } } }", null, 200, "PAGE_SIZE_EXCEEDED");
        Assert.Equal("PAGE_SIZE_EXCEEDED", r.FirstErrorCode);
    }

    [Fact]
    public async Task NegativePageSize() =>
        await RejectedAsync("{ projects(last: -1) { nodes { code } } }", null, 200, "PAGE_SIZE_NEGATIVE");

    [Fact]
    public async Task InvalidCursor() =>
        await RejectedAsync("""{ projects(after: "not-a-cursor") { nodes { code } } }""", null, 200, "INVALID_CURSOR");

    [Fact]
    public async Task InvalidId() =>
        await RejectedAsync("""{ project(id: "Wm9uZTox") { code } }""", null, 200, "INVALID_ID"); // "Zone:1" is not a Project ID

    [Fact]
    public async Task TooDeepQuery() =>
        await RejectedAsync("{ zones { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { code } } } } } } } } } } } } } }",
            null, 400, "nested");

    [Fact]
    public async Task TooComplexQuery() =>
        await RejectedAsync("{ zones { projects(first: 100) { nodes { zone { projects(first: 100) { nodes { zone { projects { nodes { code name sector status } } } } } } } } } }",
            null, 400, "complex");

    [Fact]
    public async Task NullWhereAListIsNeeded() =>
        await RejectedAsync("{ projects(where: { sector: { in: null } }) { nodes { code } } }", null, 200, "FILTER_VALUE_NULL");

    [Fact]
    public async Task DistanceWithoutAComparison() =>
        await RejectedAsync("""{ projects(where: { location: { distance: { geometry: { type: "Point", coordinates: [120, 35.9] } } } }) { nodes { code } } }""",
            null, 200, "FILTER_VALUE_NULL");

    [Fact]
    public async Task NegativeBuffer() =>
        await RejectedAsync("""{ projects(where: { location: { intersects: { geometry: { type: "Point", coordinates: [120, 35.9] }, buffer: -5 } } }) { nodes { code } } }""",
            null, 200, "buffer");

    [Fact]
    public async Task NonJsonBody()
    {
        using var client = api.CreateClient();
        var response = await client.PostAsync("/graphql", new StringContent("{ projects { nodes { code } } ", Encoding.UTF8, "application/json"));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_JSON", r.FirstErrorCode);
    }

    [Fact]
    public async Task BodyOverTheSizeLimit()
    {
        using var client = api.CreateClient();
        var huge = "{\"query\":\"{ projects { nodes { code } } }\",\"variables\":{\"x\":\"" + new string('x', 300 * 1024) + "\"}}";
        var response = await client.PostAsync("/graphql", new StringContent(huge, Encoding.UTF8, "application/json"));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("REQUEST_TOO_LARGE", r.FirstErrorCode);
    }

    [Fact]
    public async Task WrongContentType()
    {
        using var client = api.CreateClient();
        var response = await client.PostAsync("/graphql", new StringContent("query", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", (await GraphQLResponse.ReadAsync(response)).FirstErrorCode);
    }
}
