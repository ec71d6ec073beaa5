using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace GeoProjects.Tests;

/// <summary>
/// Real GraphQL clients from npm (tests/clients) against the app on a real port: graphql-js introspection as every
/// IDE and code generator sends it, GraphQL Code Generator, Apollo Client's persisted-query link, and graphql-http's
/// GraphQL-over-HTTP audit.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GraphQLClientTests(ApiFixture api)
{
    private static string Clients => Path.Combine(Seed.RepoRoot, "tests", "clients");

    private static async Task<JsonElement> NodeAsync(params string[] arguments)
    {
        var (exit, output) = await LiveServer.RunAsync("node", [Path.Combine(Clients, arguments[0]), .. arguments[1..]]);
        Assert.True(exit == 0, output);
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    [Fact]
    public async Task GraphqlJsIntrospectionWithDefaultAndEveryOptionBuildsTheCommittedSchema()
    {
        await using var server = new LiveServer(api);
        var report = await NodeAsync("introspect.mjs", server.Url("/graphql"), Path.Combine(Seed.RepoRoot, "schema.graphql"));

        foreach (var variant in new[] { "default", "full" })
        {
            Assert.Equal(200, report.GetProperty(variant).GetProperty("status").GetInt32());
            Assert.Equal(0, report.GetProperty(variant).GetProperty("changes").GetArrayLength());
        }
        Assert.Equal("https://www.graphql-scalars.com/date-time", report.GetProperty("full").GetProperty("dateTimeSpecifiedBy").GetString());
        Assert.Contains("specifiedBy", report.GetProperty("full").GetProperty("directives").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public async Task GraphQLCodeGeneratorTypesTheSchemaAndOurOperationsFromTheLiveEndpoint()
    {
        await using var server = new LiveServer(api);
        var output = Directory.CreateTempSubdirectory("codegen").FullName;
        var files = await NodeAsync("codegen.mjs", server.Url("/graphql"), Path.Combine(Seed.RepoRoot, "docs", "operations", "*.graphql"), output);

        Assert.Equal(2, files.GetArrayLength());
        var operations = await File.ReadAllTextAsync(Path.Combine(output, "operations.ts"));
        Assert.Contains("HeadlineProjectsQuery", operations);
        Assert.Contains("export enum Sector", operations);
    }

    [Fact]
    public async Task TheGraphQLOverHttpAuditPassesEveryMust()
    {
        await using var server = new LiveServer(api);
        var report = await NodeAsync("audit.mjs", server.Url("/graphql"));

        Assert.True(report.GetProperty("passed").GetInt32() >= 59, report.GetRawText());
        // Deliberate, as HotChocolate: without Accept (or with */*) the answer is application/graphql-response+json.
        var warnings = report.GetProperty("failed").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Equal(["SHOULD accept */* and use application/json for the content-type", "SHOULD assume application/json content-type when accept is missing"],
            warnings);
    }

    [Fact]
    public async Task ApolloPersistedQueryLinkFallsBackToTheFullQueryOnceThenSendsOnlyTheHash()
    {
        await using var server = new LiveServer(api);
        var report = await NodeAsync("apollo-apq.mjs", server.Url("/graphql"));

        var first = report.GetProperty("firstSent").EnumerateArray().ToList();
        Assert.Equal(2, first.Count);
        Assert.False(first[0].GetProperty("hasQuery").GetBoolean());
        Assert.True(first[1].GetProperty("hasQuery").GetBoolean());
        var second = Assert.Single(report.GetProperty("secondSent").EnumerateArray());
        Assert.False(second.GetProperty("hasQuery").GetBoolean());
        Assert.Equal(200, second.GetProperty("status").GetInt32());
        foreach (var run in new[] { "first", "second" })
            Assert.Equal(88, report.GetProperty(run).GetProperty("data").GetProperty("projectStats")[0].GetProperty("count").GetInt32());
    }
}

/// <summary>Trusted documents (HotChocolate's persisted operations) and Apollo's automatic persisted queries, over HTTP.</summary>
[Collection(ApiCollection.Name)]
public sealed class PersistedOperationTests(ApiFixture api)
{
    private static readonly string Headline = File.ReadAllText(Path.Combine(Seed.RepoRoot, "docs", "operations", "01-HeadlineProjects.graphql"));
    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static async Task<GraphQLResponse> PostAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsync("/graphql", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        return await GraphQLResponse.ReadAsync(response);
    }

    [Fact]
    public async Task TrustedDocumentsRunByIdOverPostAndGet()
    {
        using var client = api.CreateClient();
        var hash = Sha256(Headline);

        var byId = await PostAsync(client, new { id = hash });
        var byDocumentId = await PostAsync(client, new { documentId = "sha256:" + hash });
        var byGet = await GraphQLResponse.ReadAsync(await client.GetAsync($"/graphql?id={hash}"));
        var direct = await api.QueryAsync(Headline);

        foreach (var r in new[] { byId, byDocumentId, byGet })
        {
            Assert.Equal(200, r.Status);
            r.AssertNoErrors();
            Assert.Equal(direct.Data.GetRawText(), r.Data.GetRawText());
        }
        var unknown = await PostAsync(client, new { id = new string('0', 64) });
        Assert.Equal((400, "PERSISTED_DOCUMENT_NOT_FOUND"), (unknown.Status, unknown.FirstErrorCode));
        // Both an id and a different query: neither runs. The same text with its id is fine.
        var both = await PostAsync(client, new { id = hash, query = "{ zones { code } }" });
        Assert.Equal((400, "PERSISTED_DOCUMENT_MISMATCH"), (both.Status, both.FirstErrorCode));
        var same = await PostAsync(client, new { id = hash, query = Headline });
        Assert.Equal(200, same.Status);
        same.AssertNoErrors();
    }

    [Fact]
    public async Task AutomaticPersistedQueriesFollowApollosProtocol()
    {
        using var client = api.CreateClient();
        var query = "{ zones(where: { code: { eq: \"GZK\" } }) { name } } # " + Guid.NewGuid();
        var hash = Sha256(query);
        object Extensions(string h, int version = 1) => new { persistedQuery = new { version, sha256Hash = h } };

        var miss = await PostAsync(client, new { extensions = Extensions(hash) });
        var mismatch = await PostAsync(client, new { query, extensions = Extensions(Sha256("other")) });
        var store = await PostAsync(client, new { query, extensions = Extensions(hash) });
        var hit = await GraphQLResponse.ReadAsync(await client.GetAsync($"/graphql?extensions={Uri.EscapeDataString(JsonSerializer.Serialize(Extensions(hash)))}"));
        var version = await PostAsync(client, new { extensions = Extensions(hash, 2) });

        Assert.Equal("PersistedQueryNotFound", miss.FirstError.GetProperty("message").GetString());
        Assert.Equal("PERSISTED_QUERY_NOT_FOUND", miss.FirstErrorCode);
        Assert.Equal("PERSISTED_QUERY_HASH_MISMATCH", mismatch.FirstErrorCode);
        store.AssertNoErrors();
        hit.AssertNoErrors();
        Assert.Equal("古镇口核心区", hit.Data.GetProperty("zones")[0].GetProperty("name").GetString());
        Assert.Equal("PERSISTED_QUERY_NOT_SUPPORTED", version.FirstErrorCode);
    }

    [Fact]
    public async Task OnlyAllowPersistedDocumentsRefusesAnythingElse()
    {
        await using var locked = api.WithWebHostBuilder(b => b.UseSetting("GraphQL:OnlyAllowPersistedDocuments", "true"));
        using var client = locked.CreateClient();
        var query = "{ __typename }";

        var adHoc = await PostAsync(client, new { query });
        var apq = await PostAsync(client, new { query, extensions = new { persistedQuery = new { version = 1, sha256Hash = Sha256(query) } } });
        var trusted = await PostAsync(client, new { id = Sha256(Headline) });
        var trustedText = await PostAsync(client, new { query = Headline });

        Assert.Equal((400, "PERSISTED_DOCUMENT_REQUIRED"), (adHoc.Status, adHoc.FirstErrorCode));
        Assert.Equal((400, "PERSISTED_DOCUMENT_REQUIRED"), (apq.Status, apq.FirstErrorCode));
        trusted.AssertNoErrors();
        trustedText.AssertNoErrors(); // the text of a trusted document is that document
    }
}
