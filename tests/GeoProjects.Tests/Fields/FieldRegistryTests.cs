using System.Text.Json;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Import;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Tiles;
using GeoProjects.Api.Zones;
using GeoProjects.Tests.Infrastructure;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NetTopologySuite.IO.VectorTiles.Mapbox;

namespace GeoProjects.Tests;

/// <summary>
/// The field registry is the one declaration of every field: each door shows exactly the fields declared for it,
/// asked of the running service as its clients see it (schema, OGC, GeoJSON, tiles, TileJSON, export files).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FieldRegistryTests(ApiFixture api)
{
    private static readonly IEntityFields[] Mapped = [ProjectFields.Registry, ZoneFields.Registry];

    private static ISet<string> Names(IEntityFields entity, Door door, bool geometry = false) =>
        entity.Fields.Where(f => f.In(door) && (geometry || f.Kind != ValueKind.Geometry)).Select(f => f.Name).ToHashSet();

    private static void Same(IEnumerable<string> expected, IEnumerable<string> actual, string door) =>
        Assert.True(expected.ToHashSet().SetEquals(actual),
            $"{door}: declared [{string.Join(", ", expected.Order())}] but shown [{string.Join(", ", actual.Order())}]");

    [Fact]
    public void GraphQLTypesAndInputsHoldExactlyTheDeclaredFields()
    {
        var schema = api.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        foreach (var entity in FieldsDoc.Entities)
        {
            IComplexGraphType Type(string name) => (IComplexGraphType)schema.AllTypes[name]!;
            Same(Names(entity, Door.Output, geometry: true), Type(entity.TypeName).Fields.Select(f => f.Name), $"{entity.TypeName} type");
            Same(Names(entity, Door.Filter, geometry: true), Type($"{entity.TypeName}FilterInput").Fields.Select(f => f.Name).Except(["and", "or"]),
                $"{entity.TypeName}FilterInput");
            Same(Names(entity, Door.Sort, geometry: true), Type($"{entity.TypeName}SortInput").Fields.Select(f => f.Name),
                $"{entity.TypeName}SortInput");
        }
    }

    [Fact]
    public async Task OgcPropertiesAndQueryablesAreTheDeclaredOnes()
    {
        using var client = api.CreateClient();
        foreach (var (entity, collection) in new[] { (Mapped[0], "projects"), (Mapped[1], "zones") })
        {
            using var items = JsonDocument.Parse(await client.GetStringAsync($"/ogc/collections/{collection}/items?limit=1"));
            var properties = items.RootElement.GetProperty("features")[0].GetProperty("properties").EnumerateObject().Select(p => p.Name);
            Same(Names(entity, Door.OgcApi), properties, $"OGC {collection} properties");

            using var queryables = JsonDocument.Parse(await client.GetStringAsync($"/ogc/collections/{collection}/queryables"));
            var filterable = entity.Fields.Where(f => f.In(Door.OgcApi) && (f.In(Door.Filter) || f.Via is not null)).Select(f => f.Name);
            Same(filterable, queryables.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name), $"OGC {collection} queryables");
        }
    }

    [Fact]
    public async Task GeoJsonPropertiesAreTheDeclaredOnes()
    {
        using var client = api.CreateClient();
        foreach (var (entity, layer) in new[] { (Mapped[0], "projects"), (Mapped[1], "zones") })
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync($"/geojson/{layer}?limit=1"));
            var properties = json.RootElement.GetProperty("features")[0].GetProperty("properties").EnumerateObject().Select(p => p.Name);
            Same(Names(entity, Door.GeoJsonLayer), properties, $"GeoJSON {layer}");
        }
    }

    [Fact]
    public async Task TileAttributesAndTileJsonFieldsAreTheDeclaredOnes()
    {
        using var client = api.CreateClient();
        var z = api.Services.GetRequiredService<IOptions<TileOptions>>().Value.ClusterBelowZoom;
        foreach (var (entity, layer) in new[] { (Mapped[0], "projects"), (Mapped[1], "zones") })
        {
            var declared = entity.Fields.Where(f => f.In(Door.VectorTiles) && f.Kind != ValueKind.Geometry).Select(f => f.TileAttribute!).ToList();
            using var tileJson = JsonDocument.Parse(await client.GetStringAsync($"/tiles/{layer}.json"));
            var fields = tileJson.RootElement.GetProperty("vector_layers").EnumerateArray()
                .Single(l => l.GetProperty("id").GetString() == layer).GetProperty("fields");
            Same(declared, fields.EnumerateObject().Select(p => p.Name), $"TileJSON {layer}");

            // ST_AsMVT leaves out NULL attributes, so the attributes are those of every feature in tiles over the seed's projects.
            var shown = new HashSet<string>();
            foreach (var p in Seed.Projects.Take(40))
            {
                var (x, y) = VectorTileTests.TileOf(p.Location.X, p.Location.Y, z);
                var response = await client.GetAsync($"/tiles/{layer}/{z}/{x}/{y}.mvt");
                if (response.StatusCode != System.Net.HttpStatusCode.OK) continue;
                await using var stream = await response.Content.ReadAsStreamAsync();
                var tile = new MapboxTileReader().Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, z));
                foreach (var feature in tile.Layers.Single(l => l.Name == layer).Features) shown.UnionWith(feature.Attributes.GetNames());
            }
            Same(declared, shown, $"{layer} tile attributes");
        }
    }

    [Fact]
    public async Task ExportColumnsAreTheDeclaredOnesWithTheirChineseHeaders()
    {
        var file = Temp();
        try
        {
            foreach (var chinese in new[] { false, true })
            {
                await ExportAsync(file, chinese);
                var header = File.ReadLines(file).First().TrimStart('\uFEFF').Split(',');
                var files = ProjectFields.Registry.Fields.Where(f => f.In(Door.Files) && f.Kind != ValueKind.Geometry).ToList();
                var expected = chinese
                    ? files.Select(f => f.Header!).Append("经度").Append("纬度")
                    : files.Select(f => f.Name).Append("lon").Append("lat");
                Assert.Equal(expected, header);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ChineseHeadersRoundTripThroughImport()
    {
        var (zh, en, again) = (Temp(), Temp(), Temp());
        try
        {
            await ExportAsync(en, chinese: false);
            await ExportAsync(zh, chinese: true);
            Assert.Contains("计划竣工日期", File.ReadLines(zh).First());
            await using (var scope = api.Services.CreateAsyncScope())
            {
                using var asOperator = ApiFixture.AsOperator();
                var result = await scope.ServiceProvider.GetRequiredService<ProjectImporter>().ImportAsync(zh, new ImportOptions());
                Assert.True(result.Succeeded, string.Join("\n", result.Errors));
                Assert.Equal(Seed.Projects.Count, result.Updated);
            }
            await ExportAsync(again, chinese: false);
            Assert.Equal(await File.ReadAllTextAsync(en), await File.ReadAllTextAsync(again));
            // Some project has a start and a planned completion date, side by side.
            Assert.Contains(File.ReadLines(en).Skip(1),
                line => System.Text.RegularExpressions.Regex.IsMatch(line, ",20\\d\\d-\\d\\d-\\d\\d,20\\d\\d-\\d\\d-\\d\\d,"));
        }
        finally
        {
            foreach (var f in new[] { zh, en, again }) File.Delete(f);
        }
    }

    private static string Temp() => Path.Combine(Path.GetTempPath(), $"registry-{Guid.NewGuid():N}.csv");

    private async Task ExportAsync(string file, bool chinese)
    {
        await using var scope = api.Services.CreateAsyncScope();
        using var asOperator = ApiFixture.AsOperator();
        await scope.ServiceProvider.GetRequiredService<ProjectExporter>()
            .ExportAsync(file, null, CoordinateSystem.Wgs84, Progress.Context(scope.ServiceProvider, null), chineseHeaders: chinese);
    }

    [Fact]
    public void EveryFileColumnHasAChineseHeaderAndEveryDoorNameIsUnique()
    {
        foreach (var entity in FieldsDoc.Entities)
        {
            Assert.All(entity.Fields.Where(f => f.In(Door.Files) && f.Kind != ValueKind.Geometry),
                f => Assert.False(string.IsNullOrEmpty(f.Header), f.Name));
            foreach (var door in Enum.GetValues<Door>().Where(d => d is not (Door.None or Door.Query or Door.Everywhere)))
            {
                var names = entity.Fields.Where(f => f.In(door)).Select(f => f.Name).ToList();
                Assert.True(names.Count == names.Distinct().Count(), $"{entity.TypeName}: a name appears twice in {door}");
            }
        }
    }

    [Fact]
    public async Task EveryPinnedColumnExistsInTheDatabase()
    {
        await using var connection = new Npgsql.NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        foreach (var entity in FieldsDoc.Entities)
        {
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT column_name FROM information_schema.columns WHERE table_name = @t", connection);
            command.Parameters.AddWithValue("t", entity.Table);
            var columns = new HashSet<string>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) columns.Add(reader.GetString(0));
            foreach (var column in entity.Fields.Where(f => f.Via is null).Select(f => f.Column).OfType<string>())
                Assert.True(columns.Contains(column), $"{entity.Table}.{column} is pinned by the registry but not in the database");
        }
    }

    [Fact]
    public void FieldsDocIsCurrent() =>
        Assert.True(File.ReadAllText(Path.Combine(Seed.RepoRoot, "docs", "fields.md")) == FieldsDoc.Render(),
            "docs/fields.md is stale: dotnet run --project src/GeoProjects.Api -- fields \"$PWD/docs/fields.md\"");
}

/// <summary>Errors in a non-GraphQL `where` name where the problem is: the JSON path, or the CQL2 position.</summary>
[Collection(ApiCollection.Name)]
public sealed class WhereErrorTests(ApiFixture api)
{
    [Theory]
    [InlineData("/geojson/projects?where=", """{"sector":{"in":["MARINE_ECONOMY","SPACE"]}}""", "where.sector.in[1]: \"SPACE\" is not a valid Sector")]
    [InlineData("/tiles/projects/12/3414/1625.mvt?where=", """{"zone":{"areaKm2":{"gt":"big"}}}""", "where.zone.areaKm2.gt: \"big\" is not a valid Float")]
    [InlineData("/geojson/zones?where=", """{"or":[{"code":{"eq":"GZK"}},{"kind":{"like":"x"}}]}""", "where.or[1].kind.like: 'like' is not an operation of kind")]
    public async Task JsonWhereErrorsNameThePath(string url, string where, string message)
    {
        using var client = api.CreateClient();
        var response = await client.GetAsync(url + Uri.EscapeDataString(where));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("INVALID_FILTER", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(message, body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("sector = 'MARINE_ECONOMY' AND totalInvestment > 'abc'", "totalInvestment (at position 31): \"abc\" is not a valid Decimal")]
    [InlineData("status IN ('STARTED', 'DONE')", "status (at position 1): \"DONE\" is not a valid ProjectStatus")]
    [InlineData("name = 'x' OR nosuch = 1", "'nosuch' is not a queryable of projects (at position 15)")]
    public async Task Cql2ErrorsNameThePosition(string filter, string message)
    {
        using var client = api.CreateClient();
        var response = await client.GetAsync("/ogc/collections/projects/items?filter=" + Uri.EscapeDataString(filter));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(message, body.RootElement.GetProperty("description").GetString());
    }
}
