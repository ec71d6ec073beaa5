using GeoProjects.Tests.Infrastructure;
using NetTopologySuite.Geometries;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>Every filter operation family, each checked against an oracle computed from the seed files (or PostGIS directly).</summary>
[Collection(ApiCollection.Name)]
public sealed class FilterTests(ApiFixture api)
{
    private static HashSet<string> Where(Func<Seed.SeedProject, bool> predicate) => Seed.Projects.Where(predicate).Select(p => p.Code).ToHashSet();

    private async Task AssertFilter(object where, Func<Seed.SeedProject, bool> oracle)
    {
        var expected = Where(oracle);
        var actual = await api.ProjectCodesAsync(where);
        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public async Task StringOperations()
    {
        await AssertFilter(new { name = new { eq = "致真存储芯片制造项目" } }, p => p.Name == "致真存储芯片制造项目");
        await AssertFilter(new { name = new { neq = "致真存储芯片制造项目" } }, p => p.Name != "致真存储芯片制造项目");
        await AssertFilter(new { name = new { contains = "集成电路" } }, p => p.Name.Contains("集成电路"));
        await AssertFilter(new { name = new { ncontains = "集成电路" } }, p => !p.Name.Contains("集成电路"));
        await AssertFilter(new { code = new { startsWith = "XHA-R" } }, p => p.Code.StartsWith("XHA-R"));
        await AssertFilter(new { code = new { nstartsWith = "XHA-R" } }, p => !p.Code.StartsWith("XHA-R"));
        await AssertFilter(new { code = new { endsWith = "1" } }, p => p.Code.EndsWith('1'));
        await AssertFilter(new { code = new { nendsWith = "1" } }, p => !p.Code.EndsWith('1'));
        await AssertFilter(new { code = new { @in = new[] { "XHA-R01", "XHA-2023-C10", "nope" } } }, p => p.Code is "XHA-R01" or "XHA-2023-C10");
        await AssertFilter(new { code = new { nin = new[] { "XHA-R01", "XHA-2023-C10" } } }, p => p.Code is not ("XHA-R01" or "XHA-2023-C10"));
        await AssertFilter(new { code = new { or = new object[] { new { startsWith = "XHA-R" }, new { endsWith = "D01" } } } },
            p => p.Code.StartsWith("XHA-R") || p.Code.EndsWith("D01"));
        await AssertFilter(new { industryChain = new { eq = "集成电路" } }, p => p.Chain == "集成电路");
    }

    [Fact]
    public async Task NullChecksOnOptionalFields()
    {
        await AssertFilter(new { startDate = new { eq = (string?)null } }, p => p.StartDate is null);
        await AssertFilter(new { startDate = new { neq = (string?)null } }, p => p.StartDate is not null);
        await AssertFilter(new { landAreaMu = new { eq = (decimal?)null } }, p => p.LandMu is null);
        await AssertFilter(new { sector = new { eq = (string?)null } }, _ => false); // a required field is never null
        await AssertFilter(new { totalInvestment = new { neq = (decimal?)null } }, _ => true);
    }

    [Fact]
    public async Task DecimalComparisons()
    {
        await AssertFilter(new { totalInvestment = new { eq = 30 } }, p => p.Total == 30m);
        await AssertFilter(new { totalInvestment = new { neq = 30 } }, p => p.Total != 30m);
        await AssertFilter(new { totalInvestment = new { gt = 10.5 } }, p => p.Total > 10.5m);
        await AssertFilter(new { totalInvestment = new { gte = 11.38 } }, p => p.Total >= 11.38m);
        await AssertFilter(new { totalInvestment = new { lt = 2 } }, p => p.Total < 2m);
        await AssertFilter(new { totalInvestment = new { lte = 2 } }, p => p.Total <= 2m);
        await AssertFilter(new { totalInvestment = new { ngt = 5 } }, p => !(p.Total > 5m));
        await AssertFilter(new { totalInvestment = new { ngte = 5 } }, p => !(p.Total >= 5m));
        await AssertFilter(new { totalInvestment = new { nlt = 5 } }, p => !(p.Total < 5m));
        await AssertFilter(new { totalInvestment = new { nlte = 5 } }, p => !(p.Total <= 5m));
        await AssertFilter(new { totalInvestment = new { @in = new[] { 30m, 11.38m } } }, p => p.Total is 30m or 11.38m);
        await AssertFilter(new { totalInvestment = new { nin = new[] { 30m, 11.38m } } }, p => p.Total is not (30m or 11.38m));
        await AssertFilter(new { landAreaMu = new { gte = 100, lt = 200 } }, p => p.LandMu is >= 100 and < 200);
    }

    [Fact]
    public async Task DateComparisons()
    {
        await AssertFilter(new { startDate = new { eq = "2023-11-25" } }, p => p.StartDate == "2023-11-25");
        await AssertFilter(new { startDate = new { gt = "2023-11-25" } }, p => string.CompareOrdinal(p.StartDate, "2023-11-25") > 0 && p.StartDate is not null);
        await AssertFilter(new { startDate = new { gte = "2023-01-01", lte = "2023-12-31" } }, p => p.StartDate?.StartsWith("2023") == true);
    }

    [Fact]
    public async Task IntComparisonsOnTheStartYear()
    {
        await AssertFilter(new { startYear = new { eq = 2023 } }, p => p.StartDate?.StartsWith("2023") == true);
        // As in HotChocolate over EF Core, neq follows C# null semantics: a missing year is "not 2023".
        await AssertFilter(new { startYear = new { neq = 2023 } }, p => p.StartDate?.StartsWith("2023") != true);
        await AssertFilter(new { startYear = new { @in = new[] { 2022, 2023 } } }, p => p.StartDate?[..4] is "2022" or "2023");
        await AssertFilter(new { startYear = new { lt = 2023 } }, _ => false);
        await AssertFilter(new { startYear = new { eq = (int?)null } }, p => p.StartDate is null);
    }

    [Fact]
    public async Task DateTimeComparisonsOnTimestamps()
    {
        await AssertFilter(new { createdAt = new { lte = DateTime.UtcNow.AddMinutes(5) } }, _ => true);
        await AssertFilter(new { createdAt = new { gt = DateTime.UtcNow.AddMinutes(5) } }, _ => false);
        await AssertFilter(new { updatedAt = new { gte = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc) } }, _ => true);
    }

