using System.Net;
using System.Text.Json;
using GeoProjects.Api.Crs;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>OGC API – Features over HTTP: the links, paging and parameters QGIS and GDAL rely on.</summary>
[Collection(ApiCollection.Name)]
public sealed class OgcTests(ApiFixture api)
{
    private async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string url, string? accept = null)
    {
        using var client = api.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private static string[] Rels(JsonElement body) => body.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("rel").GetString()!).ToArray();

    [Fact]
    public async Task LandingConformanceAndCollectionsLinkTogether()
    {
        var (_, landing) = await GetAsync("/ogc");
        Assert.Superset(new HashSet<string> { "self", "alternate", "service-desc", "conformance", "data" }, Rels(landing).ToHashSet());

        var (_, conformance) = await GetAsync("/ogc/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", classes);
        Assert.Contains("http://www.opengis.net/spec/cql2/1.0/conf/cql2-text", classes);
        Assert.DoesNotContain("http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators", classes); // LIKE is partial

        var (_, collections) = await GetAsync("/ogc/collections");
        var projects = collections.GetProperty("collections").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "projects");
        Assert.Contains("items", Rels(projects));
        Assert.Contains("http://www.opengis.net/def/crs/EPSG/0/4490", projects.GetProperty("crs").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("http://www.opengis.net/def/crs/OGC/1.3/CRS84", projects.GetProperty("storageCrs").GetString());
        Assert.Equal(2, collections.GetProperty("collections").GetArrayLength());
    }

    [Fact]
    public async Task PagingFollowsNextLinksOverEveryFeatureOnce()
    {
        var seen = new List<long>();
        var url = "/ogc/collections/projects/items?limit=7&datetime=2023-11-25";
        var pages = 0;
        while (url is not null)
        {
            var (response, page) = await GetAsync(url);
            Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(88, page.GetProperty("numberMatched").GetInt32());
            Assert.Equal(page.GetProperty("features").GetArrayLength(), page.GetProperty("numberReturned").GetInt32());
            Assert.True(page.TryGetProperty("timeStamp", out _));
            seen.AddRange(page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetInt64()));
            if (pages++ > 0) Assert.Contains("prev", Rels(page));
            var next = page.GetProperty("links").EnumerateArray().FirstOrDefault(l => l.GetProperty("rel").GetString() == "next");
            url = next.ValueKind == JsonValueKind.Object ? new Uri(next.GetProperty("href").GetString()!).PathAndQuery : null;
        }
        Assert.Equal(13, pages);
        Assert.Equal(88, seen.Count);
        Assert.Equal(88, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("/ogc/collections/projects/items?limit=0", 400, "limit")]
    [InlineData("/ogc/collections/projects/items?limit=-3", 400, "limit")]
    [InlineData("/ogc/nope", 404, "/ogc/nope")]
    [InlineData("/ogc/conformance?colour=red", 400, "colour")]
    [InlineData("/ogc?colour=red", 400, "colour")]
    [InlineData("/ogc/collections?colour=red", 400, "colour")]
    [InlineData("/ogc/collections/projects?colour=red", 400, "colour")]
    [InlineData("/ogc/collections/projects/queryables?colour=red", 400, "colour")]
    [InlineData("/ogc/collections/projects/items/1?colour=red", 400, "colour")]
    [InlineData("/ogc/api?colour=red", 400, "colour")]
    [InlineData("/ogc/collections/projects/items?colour=red", 400, "colour")]
    [InlineData("/ogc/collections/projects/items?bbox=1,2,3", 400, "bbox")]
    [InlineData("/ogc/collections/projects/items?crs=EPSG:27700", 400, "crs")]
    [InlineData("/ogc/collections/projects/items?sortby=location", 400, "sortby")]
    [InlineData("/ogc/collections/projects/items?properties=colour", 400, "properties")]
    [InlineData("/ogc/collections/projects/items?sector=SPACE", 400, "SPACE")]
    [InlineData("/ogc/collections/projects/items?filter=sector%20%3D%20%27X%27%20AND", 400, "position")]
    [InlineData("/ogc/collections/projects/items?filter=colour%20%3D%201", 400, "colour")]
    [InlineData("/ogc/collections/projects/items?filter=name%20LIKE%20%27a_b%27", 400, "LIKE")]
    [InlineData("/ogc/collections/buildings/items", 404, "buildings")]
    [InlineData("/ogc/collections/projects/items/999999", 404, "999999")]
    public async Task ErrorsAreOgcExceptionsThatPointAtTheProblem(string url, int status, string mentioned)
    {
        var (response, body) = await GetAsync(url);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("code").GetString()));
        Assert.Contains(mentioned, body.GetProperty("description").GetString());
    }

    [Fact]
    public async Task BboxAndPropertyParametersFilterLikeGraphQL()
    {
        var (_, page) = await GetAsync("/ogc/collections/projects/items?limit=100&bbox=119.9,35.7,120.05,35.85&sector=ADVANCED_MANUFACTURING&properties=code,sector");
        var codes = page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("code").GetString()!).ToHashSet();
        var graphql = await api.ProjectCodesAsync(new
        {
            sector = new { eq = "ADVANCED_MANUFACTURING" },
            location = new { intersects = new { geometry = new { type = "Polygon", coordinates = new[] { new[] { new[] { 119.9, 35.7 }, new[] { 120.05, 35.7 }, new[] { 120.05, 35.85 }, new[] { 119.9, 35.85 }, new[] { 119.9, 35.7 } } } } } },
        });
        Assert.Equal(graphql.Order(), codes.Order());
        Assert.Equal(["code", "sector"], page.GetProperty("features")[0].GetProperty("properties").EnumerateObject().Select(p => p.Name));

        // The same box in EPSG:4326 is written lat/lon.
        var (_, latLon) = await GetAsync("/ogc/collections/projects/items?limit=100&bbox=35.7,119.9,35.85,120.05&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326&sector=ADVANCED_MANUFACTURING");
        Assert.Equal(codes.Count, latLon.GetProperty("numberMatched").GetInt32());
        // One meaning per queryable, the same in the parameter and in CQL2: `zone` is the name, `zoneCode` the code.
        var inGzk = Seed.Projects.Count(p => Seed.AssignedZone(p) == "GZK");
        foreach (var query in new[] { "zoneCode=GZK", "zone=古镇口核心区", "filter=zoneCode%20%3D%20'GZK'", "filter=zone%20%3D%20'古镇口核心区'" })
        {
            var (_, zone) = await GetAsync("/ogc/collections/projects/items?limit=100&" + query);
            Assert.Equal(inGzk, zone.GetProperty("numberMatched").GetInt32());
            Assert.Equal("GZK", zone.GetProperty("features")[0].GetProperty("properties").GetProperty("zoneCode").GetString());
        }
        var (_, byNameWithCode) = await GetAsync("/ogc/collections/projects/items?zone=GZK");
        Assert.Equal(0, byNameWithCode.GetProperty("numberMatched").GetInt32());
    }

    [Fact]
    public async Task ALimitAboveTheMaximumIsCappedNotRefused()
    {
        var (response, page) = await GetAsync("/ogc/collections/projects/items?limit=50000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(94, page.GetProperty("numberReturned").GetInt32());
        var self = page.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "self").GetProperty("href").GetString();
        Assert.Contains("limit=10000", self);
    }

    [Fact]
    public async Task WritesNeedTheRightRoleAndOtherMethodsAreNotAllowed()
    {
        using var viewer = api.CreateClient();
        using var refused = await viewer.PostAsync("/ogc/collections/projects/items", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode); // a viewer may not create, whatever the body
        using (var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
            Assert.Equal("Forbidden", body.RootElement.GetProperty("code").GetString());
        using var anonymous = api.CreateAnonymousClient();
        using var unauthenticated = await anonymous.DeleteAsync("/ogc/collections/projects/items/1");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);

        using var put = await viewer.PutAsync("/ogc/collections/projects/items", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        using var body405 = JsonDocument.Parse(await put.Content.ReadAsStringAsync());
        Assert.Equal("MethodNotAllowed", body405.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task TheOpenApiDocumentHasAnOfflineHtmlView()
    {
        var (landing, body) = await GetAsync("/ogc");
        var doc = body.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "service-doc");
        Assert.Equal("text/html", doc.GetProperty("type").GetString());
        using var client = api.CreateClient();
        var html = await client.GetStringAsync("/ogc/api?f=html");
        Assert.Contains("/ogc/api/ui/swagger-ui-bundle.js", html);
        Assert.DoesNotContain("https://", html); // nothing from a CDN
        using var bundle = await client.GetAsync("/ogc/api/ui/swagger-ui-bundle.js");
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.True((await bundle.Content.ReadAsByteArrayAsync()).Length > 100_000);
    }

    [Fact]
    public async Task OutputCrsAxisOrderAndContentCrs()
    {
        var (crs84Response, crs84) = await GetAsync("/ogc/collections/projects/items/1");
        var (latLonResponse, latLon) = await GetAsync("/ogc/collections/projects/items/1?crs=http://www.opengis.net/def/crs/EPSG/0/4490");
        var (_, mercator) = await GetAsync("/ogc/collections/projects/items/1?crs=http://www.opengis.net/def/crs/EPSG/0/3857");
        var (_, gcj) = await GetAsync("/ogc/collections/projects/items/1?crs=GCJ02");
        double[] Xy(JsonElement f) => f.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble()).ToArray();

        Assert.Equal("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>", crs84Response.Headers.GetValues("Content-Crs").Single());
        Assert.Equal("<http://www.opengis.net/def/crs/EPSG/0/4490>", latLonResponse.Headers.GetValues("Content-Crs").Single());
        Assert.Equal([119.9612, 35.7921], Xy(crs84));
        Assert.Equal([35.7921, 119.9612], Xy(latLon));
        Assert.Equal(119.9612 * 20037508.342789244 / 180, Xy(mercator)[0], 1);
        Assert.False(mercator.GetProperty("geometry").TryGetProperty("crs", out _)); // no legacy GeoJSON crs member; Content-Crs says it
        var expected = ChineseCrs.FromWgs84(CoordinateSystem.Gcj02, 119.9612, 35.7921);
        Assert.Equal(expected.Lon, Xy(gcj)[0], 6);
        Assert.Contains("collection", Rels(crs84));
    }

    [Fact]
    public async Task SortbyAndDatetime()
    {
        var (_, sorted) = await GetAsync("/ogc/collections/projects/items?limit=5&sortby=-totalInvestment&properties=totalInvestment");
        var values = sorted.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("totalInvestment").GetDecimal()).ToList();
        Assert.Equal(Seed.Projects.Select(p => p.Total).OrderDescending().Take(5), values);
        var (_, none) = await GetAsync("/ogc/collections/projects/items?datetime=../2023-01-01");
        Assert.Equal(0, none.GetProperty("numberMatched").GetInt32());
        var (_, after) = await GetAsync("/ogc/collections/projects/items?datetime=2023-11-25T00:00:00Z/..");
        Assert.Equal(88, after.GetProperty("numberMatched").GetInt32());
    }

    [Fact]
    public async Task QueryablesAreAJsonSchemaNamedAsGraphQL()
    {
        var (response, schema) = await GetAsync("/ogc/collections/projects/queryables");
        Assert.Equal("application/schema+json", response.Content.Headers.ContentType?.MediaType);
        var properties = schema.GetProperty("properties");
        Assert.Contains("ADVANCED_MANUFACTURING", properties.GetProperty("sector").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("number", properties.GetProperty("totalInvestment").GetProperty("type").GetString());
        Assert.Equal("geometry-point", properties.GetProperty("location").GetProperty("format").GetString());
    }

    [Fact]
    public async Task HtmlForBrowsers()
    {
        using var client = api.CreateClient();
        var html = await client.GetStringAsync("/ogc/collections/projects/items?f=html&limit=3");
        Assert.Contains("<table>", html);
        Assert.Contains("numberMatched 94", html);
        var (response, _) = await GetAsync("/ogc/collections", "text/html");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OpenApiDescribesOurParametersAndLimits()
    {
        var (response, doc) = await GetAsync("/ogc/api");
        Assert.Equal("application/vnd.oai.openapi+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("3.0.3", doc.GetProperty("openapi").GetString());
        var parameters = doc.GetProperty("paths").GetProperty("/collections/projects/items").GetProperty("get").GetProperty("parameters").EnumerateArray().ToList();
        Assert.Equal(10_000, parameters.Single(p => p.GetProperty("name").GetString() == "limit").GetProperty("schema").GetProperty("maximum").GetInt32());
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == "sector");
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == "filter");
    }
}

