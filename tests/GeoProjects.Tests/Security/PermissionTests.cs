using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>
/// Who sees what, at every front door: the public sees published projects (签约 and later) and public fields; staff see
/// everything; a hidden field can be neither read, filtered, sorted by, listed, nor confirmed by a cache.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PermissionTests(ApiFixture api)
{
    private const string Hidden = "completedInvestment";
    private static readonly string HiddenFilter = Uri.EscapeDataString("{\"completedInvestment\":{\"gt\":0}}");

    private HttpClient Client(Role? role) => api.ClientAs(TokenOf(role));

    /// <summary>The token of a caller; "" is anonymous (no Authorization header).</summary>
    private string TokenOf(Role? role) => role is { } r ? api.Token($"matrix-{r}", r) : "";

    public static TheoryData<Role?> Callers() => new() { null, Role.Viewer, Role.Editor, Role.Admin };

    private static int Visible(Role? role) => role is null ? Seed.Published.Count : Seed.Projects.Count;

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task GraphQLRowsFieldsStatsAndNodes(Role? role)
    {
        var r = await api.QueryAsync($"{{ projects(first: 100) {{ totalCount nodes {{ id status {Hidden} }} }} projectStats {{ count }} }}",
            token: TokenOf(role));
        Assert.True(r.Data.ValueKind == JsonValueKind.Object, r.Text);
        var projects = r.Data.GetProperty("projects");
        Assert.Equal(Visible(role), projects.GetProperty("totalCount").GetInt32());
        Assert.Equal(Visible(role), r.Data.GetProperty("projectStats")[0].GetProperty("count").GetInt32());
        var nodes = projects.GetProperty("nodes").EnumerateArray().ToList();
        if (role is null)
        {
            // Each hidden value is null with an error at its path, coded as HotChocolate codes it.
            Assert.All(nodes, n => Assert.Equal(JsonValueKind.Null, n.GetProperty(Hidden).ValueKind));
            var errors = r.Body.GetProperty("errors").EnumerateArray()
                .Where(e => e.GetProperty("extensions").GetProperty("code").GetString() != "MAX_ERRORS_EXCEEDED").ToList(); // one per row, capped
            Assert.All(errors, e => Assert.Equal("AUTH_NOT_AUTHENTICATED", e.GetProperty("extensions").GetProperty("code").GetString()));
            Assert.Contains(errors, e => e.GetProperty("path").EnumerateArray().Last().GetString() == Hidden);
            Assert.DoesNotContain(nodes, n => n.GetProperty("status").GetString() == "RESERVE");
        }
        else
        {
            r.AssertNoErrors();
            Assert.Contains(nodes, n => n.GetProperty(Hidden).ValueKind == JsonValueKind.Number);
        }

        // node(id) of a reserve-list project: for the public it is null, as a missing one is, with no error.
        var reserve = await api.QueryAsync("{ projects(first: 1, where: { status: { eq: RESERVE } }) { nodes { id } } }");
        reserve.AssertNoErrors();
        var id = reserve.Data.GetProperty("projects").GetProperty("nodes")[0].GetProperty("id").GetString();
        var node = await api.QueryAsync($"{{ node(id: \"{id}\") {{ id }} missing: node(id: \"UHJvamVjdDo5OTk5OTk=\") {{ id }} }}", token: TokenOf(role));
        node.AssertNoErrors();
        Assert.True(node.Data.ValueKind == JsonValueKind.Object, node.Text);
        Assert.Equal(role is null ? JsonValueKind.Null : JsonValueKind.Object, node.Data.GetProperty("node").ValueKind);
        Assert.Equal(JsonValueKind.Null, node.Data.GetProperty("missing").ValueKind);
    }

    [Fact]
    public async Task TheHiddenFieldCannotBeFilteredOrSortedByNorHistoryRead()
    {
        foreach (var query in new[]
                 {
                     $"{{ projects(where: {{ {Hidden}: {{ gt: 0 }} }}) {{ totalCount }} }}",
                     $"{{ projects(order: [{{ {Hidden}: DESC }}]) {{ totalCount }} }}",
                     "{ revisions(first: 1) { totalCount } }",
                 })
        {
            var r = await api.QueryAsync(query, token: "");
            Assert.Equal("AUTH_NOT_AUTHENTICATED", r.FirstErrorCode);
            Assert.DoesNotContain("totalCount\":", r.Text); // nothing counted
            (await api.QueryAsync(query)).AssertNoErrors(); // a viewer may
        }
        using var anonymous = Client(null);
        foreach (var door in new[] { $"/geojson/projects?where={HiddenFilter}", $"/tiles/projects/8/213/100.mvt?where={HiddenFilter}" })
        {
            using var response = await anonymous.GetAsync(door);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("AUTH_NOT_AUTHENTICATED", await response.Content.ReadAsStringAsync());
        }
        using var sortby = await anonymous.GetAsync($"/ogc/collections/projects/items?sortby={Hidden}");
        Assert.Equal(HttpStatusCode.BadRequest, sortby.StatusCode); // not a property the public has
    }

    [Theory]
    [InlineData(null, "AUTH_NOT_AUTHENTICATED")]
    [InlineData(Role.Viewer, "AUTH_NOT_AUTHORIZED")]
    public async Task MutationsNeedAnEditorOrAdmin(Role? role, string code)
    {
        var before = await api.DataFingerprintAsync();
        var r = await api.QueryAsync("mutation { updateProject(input: { id: \"UHJvamVjdDox\", expectedVersion: 1, totalInvestment: 1 }) { project { id } } }",
            token: TokenOf(role));
        Assert.Equal(code, r.FirstErrorCode);
        Assert.Equal(before, await api.DataFingerprintAsync());
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task GeoJsonAndOgcShowTheCallersRowsAndFields(Role? role)
    {
        using var client = Client(role);
        using var geojson = JsonDocument.Parse(await client.GetStringAsync("/geojson/projects?limit=1000"));
        var features = geojson.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(Visible(role), features.Count);
        Assert.Equal(role is not null, features.Any(f => f.GetProperty("properties").TryGetProperty(Hidden, out _)));

        using var items = JsonDocument.Parse(await client.GetStringAsync("/ogc/collections/projects/items?limit=1000"));
        Assert.Equal(Visible(role), items.RootElement.GetProperty("numberMatched").GetInt32());
        Assert.Equal(role is not null, items.RootElement.GetProperty("features")[0].GetProperty("properties").TryGetProperty(Hidden, out _));
        using var queryables = JsonDocument.Parse(await client.GetStringAsync("/ogc/collections/projects/queryables"));
        Assert.Equal(role is not null, queryables.RootElement.GetProperty("properties").TryGetProperty(Hidden, out _));
    }

    /// <summary>A tile rendered for staff is never served to the public, and a 304 never confirms it.</summary>
    [Fact]
    public async Task TilesAndETagsAreKeyedByWhatTheCallerMaySee()
    {
        const string tile = "/tiles/projects/8/213/100.mvt";
        using var viewer = Client(Role.Viewer);
        using var anonymous = Client(null);
        using var staffTile = await viewer.GetAsync(tile);
        var staffBytes = await staffTile.Content.ReadAsByteArrayAsync();
        Assert.Contains("private", staffTile.Headers.CacheControl!.ToString());
        using var request = new HttpRequestMessage(HttpMethod.Get, tile);
        request.Headers.TryAddWithoutValidation("If-None-Match", staffTile.Headers.ETag!.ToString());
        using var publicTile = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, publicTile.StatusCode);
        Assert.True(publicTile.Headers.CacheControl!.Public);
        Assert.NotEqual(staffTile.Headers.ETag, publicTile.Headers.ETag);
        Assert.NotEqual(staffBytes, await publicTile.Content.ReadAsByteArrayAsync());
        Assert.Contains("Authorization", publicTile.Headers.Vary);
    }

    /// <summary>An editor of 古镇口核心区 creates and changes projects there, and nowhere else (the database agrees).</summary>
    [Fact]
    public async Task AnEditorChangesProjectsInsideItsZonesOnly()
    {
        var editor = api.Token("古镇口编辑", Role.Editor, "GZK");
        async Task<GraphQLResponse> AsEditor(string mutation) => await api.QueryAsync(mutation, token: editor);
        static string Create(string code, double lon, double lat) => $$"""
            mutation { createProject(input: { code: "{{code}}", name: "[示例] 编辑权限 {{code}}", sector: MARINE_ECONOMY, status: SIGNED,
              totalInvestment: 1, location: { type: "Point", coordinates: [{{lon}}, {{lat}}] }, dataSource: ILLUSTRATIVE }) {
              project { id version zone { code } } } }
            """;
        var before = await api.DataFingerprintAsync();
        Assert.Equal("AUTH_NOT_AUTHORIZED", (await AsEditor(Create("T-EDIT-DJK", 119.7484, 35.6605))).FirstErrorCode); // in 董家口
        var other = await api.QueryAsync("{ projects(first: 1, where: { zone: { code: { eq: \"DJK\" } } }) { nodes { id version } } }");
        var djk = other.Data.GetProperty("projects").GetProperty("nodes")[0];
        Assert.Equal("AUTH_NOT_AUTHORIZED", (await AsEditor($"mutation {{ updateProject(input: {{ id: \"{djk.GetProperty("id")}\", " +
            $"expectedVersion: {djk.GetProperty("version")}, totalInvestment: 2 }}) {{ project {{ id }} }} }}")).FirstErrorCode);
        Assert.Equal(before, await api.DataFingerprintAsync());

        var created = await AsEditor(Create("T-EDIT-GZK", 119.962, 35.772));
        created.AssertNoErrors();
        var project = created.Data.GetProperty("createProject").GetProperty("project");
        Assert.Equal("GZK", project.GetProperty("zone").GetProperty("code").GetString());
        var id = project.GetProperty("id").GetString();
        try
        {
            // Moving it to 董家口 would take it out of the editor's zones: refused by the policy's WITH CHECK.
            var moved = await AsEditor($$"""
                mutation { updateProject(input: { id: "{{id}}", expectedVersion: 1, location: { type: "Point", coordinates: [119.7484, 35.6605] } }) {
                  project { id } } }
                """);
            Assert.Equal("AUTH_NOT_AUTHORIZED", moved.FirstErrorCode);
            Assert.Equal("AUTH_NOT_AUTHORIZED", (await AsEditor($"mutation {{ deleteProject(input: {{ id: \"{id}\", expectedVersion: 1 }}) " +
                "{ project { id } } }")).FirstErrorCode); // deleting is an admin's
        }
        finally
        {
            var deleted = await api.QueryAsync($"mutation {{ deleteProject(input: {{ id: \"{id}\", expectedVersion: 1 }}) {{ project {{ id }} }} }}",
                token: api.Token("管理员", Role.Admin));
            deleted.AssertNoErrors();
        }
    }

    /// <summary>No answer tells the public that a hidden project exists: each door answers it exactly as a missing one.</summary>
    [Fact]
    public async Task AHiddenProjectLooksMissingAtEveryDoor()
    {
        await using var c = await api.OpenAsync();
        await using var q = new Npgsql.NpgsqlCommand("SELECT id, code FROM projects WHERE status = 'Reserve' ORDER BY id LIMIT 1", c);
        await using var r = await q.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        var (hidden, missing) = ((Key: r.GetInt32(0), Code: r.GetString(1)), (Key: 987654, Code: "NO-SUCH-CODE"));
        using var anonymous = Client(null);
        string Id(int key) => GeoProjects.Api.GraphQL.NodeId.Encode("Project", key);

        async Task<string> Answer((int Key, string Code) p)
        {
            var graphql = await api.QueryAsync($$"""
                { project(id: "{{Id(p.Key)}}") { id } past: project(id: "{{Id(p.Key)}}", asOf: "2030-01-01T00:00:00Z") { id }
                  projects(where: { code: { eq: "{{p.Code}}" } }) { totalCount } }
                """, token: "");
            var mutation = await api.QueryAsync($$"""
                mutation { updateProject(input: { id: "{{Id(p.Key)}}", expectedVersion: 1, totalInvestment: 1 }) { project { id } } }
                """, token: "");
            using var item = await anonymous.GetAsync($"/ogc/collections/projects/items/{p.Key}");
            using var geojson = await anonymous.GetAsync($"/geojson/projects?where={Uri.EscapeDataString($"{{\"code\":{{\"eq\":\"{p.Code}\"}}}}")}");
            var answers = string.Join("\n", graphql.Status, graphql.Text, mutation.Status, mutation.Text, (int)item.StatusCode,
                await item.Content.ReadAsStringAsync(), (int)geojson.StatusCode, await geojson.Content.ReadAsStringAsync());
            return answers.Replace(Id(p.Key), "ID").Replace(p.Key.ToString(), "KEY").Replace(p.Code, "CODE");
        }

        Assert.Equal(await Answer(missing), await Answer(hidden));
    }
}
