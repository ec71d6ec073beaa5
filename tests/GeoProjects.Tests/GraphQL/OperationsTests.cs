using System.Text.Json;
using GeoProjects.Api.Ide;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace GeoProjects.Tests;

/// <summary>Every example in docs/operations runs against the seeded database and answers its question.</summary>
[Collection(ApiCollection.Name)]
public sealed class OperationsTests(ApiFixture api)
{
    private static readonly string Folder = Path.Combine(Seed.RepoRoot, "docs", "operations");

    public static TheoryData<string> Files() => new(Directory.GetFiles(Folder, "*.graphql").Select(Path.GetFileName).Order()!);

    // What each example must answer, checked on its data.
    private static readonly Dictionary<string, Action<JsonElement>> Checks = new()
    {
        ["HeadlineProjects"] = d => Assert.Contains(d.GetProperty("projects").GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "致真存储芯片制造项目"),
        ["InvestmentBySectorInZone"] = d => Assert.Equal(
            Seed.Projects.Where(p => Seed.AssignedZone(p) == "GZK").Sum(p => p.Total),
            d.GetProperty("projectStats").EnumerateArray().Sum(g => g.GetProperty("totalInvestment").GetDecimal())),
        ["ArticleFigures"] = d =>
        {
            Assert.Equal(88, d.GetProperty("all")[0].GetProperty("count").GetInt32());
            Assert.Equal(313m, d.GetProperty("all")[0].GetProperty("totalInvestment").GetDecimal());
            Assert.Equal(new[] { "CITY:35:182", "DISTRICT:53:131" }, d.GetProperty("byLevel").EnumerateArray()
                .Select(g => $"{g.GetProperty("batch").GetProperty("level").GetString()}:{g.GetProperty("count").GetInt32()}:{g.GetProperty("totalInvestment").GetDecimal():0}").Order());
        },
        ["BehindSchedule"] = d => Assert.All(d.GetProperty("projects").GetProperty("nodes").EnumerateArray(), n =>
        {
            Assert.Contains(n.GetProperty("warningLevel").GetString(), new[] { "YELLOW", "RED" });
            Assert.True(n.GetProperty("scheduleGap").GetDecimal() <= -10);
        }),
        ["NearThePort"] = d =>
        {
            var distances = d.GetProperty("projects").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("distance").GetDouble()).ToList();
            Assert.NotEmpty(distances);
            Assert.Equal(distances.Order(), distances);
            Assert.All(distances, m => Assert.True(m <= 5000));
        },
        ["ZoneTotals"] = d => Assert.Equal(Seed.Projects.Sum(p => p.Total), d.GetProperty("zones").EnumerateArray().Sum(z => z.GetProperty("stats").GetProperty("totalInvestment").GetDecimal())),
        ["ProjectHistory"] = d =>
        {
            var first = d.GetProperty("project").GetProperty("history").GetProperty("nodes").EnumerateArray().Last();
            Assert.Equal(("INSERT", "seed"), (first.GetProperty("operation").GetString(), first.GetProperty("changedBy").GetString()));
            Assert.Equal(Seed.Zones.Count, d.GetProperty("revisions").GetProperty("totalCount").GetInt32());
        },
        ["TimeTravel"] = d =>
        {
            Assert.Equal(JsonValueKind.Null, d.GetProperty("then").ValueKind);
            Assert.Equal("XHA-2023-D01", d.GetProperty("now").GetProperty("code").GetString());
        },
        ["CorrectAProject"] = d =>
        {
            var update = d.GetProperty("updateProject");
            Assert.Equal(JsonValueKind.Null, update.GetProperty("errors").ValueKind);
            Assert.Equal(1, update.GetProperty("project").GetProperty("version").GetInt32()); // the same values: no change
        },
        ["ProjectProgress"] = d =>
        {
            var project = d.GetProperty("project");
            var reports = project.GetProperty("progress").EnumerateArray().ToList();
            Assert.Equal("2023-12", reports[0].GetProperty("period").GetString()); // the carried-over 2023 figures
            Assert.Equal("ILLUSTRATIVE", reports[^1].GetProperty("dataSource").GetString()); // then the seed's made-up months
            // The project's figures follow its latest report.
            Assert.Equal(project.GetProperty("completedInvestment").GetDecimal(), reports[^1].GetProperty("completedInvestmentYtd").GetDecimal());
        },
        ["BehindAtQuarterEnd"] = d =>
        {
            Assert.True(d.GetProperty("behind").GetProperty("totalCount").GetInt32() > 0);
            Assert.All(d.GetProperty("behind").GetProperty("nodes").EnumerateArray(), n => Assert.Equal("RED", n.GetProperty("warningLevel").GetString()));
            var months = d.GetProperty("trend").EnumerateArray().Select(g => g.GetProperty("period").GetString()).ToList();
            Assert.Equal("2024-09", months[^1]); // September counts on 30 September
            Assert.Equal(months.Order(), months);
        },
        ["NodeLookup"] = d => Assert.Equal(["致真存储芯片制造项目", "青岛西海岸新区"], d.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString())),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task ExampleOperationRunsAndAnswers(string file)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Folder, file));
        var name = System.Text.RegularExpressions.Regex.Match(text, @"^(?:query|mutation) (\w+)", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value;
        Assert.StartsWith("# ", text); // a one-line comment of what it answers
        Assert.True(Checks.ContainsKey(name), $"{file}: no check for operation {name}");

        // Reading needs a viewer (the fixture's default); changing, an editor of the zone or an admin.
        var r = await api.QueryAsync(text, token: !text.Contains("\nmutation ") ? null : api.Token("规划办", GeoProjects.Api.Security.Role.Admin));

        r.AssertNoErrors();
        Checks[name](r.Data);
    }

    [Fact]
    public async Task TheIdeOpensWithTheExamples()
    {
        using var client = api.CreateClient();
        var config = JsonDocument.Parse(await client.GetStringAsync("/graphql/bcp-config.json")).RootElement;
        var document = config.GetProperty("graphQLDocument").GetString()!;

        Assert.True(config.GetProperty("useBrowserUrlAsEndpoint").GetBoolean());
        Assert.True(config.GetProperty("disableTelemetry").GetBoolean());
        Assert.Equal(IdeEndpoints.StarterDocument(Folder), document);
        foreach (var file in Directory.GetFiles(Folder, "*.graphql"))
            Assert.Contains(File.ReadAllLines(file)[0], document);
        var live = await api.QueryAsync(document); // one live operation, the others commented out
        live.AssertNoErrors();
        // Its variables' defaults are written in place (Banana Cake Pop 18 breaks on a default value), with the same answer.
        Assert.DoesNotMatch(@"(?m)^query \w+\(", document);
        var first = await File.ReadAllTextAsync(Directory.GetFiles(Folder, "*.graphql").Order(StringComparer.Ordinal).First());
        Assert.Equal((await api.QueryAsync(first)).Data.GetRawText(), live.Data.GetRawText());
    }

    [Fact]
    public async Task BrowsersGetTheIdeAndOtherClientsGetGraphQL()
    {
        using var client = api.CreateClient(new() { AllowAutoRedirect = false });
        var html = new HttpRequestMessage(HttpMethod.Get, "/graphql");
        html.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        var redirect = await client.SendAsync(html);
        Assert.Equal(System.Net.HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("/graphql/", redirect.Headers.Location?.ToString());

        var page = new HttpRequestMessage(HttpMethod.Get, "/graphql/");
        page.Headers.Accept.ParseAdd("text/html");
        var index = await client.SendAsync(page);
        Assert.Contains("<div id=\"root\">", await index.Content.ReadAsStringAsync());

        var query = new HttpRequestMessage(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString("{ batches { name } }"));
        query.Headers.Accept.ParseAdd("text/html,application/json");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.SendAsync(query)).StatusCode);
    }

    [Fact]
    public async Task CorsLetsAConfiguredOriginCallTheApi()
    {
        await using var withCors = api.WithWebHostBuilder(b => b.UseSetting("Cors:AllowedOrigins:0", "https://bcp.example"));
        using var client = withCors.CreateClient();
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/graphql");
        preflight.Headers.Add("Origin", "https://bcp.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        var allowed = await client.SendAsync(preflight);
        Assert.Equal("https://bcp.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());

        var other = new HttpRequestMessage(HttpMethod.Options, "/graphql");
        other.Headers.Add("Origin", "https://elsewhere.example");
        other.Headers.Add("Access-Control-Request-Method", "POST");
        Assert.False((await client.SendAsync(other)).Headers.Contains("Access-Control-Allow-Origin"));

        // Public reads (TileJSON, tiles, GeoJSON, OGC) are open to any origin by default, as tile servers are.
        foreach (var path in new[] { "/tiles/projects.json", "/tiles/projects/10/853/402.mvt", "/geojson/zones", "/ogc/collections", "/ogc/collections/projects/items" })
        {
            var read = new HttpRequestMessage(HttpMethod.Get, path);
            read.Headers.Add("Origin", "https://elsewhere.example");
            var response = await client.SendAsync(read);
            Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
    }

    [Fact]
    public async Task PublicReadOriginsCanBeNarrowed()
    {
        await using var narrowed = api.WithWebHostBuilder(b => b.UseSetting("Cors:PublicReadOrigins:0", "https://map.example"));
        using var client = narrowed.CreateClient();
        foreach (var (origin, allowed) in new[] { ("https://map.example", true), ("https://elsewhere.example", false) })
        {
            var read = new HttpRequestMessage(HttpMethod.Get, "/tiles/projects.json");
            read.Headers.Add("Origin", origin);
            Assert.Equal(allowed, (await client.SendAsync(read)).Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    [Fact]
    public async Task TheWebMapTakesAConfiguredBasemapAndItsCrs()
    {
        using var offline = api.CreateClient();
        var standard = JsonDocument.Parse(await offline.GetStringAsync("/map/config.json")).RootElement;
        Assert.Equal(JsonValueKind.Null, standard.GetProperty("basemap").ValueKind); // no external basemap by default
        Assert.Equal("WGS84", standard.GetProperty("crs").GetString());

        await using var amap = api.WithWebHostBuilder(b => b
            .UseSetting("Map:BasemapUrl", "https://webrd01.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}")
            .UseSetting("Map:BasemapCrs", "GCJ02"));
        using var client = amap.CreateClient();
        var config = JsonDocument.Parse(await client.GetStringAsync("/map/config.json")).RootElement;
        Assert.Equal("GCJ02", config.GetProperty("crs").GetString());
        Assert.Contains("autonavi", config.GetProperty("basemap").GetProperty("url").GetString());
    }
}