    [Fact]
    public async Task EnumOperations()
    {
        await AssertFilter(new { status = new { eq = "SIGNED" } }, p => p.Status == "SIGNED");
        await AssertFilter(new { status = new { neq = "UNDER_CONSTRUCTION" } }, p => p.Status != "UNDER_CONSTRUCTION");
        await AssertFilter(new { sector = new { @in = new[] { "MARINE_ECONOMY", "CULTURE_TOURISM" } } }, p => p.Sector is "MARINE_ECONOMY" or "CULTURE_TOURISM");
        await AssertFilter(new { sector = new { nin = new[] { "ADVANCED_MANUFACTURING" } } }, p => p.Sector != "ADVANCED_MANUFACTURING");
        await AssertFilter(new { dataSource = new { eq = "PUBLISHED" } }, p => p.DataSource == "PUBLISHED");
    }

    [Fact]
    public async Task AndOrAtTheEntityLevel()
    {
        await AssertFilter(new { or = new object[] { new { status = new { eq = "RESERVE" } }, new { totalInvestment = new { gt = 40 } } } },
            p => p.Status == "RESERVE" || p.Total > 40);
        await AssertFilter(new { and = new object[] { new { sector = new { eq = "HIGH_END_CHEMICALS" } }, new { totalInvestment = new { lt = 3 } } } },
            p => p.Sector == "HIGH_END_CHEMICALS" && p.Total < 3);
        await AssertFilter(new
        {
            or = new object[]
            {
                new { and = new object[] { new { sector = new { eq = "CULTURE_TOURISM" } }, new { totalInvestment = new { gte = 5 } } } },
                new { code = new { eq = "XHA-2023-D01" } },
            },
        }, p => (p.Sector == "CULTURE_TOURISM" && p.Total >= 5) || p.Code == "XHA-2023-D01");
    }

