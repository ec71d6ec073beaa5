using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace GeoProjects.Tests;

/// <summary>What browsers, GDAL and proxies expect of every GET endpoint: HEAD, compression, weak ETags, forwarded headers, hosts.</summary>
[Collection(ApiCollection.Name)]
public sealed class HttpBehaviourTests(ApiFixture api)
{
    public static TheoryData<string> GetEndpoints() => new()
    {
        "/", "/graphql?query=%7B__typename%7D", "/graphql/schema.graphql", "/tiles/projects.json", "/tiles/projects/10/853/402.mvt",
        "/tiles/zones/8/213/100.mvt", "/geojson/projects", "/geojson/zones", "/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections",
        "/ogc/collections/projects", "/ogc/collections/projects/queryables", "/ogc/collections/projects/items", "/ogc/collections/zones/items/1",
        "/map/config.json",
    };

    [Theory]
    [MemberData(nameof(GetEndpoints))]
    public async Task HeadAnswersWhereGetDoesWithTheSameHeadersAndNoBody(string path)
    {
        await using var server = new LiveServer(api); // Kestrel itself, where HEAD's body rules apply
        using var client = new HttpClient();
        using var get = await client.GetAsync(server.Url(path));
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, server.Url(path)));

        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/geojson/projects", "br")]
    [InlineData("/ogc/collections/projects/items?limit=1000", "gzip")]
    [InlineData("/tiles/projects/10/853/402.mvt", "gzip")]
    [InlineData("/graphql/schema.graphql", "br")]
    [InlineData("/map/vendor/ol.js", "br")]
    public async Task ResponsesAreCompressedWhenTheClientAccepts(string path, string encoding)
    {
        using var client = api.CreateClient();
        using var plain = await client.GetAsync(path);
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
        using var compressed = await client.SendAsync(request);

        Assert.Equal(encoding, Assert.Single(compressed.Content.Headers.ContentEncoding));
        var (small, large) = ((await compressed.Content.ReadAsByteArrayAsync()).Length, (await plain.Content.ReadAsByteArrayAsync()).Length);
        Assert.True(small < large, $"{small} ≥ {large}");
    }

    [Fact]
    public async Task IfNoneMatchUsesWeakComparisonAndStar()
    {
        using var client = api.CreateClient();
        using var first = await client.GetAsync("/tiles/projects/10/853/402.mvt");
        var etag = first.Headers.ETag!.Tag;
        foreach (var header in new[] { etag, "W/" + etag, "*", $"\"other\", W/{etag}" })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/tiles/projects/10/853/402.mvt");
            request.Headers.TryAddWithoutValidation("If-None-Match", header);
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotModified, header);
        }
        var miss = new HttpRequestMessage(HttpMethod.Get, "/tiles/projects/10/853/402.mvt");
        miss.Headers.TryAddWithoutValidation("If-None-Match", "\"v0-0\"");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(miss)).StatusCode);
    }

    [Fact]
    public async Task AVersionNeverGoesBackwardsForAClient()
    {
        // A client that has seen a newer data version (from another replica) is told to retry, not given older data.
        using var client = api.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/tiles/projects/10/853/402.mvt");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"v999999999-0000\"");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("REPLICA_BEHIND", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadsGoToTheReadConnection()
    {
        // A read connection that cannot serve: every read fails over there (503), which shows where reads go.
        await using var replicaDown = api.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:GeoProjectsRead", "Host=127.0.0.1;Port=1;Username=x;Database=x"));
        using var client = replicaDown.CreateClient();
        using var graphql = await client.PostAsync("/graphql", new StringContent("{\"query\":\"{ projects { totalCount } }\"}", System.Text.Encoding.UTF8, "application/json"));
        using var tile = await client.GetAsync("/geojson/zones");

        using var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, graphql.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tile.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode); // readiness checks the database requests are served from
    }

    [Fact]
    public async Task LinksFollowTheTrustedProxyAndUnknownHostsAreRefused()
    {
        using var client = api.CreateClient();
        var proxied = new HttpRequestMessage(HttpMethod.Get, "/ogc");
        proxied.Headers.Add("X-Forwarded-Proto", "https");
        proxied.Headers.Add("X-Forwarded-Host", "localhost");
        using var viaProxy = await client.SendAsync(proxied);
        var self = JsonDocument.Parse(await viaProxy.Content.ReadAsStringAsync()).RootElement.GetProperty("links")[0].GetProperty("href").GetString();
        Assert.Equal("https://localhost/ogc", self); // TestServer's client comes from loopback, a trusted proxy by default

        var evil = new HttpRequestMessage(HttpMethod.Get, "/ogc");
        evil.Headers.Host = "evil.example";
        using var refused = await client.SendAsync(evil);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("\"InvalidParameterValue\"", await refused.Content.ReadAsStringAsync()); // coded, as OGC's errors are: not HTML
        var evilForwarded = new HttpRequestMessage(HttpMethod.Get, "/ogc");
        evilForwarded.Headers.Add("X-Forwarded-Host", "evil.example");
        using var notForwarded = await client.SendAsync(evilForwarded);
        Assert.DoesNotContain("evil.example", await notForwarded.Content.ReadAsStringAsync());

        await using var named = api.WithWebHostBuilder(b => b.UseSetting("AllowedHosts", "geoprojects.example"));
        var ok = new HttpRequestMessage(HttpMethod.Get, "/ogc");
        ok.Headers.Host = "geoprojects.example";
        Assert.Equal(HttpStatusCode.OK, (await named.CreateClient().SendAsync(ok)).StatusCode);
    }

    /// <summary>
    /// Requests too large for the server get the same coded JSON body as every other error, through Kestrel itself: a URL
    /// over 8 KB (414) and headers over 32 KB (431), at each door in its own format.
    /// </summary>
    [Theory]
    [InlineData("/geojson/zones?where=", 414, "URI_TOO_LONG")]
    [InlineData("/ogc/collections/projects/items?name=", 414, "URI_TOO_LONG")]
    [InlineData("/graphql?query=", 414, "URI_TOO_LONG")]
    [InlineData("/tiles/projects/10/853/402.mvt", 431, "HEADERS_TOO_LARGE")]
    public async Task OversizedRequestsGetCodedBodies(string path, int status, string code)
    {
        await using var server = new LiveServer(api);
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url(status == 414 ? path + new string('x', 9_000) : path));
        if (status == 431) for (var i = 0; i < 5; i++) request.Headers.TryAddWithoutValidation($"X-Padding-{i}", new string('p', 8_000));
        using var response = await client.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains(path.StartsWith("/ogc") ? "\"code\"" : code, body);
        Assert.Contains(path.StartsWith("/graphql") ? "\"errors\"" : path.StartsWith("/ogc") ? "\"description\"" : "\"error\"", body);
    }

    /// <summary>
    /// What Kestrel itself refuses before any middleware runs gets a coded JSON body too (KestrelRejections), never an empty
    /// one: a request line with raw non-ASCII bytes (an unencoded `?zone=古镇`), a URL over Kestrel's own 64 KB, a second
    /// request on a kept-alive connection that is malformed. (A Host not in AllowedHosts: LinksFollowTheTrustedProxyAndUnknownHostsAreRefused.)
    /// </summary>
    [Theory]
    [InlineData("GET /geojson/projects?zone=古镇 HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "MALFORMED_REQUEST")]
    [InlineData("GET /graphql?query={LONG} HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "URI_TOO_LONG")]
    [InlineData("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\nGET /ogc?q=西海岸 HTTP/1.1\r\nHost: localhost\r\n\r\n", 400,
        "MALFORMED_REQUEST")]
    public async Task WhatKestrelRefusesGetsACodedBody(string request, int status, string code)
    {
        await using var server = new LiveServer(api);
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(server.Origin.Host, server.Origin.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.Replace("{LONG}", new string('x', 70_000))));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var last = answer[answer.LastIndexOf("HTTP/1.1 ", StringComparison.Ordinal)..]; // the refusal follows any earlier answer
        Assert.StartsWith($"HTTP/1.1 {status} ", last);
        Assert.Contains("Content-Type: application/json", last);
        var body = JsonDocument.Parse(last[(last.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]).RootElement;
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("code").GetString()));
        if (code.Length > 0) Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
    }
}
