using System.Net;
using System.Text;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>What an operator watches: health for the load balancer, Prometheus metrics, structured and slow-request logs.</summary>
[Collection(ApiCollection.Name)]
public sealed class ObservabilityTests(ApiFixture api)
{
    [Fact]
    public async Task LivenessAndReadinessAnswer()
    {
        using var client = api.CreateClient();
        foreach (var path in new[] { "/health/live", "/health/ready" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Healthy", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        }
        var ready = JsonDocument.Parse(await client.GetStringAsync("/health/ready")).RootElement.GetProperty("checks");
        Assert.True(ready.TryGetProperty("database", out _));
        Assert.True(ready.TryGetProperty("migrations", out _));
    }

    /// <summary>
    /// A new instance runs the queries among its trusted documents (docs/operations) through its executor before
    /// /health/ready says ready: each at least once, those that answer without errors in every round; the readiness report
    /// says how many it asked.
    /// </summary>
    [Fact]
    public async Task ReadyOnceWarm()
    {
        await using var server = await ServerProcess.StartAsync(api.ConnectionString,
            new Dictionary<string, string> { ["WarmUp__Rounds"] = "4", ["WarmUp__MaxMilliseconds"] = "20000" });
        using var client = new HttpClient { BaseAddress = server.Origin };
        JsonElement checks = default;
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(100))
        {
            using var response = await client.GetAsync("/health/ready");
            checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").Clone();
            var warm = checks.GetProperty("warm-up");
            if (response.IsSuccessStatusCode) break;
            Assert.Equal(("Unhealthy", "warming up"), (warm.GetProperty("status").GetString(), warm.GetProperty("description").GetString()));
        }
        Assert.Equal("Healthy", checks.GetProperty("warm-up").GetProperty("status").GetString());
        var queries = Directory.EnumerateFiles(Path.Combine(Seed.RepoRoot, "docs", "operations"), "*.graphql")
            .Count(f => File.ReadLines(f).Any(l => l.StartsWith("query ", StringComparison.Ordinal)));
        var report = System.Text.RegularExpressions.Regex.Match(checks.GetProperty("warm-up").GetProperty("description").GetString()!,
            @"^(\d+) questions in \d+ ms$");
        Assert.True(report.Success);
        Assert.InRange(int.Parse(report.Groups[1].Value), queries + 3, 4 * queries); // the public ones four times each
    }

    [Fact]
    public async Task PrometheusSeesGraphQLTilesHttpAndTheDatabase()
    {
        await using var server = await ServerProcess.StartAsync(api.ConnectionString);
        using var client = new HttpClient { BaseAddress = server.Origin };
        (await client.PostAsync("/graphql", new StringContent("{\"query\":\"query Probe { projects { totalCount } } \"}", Encoding.UTF8, "application/json"))).Dispose();
        (await client.PostAsync("/graphql", new StringContent("{\"query\":\"query Broken { projects(first: 1000) { totalCount } } \"}", Encoding.UTF8, "application/json"))).Dispose();
        for (var i = 0; i < 2; i++) (await client.GetAsync("/tiles/projects/10/853/402.mvt")).Dispose(); // a miss, then a hit

        string metrics = "";
        for (var attempt = 0; attempt < 20 && !metrics.Contains("geoprojects_tiles_cache_requests"); attempt++, await Task.Delay(250))
            metrics = await client.GetStringAsync("/metrics");

        Assert.Contains("graphql_operation_name=\"Probe\"", metrics);
        Assert.Matches(@"geoprojects_graphql_operation_sql_statements_\w*count\{[^}]*Probe", metrics);
        // Each round trip carries two statements: the caller's settings, then the query.
        double Sum(string name) => double.Parse(System.Text.RegularExpressions.Regex.Match(metrics,
            $@"geoprojects_graphql_operation_sql_{name}_sum\{{[^}}]*""Probe""[^}}]*\}} (\d+)").Groups[1].Value);
        Assert.InRange(Sum("round_trips"), 1, 2);
        Assert.Equal(2 * Sum("round_trips"), Sum("statements"));
        Assert.Matches(@"geoprojects_graphql_errors_total\{[^}]*code=""PAGE_SIZE_EXCEEDED""", metrics);
        Assert.Matches(@"geoprojects_tiles_cache_requests_total\{[^}]*result=""hit""", metrics);
        Assert.Matches(@"geoprojects_tiles_cache_requests_total\{[^}]*result=""miss""", metrics);
        Assert.Contains("geoprojects_tiles_render_duration_seconds", metrics);
        Assert.Contains("geoprojects_tiles_cache_size", metrics);
        Assert.Contains("http_server_request_duration_seconds", metrics); // every door, by route (OGC included)
        Assert.Contains("db_client_", metrics);
    }

    [Fact]
    public async Task SlowRequestsAreLoggedAsJsonWithTheirTraceId()
    {
        await using var server = await ServerProcess.StartAsync(api.ConnectionString,
            new Dictionary<string, string> { ["Observability__SlowRequestMs"] = "0", ["Observability__JsonLogs"] = "true" });
        using var client = new HttpClient { BaseAddress = server.Origin };
        // An event stream (here a query's: one event, then complete) is a live connection, not a slow request.
        using (var stream = new HttpRequestMessage(HttpMethod.Post, "/graphql")
               { Content = new StringContent("{\"query\":\"{ __typename }\"}", System.Text.Encoding.UTF8, "application/json") })
        {
            stream.Headers.Accept.ParseAdd("text/event-stream");
            using var events = await client.SendAsync(stream);
            Assert.Contains("event: complete", await events.Content.ReadAsStringAsync());
        }
        (await client.GetAsync("/ogc/collections")).Dispose();

        string? line = null;
        for (var attempt = 0; attempt < 20 && line is null; attempt++, await Task.Delay(100))
            line = server.Output.FirstOrDefault(l => l.Contains("Slow request") && l.Contains("/ogc/collections"));
        Assert.NotNull(line);
        using var log = JsonDocument.Parse(line!);
        Assert.Equal("Warning", log.RootElement.GetProperty("LogLevel").GetString());
        Assert.Contains("TraceId", log.RootElement.GetProperty("Scopes").GetRawText());
        Assert.DoesNotContain(server.Output.ToList(), l => l.Contains("Slow request") && l.Contains("/graphql"));
    }
}