    [Fact]
    public async Task RelationFilters()
    {
        await AssertFilter(new { batch = new { level = new { eq = "CITY" } } }, p => p.Batch?.Contains("全市") == true);
        await AssertFilter(new { zone = new { code = new { @in = new[] { "DJK", "QBPZ" } } } }, p => Seed.AssignedZone(p) is "DJK" or "QBPZ");
        await AssertFilter(new { zone = new { parent = new { code = new { eq = "DJK" } } } }, p => Seed.Zone(Seed.AssignedZone(p)!).Parent == "DJK");
        await AssertFilter(new { zone = new { kind = new { eq = "SCENIC_AREA" } } }, p => Seed.Zone(Seed.AssignedZone(p)!).Kind == "SCENIC_AREA");
    }

    [Fact]
    public async Task IdFiltersDecodeGlobalIds()
    {
        var r = await api.QueryAsync("""{ projects(where: { code: { in: ["XHA-R01", "XHA-R02"] } }) { nodes { id } } }""");
        var ids = r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToArray();

        Assert.Equal(["XHA-R01"], await api.ProjectCodesAsync(new { id = new { eq = ids[0] } }));
        Assert.Equal(new[] { "XHA-R01", "XHA-R02" }.ToHashSet(), await api.ProjectCodesAsync(new { id = new { @in = ids } }));
    }

    private static readonly Point Zhizhen = Seed.Projects.Single(p => p.Code == "XHA-2023-D01").Location;

    private static object PointJson(Point p) => new { type = "Point", coordinates = new[] { p.X, p.Y } };

    private static object BoxJson(double w, double s, double e, double n) =>
        new { type = "Polygon", coordinates = new[] { new[] { new[] { w, s }, new[] { e, s }, new[] { e, n }, new[] { w, n }, new[] { w, s } } } };

    private static Polygon Box(double w, double s, double e, double n) =>
        new GeometryFactory(new PrecisionModel(), 4326).CreatePolygon([new(w, s), new(e, s), new(e, n), new(w, n), new(w, s)]);

    [Fact]
    public async Task SpatialPredicatesOnProjectLocations()
    {
        var box = Box(119.9, 35.7, 120.05, 35.85);
        await AssertFilter(new { location = new { within = new { geometry = BoxJson(119.9, 35.7, 120.05, 35.85) } } }, p => p.Location.Within(box));
        await AssertFilter(new { location = new { nwithin = new { geometry = BoxJson(119.9, 35.7, 120.05, 35.85) } } }, p => !p.Location.Within(box));
        await AssertFilter(new { location = new { intersects = new { geometry = BoxJson(119.9, 35.7, 120.05, 35.85) } } }, p => p.Location.Intersects(box));
        await AssertFilter(new { location = new { nintersects = new { geometry = BoxJson(119.9, 35.7, 120.05, 35.85) } } }, p => !p.Location.Intersects(box));
        // A polygon with a corner on 致真's location: the point touches it and lies on no other project.
        var corner = Box(Zhizhen.X, Zhizhen.Y, Zhizhen.X + 0.01, Zhizhen.Y + 0.01);
        await AssertFilter(new { location = new { touches = new { geometry = BoxJson(Zhizhen.X, Zhizhen.Y, Zhizhen.X + 0.01, Zhizhen.Y + 0.01) } } }, p => p.Location.Touches(corner));
        await AssertFilter(new { location = new { ntouches = new { geometry = BoxJson(Zhizhen.X, Zhizhen.Y, Zhizhen.X + 0.01, Zhizhen.Y + 0.01) } } }, p => !p.Location.Touches(corner));
        await AssertFilter(new { location = new { contains = new { geometry = PointJson(Zhizhen) } } }, p => p.Location.Contains(Zhizhen));
        await AssertFilter(new { location = new { ncontains = new { geometry = PointJson(Zhizhen) } } }, p => !p.Location.Contains(Zhizhen));
        await AssertFilter(new { location = new { overlaps = new { geometry = BoxJson(119.9, 35.7, 120.05, 35.85) } } }, p => p.Location.Overlaps(box));
        Assert.Contains("XHA-2023-D01", Where(p => p.Location.Touches(corner)));
    }

