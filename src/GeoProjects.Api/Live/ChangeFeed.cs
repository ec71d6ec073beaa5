using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using GeoProjects.Api.Data;
using GeoProjects.Api.Hosting;
using Npgsql;

namespace GeoProjects.Api.Live;

/// <summary>
/// One committed change as the database announced it (migration ChangeNotifications): the entity (Project, Zone,
/// ProjectBatch, ProgressReport, AnnualPlan), the operation (INSERT, UPDATE, DELETE), up to 100 keys, those of them the
/// public may see, and for progress reports their projects' keys.
/// </summary>
public sealed record Change(
    [property: JsonPropertyName("entity")] string Entity,
    [property: JsonPropertyName("op")] string Operation,
    [property: JsonPropertyName("ids")] int[] Ids,
    [property: JsonPropertyName("public")] int[] Public,
    [property: JsonPropertyName("projects")] int[]? Projects);

/// <summary>
/// LISTENs on the database's change channel on a connection of its own, and hands every change to the subscribers in
/// this process. Writes through any API instance, the importer or psql arrive alike. When the connection drops it
/// reconnects (1 s, doubling up to 30 s); changes committed while it was away are not replayed.
/// </summary>
public sealed class ChangeFeed(DatabaseConnection database, ILogger<ChangeFeed> log) : BackgroundService
{
    public const string Channel = "geoprojects_changes";

    private readonly ConcurrentDictionary<long, Action<Change>> _subscribers = new();
    private long _next;
    private TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once LISTEN is in place (again, after a reconnect).</summary>
    public Task Listening => _listening.Task;

    /// <summary>Calls <paramref name="onChange"/> for every change until disposed. It runs on the feed's thread: keep it short.</summary>
    public IDisposable Subscribe(Action<Change> onChange)
    {
        var id = Interlocked.Increment(ref _next);
        _subscribers[id] = onChange;
        return new Unsubscriber(() => _subscribers.TryRemove(id, out _));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken, () => delay = TimeSpan.FromSeconds(1));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (_listening.Task.IsCompleted) _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
                log.LogWarning("Change feed: {Problem}; listening again in {Delay} s", e.Message, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct, Action connected)
    {
        // Its own physical connection: a pooled one would be handed to others between waits. Keepalives find a dead peer.
        var builder = new NpgsqlConnectionStringBuilder(database.Api) { Pooling = false, KeepAlive = 15, Timeout = 5 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Notification += (_, e) => Dispatch(e.Payload);
        await connection.OpenAsync(ct);
        await ServingLogins.VerifyAsync(connection, database.Primary.Name); // what it hears, it passes on: the same guard as every serving login
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
        connected();
        _listening.TrySetResult();
        log.LogInformation("Change feed listening on {Channel}", Channel);
        while (true) await connection.WaitAsync(ct);
    }

    private void Dispatch(string payload)
    {
        Change? change;
        try
        {
            change = JsonSerializer.Deserialize<Change>(payload);
        }
        catch (JsonException e)
        {
            log.LogWarning("Change feed: a notification that is not a change ({Problem})", e.Message);
            return;
        }
        if (change is null) return;
        Telemetry.LiveChanges.Add(1);
        foreach (var subscriber in _subscribers.Values)
        {
            try
            {
                subscriber(change);
            }
            catch (Exception e)
            {
                log.LogError(e, "Change feed: a subscriber failed");
            }
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) dispose();
        }
    }
}
