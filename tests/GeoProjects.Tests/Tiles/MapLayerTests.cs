using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Tiles;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.VectorTiles;
using NetTopologySuite.IO.VectorTiles.Mapbox;
using Npgsql;

namespace GeoProjects.Tests;

public sealed class TileMathTests
{
    [Theory]
    [InlineData(-1, 0, 0, "zoom -1 is outside 0–22")]
    [InlineData(23, 0, 0, "zoom 23 is outside 0–22")]
    [InlineData(3, 8, 0, "x 8 is outside 0–7 at zoom 3")]
    [InlineData(3, 0, -1, "y -1 is outside 0–7 at zoom 3")]
    public void TilesOutsideTheirZoomAreRejected(int z, int x, int y, string message) => Assert.Equal(message, TileAddress.Parse(z, x, y).Error);

    [Fact]
    public void BoundsFollowWebMercator()
    {
        var (w, s, e, n) = new TileAddress(1, 1, 0).Bounds();
        Assert.Equal((0, 0, 180), (w, s, e));
        Assert.Equal(85.0511, n, 4);
    }
}

[Collection(ApiCollection.Name)]
public sealed class VectorTileTests(ApiFixture api)
{
    public static (int X, int Y) TileOf(double lon, double lat, int z)
    {
        var n = 1 << z;
        var x = (int)Math.Floor((lon + 180) / 360 * n);
        var rad = lat * Math.PI / 180;
        var y = (int)Math.Floor((1 - Math.Log(Math.Tan(rad) + 1 / Math.Cos(rad)) / Math.PI) / 2 * n);
        return (x, y);
    }

