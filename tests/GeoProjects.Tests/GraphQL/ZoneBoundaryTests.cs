using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// The zone polygons a map client draws through GraphQL: every zone's boundary is a valid MultiPolygon (closed rings,
/// lon/lat order) in every CRS, for the public and for staff, and in WGS84 it is the stored geometry itself.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ZoneBoundaryTests(ApiFixture api)
{
    /// <summary>The stored boundaries as GeoJSON (PostGIS writes them: an oracle independent of the API's own writer).</summary>
    private async Task<Dictionary<string, JsonElement>> StoredAsync()
    {
        await using var c = await api.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT code, ST_AsGeoJSON(boundary, 15) FROM zones", c);
        await using var reader = await command.ExecuteReaderAsync();
        var stored = new Dictionary<string, JsonElement>();
        while (await reader.ReadAsync()) stored[reader.GetString(0)] = JsonDocument.Parse(reader.GetString(1)).RootElement.Clone();
        return stored;
    }

    [Theory]
    [InlineData("WGS84", "")]
    [InlineData("WGS84", null)]
    [InlineData("GCJ02", "")]
    [InlineData("BD09", null)]
    public async Task EveryZoneHasAValidMultiPolygonBoundary(string crs, string? token)
    {
        var response = await api.QueryAsync($"{{ zones {{ code name boundary(crs: {crs}) {{ type coordinates }} }} }}", token: token);
        Assert.Equal(200, response.Status);
        response.AssertNoErrors();
        var stored = await StoredAsync();
        var zones = response.Data.GetProperty("zones").EnumerateArray().ToList();
        Assert.Equal(stored.Count, zones.Count);
        foreach (var zone in zones)
        {
            var code = zone.GetProperty("code").GetString()!;
            var boundary = zone.GetProperty("boundary");
            Assert.Equal("MultiPolygon", boundary.GetProperty("type").GetString());
            var served = Positions(boundary.GetProperty("coordinates")).ToList();
            var truth = Positions(stored[code].GetProperty("coordinates")).ToList();
            Assert.Equal(truth.Count, served.Count);
            foreach (var polygon in boundary.GetProperty("coordinates").EnumerateArray())
            foreach (var ring in polygon.EnumerateArray())
            {
                var points = ring.EnumerateArray().Select(p => (Lon: p[0].GetDouble(), Lat: p[1].GetDouble())).ToList();
                Assert.True(points.Count >= 4, $"{code}: a ring of {points.Count} positions");
                Assert.Equal(points[0], points[^1]); // closed
                Assert.All(points, p => Assert.True(p.Lon is > 119 and < 121 && p.Lat is > 35 and < 37, $"{code}: {p} is not lon/lat in 青岛西海岸"));
            }
            // WGS84 is the stored geometry; GCJ-02 and BD-09 move every position by tens to hundreds of metres, never more.
            var (least, most) = (served.Zip(truth, Distance).Min(), served.Zip(truth, Distance).Max());
            if (crs == "WGS84") Assert.True(most < 1e-9, $"{code}: {most}");
            else Assert.True(least > 1e-4 && most < 0.02, $"{code}: shifted {least}..{most} degrees");
        }
    }

    private static IEnumerable<(double Lon, double Lat)> Positions(JsonElement multiPolygon) =>
        multiPolygon.EnumerateArray().SelectMany(p => p.EnumerateArray()).SelectMany(r => r.EnumerateArray())
            .Select(p => (p[0].GetDouble(), p[1].GetDouble()));

    private static double Distance((double Lon, double Lat) a, (double Lon, double Lat) b) => Math.Max(Math.Abs(a.Lon - b.Lon), Math.Abs(a.Lat - b.Lat));
}
