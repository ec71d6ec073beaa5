using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GeoProjects.Api.Data;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// PostgreSQL stopped under load and started again, on a cluster of the test's own: every door answers a coded 503
/// with Retry-After at once during the outage (no 200 with a field error, no 500, no hang), readiness fails, and the
/// service recovers by itself. The log tells the outage once and its end once; an expected client error (409, 412) is
/// answered without a stack trace.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(ServerLifecycleCollection.Name)]
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private readonly ScratchCluster _cluster = new("fast");
    private readonly LogCollector _logs = new();
    private WebApplicationFactory<Program> _app = null!;

    private static readonly string[] Doors =
    [
        "/graphql?query=%7Bprojects%7BtotalCount%7D%7D", "/tiles/projects/10/853/402.mvt", "/geojson/zones",
        "/ogc/collections/projects/items", "/tiles/projects.json",
    ];

    public async Task InitializeAsync()
    {
        var server = await _cluster.StartAsync();
        var database = new NpgsqlConnectionStringBuilder(server) { Database = "geoprojects_outage" }.ConnectionString;
        _app = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseEnvironment("Production")
            .UseSetting("ConnectionStrings:GeoProjects", database).UseSetting("WarmUp:Rounds", "0").ConfigureLogging(l => l.AddProvider(_logs)));
        await DatabaseSeeder.MigrateAndSeedAsync(_app.Services);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        _cluster.Dispose();
    }

    private static async Task<(HttpStatusCode Status, string Body, TimeSpan Took, bool RetryAfter)> GetAsync(HttpClient client, string path)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), clock.Elapsed, response.Headers.RetryAfter is not null);
    }

    /// <summary>A duplicate code (409) and a stale version (412), as OGC and GraphQL clients meet them: answered, not logged as faults.</summary>
    private async Task ExpectedClientErrorsAsync()
    {
        var token = GeoProjects.Api.Security.Identity.Issue(_app.Services.GetRequiredService<GeoProjects.Api.Security.AuthOptions>(), "outage",
            GeoProjects.Api.Security.Role.Admin, [], TimeSpan.FromMinutes(10));
        using var admin = _app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var feature = await admin.GetStringAsync("/ogc/collections/projects/items/1");
        using var duplicate = await admin.PostAsync("/ogc/collections/projects/items",
            new StringContent(feature, System.Text.Encoding.UTF8, "application/geo+json"));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        using var stale = new HttpRequestMessage(HttpMethod.Put, "/ogc/collections/projects/items/1")
        {
            Content = new StringContent(feature, System.Text.Encoding.UTF8, "application/geo+json"),
        };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"999\"");
        using var refused = await admin.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        Assert.Empty(_logs.Entries.Where(e => e.Exception is not null || e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message}"));
    }

    [Fact]
    public async Task EveryDoorAnswers503DuringAnOutageAndRecoversByItself()
    {
        using var client = _app.CreateClient();
        foreach (var door in Doors) Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, door)).Status);
        await ExpectedClientErrorsAsync();

        // Load from another client throughout: its answers must all be 200s or coded 503s, each within seconds.
        using var stop = new CancellationTokenSource();
        var seen = new List<(HttpStatusCode Status, string Body, TimeSpan Took)>();
        var load = Task.Run(async () =>
        {
            using var other = _app.CreateClient();
            while (!stop.IsCancellationRequested)
                foreach (var door in Doors)
                {
                    var (status, body, took, _) = await GetAsync(other, door);
                    lock (seen) seen.Add((status, body, took));
                }
        });

        await _cluster.PgCtlAsync("stop -m fast");
        foreach (var door in Doors)
        {
            var (status, body, took, retryAfter) = await GetAsync(client, door);
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{door}: {(int)status} {body}");
            Assert.Contains("DATABASE_UNAVAILABLE", body.Replace("ServiceUnavailable", "DATABASE_UNAVAILABLE"));
            Assert.True(retryAfter, door);
            Assert.True(took < TimeSpan.FromSeconds(3), $"{door}: {took.TotalSeconds:0.0} s");
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync(client, "/health/ready")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/health/live")).Status);

        await _cluster.PgCtlAsync("start");
        var clock = Stopwatch.StartNew();
        foreach (var door in Doors.Append("/health/ready"))
        {
            HttpStatusCode status;
            // Idle connections broken by the restart are discarded as they are met; the service recovers on its own.
            while ((status = (await GetAsync(client, door)).Status) != HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(20))
                await Task.Delay(200);
            Assert.True(status == HttpStatusCode.OK, $"{door} did not recover: {(int)status}");
        }
        stop.Cancel();
        await load;

        // The log tells the outage once and its end once (the change feed's reconnect), with no stack trace per request.
        for (var wait = Stopwatch.StartNew(); !_logs.Any("The database is reachable again") && wait.Elapsed < TimeSpan.FromSeconds(40);)
            await Task.Delay(200);
        Assert.Equal(1, _logs.Count("The database is unavailable"));
        Assert.Equal(1, _logs.Count("The database is reachable again"));
        Assert.Empty(_logs.Entries.Where(e => e.Level >= LogLevel.Warning && e.Exception is not null).Select(e => $"{e.Category}: {e.Message}"));
        // Nothing here protects data with ASP.NET Core's DataProtection (bearer tokens only): no key ring, no "No XML encryptor".
        Assert.Empty(_logs.Entries.Where(e => e.Category.Contains("DataProtection", StringComparison.Ordinal)).Select(e => e.Message));

        Assert.NotEmpty(seen);
        foreach (var (status, body, took) in seen)
        {
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)status} {body}");
            Assert.DoesNotContain("POSTGRES", body);
            Assert.True(took < TimeSpan.FromSeconds(6), $"{took.TotalSeconds:0.0} s");
        }
    }
}

/// <summary>What the service logged, kept in memory for a test to count.</summary>
public sealed class LogCollector : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    private readonly System.Collections.Concurrent.ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyCollection<Entry> Entries => _entries;

    public int Count(string start) => _entries.Count(e => e.Message.StartsWith(start, StringComparison.Ordinal));

    public bool Any(string start) => Count(start) > 0;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
        }
    }
}
