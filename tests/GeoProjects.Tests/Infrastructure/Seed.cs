using System.Text.Json;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;

namespace GeoProjects.Tests.Infrastructure;

/// <summary>The committed seed files, read independently of the app: the oracle that query results are checked against.</summary>
public static class Seed
{
    public static string Directory { get; } = FindSeedDirectory();

    private static readonly JsonSerializerOptions GeoJson = new() { Converters = { new GeoJsonConverterFactory(new GeometryFactory(new PrecisionModel(), 4326)) } };

    public sealed record SeedProject(string Code, string Name, string Sector, string Status, decimal Total, string? Batch, string? Zone, Point Location, string DataSource, string SourceNote, string? StartDate, string? Chain, decimal? LandMu);
    public sealed record SeedZone(string Code, string Name, string Kind, string? Parent, MultiPolygon Boundary);

    public static IReadOnlyList<SeedProject> Projects { get; } = Features("projects.geojson").Select(f =>
    {
        var p = f.GetProperty("properties");
        return new SeedProject(S(p, "code")!, S(p, "name")!, S(p, "sector")!, S(p, "status")!, p.GetProperty("totalInvestment").GetDecimal(),
            S(p, "batch"), S(p, "zone"), (Point)f.GetProperty("geometry").Deserialize<Geometry>(GeoJson)!, S(p, "dataSource")!, S(p, "sourceNote")!,
            S(p, "startDate"), S(p, "industryChain"), p.GetProperty("landAreaMu").ValueKind == JsonValueKind.Number ? p.GetProperty("landAreaMu").GetDecimal() : null);
    }).ToList();

    public static IReadOnlyList<SeedZone> Zones { get; } = Features("zones.geojson").Select(f =>
    {
        var p = f.GetProperty("properties");
        return new SeedZone(S(p, "code")!, S(p, "name")!, S(p, "kind")!, S(p, "parent"), (MultiPolygon)f.GetProperty("geometry").Deserialize<Geometry>(GeoJson)!);
    }).ToList();

    /// <summary>What an anonymous caller sees: projects signed or later (the reserve list, 储备, is internal).</summary>
    public static IReadOnlyList<SeedProject> Published => Projects.Where(p => p.Status != "RESERVE").ToList();

    public static SeedZone Zone(string code) => Zones.Single(z => z.Code == code);

    /// <summary>The zone the database should assign: the one named, else the smallest containing the point.</summary>
    public static string? AssignedZone(SeedProject p) =>
        p.Zone ?? Zones.Where(z => z.Boundary.Contains(p.Location)).OrderBy(z => z.Boundary.Area).FirstOrDefault()?.Code;

    public static string ZoneGeoJson(string code) => JsonSerializer.Serialize<Geometry>(Zone(code).Boundary, GeoJson);

    private static List<JsonElement> Features(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, file)));
        return doc.RootElement.GetProperty("features").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static string? S(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static string RepoRoot => System.IO.Path.GetFullPath(System.IO.Path.Combine(Directory, "..", ".."));

    private static string FindSeedDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "db", "seed");
            if (File.Exists(System.IO.Path.Combine(candidate, "projects.geojson"))) return candidate;
        }
        throw new InvalidOperationException("db/seed not found");
    }
}