/// <summary>CQL2: every operator family, text and JSON agreeing with each other and with GraphQL's `where`.</summary>
[Collection(ApiCollection.Name)]
public sealed class Cql2Tests(ApiFixture api)
{
    private async Task<HashSet<string>> OgcCodesAsync(string collection, string filter, string lang)
    {
        using var client = api.CreateClient();
        var response = await client.GetAsync($"/ogc/collections/{collection}/items?limit=1000&properties=code&filter-lang={lang}&filter={Uri.EscapeDataString(filter)}");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("code").GetString()!).ToHashSet();
    }

    public static TheoryData<string, string, string> Families() => new()
    {
        { "totalInvestment >= 10", """{"op":">=","args":[{"property":"totalInvestment"},10]}""", """{"totalInvestment":{"gte":10}}""" },
        { "sector <> 'ADVANCED_MANUFACTURING' AND totalInvestment < 3", """{"op":"and","args":[{"op":"<>","args":[{"property":"sector"},"ADVANCED_MANUFACTURING"]},{"op":"<","args":[{"property":"totalInvestment"},3]}]}""",
          """{"and":[{"sector":{"neq":"ADVANCED_MANUFACTURING"}},{"totalInvestment":{"lt":3}}]}""" },
        { "NOT (sector = 'ADVANCED_MANUFACTURING' OR totalInvestment < 5)", """{"op":"not","args":[{"op":"or","args":[{"op":"=","args":[{"property":"sector"},"ADVANCED_MANUFACTURING"]},{"op":"<","args":[{"property":"totalInvestment"},5]}]}]}""",
          """{"and":[{"sector":{"neq":"ADVANCED_MANUFACTURING"}},{"totalInvestment":{"gte":5}}]}""" },
        { "name LIKE '%芯片%'", """{"op":"like","args":[{"property":"name"},"%芯片%"]}""", """{"name":{"contains":"芯片"}}""" },
        { "code NOT LIKE 'XHA-2023%'", """{"op":"not","args":[{"op":"like","args":[{"property":"code"},"XHA-2023%"]}]}""", """{"code":{"nstartsWith":"XHA-2023"}}""" },
        { "status IN ('SIGNED', 'RESERVE')", """{"op":"in","args":[{"property":"status"},["SIGNED","RESERVE"]]}""", """{"status":{"in":["SIGNED","RESERVE"]}}""" },
        { "totalInvestment BETWEEN 10 AND 50", """{"op":"between","args":[{"property":"totalInvestment"},10,50]}""", """{"totalInvestment":{"gte":10,"lte":50}}""" },
        { "startDate IS NULL", """{"op":"isNull","args":[{"property":"startDate"}]}""", """{"startDate":{"eq":null}}""" },
        { "startDate = DATE('2023-11-25') AND zone = '古镇口核心区'", """{"op":"and","args":[{"op":"=","args":[{"property":"startDate"},{"date":"2023-11-25"}]},{"op":"=","args":[{"property":"zone"},"古镇口核心区"]}]}""",
          """{"startDate":{"eq":"2023-11-25"},"zone":{"name":{"eq":"古镇口核心区"}}}""" },
        { "S_INTERSECTS(location, POLYGON((119.9 35.7, 120.05 35.7, 120.05 35.85, 119.9 35.85, 119.9 35.7)))",
          """{"op":"s_intersects","args":[{"property":"location"},{"type":"Polygon","coordinates":[[[119.9,35.7],[120.05,35.7],[120.05,35.85],[119.9,35.85],[119.9,35.7]]]}]}""",
          """{"location":{"intersects":{"geometry":{"type":"Polygon","coordinates":[[[119.9,35.7],[120.05,35.7],[120.05,35.85],[119.9,35.85],[119.9,35.7]]]}}}}""" },
        { "S_WITHIN(location, BBOX(120.1, 35.9, 120.3, 36.1))", """{"op":"s_within","args":[{"property":"location"},{"bbox":[120.1,35.9,120.3,36.1]}]}""",
          """{"location":{"within":{"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.3,35.9],[120.3,36.1],[120.1,36.1],[120.1,35.9]]]}}}}""" },
        { "S_DWITHIN(location, POINT(119.9612 35.7921), 8, kilometers)", """{"op":"s_dwithin","args":[{"property":"location"},{"type":"Point","coordinates":[119.9612,35.7921]},8000]}""",
          """{"location":{"distance":{"geometry":{"type":"Point","coordinates":[119.9612,35.7921]},"lte":8000}}}""" },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public async Task TextJsonAndGraphQLAgree(string text, string json, string where)
    {
        var fromText = await OgcCodesAsync("projects", text, "cql2-text");
        var fromJson = await OgcCodesAsync("projects", json, "cql2-json");
        var fromGraphQL = await api.ProjectCodesAsync(JsonDocument.Parse(where).RootElement);

        Assert.NotEmpty(fromGraphQL);
        Assert.Equal(fromGraphQL.Order(), fromText.Order());
        Assert.Equal(fromGraphQL.Order(), fromJson.Order());
    }

    [Fact]
    public async Task SpatialContainsOnZones()
    {
        var codes = await OgcCodesAsync("zones", "S_CONTAINS(boundary, POINT(119.9612 35.7921))", "cql2-text");
        Assert.Equal(new HashSet<string> { "XHA", "GZK" }, codes);
        Assert.Equal(codes, await OgcCodesAsync("zones", """{"op":"s_contains","args":[{"property":"boundary"},{"type":"Point","coordinates":[119.9612,35.7921]}]}""", "cql2-json"));
    }
}

