using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// The policy is configuration, not code: a deployment that publishes only started projects, keeps 建设单位 and the
/// investment (its sums with it) internal and leaves progress reports to admins gets exactly that at GraphQL (SDL, fields, rows, mutations), GeoJSON, OGC and in
/// the database's own policies; a misspelt policy stops `migrate` with one clear line.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ConfiguredPolicyTests(ApiFixture api)
{
    private static readonly Dictionary<string, string> Policy = new()
    {
        ["Access__PublicStatuses__0"] = "STARTED", ["Access__PublicStatuses__1"] = "UNDER_CONSTRUCTION",
        ["Access__PublicStatuses__2"] = "COMPLETED", ["Access__PublicStatuses__3"] = "IN_OPERATION",
        ["Access__Fields__Project__developer__Read"] = "viewer",
        ["Access__Fields__Project__totalInvestment__Read"] = "viewer",
        ["Access__Mutations__reportProgress"] = "admin",
        ["Auth__SigningKey"] = ApiFixture.SigningKey,
    };

    [Fact]
    public async Task AConfiguredPolicyHoldsAtEveryDoorAndInTheDatabase()
    {
        var database = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = api.Database + "_policy" };
        try
        {
            var (exit, log) = await ServerProcess.MigrateAsync(database.ConnectionString, Policy);
            Assert.True(exit == 0, log);
            await using var server = await ServerProcess.StartAsync(database.ConnectionString, Policy);
            using var anonymous = new HttpClient { BaseAddress = server.Origin };
            using var viewer = new HttpClient { BaseAddress = server.Origin };
            viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token("policy-viewer", Role.Viewer));

            // Rows: 签约 (SIGNED) is now internal, for the database's policy as for every door.
            const string signed = "{ projects(where: { status: { eq: SIGNED } }) { totalCount nodes { code } } }";
            var signedCount = Seed.Projects.Count(p => p.Status == "SIGNED");
            Assert.True(signedCount > 0);
            Assert.Equal(0, (await PostAsync(anonymous, signed)).GetProperty("data").GetProperty("projects").GetProperty("totalCount").GetInt32());
            Assert.Equal(signedCount, (await PostAsync(viewer, signed)).GetProperty("data").GetProperty("projects").GetProperty("totalCount").GetInt32());
            var where = Uri.EscapeDataString("""{"status":{"eq":"SIGNED"}}""");
            Assert.Equal(0, await FeaturesAsync(anonymous, $"/geojson/projects?where={where}"));
            Assert.Equal(signedCount, await FeaturesAsync(viewer, $"/geojson/projects?where={where}"));
            Assert.Equal(0, await FeaturesAsync(anonymous, "/ogc/collections/projects/items?status=SIGNED"));

            // Fields: 建设单位 is staff-only, in the SDL, in answers, in filters, in GeoJSON and OGC.
            var sdl = await anonymous.GetStringAsync("/graphql/schema.graphql");
            Assert.Contains("developer: String @authorize(roles: [\"viewer\", \"editor\", \"admin\"])", sdl);
            var developer = await PostAsync(anonymous, "{ projects(first: 1) { nodes { code developer } } }");
            Assert.Equal("AUTH_NOT_AUTHENTICATED", developer.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
            var filtered = await PostAsync(anonymous, "{ projects(where: { developer: { contains: \"集团\" } }) { totalCount } }");
            Assert.Equal("AUTH_NOT_AUTHENTICATED", filtered.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
            Assert.False(await HasPropertyAsync(anonymous, "/ogc/collections/projects/queryables", "developer"));
            Assert.True(await HasPropertyAsync(viewer, "/ogc/collections/projects/queryables", "developer"));
            using var features = JsonDocument.Parse(await anonymous.GetStringAsync("/geojson/projects?limit=5"));
            Assert.All(features.RootElement.GetProperty("features").EnumerateArray(),
                f => Assert.False(f.GetProperty("properties").TryGetProperty("developer", out _)));

            // The measure made staff-only takes its sums along: statistics, and the clusters' attribute and TileJSON entry.
            var stats = await PostAsync(anonymous, "{ projectStats { count totalInvestment } }");
            Assert.Equal("AUTH_NOT_AUTHENTICATED", stats.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
            var staffStats = await PostAsync(viewer, "{ projectStats { count totalInvestment } }");
            Assert.True(staffStats.GetProperty("data").GetProperty("projectStats")[0].GetProperty("totalInvestment").GetDecimal() > 0);
            Assert.Equal((false, false), await ClusterMeasureAsync(anonymous));
            Assert.Equal((true, true), await ClusterMeasureAsync(viewer));

            // Mutations: progress reports are an admin's; an editor in its own zone is refused, with the caller's status.
            using var editor = new HttpClient { BaseAddress = server.Origin };
            editor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token("policy-editor", Role.Editor, "GZK"));
            Assert.Contains("input: ReportProgressInput!): ReportProgressPayload! @authorize(roles: [\"admin\"])", sdl);
            using var report = await editor.PostAsync("/graphql", Json("""
                mutation { reportProgress(input: { projectId: "UHJvamVjdDox", period: "2024-01", completedInvestmentYtd: 1, status: STARTED }) {
                  progressReport { period } } }
                """));
            Assert.Equal(HttpStatusCode.Forbidden, report.StatusCode);
            Assert.Contains("AUTH_NOT_AUTHORIZED", await report.Content.ReadAsStringAsync());
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = "postgres" }.ConnectionString);
            await admin.OpenAsync();
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database.Database}\" WITH (FORCE)", admin).ExecuteNonQueryAsync();
        }
    }

    [Theory]
    [InlineData("Access__Fields__Project__budget__Read", "viewer", "Access:Fields:Project: there is no field 'budget'")]
    [InlineData("Access__Fields__Project__developer__Read", "boss", "Access:Fields:Project:developer:Read: 'boss' is not a role")]
    [InlineData("Access__PublicStatuses__0", "DONE", "Access:PublicStatuses: 'DONE' is not one of RESERVE, SIGNED")]
    [InlineData("Access__Mutations__dropEverything", "admin", "Access:Mutations: there is no mutation 'dropEverything'")]
    public async Task AMisspeltPolicyStopsMigrateWithOneLine(string key, string value, string message)
    {
        var (exit, output) = await ServerProcess.MigrateAsync(api.ConnectionString, new Dictionary<string, string> { [key] = value });
        Assert.Equal(2, exit);
        Assert.Contains(message, output);
        Assert.DoesNotContain("   at ", output); // no stack trace
    }

    /// <summary>Whether the clusters of the tile over 古镇口 (z 5) carry total_investment, and whether TileJSON lists it.</summary>
    private static async Task<(bool InTile, bool InTileJson)> ClusterMeasureAsync(HttpClient client)
    {
        await using var stream = await client.GetStreamAsync("/tiles/projects/5/26/12.mvt");
        var tile = new NetTopologySuite.IO.VectorTiles.Mapbox.MapboxTileReader().Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(26, 12, 5));
        var clusters = tile.Layers.Single(l => l.Name == "clusters").Features;
        Assert.NotEmpty(clusters);
        using var tileJson = JsonDocument.Parse(await client.GetStringAsync("/tiles/projects.json"));
        var fields = tileJson.RootElement.GetProperty("vector_layers").EnumerateArray().Single(l => l.GetProperty("id").GetString() == "clusters")
            .GetProperty("fields");
        return (clusters.All(f => f.Attributes.Exists("total_investment")), fields.TryGetProperty("total_investment", out _));
    }

    private static StringContent Json(string query) => new(JsonSerializer.Serialize(new { query }), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> PostAsync(HttpClient client, string query)
    {
        using var response = await client.PostAsync("/graphql", Json(query));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<int> FeaturesAsync(HttpClient client, string url)
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync(url + (url.Contains('?') ? "&" : "?") + "limit=1000"));
        return json.RootElement.GetProperty("features").GetArrayLength();
    }

    private static async Task<bool> HasPropertyAsync(HttpClient client, string url, string property)
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync(url));
        return json.RootElement.GetProperty("properties").TryGetProperty(property, out _);
    }
}
