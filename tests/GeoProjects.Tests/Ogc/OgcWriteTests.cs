using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>
/// OGC API – Features Part 4 as QGIS (3.32+) drives it: OPTIONS on /items and /items/unknown_id, POST without an id (the
/// new id read from Location), PUT, PATCH, DELETE, with a bearer token and no If-Match; a stale If-Match is 412.
/// </summary>
[Collection(EditingCollection.Name)]
public sealed class OgcWriteTests(ApiFixture api)
{
    private const string Items = "/ogc/collections/projects/items";

    private HttpClient As(Role? role, params string[] zones) => api.ClientAs(role is { } r ? api.Token($"qgis-{r}", r, zones) : "");

    private static HttpContent Feature(object properties, double lon, double lat, string type = "application/geo+json") =>
        new StringContent(JsonSerializer.Serialize(new
        {
            type = "Feature", geometry = new { type = "Point", coordinates = new[] { lon, lat } }, properties,
        }), Encoding.UTF8, type);

    private static async Task<string> AllowAsync(HttpClient client, string path)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Options, path));
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode}");
        return string.Join(", ", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task OptionsTellEachCallerWhatItMayDoEvenForAnUnknownId()
    {
        using var anonymous = As(null);
        using var editor = As(Role.Editor, "GZK");
        using var admin = As(Role.Admin);
        Assert.DoesNotContain("POST", await AllowAsync(anonymous, Items));
        Assert.Contains("POST", await AllowAsync(editor, Items));
        var editorItem = await AllowAsync(editor, $"{Items}/unknown_id");
        Assert.Contains("PUT", editorItem);
        Assert.Contains("PATCH", editorItem);
        Assert.DoesNotContain("DELETE", editorItem);
        Assert.Contains("DELETE", await AllowAsync(admin, $"{Items}/unknown_id"));
        Assert.Contains("POST", await AllowAsync(admin, "/ogc/collections/zones/items"));
        Assert.DoesNotContain("POST", await AllowAsync(editor, "/ogc/collections/zones/items"));
    }

    [Fact]
    public async Task TheQgisSequenceCreatesReplacesPatchesAndDeletes()
    {
        using var admin = As(Role.Admin);
        var properties = new Dictionary<string, object?>
        {
            ["code"] = "T-OGC-QGIS", ["name"] = "[示例] QGIS 编辑", ["sector"] = "MARINE_ECONOMY", ["status"] = "SIGNED",
            ["totalInvestment"] = 2.5, ["dataSource"] = "ILLUSTRATIVE", ["sourceNote"] = "ILLUSTRATIVE: entered from QGIS in a test",
            ["completedInvestment"] = 99, ["zone"] = "ignored: read-only", // QGIS sends every attribute back
        };
        using var created = await admin.PostAsync(Items, Feature(properties, 119.962, 35.772));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var location = created.Headers.Location!.ToString();
        var id = location[(location.LastIndexOf("/items/", StringComparison.Ordinal) + "/items/".Length)..]; // as QGIS reads it
        var item = $"{Items}/{id}";
        try
        {
            using (var read = await admin.GetAsync(item))
            {
                Assert.Equal("\"1\"", read.Headers.ETag!.Tag);
                using var feature = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
                Assert.Equal("GZK", feature.RootElement.GetProperty("properties").GetProperty("zoneCode").GetString());
            }

            properties["name"] = "[示例] QGIS 编辑 (改)";
            using (var replaced = await admin.PutAsync(item, Feature(properties, 119.963, 35.773)))
                Assert.Equal(HttpStatusCode.NoContent, replaced.StatusCode);
            using (var patched = await admin.PatchAsync(item, new StringContent("""{"properties":{"totalInvestment":3.75}}""",
                       Encoding.UTF8, "application/merge-patch+json")))
                Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
            using (var read = await admin.GetAsync(item))
            {
                Assert.Equal("\"3\"", read.Headers.ETag!.Tag);
                using var feature = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
                var p = feature.RootElement.GetProperty("properties");
                Assert.Equal("[示例] QGIS 编辑 (改)", p.GetProperty("name").GetString());
                Assert.Equal(3.75m, p.GetProperty("totalInvestment").GetDecimal());
                Assert.Equal(119.963, feature.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble(), 6);
            }

            // A stale If-Match is 412 and changes nothing; the revisions name the token's subject.
            using var stale = new HttpRequestMessage(HttpMethod.Patch, item)
            {
                Content = new StringContent("""{"properties":{"totalInvestment":1}}""", Encoding.UTF8, "application/merge-patch+json"),
            };
            stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            using (var refused = await admin.SendAsync(stale)) Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
            var gid = GeoProjects.Api.GraphQL.NodeId.Encode("Project", int.Parse(id));
            var history = await api.QueryAsync($$"""{ project(id: "{{gid}}") { history(first: 5) { nodes { version changedBy } } } }""");
            Assert.All(history.Data.GetProperty("project").GetProperty("history").GetProperty("nodes").EnumerateArray(),
                n => Assert.Equal("qgis-Admin", n.GetProperty("changedBy").GetString()));

            using (var deleted = await admin.DeleteAsync(item)) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            using (var gone = await admin.GetAsync(item)) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        finally
        {
            await admin.DeleteAsync(item);
        }
    }

    private static StringContent Body(JsonElement feature) => new(feature.GetRawText(), Encoding.UTF8, "application/geo+json");

    private static async Task<(JsonElement Feature, string ETag)> ReadAsync(HttpClient client, string item)
    {
        using var read = await client.GetAsync(item);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        return (JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.Clone(), read.Headers.ETag!.Tag);
    }

    private static async Task PutAsync(HttpClient client, string item, HttpContent body, HttpStatusCode expected)
    {
        using var put = await client.PutAsync(item, body);
        Assert.True(put.StatusCode == expected, $"{put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// What the door outputs, sent back unchanged, changes nothing (QGIS PUTs the whole feature it read): an admin's GET →
    /// PUT keeps the project's batch (it travels by its code) and every other field, and an unchanged PUT writes no version;
    /// an editor's PUT of the very body it POSTed keeps the batch it may not set, and only a body that changes the batch is
    /// refused.
    /// </summary>
    [Fact]
    public async Task WhatTheDoorOutputsSentBackUnchangedChangesNothing()
    {
        using var editor = As(Role.Editor, "GZK");
        using var admin = As(Role.Admin);
        var posted = Feature(new Dictionary<string, object?>
        {
            ["code"] = "T-OGC-ROUND", ["name"] = "[示例] 往返", ["sector"] = "MARINE_ECONOMY", ["status"] = "SIGNED", ["totalInvestment"] = 2,
            ["dataSource"] = "ILLUSTRATIVE", ["sourceNote"] = "ILLUSTRATIVE: a round-trip test",
        }, 119.962, 35.772);
        var postedText = await posted.ReadAsStringAsync();
        using var created = await editor.PostAsync(Items, posted);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var item = created.Headers.Location!.AbsolutePath;
        try
        {
            using (var batched = await admin.PatchAsync(item, new StringContent("""{"properties":{"batchCode":"XHA-2023-C"}}""",
                       Encoding.UTF8, "application/merge-patch+json")))
                Assert.Equal(HttpStatusCode.NoContent, batched.StatusCode);
            var (read, etag) = await ReadAsync(admin, item);
            Assert.Equal("XHA-2023-C", read.GetProperty("properties").GetProperty("batchCode").GetString());

            await PutAsync(admin, item, Body(read), HttpStatusCode.NoContent);
            var (again, sameTag) = await ReadAsync(admin, item);
            Assert.Equal(etag, sameTag); // nothing changed, so no new version
            Assert.Equal(read.GetRawText(), again.GetRawText());

            // QGIS's edit of one attribute: everything else stays, the batch included.
            var edited = JsonNode.Parse(read.GetRawText())!;
            edited["properties"]!["totalInvestment"] = 3.5;
            await PutAsync(admin, item, new StringContent(edited.ToJsonString(), Encoding.UTF8, "application/geo+json"), HttpStatusCode.NoContent);
            var (after, _) = await ReadAsync(admin, item);
            foreach (var property in read.GetProperty("properties").EnumerateObject().Where(p => p.Name != "totalInvestment"))
                Assert.Equal(property.Value.GetRawText(), after.GetProperty("properties").GetProperty(property.Name).GetRawText());
            Assert.Equal(3.5m, after.GetProperty("properties").GetProperty("totalInvestment").GetDecimal());

            // The editor's own body again (it never names the batch, an admin's field): accepted, and the batch stays.
            await PutAsync(editor, item, new StringContent(postedText, Encoding.UTF8, "application/geo+json"), HttpStatusCode.NoContent);
            var (editorRead, _) = await ReadAsync(editor, item);
            Assert.Equal("XHA-2023-C", editorRead.GetProperty("properties").GetProperty("batchCode").GetString());
            await PutAsync(editor, item, Body(editorRead), HttpStatusCode.NoContent); // what the editor read, sent back
            var moved = JsonNode.Parse(editorRead.GetRawText())!;
            moved["properties"]!["batchCode"] = "XHA-2023-D";
            using var refused = await editor.PutAsync(item, new StringContent(moved.ToJsonString(), Encoding.UTF8, "application/geo+json"));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("input.batchId", await refused.Content.ReadAsStringAsync());
        }
        finally
        {
            await admin.DeleteAsync(item);
        }
    }

    /// <summary>The same rules as the mutations: an editor outside its zones, a bad value, a geometry in another CRS.</summary>
    [Fact]
    public async Task WritesFollowTheMutationsRulesAndContentCrs()
    {
        using var editor = As(Role.Editor, "GZK");
        var properties = new Dictionary<string, object?>
        {
            ["code"] = "T-OGC-CRS", ["name"] = "[示例] CRS", ["sector"] = "MARINE_ECONOMY", ["status"] = "SIGNED", ["totalInvestment"] = 1,
            ["dataSource"] = "ILLUSTRATIVE", ["sourceNote"] = "ILLUSTRATIVE: a test",
        };
        using (var outside = await editor.PostAsync(Items, Feature(properties, 119.7484, 35.6605))) // 董家口: not this editor's
            Assert.True(outside.StatusCode == HttpStatusCode.Forbidden, await outside.Content.ReadAsStringAsync());
        properties["totalInvestment"] = -1;
        using (var negative = await editor.PostAsync(Items, Feature(properties, 119.962, 35.772)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
            Assert.Contains("totalInvestment", await negative.Content.ReadAsStringAsync());
        }
        properties["totalInvestment"] = 1;
        properties["budget"] = 1;
        using (var unknown = await editor.PostAsync(Items, Feature(properties, 119.962, 35.772)))
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        properties.Remove("budget");

        // EPSG:4326 says latitude first: the point is stored as lon/lat all the same.
        var content = Feature(properties, 35.772, 119.962);
        content.Headers.Add("Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/4326>");
        using var created = await editor.PostAsync(Items, content);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var item = created.Headers.Location!.AbsolutePath;
        using var admin = As(Role.Admin);
        try
        {
            using var feature = JsonDocument.Parse(await admin.GetStringAsync(item));
            Assert.Equal(119.962, feature.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble(), 6);
            using var denied = await editor.DeleteAsync(item); // deleting is an admin's
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }
        finally
        {
            await admin.DeleteAsync(item);
        }
    }

    /// <summary>
    /// OWSLib's Features client (Debian's python3-owslib 0.27, which has no write methods yet) reads a feature written
    /// over Part 4 through a real port, with the bearer token, as a Python GIS script would.
    /// </summary>
    [Fact]
    public async Task OwsLibReadsWhatAWriteMade()
    {
        await using var server = new LiveServer(api);
        var token = api.Token("owslib", Role.Admin);
        using var admin = new HttpClient { BaseAddress = server.Origin };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var properties = new Dictionary<string, object?>
        {
            ["code"] = "T-OGC-OWSLIB", ["name"] = "[示例] OWSLib 读取", ["sector"] = "DIGITAL_ECONOMY", ["status"] = "STARTED",
            ["totalInvestment"] = 4.25, ["dataSource"] = "ILLUSTRATIVE", ["sourceNote"] = "ILLUSTRATIVE: a test",
        };
        using var created = await admin.PostAsync(Items, Feature(properties, 120.01, 35.87));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = created.Headers.Location!.ToString().Split("/items/")[1];
        try
        {
            const string script = """
                import json, sys
                from owslib.ogcapi.features import Features
                api = Features(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
                item = api.collection_item("projects", sys.argv[3])
                print(json.dumps({"name": item["properties"]["name"], "total": item["properties"]["totalInvestment"],
                                  "status": item["properties"]["status"], "lon": item["geometry"]["coordinates"][0]}, ensure_ascii=False))
                """;
            var (exit, output) = await LiveServer.RunAsync("/usr/bin/python3", "-c", script, server.Url("/ogc"), token, id);
            Assert.True(exit == 0, output);
            using var read = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            Assert.Equal("[示例] OWSLib 读取", read.RootElement.GetProperty("name").GetString());
            Assert.Equal(4.25m, read.RootElement.GetProperty("total").GetDecimal());
            Assert.Equal("STARTED", read.RootElement.GetProperty("status").GetString());
            Assert.Equal(120.01, read.RootElement.GetProperty("lon").GetDouble(), 6);
        }
        finally
        {
            await admin.DeleteAsync($"{Items}/{id}");
        }
    }
}