/// <summary>GDAL's OAPIF driver as a real client, against a real port.</summary>
[Collection(ApiCollection.Name)]
public sealed class GdalOgcTests(ApiFixture api)
{
    [Fact]
    public async Task OgrinfoListsFiltersAndPagesAndOgr2ogrCopies()
    {
        await using var server = new LiveServer(api);
        var source = "OAPIF:" + server.Url("/ogc");

        var (code, list) = await LiveServer.RunAsync("ogrinfo", "-ro", "-so", source);
        Assert.Equal(0, code);
        Assert.Contains("projects", list);
        Assert.Contains("zones", list);

        // -spat and -where go to the server (bbox, and the sector parameter the OpenAPI document declares).
        var (_, filtered) = await LiveServer.RunAsync("ogrinfo", "-ro", "-q", source, "projects", "-spat", "119.9", "35.7", "120.05", "35.85", "-where", "sector='ADVANCED_MANUFACTURING'");
        var codes = System.Text.RegularExpressions.Regex.Matches(filtered, @"code \(String\) = (\S+)").Select(m => m.Groups[1].Value).ToHashSet();
        var graphql = await api.ProjectCodesAsync(new
        {
            sector = new { eq = "ADVANCED_MANUFACTURING" },
            location = new { intersects = new { geometry = new { type = "Polygon", coordinates = new[] { new[] { new[] { 119.9, 35.7 }, new[] { 120.05, 35.7 }, new[] { 120.05, 35.85 }, new[] { 119.9, 35.85 }, new[] { 119.9, 35.7 } } } } } },
        });
        Assert.Equal(graphql.Order(), codes.Order());

        // The 88 projects of 2023-11-25 with a small page size: each exactly once (13 pages, following `next`).
        var (_, batch) = await LiveServer.RunAsync("ogrinfo", "-ro", "-q", "-oo", "PAGE_SIZE=7", source, "projects", "-where", "startDate='2023-11-25'");
        var batchCodes = System.Text.RegularExpressions.Regex.Matches(batch, @"code \(String\) = (\S+)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(88, batchCodes.Count);
        Assert.Equal(Seed.Projects.Where(p => p.StartDate == "2023-11-25").Select(p => p.Code).Order(), batchCodes.Order());

        // A date comparison: Debian 12's GDAL sends it as datetime=2023-11-01T/.. (a trailing T), server-side.
        var (dateCode, dated) = await LiveServer.RunAsync("ogrinfo", "-ro", "-q", "--debug", "on", source, "projects", "-where", "startDate >= '2023-11-01'");
        Assert.Equal(0, dateCode);
        Assert.Contains("datetime=2023-11-01", dated);
        Assert.Equal(88, System.Text.RegularExpressions.Regex.Matches(dated, @"code \(String\) = (\S+)").Count);

        var gpkg = Path.Combine(Path.GetTempPath(), $"geoprojects-{Guid.NewGuid():N}.gpkg");
        try
        {
            // Anonymous, GDAL copies the published projects; with a viewer's token (GDAL_HTTP_HEADERS) the reserve list too.
            var viewer = $"Authorization: Bearer {api.Token("gdal", GeoProjects.Api.Security.Role.Viewer)}";
            foreach (var (headers, expected) in new[] { ((string?)null, Seed.Projects.Count(p => p.Status != "RESERVE")), (viewer, Seed.Projects.Count) })
            {
                string[] auth = headers is null ? [] : ["--config", "GDAL_HTTP_HEADERS", headers];
                var (copied, copyOutput) = await LiveServer.RunAsync("ogr2ogr", [.. auth, "-overwrite", "-f", "GPKG", gpkg, source, "projects", "-oo", "PAGE_SIZE=50"]);
                Assert.True(copied == 0, copyOutput);
                var (_, info) = await LiveServer.RunAsync("ogrinfo", "-ro", "-so", gpkg, "projects");
                Assert.Contains($"Feature Count: {expected}", info);
            }
        }
        finally
        {
            File.Delete(gpkg);
        }
    }
}