    private async Task<(HttpResponseMessage Response, VectorTile? Tile)> TileAsync(string layer, int z, int x, int y, object? where = null, string? query = null)
    {
        using var client = api.CreateClient();
        var url = $"/tiles/{layer}/{z}/{x}/{y}.mvt" + (where is null ? "" : "?where=" + Uri.EscapeDataString(JsonSerializer.Serialize(where))) + (query ?? "");
        var response = await client.GetAsync(url);
        if (response.StatusCode != HttpStatusCode.OK) return (response, null);
        await using var stream = await response.Content.ReadAsStreamAsync();
        return (response, new MapboxTileReader().Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, z)));
    }

    private static readonly Point Zhizhen = Seed.Projects.Single(p => p.Code == "XHA-2023-D01").Location;

    /// <summary>A point tile that would hold more than Tiles:MaxFeatures projects comes as clusters: nothing cut off, every project counted.</summary>
    [Fact]
    public async Task ADenseTileIsClusteredNotTruncated()
    {
        const int z = 12;
        var densest = Seed.Projects.GroupBy(p => TileOf(p.Location.X, p.Location.Y, z)).OrderByDescending(g => g.Count()).First();
        Assert.True(densest.Count() > 3, "the seed has a tile of more than 3 projects at z12");
        var (x, y) = densest.Key;
        await using var capped = api.WithWebHostBuilder(b => b.UseSetting("Tiles:MaxFeatures", "3"));
        using var client = capped.CreateClient();
        await using var stream = await client.GetStreamAsync($"/tiles/projects/{z}/{x}/{y}.mvt");
        var tile = new MapboxTileReader().Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, z));
        Assert.DoesNotContain(tile.Layers, l => l.Name == "projects");
        var clusters = tile.Layers.Single(l => l.Name == "clusters").Features;
        Assert.Equal(densest.Count(), clusters.Sum(f => Convert.ToInt32(f.Attributes["count"])));

        // Below the cap the same tile is points, every one of them.
        using var plain = api.CreateClient();
        await using var points = await plain.GetStreamAsync($"/tiles/projects/{z}/{x}/{y}.mvt");
        var full = new MapboxTileReader().Read(points, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, z));
        Assert.True(full.Layers.Single(l => l.Name == "projects").Features.Count >= densest.Count());
    }

    [Fact]
    public async Task ProjectTileCarriesAttributesAndPositions()
    {
        var (x, y) = TileOf(Zhizhen.X, Zhizhen.Y, 14);
        var (response, tile) = await TileAsync("projects", 14, x, y);

        Assert.Equal(TileEndpoints.MediaType, response.Content.Headers.ContentType?.MediaType);
        var layer = Assert.Single(tile!.Layers);
        Assert.Equal("projects", layer.Name);
        var feature = layer.Features.Single(f => (string)f.Attributes["code"] == "XHA-2023-D01");
        Assert.Equal("致真存储芯片制造项目", feature.Attributes["name"]);
        Assert.Equal("ADVANCED_MANUFACTURING", feature.Attributes["sector"]);
        Assert.Equal("STARTED", feature.Attributes["status"]);
        Assert.Equal(30.0, Convert.ToDouble(feature.Attributes["total_investment"]));
        Assert.Equal("古镇口核心区", feature.Attributes["zone_name"]);
        Assert.Equal(1L, Convert.ToInt64(feature.Attributes["id"])); // MapLibre's ["get", "id"] finds the key TileJSON declares

        // TileJSON declares every attribute the features carry; ST_AsMVT leaves NULLs out, so a tile may show fewer
        // (FieldRegistryTests checks that tiles over the seed show all of them).
        using var client = api.CreateClient();
        var fields = JsonDocument.Parse(await client.GetStringAsync("/tiles/projects.json")).RootElement.GetProperty("vector_layers")[0].GetProperty("fields");
        Assert.Subset(fields.EnumerateObject().Select(f => f.Name).ToHashSet(), layer.Features.SelectMany(f => f.Attributes.GetNames()).ToHashSet());
        Assert.Equal(["code", "id", "name", "sector", "status", "total_investment", "zone_name"], feature.Attributes.GetNames().Order());
        Assert.Contains("ADVANCED_MANUFACTURING", fields.GetProperty("sector").GetString());
        Assert.True(feature.Geometry.Coordinate.Distance(Zhizhen.Coordinate) < 1e-4, $"{feature.Geometry} vs {Zhizhen}"); // one 4096th of a z14 tile is ~2 m
    }

    [Fact]
    public async Task ZoneTileCarriesZones()
    {
        var (x, y) = TileOf(Zhizhen.X, Zhizhen.Y, 10);
        var (_, tile) = await TileAsync("zones", 10, x, y);
        var names = tile!.Layers.Single(l => l.Name == "zones").Features.Select(f => (string)f.Attributes["name"]).ToList();
        Assert.Contains("古镇口核心区", names);
        Assert.Contains("青岛西海岸新区", names);
        Assert.All(tile.Layers.Single().Features, f => Assert.True(f.Geometry is Polygon or MultiPolygon));
    }

    /// <summary>The tiles of zoom <paramref name="z"/> covering an envelope.</summary>
    private static IEnumerable<(int X, int Y)> Covering(Envelope e, int z)
    {
        var (x0, y0) = TileOf(e.MinX, e.MaxY, z);
        var (x1, y1) = TileOf(e.MaxX, e.MinY, z);
        for (var x = x0; x <= x1; x++)
            for (var y = y0; y <= y1; y++)
                yield return (x, y);
    }

    [Fact]
    public async Task TilesAndGraphQLAgreeOnTheSameFilter()
    {
        var where = new { zone = new { name = new { eq = "古镇口核心区" } }, sector = new { @in = new[] { "ADVANCED_MANUFACTURING" } }, totalInvestment = new { gte = 10, lte = 50 } };
        var codes = new HashSet<string>();
        foreach (var (x, y) in Covering(Seed.Zone("GZK").Boundary.EnvelopeInternal, 12))
        {
            var (response, tile) = await TileAsync("projects", 12, x, y, where);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent);
            foreach (var f in tile?.Layers.Single().Features ?? []) codes.Add((string)f.Attributes["code"]);
        }

        var graphql = await api.ProjectCodesAsync(where);
        Assert.True(graphql.Count >= 3);
        Assert.Equal(graphql.Order(), codes.Order());
    }

    [Fact]
    public async Task ClustersAtLowZoomSumToTheFilteredTotal()
    {
        var where = new { sector = new { @in = new[] { "ADVANCED_MANUFACTURING", "MARINE_ECONOMY" } } };
        long count = 0;
        double investment = 0;
        foreach (var (x, y) in Covering(Seed.Zone("XHA").Boundary.EnvelopeInternal, 8))
        {
            var (_, tile) = await TileAsync("projects", 8, x, y, where);
            foreach (var f in tile?.Layers.Single(l => l.Name == "clusters").Features ?? [])
            {
                count += Convert.ToInt64(f.Attributes["count"]);
                investment += Convert.ToDouble(f.Attributes["total_investment"]);
            }
        }
        var expected = Seed.Projects.Where(p => p.Sector is "ADVANCED_MANUFACTURING" or "MARINE_ECONOMY").ToList();
        Assert.Equal(expected.Count, count);
        Assert.Equal((double)expected.Sum(p => p.Total), investment, 6);
    }

    [Theory]
    [InlineData("/tiles/projects/23/0/0.mvt", "INVALID_TILE")]
    [InlineData("/tiles/projects/4/16/0.mvt", "INVALID_TILE")]
    [InlineData("/tiles/zones/4/0/-1.mvt", "INVALID_TILE")]
    [InlineData("/tiles/projects/8/213/101.mvt?where=%7B%22sector%22%3A%7B%22eq%22%3A%22SPACE%22%7D%7D", "INVALID_FILTER")]
    [InlineData("/tiles/projects/8/213/101.mvt?where=%7Bnot%20json", "INVALID_FILTER")]
    [InlineData("/tiles/projects/8/213/101.mvt?crs=ETRS89", "INVALID_CRS")]
    [InlineData("/tiles/projects/8/213/101.mvt?asOf=2024-13-01", "INVALID_AS_OF")]
    [InlineData("/geojson/projects?asOf=yesterday", "INVALID_AS_OF")]
    [InlineData("/geojson/projects?limit=100000", "INVALID_LIMIT")]
    // A misspelt parameter is refused, never ignored (it served the unfiltered layer), at every map door.
    [InlineData("/tiles/projects/10/853/402.mvt?whre=%7B%7D", "UNKNOWN_PARAMETER")]
    [InlineData("/tiles/zones/10/853/402.mvt?limit=5", "UNKNOWN_PARAMETER")]
    [InlineData("/tiles/projects.json?filter=x", "UNKNOWN_PARAMETER")]
    [InlineData("/geojson/projects?where=%7B%7D&bbox=1,2,3,4", "UNKNOWN_PARAMETER")]
    [InlineData("/geojson/zones?crs=GCJ02&as_of=2024-01-01", "UNKNOWN_PARAMETER")]
    public async Task BadRequestsGet400WithAMessage(string url, string code)
    {
        using var client = api.CreateClient();
        var response = await client.GetAsync(url);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("/tiles/projects/10/853/402.MVT")]
    [InlineData("/tiles/projects/10/853/402.mvt/")]
    [InlineData("/tiles/projects/10/853/0402.mvt")]
    [InlineData("/tiles/zones/10/+853/402.mvt")]
    [InlineData("/tiles/projects/10/853/402")]
    [InlineData("/tiles/projects/10/853/402.pbf")]
    public async Task TilesAreServedOnlyAtTheirMvtPaths(string path)
    {
        using var client = api.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NOT_FOUND", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        using var canonical = await client.GetAsync("/tiles/projects/10/853/402.mvt");
        Assert.Equal(HttpStatusCode.OK, canonical.StatusCode);
    }

    [Fact]
    public async Task AnEmptyTileIs204()
    {
        var (response, _) = await TileAsync("projects", 10, 0, 0);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task ETagFollowsTheDataVersion()
    {
        using var client = api.CreateClient();
        var (x, y) = TileOf(Zhizhen.X, Zhizhen.Y, 12);
        var url = $"/tiles/projects/12/{x}/{y}.mvt";
        var first = await client.GetAsync(url);
        var etag = first.Headers.ETag!.Tag;
        Assert.Contains("must-revalidate", first.Headers.CacheControl!.ToString());

        var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.ParseAdd(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);

        await using (var c = await api.OpenAsync())
        await using (var touch = new NpgsqlCommand("UPDATE projects SET name = name WHERE code = 'XHA-R01'", c))
            await touch.ExecuteNonQueryAsync(); // any write, by anyone

        var afterWrite = new HttpRequestMessage(HttpMethod.Get, url);
        afterWrite.Headers.IfNoneMatch.ParseAdd(etag);
        var changed = await client.SendAsync(afterWrite);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task ARepeatedTileComesFromTheServerCacheUntilTheDataChanges()
    {
        using var client = api.CreateClient();
        var (x, y) = TileOf(Zhizhen.X, Zhizhen.Y, 13);
        var url = $"/tiles/projects/13/{x}/{y}.mvt?where=" + Uri.EscapeDataString("""{"sector":{"in":["ADVANCED_MANUFACTURING"]}}""");
        async Task<(string Cache, byte[] Bytes)> GetAsync(string extra = "")
        {
            var response = await client.GetAsync(url + extra);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (string.Join(",", response.Headers.GetValues("X-Cache")), await response.Content.ReadAsByteArrayAsync());
        }

        var first = await GetAsync();
        var second = await GetAsync();
        Assert.Equal("HIT", second.Cache);
        Assert.Equal(first.Bytes, second.Bytes);
        Assert.Equal("MISS", (await GetAsync("&crs=GCJ02")).Cache);

        await using (var c = await api.OpenAsync())
        await using (var touch = new NpgsqlCommand("UPDATE projects SET name = name WHERE code = 'XHA-R01'", c))
            await touch.ExecuteNonQueryAsync(); // any write bumps the data version
        var afterWrite = await GetAsync();
        Assert.Equal("MISS", afterWrite.Cache);
        Assert.Equal(first.Bytes, afterWrite.Bytes);
    }

    [Fact]
    public async Task GdalReadsATile()
    {
        var (x, y) = TileOf(Zhizhen.X, Zhizhen.Y, 12);
        using var client = api.CreateClient();
        var file = Path.Combine(Path.GetTempPath(), $"geoprojects-{Guid.NewGuid():N}.mvt");
        await File.WriteAllBytesAsync(file, await client.GetByteArrayAsync($"/tiles/projects/12/{x}/{y}.mvt"));
        try
        {
            var (exitCode, output) = await LiveServer.RunAsync("ogrinfo", "-ro", "-al", "-oo", $"X={x}", "-oo", $"Y={y}", "-oo", "Z=12", file);

            Assert.Equal(0, exitCode);
            Assert.Contains("Layer name: projects", output);
            Assert.Contains("致真存储芯片制造项目", output);
            Assert.Matches(@"Feature Count: [1-9]", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task TileJsonDescribesTheLayers()
    {
        using var client = api.CreateClient();
        var json = JsonDocument.Parse(await client.GetStringAsync("/tiles/projects.json?where=%7B%7D")).RootElement;

        Assert.Equal("3.0.0", json.GetProperty("tilejson").GetString());
        Assert.EndsWith("/tiles/projects/{z}/{x}/{y}.mvt?where=%7B%7D", json.GetProperty("tiles")[0].GetString());
        Assert.Equal(["projects", "clusters"], json.GetProperty("vector_layers").EnumerateArray().Select(l => l.GetProperty("id").GetString()));
        var bounds = json.GetProperty("bounds").EnumerateArray().Select(b => b.GetDouble()).ToArray();
        var district = Seed.Zone("XHA").Boundary.EnvelopeInternal;
        Assert.Equal([district.MinX, district.MinY, district.MaxX, district.MaxY], bounds);
        Assert.True(json.GetProperty("vector_layers")[0].GetProperty("fields").TryGetProperty("total_investment", out _));
        Assert.Equal("zones", JsonDocument.Parse(await client.GetStringAsync("/tiles/zones.json")).RootElement.GetProperty("vector_layers")[0].GetProperty("id").GetString());
    }
}

[Collection(ApiCollection.Name)]
public sealed class GeoJsonEndpointTests(ApiFixture api)
{
    [Fact]
    public async Task FeatureCollectionsUseTheSameFilterAsGraphQL()
    {
        using var client = api.CreateClient();
        var where = JsonSerializer.Serialize(new { sector = new { eq = "CULTURE_TOURISM" }, totalInvestment = new { gte = 2 } });
        var response = await client.GetAsync("/geojson/projects?where=" + Uri.EscapeDataString(where));
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("FeatureCollection", json.GetProperty("type").GetString());
        var codes = json.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("code").GetString()!).ToHashSet();
        Assert.Equal(Seed.Projects.Where(p => p.Sector == "CULTURE_TOURISM" && p.Total >= 2).Select(p => p.Code).ToHashSet(), codes);
        var first = json.GetProperty("features")[0];
        Assert.Equal("Point", first.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal("CULTURE_TOURISM", first.GetProperty("properties").GetProperty("sector").GetString());
    }

    [Fact]
    public async Task LimitCapsTheFeatures()
    {
        using var client = api.CreateClient();
        var json = JsonDocument.Parse(await client.GetStringAsync("/geojson/projects?limit=5")).RootElement;
        Assert.Equal(5, json.GetProperty("features").GetArrayLength());
        var zones = JsonDocument.Parse(await client.GetStringAsync("/geojson/zones")).RootElement;
        Assert.Equal(Seed.Zones.Count, zones.GetProperty("features").GetArrayLength());
        Assert.Equal("MultiPolygon", zones.GetProperty("features")[0].GetProperty("geometry").GetProperty("type").GetString());
    }
}

[Collection(ApiCollection.Name)]
public sealed class ChineseCrsTests(ApiFixture api)
{
    // The seed's points plus a grid over China and a few points outside it.
    private static readonly (double Lon, double Lat)[] Points = Seed.Projects.Select(p => (p.Location.X, p.Location.Y))
        .Concat(from lon in new[] { 75.5, 90.1, 105.3, 116.39, 121.47, 134.2 } from lat in new[] { 4.5, 18.2, 30.0, 39.9, 52.9 } select (lon, lat))
        .Concat([(2.35, 48.85), (-74.0, 40.7), (139.7, 35.7)]).ToArray();

    [Fact]
    public async Task ForwardConversionsEqualTheCoordtransformPackage()
    {
        var oracle = Path.Combine(Seed.RepoRoot, "tests", "oracle", "convert.js");
        var node = Process.Start(new ProcessStartInfo("node", [oracle]) { RedirectStandardInput = true, RedirectStandardOutput = true, WorkingDirectory = Path.GetDirectoryName(oracle) })!;
        await node.StandardInput.WriteAsync(JsonSerializer.Serialize(Points.Select(p => new[] { p.Lon, p.Lat })));
        node.StandardInput.Close();
        var results = JsonDocument.Parse(await node.StandardOutput.ReadToEndAsync()).RootElement;
        await node.WaitForExitAsync();
        Assert.Equal(0, node.ExitCode);

        for (var i = 0; i < Points.Length; i++)
        {
            var (lon, lat) = Points[i];
            var gcj = ChineseCrs.FromWgs84(CoordinateSystem.Gcj02, lon, lat);
            var bd = ChineseCrs.FromWgs84(CoordinateSystem.Bd09, lon, lat);
            Assert.Equal(results[i].GetProperty("gcj02")[0].GetDouble(), gcj.Lon, 1e-6);
            Assert.Equal(results[i].GetProperty("gcj02")[1].GetDouble(), gcj.Lat, 1e-6);
            Assert.Equal(results[i].GetProperty("bd09")[0].GetDouble(), bd.Lon, 1e-6);
            Assert.Equal(results[i].GetProperty("bd09")[1].GetDouble(), bd.Lat, 1e-6);
        }
        Assert.Equal((2.35, 48.85), ChineseCrs.FromWgs84(CoordinateSystem.Gcj02, 2.35, 48.85)); // no offset outside China
    }

    [Theory]
    [InlineData(CoordinateSystem.Gcj02)]
    [InlineData(CoordinateSystem.Bd09)]
    public void RoundTripsStayUnderHalfAMetre(CoordinateSystem crs)
    {
        foreach (var (lon, lat) in Points)
        {
            var there = ChineseCrs.FromWgs84(crs, lon, lat);
            var back = ChineseCrs.ToWgs84(crs, there.Lon, there.Lat);
            Assert.True(Geodesic.Metres(lon, lat, back.Lon, back.Lat) < 0.5, $"{crs} at {lon},{lat}");
        }
        // Near 西海岸 the offsets are hundreds of metres (domain.md §6): the conversion is not a no-op.
        var (gLon, gLat) = ChineseCrs.FromWgs84(crs, 120.2, 35.96);
        Assert.InRange(Geodesic.Metres(120.2, 35.96, gLon, gLat), 400, 1400);
    }

    [Fact]
    public async Task PostgisAndGraphQLConvertAlike()
    {
        // GraphQL converts in C#; tiles and GeoJSON in SQL (geoprojects_to_crs). Both must agree.
        var r = await api.QueryAsync("{ projects(first: 100) { nodes { code gcj: location(crs: GCJ02) { coordinates } bd: location(crs: BD09) { coordinates } } } }");
        r.AssertNoErrors();
        using var client = api.CreateClient();
        foreach (var crs in new[] { "GCJ02", "BD09" })
        {
            var geojson = JsonDocument.Parse(await client.GetStringAsync($"/geojson/projects?limit=100&crs={crs}")).RootElement;
            var sql = geojson.GetProperty("features").EnumerateArray().ToDictionary(
                f => f.GetProperty("properties").GetProperty("code").GetString()!, f => f.GetProperty("geometry").GetProperty("coordinates"));
            foreach (var n in r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray())
            {
                var graphql = n.GetProperty(crs == "GCJ02" ? "gcj" : "bd").GetProperty("coordinates");
                var code = n.GetProperty("code").GetString()!;
                Assert.Equal(graphql[0].GetDouble(), sql[code][0].GetDouble(), 1e-6);
                Assert.Equal(graphql[1].GetDouble(), sql[code][1].GetDouble(), 1e-6);
            }
        }
    }

    [Fact]
    public async Task FilterGeometriesSentInGcj02FindTheSameProjects()
    {
        var box = new[] { (119.90, 35.72), (120.05, 35.72), (120.05, 35.84), (119.90, 35.84), (119.90, 35.72) };
        object Polygon(IEnumerable<(double, double)> ring, string? crs) => crs is null
            ? new { type = "Polygon", coordinates = new[] { ring.Select(p => new[] { p.Item1, p.Item2 }).ToArray() } }
            : new { type = "Polygon", coordinates = new[] { ring.Select(p => new[] { p.Item1, p.Item2 }).ToArray() }, crs };
        var gcjRing = box.Select(p => ChineseCrs.FromWgs84(CoordinateSystem.Gcj02, p.Item1, p.Item2));

        var wgs = await api.ProjectCodesAsync(new { location = new { within = new { geometry = Polygon(box, null) } } });
        var gcj = await api.ProjectCodesAsync(new { location = new { within = new { geometry = Polygon(gcjRing, "GCJ02") } } });
        var unconverted = await api.ProjectCodesAsync(new { location = new { within = new { geometry = Polygon(gcjRing, null) } } });

        Assert.Equal(wgs.Order(), gcj.Order());
        Assert.NotEqual(wgs.Order(), unconverted.Order()); // ~470 m matters here
    }
}
