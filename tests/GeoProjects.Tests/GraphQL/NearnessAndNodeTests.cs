using System.Text.Json;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

[Collection(ApiCollection.Name)]
public sealed class NearnessTests(ApiFixture api)
{
    private static readonly (double X, double Y) Port = (120.215, 36.035); // 前湾 container quays

    [Fact]
    public async Task DistanceMatchesTheGeodesicWithinHalfAPercent()
    {
        var r = await api.QueryAsync("""
            query($p: GeoJSONPointInput!) { projects(first: 100) { nodes { code distance(from: $p) location { coordinates } } } }
            """, new { p = new { type = "Point", coordinates = new[] { Port.X, Port.Y } } });
        r.AssertNoErrors();

        foreach (var n in r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray())
        {
            var c = n.GetProperty("location").GetProperty("coordinates").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var expected = Geodesic.Metres(Port.X, Port.Y, c[0], c[1]);
            var actual = n.GetProperty("distance").GetDouble();
            Assert.True(Math.Abs(actual - expected) <= Math.Max(0.005 * expected, 0.5), $"{n.GetProperty("code")}: {actual} m vs {expected} m");
        }
    }

    [Fact]
    public void GeodesicReferenceMatchesKnownDistances()
    {
        // Vincenty's own example (Flinders Peak to Buninyong, 54,972.271 m), and one degree of meridian at 35.5° N (~110.94 km).
        Assert.Equal(54_972.271, Geodesic.Metres(144.424867889, -37.951033417, 143.926495528, -37.652821139), 0.01);
        Assert.InRange(Geodesic.Metres(120, 35, 120, 36), 110_900, 110_990);
    }

    [Fact]
    public async Task NearOrdersByDistanceFirstAndCombinesWithWhereAndPaging()
    {
        const string query = """
            query($p: GeoJSONPointInput!, $after: String) {
              projects(near: { point: $p, maxDistance: 20000 }, where: { sector: { neq: CULTURE_TOURISM } }, first: 4, after: $after) {
                totalCount
                nodes { code sector distance(from: $p) }
                pageInfo { hasNextPage endCursor }
              }
            }
            """;
        var p = new { type = "Point", coordinates = new[] { Port.X, Port.Y } };
        var expected = Seed.Projects.Where(x => x.Sector != "CULTURE_TOURISM")
            .Select(x => (x.Code, Metres: Geodesic.Metres(Port.X, Port.Y, x.Location.X, x.Location.Y)))
            .Where(x => x.Metres <= 20000).OrderBy(x => x.Metres).Select(x => x.Code).ToList();
        Assert.True(expected.Count > 5);

        var seen = new List<string>();
        string? after = null;
        int? total = null;
        do
        {
            var r = await api.QueryAsync(query, new { p, after });
            r.AssertNoErrors();
            var page = r.Data.GetProperty("projects");
            total ??= page.GetProperty("totalCount").GetInt32();
            seen.AddRange(page.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("code").GetString()!));
            after = page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean() ? page.GetProperty("pageInfo").GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);

        Assert.Equal(expected.Count, total);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task NearUsesTheKnnIndexOnGeography()
    {
        api.Statements.Reset();
        (await api.QueryAsync("""{ projects(near: { point: { coordinates: [120.2, 36.0] } }) { nodes { code } } }""")).AssertNoErrors();
        Assert.Contains("geography(p.location) <-> geography(@", Assert.Single(api.Statements.Recent));
    }

    [Fact]
    public async Task BadPointsAreRejected()
    {
        var r = await api.QueryAsync("""{ projects(near: { point: { type: Polygon, coordinates: [120.2, 36.0] } }) { nodes { code } } }""");
        Assert.Equal(400, r.Status);
        Assert.Contains("Point", r.FirstError.GetProperty("message").GetString());
        r = await api.QueryAsync("""{ projects(near: { point: { coordinates: [120.2] } }) { nodes { code } } }""");
        Assert.Equal(400, r.Status);
    }
}

