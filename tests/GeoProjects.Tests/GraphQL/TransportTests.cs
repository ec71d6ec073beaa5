using System.Net;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace GeoProjects.Tests;

/// <summary>GraphQL over HTTP as HotChocolate serves it.</summary>
[Collection(ApiCollection.Name)]
public sealed class TransportTests(ApiFixture api)
{
    [Fact]
    public async Task PostAnswersGraphQLResponseJsonByDefault()
    {
        var r = await api.QueryAsync("{ batches { name } }");

        Assert.Equal(200, r.Status);
        Assert.Equal("application/graphql-response+json", r.ContentType);
        Assert.Equal(2, r.Data.GetProperty("batches").GetArrayLength());
        Assert.Contains("全市", r.Text); // Chinese is not \u-escaped
    }

    [Fact]
    public async Task InvalidDocumentIs400ButLegacyJsonIsAlways200()
    {
        var invalid = await api.QueryAsync("{ projects { nodes { nope } } }");
        Assert.Equal(400, invalid.Status);
        Assert.Equal("application/graphql-response+json", invalid.ContentType);

        var legacy = await api.QueryAsync("{ projects { nodes { nope } } }", accept: "application/json");
        Assert.Equal(200, legacy.Status);
        Assert.Equal("application/json", legacy.ContentType);
        Assert.True(legacy.HasErrors);

        var syntax = await api.QueryAsync("{ projects { ");
        Assert.Equal(400, syntax.Status);
        Assert.NotNull(syntax.FirstErrorCode);
    }

    [Fact]
    public async Task GetRunsQueriesWithVariables()
    {
        using var client = api.CreateClient();
        var url = "/graphql?query=" + Uri.EscapeDataString("query Q($c: String) { projects(where: { code: { eq: $c } }) { nodes { name } } }")
            + "&operationName=Q&variables=" + Uri.EscapeDataString("{\"c\":\"XHA-2023-D01\"}");
        var r = await GraphQLResponse.ReadAsync(await client.GetAsync(url));

        Assert.Equal(200, r.Status);
        Assert.Equal("致真存储芯片制造项目", r.Data.GetProperty("projects").GetProperty("nodes")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task MutationOverGetIs405()
    {
        using var client = api.CreateClient();
        var response = await client.GetAsync("/graphql?query=" + Uri.EscapeDataString("mutation { deleteEverything }"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("METHOD_NOT_ALLOWED", (await GraphQLResponse.ReadAsync(response)).FirstErrorCode);
    }

    [Fact]
    public async Task UnacceptableAcceptIs406()
    {
        var r = await api.QueryAsync("{ batches { name } }", accept: "text/csv");
        Assert.Equal(406, r.Status);
    }

    [Theory]
    [InlineData("/graphql?sdl")]
    [InlineData("/graphql/schema")]
    [InlineData("/graphql/schema.graphql")]
    public async Task SchemaIsServedAsSdl(string path)
    {
        using var client = api.CreateClient();
        var response = await client.GetAsync(path);
        var sdl = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/graphql", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Seed.RepoRoot, "schema.graphql")), sdl);
    }

    [Fact]
    public async Task ResolverErrorsCarryACodeAndNoDetails()
    {
        var r = await api.QueryAsync("""{ project(id: "!!") { code } }""");
        Assert.Equal(200, r.Status);
        Assert.Equal("INVALID_ID", r.FirstErrorCode);
        Assert.False(r.FirstError.GetProperty("extensions").TryGetProperty("details", out _));
    }
}

/// <summary>A statement that runs longer than Database:StatementTimeoutMs is cancelled by PostgreSQL and reported with a code.</summary>
[Collection(ApiCollection.Name)]
public sealed class StatementTimeoutTests(ApiFixture api)
{
    [Fact]
    public async Task SlowStatementGetsStatementTimeout()
    {
        await using var impatient = api.WithWebHostBuilder(b => b.UseSetting("Database:StatementTimeoutMs", "1"));
        using var client = impatient.CreateClient();
        // Buffering the district outline by 100 km on the spheroid, for every row, takes far longer than 1 ms.
        var body = System.Text.Json.JsonSerializer.Serialize(new
        {
            query = "query($g: Geometry!) { projects(first: 100, where: { location: { distance: { geometry: $g, buffer: 100000, lt: 10 } } }) { nodes { code } } }",
            variables = new { g = ProjectQueryExtensions.Geo(Seed.ZoneGeoJson("XHA")) },
        });
        var r = await GraphQLResponse.ReadAsync(await client.PostAsync("/graphql", new StringContent(body, System.Text.Encoding.UTF8, "application/json")));

        Assert.Equal("STATEMENT_TIMEOUT", r.FirstErrorCode);
        Assert.DoesNotContain("   at ", r.Text);
    }
}
