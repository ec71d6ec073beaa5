using System.Collections.Concurrent;
using GeoProjects.Api.Data;
using GeoProjects.Api.Hosting;
using Npgsql;

namespace GeoProjects.Api.Live;

/// <summary>
/// Hands every committed change to the subscribers in this process, in commit order, exactly once. On a connection of its
/// own it LISTENs on the database's change channel — a wake-up, sent by every commit that writes revisions — and reads the
/// change log after the last cursor it passed on. Writes through any API instance, the importer or psql arrive alike.
/// When the connection drops it reconnects (1 s, doubling up to 30 s) and reads what was committed meanwhile.
/// </summary>
public sealed class ChangeFeed(DatabaseConnection database, ILogger<ChangeFeed> log) : BackgroundService
{
    public const string Channel = "geoprojects_changes";
    /// <summary>The feed's application_name in pg_stat_activity.</summary>
    public const string ApplicationName = "geoprojects-change-feed";
    /// <summary>Revisions read at a time (a bulk import's are read in pages, passed on as runs of ChangeLog.RunLength).</summary>
    private const int Page = 2000;

    private readonly ConcurrentDictionary<long, Action<Change>> _subscribers = new();
    private long _next;
    private long _position = -1;
    private volatile bool _announced;
    private TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once LISTEN is in place (again, after a reconnect).</summary>
    public Task Listening => _listening.Task;

    /// <summary>The last cursor passed on to the subscribers (-1 until the feed first connected).</summary>
    public long Position => Interlocked.Read(ref _position);

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
                // The first failure of an outage is worth a line; the retries after it are not (the recovery is told once).
                log.Log(delay == TimeSpan.FromSeconds(1) ? LogLevel.Warning : LogLevel.Debug,
                    "Change feed: {Problem}; listening again in {Delay} s", e.Message, delay.TotalSeconds);
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
        var builder = new NpgsqlConnectionStringBuilder(database.Api)
            { Pooling = false, KeepAlive = 15, Timeout = 5, ApplicationName = ApplicationName };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Notification += (_, _) => _announced = true;
        await connection.OpenAsync(ct);
        await ServingLogins.VerifyAsync(connection, database.Primary.Name); // what it hears, it passes on: the same guard as every serving login
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
        if (Position < 0) Interlocked.Exchange(ref _position, await ChangeLog.LastAsync(connection, ct)); // news from here on
        connected();
        DatabaseAvailability.ReportRecovery(log);
        log.LogInformation("Change feed listening on {Channel} after cursor {Cursor}", Channel, Position);
        await CatchUpAsync(connection, ct); // what was committed while it was away
        _listening.TrySetResult();
        while (true)
        {
            // A wake-up that arrived while reading may be for a commit the read did not see: read again before waiting.
            if (!_announced) await connection.WaitAsync(ct);
            await CatchUpAsync(connection, ct);
        }
    }

    private async Task CatchUpAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        while (true)
        {
            _announced = false;
            var (changes, last, read) = await ChangeLog.ReadAsync(connection, Position, long.MaxValue, Page, ct);
            foreach (var change in changes) Dispatch(change);
            Interlocked.Exchange(ref _position, last);
            if (read < Page) return;
        }
    }

    private void Dispatch(Change change)
    {
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
