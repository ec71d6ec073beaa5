using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// No request outlives its budget or its client: the execution timeout, a client's disconnect and the host's shutdown
/// each cancel the request and its SQL. Statements are made slow on purpose by an interceptor that prefixes a pg_sleep.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ExecutionLimitTests(ApiFixture api)
{
    private const string Marker = "geoprojects-slow-statement";

    private sealed class SlowStatements : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            command.CommandText = $"/* {Marker} */ SELECT pg_sleep(30);\n" + command.CommandText;
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }

    private WebApplicationFactory<Program> Slow(int executionTimeoutMs) => api.WithWebHostBuilder(b => b
        .UseSetting("GraphQL:ExecutionTimeoutMs", executionTimeoutMs.ToString())
        .UseSetting("Database:StatementTimeoutMs", "60000")
        .ConfigureTestServices(s => s.AddSingleton<IInterceptor, SlowStatements>()));

    private async Task<int> SleepingStatementsAsync()
    {
        await using var c = await api.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%{Marker}%' AND pid <> pg_backend_pid()", c);
        return (int)(long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task AssertNoSleepingStatementWithin(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (await SleepingStatementsAsync() > 0)
        {
            Assert.True(clock.Elapsed < limit, $"a statement was still running {limit.TotalSeconds} s after its request ended");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits (on the database, not a clock: a first connection may take a while) until <paramref name="count"/> statements run.</summary>
    private async Task WaitForSleepingStatementsAsync(int count)
    {
        for (var clock = Stopwatch.StartNew(); await SleepingStatementsAsync() < count; await Task.Delay(50))
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{count} statements never ran at once");
        Assert.Equal(count, await SleepingStatementsAsync());
    }

    private static StringContent Body(string query) => new(JsonSerializer.Serialize(new { query }), Encoding.UTF8, "application/json");

    [Fact]
    public async Task TheExecutionTimeoutAnswers503AndCancelsTheStatement()
    {
        await using var slow = Slow(executionTimeoutMs: 1000);
        using var client = slow.CreateClient();

        var clock = Stopwatch.StartNew();
        var r = await GraphQLResponse.ReadAsync(await client.PostAsync("/graphql", Body("{ projects { totalCount } }")));

        Assert.Equal((503, "EXECUTION_TIMEOUT"), (r.Status, r.FirstErrorCode));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"{clock.ElapsedMilliseconds} ms");
        await AssertNoSleepingStatementWithin(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task AClientThatGoesAwayCancelsItsStatement()
    {
        await using var slow = Slow(executionTimeoutMs: 60_000);
        await using var server = new LiveServer(slow);
        using var client = new HttpClient();
        using var gone = new CancellationTokenSource();

        var request = client.PostAsync(server.Url("/graphql"), Body("{ projects { totalCount } }"), gone.Token);
        await WaitForSleepingStatementsAsync(1); // the client goes away once its statement runs
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        await AssertNoSleepingStatementWithin(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task ShutdownFinishesWithin10SecondsWithRequestsInFlight()
    {
        var slow = Slow(executionTimeoutMs: 60_000);
        var server = new LiveServer(slow);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var inFlight = Enumerable.Range(0, 3)
            .Select(_ => client.PostAsync(server.Url("/graphql"), Body("{ projects { totalCount } }")))
            .Append(client.PostAsync(server.Url("/graphql"), new StringContent(HostileRequestTests.Corpus().First().Body, Encoding.UTF8, "application/json")))
            .ToList();
        await WaitForSleepingStatementsAsync(3);

        var clock = Stopwatch.StartNew();
        await server.DisposeAsync();
        await slow.DisposeAsync();
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var request in inFlight)
        {
            try { (await request).Dispose(); } catch (HttpRequestException) { } // answered 503 or cut off: either way it ended
        }
        await AssertNoSleepingStatementWithin(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task SigtermDrainsInFlightRequestsAndExits()
    {
        await using var server = await ServerProcess.StartAsync(api.ConnectionString);
        using var client = new HttpClient { BaseAddress = server.Origin, Timeout = TimeSpan.FromSeconds(30) };
        var inFlight = Enumerable.Range(0, 20).Select(_ => client.GetAsync("/geojson/projects?limit=100")).ToList();

        var exit = await server.TerminateAsync(TimeSpan.FromSeconds(10));

        Assert.True(exit is not null, "the server did not exit within 10 s of SIGTERM");
        Assert.Equal(0, exit);
        foreach (var request in inFlight)
        {
            // Each request either finished before the listener closed, or was refused a connection: none hangs.
            try { (await request).Dispose(); } catch (HttpRequestException) { }
        }
    }

    [Fact]
    public async Task AnExhaustedPoolIsABoundedWaitThen503()
    {
        // Two connections, both held by slow statements; waiting for a third is bounded by the connection Timeout.
        var small = new NpgsqlConnectionStringBuilder(api.ConnectionString) { MaxPoolSize = 2, Timeout = 1 }.ConnectionString;
        await using var slow = api.WithWebHostBuilder(b => b
            .UseSetting("ConnectionStrings:GeoProjects", small)
            .UseSetting("GraphQL:ExecutionTimeoutMs", "60000")
            .UseSetting("Database:StatementTimeoutMs", "60000")
            .ConfigureTestServices(s => s.AddSingleton<IInterceptor, SlowStatements>()));
        using var client = slow.CreateClient();
        using var gone = new CancellationTokenSource();

        var holders = Enumerable.Range(0, 2).Select(_ => client.PostAsync("/graphql", Body("{ projects { totalCount } }"), gone.Token)).ToList();
        await WaitForSleepingStatementsAsync(2);
        var clock = Stopwatch.StartNew();
        var graphql = await GraphQLResponse.ReadAsync(await client.PostAsync("/graphql", Body("{ zones { code } }")));
        using var tile = await client.GetAsync("/geojson/zones");
        clock.Stop();
        gone.Cancel();
        foreach (var h in holders) await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h);

        Assert.Equal((503, "DATABASE_UNAVAILABLE"), (graphql.Status, graphql.FirstErrorCode));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tile.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.Elapsed.TotalSeconds:0.0} s for two refusals");
        await AssertNoSleepingStatementWithin(TimeSpan.FromSeconds(3));
    }
}