[Collection(ApiCollection.Name)]
public sealed class NodeTests(ApiFixture api)
{
    [Fact]
    public async Task EveryNodeTypeRoundTripsThroughNode()
    {
        var r = await api.QueryAsync("""{ projects(first: 2) { nodes { id code } } zones(where: { code: { eq: "GZK" } }) { id code } batches { id name } }""");
        r.AssertNoErrors();
        var ids = new List<(string Id, string Type, string Label)>();
        ids.AddRange(r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().Select(n => (n.GetProperty("id").GetString()!, "Project", n.GetProperty("code").GetString()!)));
        ids.AddRange(r.Data.GetProperty("zones").EnumerateArray().Select(n => (n.GetProperty("id").GetString()!, "Zone", n.GetProperty("code").GetString()!)));
        ids.AddRange(r.Data.GetProperty("batches").EnumerateArray().Select(n => (n.GetProperty("id").GetString()!, "ProjectBatch", n.GetProperty("name").GetString()!)));

        foreach (var (id, type, label) in ids)
        {
            var node = await api.QueryAsync("""
                query($id: ID!) { node(id: $id) { __typename id ... on Project { code } ... on Zone { code } ... on ProjectBatch { name } } }
                """, new { id });
            node.AssertNoErrors();
            var n = node.Data.GetProperty("node");
            Assert.Equal(type, n.GetProperty("__typename").GetString());
            Assert.Equal(id, n.GetProperty("id").GetString());
            Assert.Equal(label, n.TryGetProperty("code", out var code) ? code.GetString() : n.GetProperty("name").GetString());
        }

        api.Statements.Reset();
        var many = await api.QueryAsync("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", new { ids = ids.Select(x => x.Id).ToArray() });
        many.AssertNoErrors();
        Assert.Equal(ids.Select(x => x.Id), many.Data.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()));
        Assert.Equal(3, api.Statements.Count); // one statement per node type, not per ID
    }

    [Theory]
    [InlineData("U3BhY2VzaGlwOjE=", "INVALID_ID")] // "Spaceship:1"
    [InlineData("not an id", "INVALID_ID")]
    public async Task ForeignAndMalformedIdsAreRejected(string id, string code)
    {
        var r = await api.QueryAsync("query($id: ID!) { node(id: $id) { id } }", new { id });
        Assert.Equal(code, r.FirstErrorCode);
        Assert.Contains("ID", r.FirstError.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AProjectIdIsNotAZoneId()
    {
        var r = await api.QueryAsync("""{ zone(id: "UHJvamVjdDox") { code } }""");
        Assert.Equal("INVALID_ID", r.FirstErrorCode);
    }

    /// <summary>Progress reports and revisions are nodes too: the IDs they answer with fetch them back, for staff only.</summary>
    [Fact]
    public async Task ReportsAndRevisionsAreNodesWithGlobalIds()
    {
        var listed = await api.QueryAsync("""
            { projects(first: 20, where: { status: { neq: RESERVE } }) { nodes { id progress { id period completedInvestmentYtd }
              history(first: 1) { nodes { id version operation changedBy } } } } }
            """);
        listed.AssertNoErrors();
        var projects = listed.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray().ToList();
        var report = projects.SelectMany(p => p.GetProperty("progress").EnumerateArray()).First();
        var revision = projects.SelectMany(p => p.GetProperty("history").GetProperty("nodes").EnumerateArray()).First();
        Assert.StartsWith("ProgressReport:", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(report.GetProperty("id").GetString()!)));
        Assert.StartsWith("Revision:", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(revision.GetProperty("id").GetString()!)));

        const string query = """
            query($ids: [ID!]!) { nodes(ids: $ids) { id ... on ProgressReport { period completedInvestmentYtd }
              ... on Revision { version operation changedBy } } }
            """;
        var ids = new[] { report.GetProperty("id").GetString(), revision.GetProperty("id").GetString() };
        var staff = await api.QueryAsync(query, new { ids });
        staff.AssertNoErrors();
        var nodes = staff.Data.GetProperty("nodes");
        Assert.Equal(report.GetRawText(), nodes[0].GetRawText());
        Assert.Equal(revision.GetRawText(), nodes[1].GetRawText());
        // Internal records: to the public they are missing, exactly as an ID that names nothing.
        var anonymous = await api.QueryAsync(query, new { ids }, token: "");
        anonymous.AssertNoErrors();
        Assert.All(anonymous.Data.GetProperty("nodes").EnumerateArray(), n => Assert.Equal(System.Text.Json.JsonValueKind.Null, n.ValueKind));
    }

    [Fact]
    public async Task NodesTakeAtMostTenIds()
    {
        var ids = Enumerable.Range(1, 11).Select(i => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"Project:{i}"))).ToArray();
        var r = await api.QueryAsync("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", new { ids });
        Assert.Equal("NODES_LIMIT_EXCEEDED", r.FirstErrorCode);
        // The non-null list nulls data; a client's error is still a 400, not the server's 500 (1 000 ids, as the issue measured).
        var many = Enumerable.Range(1, 1000).Select(i => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"Project:{i}"))).ToArray();
        var refused = await api.QueryAsync("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", new { ids = many });
        Assert.Equal((400, "NODES_LIMIT_EXCEEDED"), (refused.Status, refused.FirstErrorCode));
    }
}

/// <summary>Vincenty's inverse formula on WGS84: an independent reference for distances in metres.</summary>
public static class Geodesic
{
    public static double Metres(double lon1, double lat1, double lon2, double lat2)
    {
        const double a = 6378137.0, f = 1 / 298.257223563, b = a * (1 - f);
        double Rad(double d) => d * Math.PI / 180;
        var l = Rad(lon2 - lon1);
        var u1 = Math.Atan((1 - f) * Math.Tan(Rad(lat1)));
        var u2 = Math.Atan((1 - f) * Math.Tan(Rad(lat2)));
        double sinU1 = Math.Sin(u1), cosU1 = Math.Cos(u1), sinU2 = Math.Sin(u2), cosU2 = Math.Cos(u2);
        double lambda = l, sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM;
        var iterations = 0;
        while (true)
        {
            double sinLambda = Math.Sin(lambda), cosLambda = Math.Cos(lambda);
            sinSigma = Math.Sqrt(Math.Pow(cosU2 * sinLambda, 2) + Math.Pow(cosU1 * sinU2 - sinU1 * cosU2 * cosLambda, 2));
            if (sinSigma == 0) return 0;
            cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
            sigma = Math.Atan2(sinSigma, cosSigma);
            var sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
            cos2Alpha = 1 - sinAlpha * sinAlpha;
            cos2SigmaM = cos2Alpha == 0 ? 0 : cosSigma - 2 * sinU1 * sinU2 / cos2Alpha;
            var c = f / 16 * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
            var previous = lambda;
            lambda = l + (1 - c) * f * sinAlpha * (sigma + c * sinSigma * (cos2SigmaM + c * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
            if (Math.Abs(lambda - previous) < 1e-12 || ++iterations > 200) break;
        }
        var uSq = cos2Alpha * (a * a - b * b) / (b * b);
        var bigA = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
        var bigB = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
        var deltaSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)
            - bigB / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
        return b * bigA * (sigma - deltaSigma);
    }
}
