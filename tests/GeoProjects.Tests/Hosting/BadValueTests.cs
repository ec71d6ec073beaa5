using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>Values PostgreSQL would refuse get coded errors first; buffers and distances are right over their whole range.</summary>
[Collection(ApiCollection.Name)]
public sealed class BadValueTests(ApiFixture api)
{
    private const string Point = "{ type: \"Point\", coordinates: [120.0, 35.9] }";

    private async Task<HashSet<string>> CodesAsync(string where)
    {
        var r = await api.QueryAsync($"{{ projects(first: 100, where: {where}) {{ nodes {{ code }} }} }}");
        r.AssertNoErrors();
        return r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("code").GetString()!).ToHashSet();
    }

    [Theory]
    [InlineData(2_000)]
    [InlineData(30_000)]
    [InlineData(7_000_000)]
    [InlineData(20_037_509)]
    public async Task ABufferedIntersectionHoldsWhatTheSameDistanceDoes(double metres)
    {
        var buffered = await CodesAsync($"{{ location: {{ intersects: {{ geometry: {Point}, buffer: {metres} }} }} }}");
        var within = await CodesAsync($"{{ location: {{ within: {{ geometry: {Point}, buffer: {metres} }} }} }}");
        var distance = await CodesAsync($"{{ location: {{ distance: {{ geometry: {Point}, lte: {metres} }} }} }}");

        Assert.Equal(distance, buffered);
        Assert.Equal(distance, within);
        if (metres >= 7_000_000) Assert.Equal(94, buffered.Count);
    }

    [Theory]
    [InlineData("{ location: { intersects: { geometry: " + Point + ", buffer: 2.1e7 } } }", "FILTER_VALUE_INVALID")]
    [InlineData("{ location: { intersects: { geometry: " + Point + ", buffer: 3e7 } } }", "FILTER_VALUE_INVALID")]
    [InlineData("{ location: { distance: { geometry: " + Point + ", lte: 1e12 } } }", "FILTER_VALUE_INVALID")]
    [InlineData("{ location: { distance: { geometry: " + Point + ", lte: -1 } } }", "FILTER_VALUE_INVALID")]
    [InlineData("{ location: { touches: { geometry: " + Point + ", buffer: 500000 } } }", "FILTER_VALUE_INVALID")]
    [InlineData("{ location: { distance: { geometry: " + Point + ", buffer: 500000, lte: 10 } } }", "FILTER_VALUE_INVALID")]
    public async Task OutOfRangeMetresAreRefused(string where, string code)
    {
        var r = await api.QueryAsync($"{{ projects(where: {where}) {{ totalCount }} }}");
        Assert.Equal(code, r.FirstErrorCode);
    }

    public static TheoryData<string, object?, string> ClientControlledValues() => new()
    {
        { "query($b: Float) { projects(where: { location: { intersects: { geometry: " + Point + ", buffer: $b } } }) { totalCount } }", null, "1e400" },
        { "query($d: Float) { projects(where: { location: { distance: { geometry: " + Point + ", lt: $d } } }) { totalCount } }", null, "-1e400" },
        { "query($s: String) { projects(where: { name: { contains: $s } }) { totalCount } }", "a\u0000b", "" },
        { "{ projects(where: { name: { contains: \"a\\u0000b\" } }) { totalCount } }", null, "" },
        { "{ projects(after: \"MjE0NzQ4MzY0Nw==\") { totalCount } }", null, "" }, // the cursor of row 2 147 483 647
        { "{ projects(before: \"MjE0NzQ4MzY0Nw==\", last: 5) { totalCount } }", null, "" },
        { "{ zones { projects(after: \"MjE0NzQ4MzY0Ng==\") { totalCount } } }", null, "" },
        { "{ projects(where: { code: { startsWith: \"%_\\\\\" } }) { totalCount } }", null, "" },
        { "{ projects(where: { startDate: { gt: \"0001-01-01\" } }) { totalCount } }", null, "" },
        { "{ projects(where: { totalInvestment: { gt: 79228162514264337593543950335 } }) { totalCount } }", null, "" },
        { "{ projectStats(where: { totalInvestment: { lt: -79228162514264337593543950335 } }) { count } }", null, "" },
        { "{ nearestProjects: projects(near: { type: \"Point\", coordinates: [180, 90] }, maxDistance: 1e308) { totalCount } }", null, "" },
    };

    [Theory]
    [MemberData(nameof(ClientControlledValues))]
    public async Task NoClientValueReachesTheClientAsAPostgresError(string query, object? variable, string rawVariable)
    {
        // A raw variable carries JSON that no .NET value serialises to (1e400).
        string body = rawVariable.Length > 0
            ? "{\"query\":" + JsonSerializer.Serialize(query) + ",\"variables\":{\"" + query[7] + "\":" + rawVariable + "}}"
            : JsonSerializer.Serialize(new { query, variables = variable is null ? null : new Dictionary<string, object?> { [query[7].ToString()] = variable } });
        using var client = api.CreateClient();
        var r = await GraphQLResponse.ReadAsync(await client.PostAsync("/graphql", new StringContent(body, Encoding.UTF8, "application/json")));

        Assert.True(r.Status is 200 or 400, r.Text);
        Assert.DoesNotContain("\"POSTGRES\"", r.Text);
        Assert.DoesNotContain("\"INVALID_OPERATION\"", r.Text);
        if (r.HasErrors) Assert.NotNull(r.FirstErrorCode);
    }

    [Fact]
    public async Task NonFiniteFloatsAndNulCharactersAre400s()
    {
        using var client = api.CreateClient();
        async Task<GraphQLResponse> Raw(string body) => await GraphQLResponse.ReadAsync(await client.PostAsync("/graphql", new StringContent(body, Encoding.UTF8, "application/json")));
        var infinity = await Raw("{\"query\":\"query($b: Float) { projects(where: { location: { intersects: { geometry: {type:\\\"Point\\\",coordinates:[120,35.9]}, buffer: $b } } }) { totalCount } }\",\"variables\":{\"b\":1e400}}");
        var nul = await api.QueryAsync("query($s: String) { projects(where: { name: { contains: $s } }) { totalCount } }", new { s = "a\u0000b" });

        Assert.Equal((400, "INVALID_VALUE"), (infinity.Status, infinity.FirstErrorCode));
        Assert.Equal((400, "INVALID_VALUE"), (nul.Status, nul.FirstErrorCode));
        Assert.Contains("NUL", nul.FirstError.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ACursorBeyondTheRangeIsInvalid()
    {
        var r = await api.QueryAsync("{ projects(after: \"MjE0NzQ4MzY0Nw==\") { totalCount } }");
        Assert.Equal("INVALID_CURSOR", r.FirstErrorCode);
    }

    [Fact]
    public async Task NodesWithOneBadIdAnswersTheOthers()
    {
        var r = await api.QueryAsync("{ nodes(ids: [\"UHJvamVjdDox\", \"not an id\", \"Wm9uZTox\"]) { id ... on Project { code } ... on Zone { code } } }");

        Assert.Equal(200, r.Status);
        var nodes = r.Data.GetProperty("nodes");
        Assert.Equal(JsonValueKind.Object, nodes[0].ValueKind);
        Assert.Equal(JsonValueKind.Null, nodes[1].ValueKind);
        Assert.Equal(JsonValueKind.Object, nodes[2].ValueKind);
        var error = Assert.Single(r.Body.GetProperty("errors").EnumerateArray());
        Assert.Equal("INVALID_ID", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal("[\"nodes\",1]", error.GetProperty("path").GetRawText());
    }
}

/// <summary>HTTP details that clients and proxies rely on.</summary>
[Collection(ApiCollection.Name)]
public sealed class HttpDetailTests(ApiFixture api)
{
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string body, string contentType = "application/json", string? accept = null, string? encoding = null)
    {
        using var client = api.CreateClient();
        var request = new HttpRequestMessage(method, "/graphql") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (encoding is not null) request.Content.Headers.ContentEncoding.Add(encoding);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        return await client.SendAsync(request);
    }

    private const string Typename = "{\"query\":\"{ __typename }\"}";

    [Fact]
    public async Task MediaTypesAreCaseInsensitive()
    {
        using var r = await SendAsync(HttpMethod.Post, Typename, "APPLICATION/JSON; charset=UTF-8");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task QZeroExcludesAMediaType()
    {
        using var json = await SendAsync(HttpMethod.Post, "{\"query\":\"{ nope }\"}", accept: "application/graphql-response+json;q=0, application/json");
        using var none = await SendAsync(HttpMethod.Post, Typename, accept: "application/graphql-response+json;q=0");
        using var preferred = await SendAsync(HttpMethod.Post, "{\"query\":\"{ nope }\"}", accept: "application/json;q=0.5, application/graphql-response+json");

        Assert.Equal((HttpStatusCode.OK, "application/json"), (json.StatusCode, json.Content.Headers.ContentType?.MediaType));
        Assert.Equal(HttpStatusCode.NotAcceptable, none.StatusCode);
        Assert.Equal((HttpStatusCode.BadRequest, "application/graphql-response+json"), (preferred.StatusCode, preferred.Content.Headers.ContentType?.MediaType));
    }

    [Fact]
    public async Task TransportErrorsAnswerInTheAcceptedMediaType()
    {
        var huge = "{\"query\":\"{ __typename }\",\"variables\":{\"x\":\"" + new string('x', 300 * 1024) + "\"}}";
        using var put = await SendAsync(HttpMethod.Put, Typename, accept: "application/json");
        using var notAcceptable = await SendAsync(HttpMethod.Post, Typename, accept: "application/json;q=0, text/csv");
        using var tooLarge = await SendAsync(HttpMethod.Post, huge, accept: "application/json");
        using var wrongType = await SendAsync(HttpMethod.Post, Typename, "text/plain", accept: "application/json");

        foreach (var (response, status) in new[] { (put, 405), (tooLarge, 413), (wrongType, 415) })
        {
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull((await GraphQLResponse.ReadAsync(response)).FirstErrorCode);
        }
        Assert.Equal(406, (int)notAcceptable.StatusCode);
        Assert.Equal("NOT_ACCEPTABLE", (await GraphQLResponse.ReadAsync(notAcceptable)).FirstErrorCode);
    }

    [Fact]
    public async Task ACompressedBodyIsUnsupportedMediaNotBadJson()
    {
        using var r = await SendAsync(HttpMethod.Post, Typename, encoding: "gzip");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", (await GraphQLResponse.ReadAsync(r)).FirstErrorCode);
    }

    [Theory]
    [InlineData("{ __typename }", "Nope", "INVALID_OPERATION_NAME")]
    [InlineData("query A { __typename } query B { __typename }", null, "NO_OPERATION_NAME")]
    [InlineData("mutation { x }", null, "FIELDS_ON_CORRECT_TYPE")] // mutations exist now; an unknown one is a validation error
    [InlineData("subscription { projectDeleted }", null, "NOT_ACCEPTABLE")] // a stream: SSE or a WebSocket, not a JSON answer
    public async Task OperationErrorsSayWhatIsWrong(string query, string? operationName, string code)
    {
        using var r = await SendAsync(HttpMethod.Post, JsonSerializer.Serialize(new { query, operationName }), accept: GeoProjects.Api.GraphQL.GraphQLEndpoint.ResponseMediaType);
        var body = await GraphQLResponse.ReadAsync(r);
        Assert.Equal(code, body.FirstErrorCode);
        Assert.DoesNotContain("Error executing document", body.FirstError.GetProperty("message").GetString());
    }

    /// <summary>As HotChocolate does, a subscription sent with no Accept is answered as an event stream.</summary>
    [Fact]
    public async Task ASubscriptionWithNoAcceptIsAnEventStream()
    {
        using var client = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent("""{"query":"subscription { projectDeleted }"}""", Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>The value rules of the filter model hold at the non-GraphQL doors too: tiles, GeoJSON and OGC API – Features.</summary>
[Collection(ApiCollection.Name)]
public sealed class BadValuesAtEveryDoorTests(ApiFixture api)
{
    private const string Point = "{\"type\":\"Point\",\"coordinates\":[120,35.9]}";

    public static TheoryData<string, string> Wheres() => new()
    {
        { "{\"name\":{\"contains\":\"a\\u0000b\"}}", "NUL" },
        { "{\"location\":{\"intersects\":{\"geometry\":" + Point + ",\"buffer\":1e400}}}", "finite" },
        { "{\"location\":{\"intersects\":{\"geometry\":" + Point + ",\"buffer\":3e7}}}", "20037509" },
        { "{\"location\":{\"distance\":{\"geometry\":" + Point + ",\"lte\":-5}}}", "20037509" },
        { "{\"location\":{\"touches\":{\"geometry\":" + Point + ",\"buffer\":500000}}}", "at most 100000" },
    };

    [Theory]
    [MemberData(nameof(Wheres))]
    public async Task TilesAndGeoJsonRefuseWhatGraphQLRefuses(string where, string reason)
    {
        using var client = api.CreateClient();
        foreach (var door in new[] { "/geojson/projects", "/tiles/projects/10/853/402.mvt" })
        {
            using var response = await client.GetAsync($"{door}?where={Uri.EscapeDataString(where)}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{door}: {(int)response.StatusCode} {body}");
            Assert.Contains(reason, body);
            Assert.DoesNotContain("POSTGRES", body);
        }
    }

    [Theory]
    [InlineData("filter=name = 'a\u0000b'", "NUL")]
    [InlineData("filter=totalInvestment > 1e400", "1.7976931348623157E+308")]
    [InlineData("filter={\"op\":\">\",\"args\":[{\"property\":\"annualPlannedInvestment\"},1e400]}&filter-lang=cql2-json", "Infinity")]
    [InlineData("filter=S_DWITHIN(location, POINT(120 35.9), 30000000, meters)", "20037509")]
    [InlineData("totalInvestment=1e400", "finite")]
    [InlineData("bbox=119,35,121,1e400", "bbox")]
    public async Task OgcRefusesWhatGraphQLRefuses(string query, string reason)
    {
        using var client = api.CreateClient();
        var encoded = string.Join("&", query.Split('&').Select(p => p.Split('=', 2)).Select(kv => $"{kv[0]}={Uri.EscapeDataString(kv[1])}"));
        using var response = await client.GetAsync($"/ogc/collections/projects/items?{encoded}");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal("InvalidParameterValue", json.RootElement.GetProperty("code").GetString());
        Assert.Contains(reason, json.RootElement.GetProperty("description").GetString());
    }
}