    /// <summary>Metres on the spheroid, computed by PostGIS directly: the oracle for distance and buffer.</summary>
    private async Task<HashSet<string>> WithinMetresAsync(Point from, double metres)
    {
        await using var c = await api.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT code FROM projects WHERE ST_Distance(location::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) <= $3", c);
        cmd.Parameters.Add(new() { Value = from.X });
        cmd.Parameters.Add(new() { Value = from.Y });
        cmd.Parameters.Add(new() { Value = metres });
        var codes = new HashSet<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) codes.Add(reader.GetString(0));
        return codes;
    }

    [Fact]
    public async Task DistanceAndBufferAreInMetres()
    {
        var within8Km = await WithinMetresAsync(Zhizhen, 8000);
        Assert.InRange(within8Km.Count, 3, Seed.Projects.Count - 3); // a real cut, not all or nothing

        Assert.Equal(within8Km, await api.ProjectCodesAsync(new { location = new { distance = new { geometry = PointJson(Zhizhen), lte = 8000 } } }));
        Assert.Equal(within8Km, await api.ProjectCodesAsync(new { location = new { intersects = new { geometry = PointJson(Zhizhen), buffer = 8000 } } }));
        var all = Seed.Projects.Select(p => p.Code).ToHashSet();
        Assert.Equal(all.Except(within8Km).Order(), (await api.ProjectCodesAsync(new { location = new { distance = new { geometry = PointJson(Zhizhen), gt = 8000 } } })).Order());
        // 3 km from a 5 km buffer around 致真 is 8 km from it, up to the buffer polygon's approximation of the circle.
        var buffered = await api.ProjectCodesAsync(new { location = new { distance = new { geometry = PointJson(Zhizhen), buffer = 5000, lte = 3000 } } });
        Assert.Subset(await WithinMetresAsync(Zhizhen, 8100), buffered);
        Assert.Superset(await WithinMetresAsync(Zhizhen, 7900), buffered);
    }

    private async Task<HashSet<string>> ZoneCodesAsync(object where)
    {
        var r = await api.QueryAsync("query($where: ZoneFilterInput) { zones(where: $where) { code } }", new { where });
        r.AssertNoErrors();
        return r.Data.GetProperty("zones").EnumerateArray().Select(z => z.GetProperty("code").GetString()!).ToHashSet();
    }

    [Fact]
    public async Task SpatialPredicatesOnZoneBoundaries()
    {
        Assert.Equal(Seed.Zones.Where(z => z.Boundary.Contains(Zhizhen)).Select(z => z.Code).ToHashSet(),
            await ZoneCodesAsync(new { boundary = new { contains = new { geometry = PointJson(Zhizhen) } } }));
        Assert.Equal(new HashSet<string> { "XHA", "GZK" }, await ZoneCodesAsync(new { boundary = new { contains = new { geometry = PointJson(Zhizhen) } } }));

        var straddle = Box(119.85, 35.75, 119.92, 35.80); // across 古镇口's west edge
        Assert.Equal(Seed.Zones.Where(z => z.Boundary.Overlaps(straddle)).Select(z => z.Code).ToHashSet(),
            await ZoneCodesAsync(new { boundary = new { overlaps = new { geometry = BoxJson(119.85, 35.75, 119.92, 35.80) } } }));
        Assert.Contains("GZK", Seed.Zones.Where(z => z.Boundary.Overlaps(straddle)).Select(z => z.Code));

        var lyt = Seed.Zone("LYT").Boundary;
        Assert.Equal(Seed.Zones.Where(z => z.Boundary.Within(Seed.Zone("DJK").Boundary)).Select(z => z.Code).ToHashSet(),
            await ZoneCodesAsync(new { boundary = new { within = new { geometry = ProjectQueryExtensions.Geo(Seed.ZoneGeoJson("DJK")) } } }));
        Assert.Equal(Seed.Zones.Where(z => !z.Boundary.Intersects(lyt)).Select(z => z.Code).ToHashSet(),
            await ZoneCodesAsync(new { boundary = new { nintersects = new { geometry = ProjectQueryExtensions.Geo(Seed.ZoneGeoJson("LYT")) } } }));
        Assert.Equal(new HashSet<string> { "LYT" }, await ZoneCodesAsync(new { areaKm2 = new { lt = 10 }, approximate = new { eq = true } }));
    }
}
