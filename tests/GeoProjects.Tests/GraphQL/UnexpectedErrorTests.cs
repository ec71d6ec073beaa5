using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GeoProjects.Tests;

/// <summary>
/// A failure nobody expected, provoked inside a resolver and inside a door (a statement that throws): logged once with
/// what an operator needs (operation, field path, trace id, the exception), counted in the error metrics by code, and
/// answered as a coded INTERNAL_ERROR that names the trace id and nothing of the internals.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class UnexpectedErrorTests(ApiFixture api)
{
    private const string Secret = "fault-injected-internal-detail";

    /// <summary>Breaks every connection the app opens, as a bug would (every door reaches the database through one).</summary>
    private sealed class BrokenConnections : DbConnectionInterceptor
    {
        public override ValueTask<InterceptionResult> ConnectionOpeningAsync(
            DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(Secret);
    }

    private sealed class Collected(ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> entries) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string, Exception?)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) entries.Enqueue((category, logLevel, formatter(state, exception), exception));
            }
        }
    }

    [GeneratedRegex("trace ([0-9a-f]{32})")]
    private static partial Regex TraceRegex();

    [Fact]
    public async Task AnUnexpectedFailureIsLoggedCountedAndAnsweredAsInternalError()
    {
        var logs = new ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)>();
        await using var broken = api.WithWebHostBuilder(b => b
            .ConfigureLogging(l => l.AddProvider(new Collected(logs)))
            .ConfigureTestServices(s => s.AddSingleton<IInterceptor, BrokenConnections>()));
        using var client = broken.CreateClient();

        // Inside a resolver.
        using var graphql = await client.PostAsync("/graphql",
            new StringContent("""{"query":"query Faulty { zones { code } }"}""", Encoding.UTF8, "application/json"));
        var body = await graphql.Content.ReadAsStringAsync();
        var error = JsonDocument.Parse(body).RootElement.GetProperty("errors")[0];
        Assert.Equal("INTERNAL_ERROR", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.DoesNotContain(Secret, body);
        Assert.DoesNotContain(" at ", body);
        var trace = TraceRegex().Match(error.GetProperty("message").GetString()!).Groups[1].Value;
        Assert.NotEmpty(trace);
        var logged = Assert.Single(logs, e => e.Exception?.Message == Secret);
        Assert.Equal("GeoProjects.GraphQL", logged.Category);
        Assert.Contains("Faulty", logged.Message);
        Assert.Contains("at zones", logged.Message);
        Assert.Contains(trace, logged.Message);

        // Inside a door (GeoJSON): ASP.NET's exception handler logs it once; the body is the door's coded error.
        logs.Clear();
        using var geojson = await client.GetAsync("/geojson/zones");
        Assert.Equal(HttpStatusCode.InternalServerError, geojson.StatusCode);
        var doorBody = await geojson.Content.ReadAsStringAsync();
        Assert.Equal("INTERNAL_ERROR", JsonDocument.Parse(doorBody).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain(Secret, doorBody);
        Assert.Matches(TraceRegex(), doorBody);
        Assert.Single(logs, e => e.Exception?.Message == Secret);

        string metrics = "";
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); !metrics.Contains("geoprojects_errors_total") && clock.Elapsed < TimeSpan.FromSeconds(10);
             await Task.Delay(100))
            metrics = await client.GetStringAsync("/metrics");
        Assert.Matches(@"geoprojects_graphql_errors_total\{[^}]*code=""INTERNAL_ERROR""", metrics);
        Assert.Matches(@"geoprojects_errors_total\{[^}]*code=""INTERNAL_ERROR""[^}]*door=""geojson""", metrics);
    }
}
