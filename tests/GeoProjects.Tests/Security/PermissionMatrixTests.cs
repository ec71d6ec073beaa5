using System.Net.Http.Headers;
using System.Text.Json;
using GeoProjects.Api.Fields;
using GeoProjects.Api.Import;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NetTopologySuite.IO.VectorTiles.Mapbox;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// The permission matrix: every role × every front door × a published and a reserve-list (储备) row × a public field and a
/// staff-only one. Each cell is observed as a client of that door sees it and compared with what the policy says; the
/// expectation is derived from the roles and the registry, never listed per cell.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PermissionMatrixTests(ApiFixture api) : IAsyncLifetime
{
    public enum FrontDoor { GraphQLQuery, Mutation, Stats, Node, Tiles, GeoJson, OgcItems, OgcQueryables, Export }

    /// <summary>What a caller got at a door: each row (null where the door has no rows) and each field.</summary>
    public sealed record Cell(bool? PublishedRow, bool? ReserveRow, bool PublicField, bool HiddenField);

    private const string PublicField = "totalInvestment";
    private const string HiddenField = "completedInvestment"; // staff only
    private const string AdminField = "batch"; // written by admins only (the mutation door's hidden field)

    private sealed record Row(int Key, string Code, string Zone, double Lon, double Lat)
    {
        public string Id => GeoProjects.Api.GraphQL.NodeId.Encode("Project", Key);
    }

    private Row _published = null!;
    private Row _reserve = null!;

    public static TheoryData<Role, FrontDoor> Cells()
    {
        var cells = new TheoryData<Role, FrontDoor>();
        foreach (var role in Enum.GetValues<Role>())
            foreach (var door in Enum.GetValues<FrontDoor>()) cells.Add(role, door);
        return cells;
    }

    /// <summary>A reserve-list project and a published one with progress figures in the same zone, which the editor edits.</summary>
    public async Task InitializeAsync()
    {
        await using var c = await api.OpenAsync();
        async Task<Row> One(string where)
        {
            await using var q = new NpgsqlCommand($"""
                SELECT p.id, p.code, z.code, ST_X(p.location), ST_Y(p.location) FROM projects p JOIN zones z ON z.id = p.zone_id
                WHERE {where} ORDER BY p.id LIMIT 1
                """, c);
            await using var r = await q.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync(), where);
            return new Row(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetDouble(4));
        }
        _reserve = await One("p.status = 'Reserve'");
        _published = await One($"""
            p.status <> 'Reserve' AND z.code = '{_reserve.Zone}' AND EXISTS (SELECT 1 FROM progress_reports r WHERE r.project_id = p.id)
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The matrix derives its expectations from the policy; this pins the policy it runs under (the default).</summary>
    [Fact]
    public void TheMatrixRunsUnderTheDefaultPolicy()
    {
        Assert.Equal(Role.Anonymous, ProjectFields.Registry.Find(PublicField).Access.Read);
        Assert.Equal(Role.Viewer, ProjectFields.Registry.Find(HiddenField).Access.Read);
        Assert.Equal(Role.Admin, ProjectFields.Registry.Find(AdminField).Access.Write);
        Assert.Equal(Role.Editor, AccessPolicy.MutationRole("updateProject"));
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task EveryCellIsWhatThePolicySays(Role role, FrontDoor door)
    {
        var before = door == FrontDoor.Mutation ? await api.DataFingerprintAsync() : null;
        var observed = await ObserveAsync(role, door);
        Assert.Equal(Expected(role, door), observed);
        if (before is not null) Assert.Equal(before, await api.DataFingerprintAsync()); // the mutations probe; nothing is written
    }

    /// <summary>The policy: staff read everything; the public, published rows and public fields; editors and admins change rows.</summary>
    private static Cell Expected(Role role, FrontDoor door)
    {
        var caller = new Caller("matrix", role, new HashSet<string>());
        var staff = caller.Is(Role.Viewer);
        bool Carried(Door d) => ProjectFields.Registry.Find(HiddenField).In(d) && ProjectFields.Registry.Find(HiddenField).ReadableBy(caller);
        return door switch
        {
            FrontDoor.Mutation => new(MayRun(role), MayRun(role), MayRun(role),
                MayRun(role) && ProjectFields.Registry.Fields.Where(f => f.Name == AdminField).All(f => f.WritableBy(caller))),
            FrontDoor.OgcQueryables => new(null, null, true, Carried(Door.OgcApi)),
            FrontDoor.Tiles => new(true, staff, true, Carried(Door.VectorTiles)),
            FrontDoor.GeoJson => new(true, staff, true, Carried(Door.GeoJsonLayer)),
            FrontDoor.OgcItems => new(true, staff, true, Carried(Door.OgcApi)),
            FrontDoor.Export => new(true, staff, true, Carried(Door.Files)),
            _ => new(true, staff, true, Carried(Door.Output)),
        };
    }

    private static bool MayRun(Role role) => role >= AccessPolicy.MutationRole("updateProject");

    private string? TokenOf(Role role) => role == Role.Anonymous ? "" : api.Token($"matrix-{role}", role, _reserve.Zone);

    private Task<Cell> ObserveAsync(Role role, FrontDoor door) => door switch
    {
        FrontDoor.GraphQLQuery => QueryAsync(role),
        FrontDoor.Mutation => MutationAsync(role),
        FrontDoor.Stats => StatsAsync(role),
        FrontDoor.Node => NodeAsync(role),
        FrontDoor.Tiles => TilesAsync(role),
        FrontDoor.GeoJson => GeoJsonAsync(role),
        FrontDoor.OgcItems => OgcItemsAsync(role),
        FrontDoor.OgcQueryables => OgcQueryablesAsync(role),
        _ => ExportAsync(role),
    };

    /// <summary>A value was given: present, and no authorization error at its path.</summary>
    private static bool Given(GraphQLResponse r, JsonElement parent, string field, params object[] path) =>
        parent.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null && !DeniedAt(r, [.. path, field]);

    private static bool DeniedAt(GraphQLResponse r, object[] path) =>
        r.Body.TryGetProperty("errors", out var errors) && errors.EnumerateArray().Any(e =>
            e.GetProperty("extensions").GetProperty("code").GetString() is "AUTH_NOT_AUTHENTICATED" or "AUTH_NOT_AUTHORIZED"
            && e.TryGetProperty("path", out var p) && p.EnumerateArray().Select(s => s.ToString()).SequenceEqual(path.Select(s => s.ToString())));

    private async Task<Cell> QueryAsync(Role role)
    {
        var r = await api.QueryAsync($$"""
            { projects(where: { code: { in: ["{{_published.Code}}", "{{_reserve.Code}}"] } }) { nodes { code {{PublicField}} {{HiddenField}} } } }
            """, token: TokenOf(role));
        Assert.True(r.Body.TryGetProperty("data", out _), r.Text);
        var nodes = r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().ToList();
        var published = nodes.FindIndex(n => n.GetProperty("code").GetString() == _published.Code);
        Assert.True(published >= 0, r.Text);
        return new(true, nodes.Any(n => n.GetProperty("code").GetString() == _reserve.Code),
            Given(r, nodes[published], PublicField, "projects", "nodes", published),
            Given(r, nodes[published], HiddenField, "projects", "nodes", published));
    }

    private async Task<Cell> NodeAsync(Role role)
    {
        var r = await api.QueryAsync($$"""
            { published: node(id: "{{_published.Id}}") { ... on Project { code {{PublicField}} {{HiddenField}} } }
              reserve: node(id: "{{_reserve.Id}}") { ... on Project { code } } }
            """, token: TokenOf(role));
        var published = r.Data.GetProperty("published");
        return new(published.ValueKind == JsonValueKind.Object, r.Data.GetProperty("reserve").ValueKind == JsonValueKind.Object,
            Given(r, published, PublicField, "published"), Given(r, published, HiddenField, "published"));
    }

    private async Task<Cell> StatsAsync(Role role)
    {
        var r = await api.QueryAsync($$"""
            { published: projectStats(where: { code: { eq: "{{_published.Code}}" } }) { count {{PublicField}} {{HiddenField}} }
              reserve: projectStats(where: { code: { eq: "{{_reserve.Code}}" } }) { count } }
            """, token: TokenOf(role));
        var published = r.Data.GetProperty("published")[0];
        return new(published.GetProperty("count").GetInt32() == 1, r.Data.GetProperty("reserve")[0].GetProperty("count").GetInt32() == 1,
            Given(r, published, PublicField, "published", 0), Given(r, published, HiddenField, "published", 0));
    }

    /// <summary>
    /// Probes with a stale expectedVersion: a caller allowed to make the change gets a conflict (nothing is written), one
    /// that is not gets HotChocolate's authorization error. An admin-only field is the hidden field of this door.
    /// </summary>
    private async Task<Cell> MutationAsync(Role role)
    {
        async Task<bool> Allowed(Row row, string change)
        {
            var r = await api.QueryAsync($$"""
                mutation { updateProject(input: { id: "{{row.Id}}", expectedVersion: 0, {{change}} }) { errors { __typename } } }
                """, token: TokenOf(role));
            if (r.HasErrors)
            {
                Assert.True(r.FirstErrorCode is "AUTH_NOT_AUTHENTICATED" or "AUTH_NOT_AUTHORIZED", r.Text);
                Assert.Contains(r.FirstErrorCode, new[] { "AUTH_NOT_AUTHENTICATED", "AUTH_NOT_AUTHORIZED" });
                Assert.Equal(role == Role.Anonymous ? 401 : 403, r.Status); // data is null: the caller's status, not a 500
                return false;
            }
            Assert.Equal("ConcurrencyConflictError", r.Data.GetProperty("updateProject").GetProperty("errors")[0].GetProperty("__typename").GetString());
            return true;
        }
        return new(await Allowed(_published, $"{PublicField}: 1"), await Allowed(_reserve, $"{PublicField}: 1"),
            await Allowed(_published, $"{PublicField}: 1"), await Allowed(_published, "batchId: null"));
    }

    private HttpClient Client(Role role) => api.ClientAs(TokenOf(role));

    private async Task<Cell> TilesAsync(Role role)
    {
        using var client = Client(role);
        async Task<IDictionary<string, object>?> Feature(Row row)
        {
            var (x, y) = VectorTileTests.TileOf(row.Lon, row.Lat, 14);
            await using var stream = await client.GetStreamAsync($"/tiles/projects/14/{x}/{y}.mvt");
            var tile = new MapboxTileReader().Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, 14));
            var feature = tile.Layers.SelectMany(l => l.Features).FirstOrDefault(f => Equals(f.Attributes.GetOptionalValue("code"), row.Code));
            return feature?.Attributes.GetNames().ToDictionary(n => n, n => feature.Attributes[n]);
        }
        var published = await Feature(_published);
        Assert.NotNull(published);
        var names = ProjectFields.Registry.Fields.Where(f => f.TileAttribute is not null).ToDictionary(f => f.Name, f => f.TileAttribute!);
        return new(true, await Feature(_reserve) is not null, published.ContainsKey(names[PublicField]),
            names.TryGetValue(HiddenField, out var hidden) && published.ContainsKey(hidden));
    }

    private static string Where(Row row) => Uri.EscapeDataString(JsonSerializer.Serialize(new { code = new { eq = row.Code } }));

    private Task<Cell> GeoJsonAsync(Role role) => FeaturesAsync(role, row => $"/geojson/projects?where={Where(row)}");

    private Task<Cell> OgcItemsAsync(Role role) => FeaturesAsync(role, row => $"/ogc/collections/projects/items?code={Uri.EscapeDataString(row.Code)}");

    /// <summary>A door answering FeatureCollections: each row asked for by <paramref name="url"/>, its properties looked at.</summary>
    private async Task<Cell> FeaturesAsync(Role role, Func<Row, string> url)
    {
        using var client = Client(role);
        async Task<JsonElement?> Feature(Row row)
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync(url(row)));
            return json.RootElement.GetProperty("features").EnumerateArray().Select(f => (JsonElement?)f.GetProperty("properties").Clone()).FirstOrDefault();
        }
        var published = await Feature(_published) ?? throw new Xunit.Sdk.XunitException("the published project is missing");
        return new(true, await Feature(_reserve) is not null, published.TryGetProperty(PublicField, out _), published.TryGetProperty(HiddenField, out _));
    }

    private async Task<Cell> OgcQueryablesAsync(Role role)
    {
        using var client = Client(role);
        using var json = JsonDocument.Parse(await client.GetStringAsync("/ogc/collections/projects/queryables"));
        var properties = json.RootElement.GetProperty("properties");
        return new(null, null, properties.TryGetProperty(PublicField, out _), properties.TryGetProperty(HiddenField, out _));
    }

    /// <summary>Export as the caller (the command runs as an admin operator; the exporter itself honours whoever calls).</summary>
    private async Task<Cell> ExportAsync(Role role)
    {
        var file = Path.Combine(Path.GetTempPath(), $"matrix-{Guid.NewGuid():N}.geojson");
        await using var scope = api.Services.CreateAsyncScope();
        using (CallerScope.Use(new Caller(role == Role.Anonymous ? null : "matrix", role, new HashSet<string> { _reserve.Zone })))
        {
            var where = new Dictionary<string, object?>
            {
                ["code"] = new Dictionary<string, object?> { ["in"] = new List<object?> { _published.Code, _reserve.Code } },
            };
            await scope.ServiceProvider.GetRequiredService<ProjectExporter>()
                .ExportAsync(file, where, GeoProjects.Api.Crs.CoordinateSystem.Wgs84, Progress.Context(scope.ServiceProvider, null));
        }
        try
        {
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var rows = json.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").Clone()).ToList();
            var published = rows.Single(p => p.GetProperty("code").GetString() == _published.Code);
            return new(true, rows.Any(p => p.GetProperty("code").GetString() == _reserve.Code),
                published.TryGetProperty(PublicField, out _), published.TryGetProperty(HiddenField, out _));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
