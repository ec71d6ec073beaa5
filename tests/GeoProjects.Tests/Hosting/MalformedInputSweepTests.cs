using System.Net;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>
/// Malformed input at every OGC, tile and GeoJSON endpoint (and paths and methods nobody serves): each answer is a
/// 4xx with a body that names a code, in the door's own format; never a 500, never an empty body.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MalformedInputSweepTests(ApiFixture api)
{
    private static readonly string[] Wheres =
        ["notjson", "[]", "{\"x\":1}", "{\"sector\":{\"eq\":\"SPACE\"}}", "{\"location\":{\"within\":{\"geometry\":{\"type\":\"Circle\"}}}}",
         "{\"name\":{\"contains\":\"a\\u0000b\"}}", "{\"totalInvestment\":{\"gt\":\"abc\"}}", "{\"and\":[{\"or\":5}]}", "{\"id\":{\"eq\":\"Zm9v\"}}", "\"\"", "1e400"];

    public static TheoryData<string, string> Requests()
    {
        var data = new TheoryData<string, string>();
        foreach (var door in new[] { "/tiles/projects/10/853/402.mvt", "/tiles/zones/8/213/100.mvt", "/geojson/projects", "/geojson/zones" })
        {
            foreach (var where in Wheres) data.Add("GET", $"{door}?where={Uri.EscapeDataString(where)}");
            data.Add("GET", $"{door}?crs=EPSG:9999");
            data.Add("GET", $"{door}?asOf=2023-13-45");
            data.Add("POST", door);
            data.Add("DELETE", door);
        }
        foreach (var tile in new[] { "/tiles/projects/23/0/0.mvt", "/tiles/projects/3/8/0.mvt", "/tiles/projects/3/0/-1.mvt", "/tiles/projects/x/0/0.mvt", "/tiles/nowhere/1/0/0.mvt" })
            data.Add("GET", tile);
        foreach (var limit in new[] { "0", "-5", "abc", "1e3", "99999999999" }) data.Add("GET", $"/geojson/projects?limit={limit}");
        foreach (var ogc in new[]
        {
            "/ogc?f=xml", "/ogc/collections/nope", "/ogc/collections/projects/items?limit=x", "/ogc/collections/projects/items?offset=-1",
            "/ogc/collections/projects/items?bbox=a,b,c,d", "/ogc/collections/projects/items?bbox-crs=EPSG:1", "/ogc/collections/projects/items?datetime=yesterday",
            "/ogc/collections/projects/items?datetime=2024-01-01/2023-01-01", "/ogc/collections/projects/items?sortby=nope", "/ogc/collections/projects/items?properties=nope",
            "/ogc/collections/projects/items?filter-lang=sql&filter=1", "/ogc/collections/projects/items?filter=((", "/ogc/collections/projects/items?filter-crs=EPSG:3857&filter=code='x'",
            "/ogc/collections/projects/items/abc", "/ogc/collections/projects/items/1?crs=EPSG:1", "/ogc/collections/zones/items?filter=kind%20LIKE%20'%25a_b'",
        })
            data.Add("GET", ogc);
        foreach (var json in new[] { "{\"op\":1,\"args\":[]}", "{\"op\":\"=\",\"args\":[{\"property\":\"code\"}]}", "{\"op\":\"not\",\"args\":[]}",
                     "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"location\"},{\"bbox\":[\"a\",\"b\",\"c\",\"d\"]}]}", "{\"op\":\"like\",\"args\":[{\"property\":\"name\"},5]}", "{" })
            data.Add("GET", $"/ogc/collections/projects/items?filter-lang=cql2-json&filter={Uri.EscapeDataString(json)}");
        foreach (var method in new[] { "POST", "PUT", "PATCH", "DELETE" }) data.Add(method, "/ogc/collections/projects/items");
        data.Add("GET", "/nowhere");
        data.Add("GET", "/tiles/projects.json?crs=EPSG:9999");
        data.Add("GET", "/tiles/zones.json?where=notjson");
        return data;
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task AnsweredWithACoded4xxAndABody(string method, string url)
    {
        using var client = api.CreateClient();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {url}: {(int)response.StatusCode} {text}");
        Assert.False(string.IsNullOrWhiteSpace(text), $"{method} {url}: empty body");
        using var body = JsonDocument.Parse(text);
        var root = body.RootElement;
        var code = root.TryGetProperty("code", out var ogc) ? ogc.GetString()
            : root.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString()
            : null;
        Assert.False(string.IsNullOrEmpty(code), $"{method} {url}: no code in {text}");
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("POSTGRES", text);
    }
}
