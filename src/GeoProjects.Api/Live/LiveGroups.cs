using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Hosting;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Live;

/// <summary>Section "Live": the limits that keep a subscriber from holding memory or the server from being swamped.</summary>
public sealed class LiveOptions
{
    /// <summary>
    /// Events waiting for one subscriber; a subscriber that falls further behind is dropped (slow consumer). An event is one
    /// string shared by every subscriber of its group, so a queue holds references: a bulk import's thousands of changes
    /// fit, and a client that stops reading is still cut off.
    /// </summary>
    public int QueueLength { get; set; } = 10_000;
    public int MaxSubscriptionsPerConnection { get; set; } = 100;
    /// <summary>Open WebSocket and SSE connections per client (signed-in subject, else IP address).</summary>
    public int MaxConnectionsPerClient { get; set; } = 2000;
    /// <summary>How long a WebSocket may stay without connection_init (graphql-transport-ws closes it with 4408).</summary>
    public int ConnectionInitTimeoutMs { get; set; } = 3000;
    /// <summary>How often an SSE stream sends a comment to keep proxies from closing it.</summary>
    public int KeepAliveSeconds { get; set; } = 12;
    /// <summary>
    /// Changes a resuming subscriber (`after`) may have missed, at most; further behind, it queries afresh and subscribes
    /// without a cursor (REPLAY_TOO_LONG). Below QueueLength: a replay fits its queue.
    /// </summary>
    public int MaxReplay { get; set; } = 5_000;
    /// <summary>How long answering one change for a group may take (its filter and payload query); past it, EVENT_FAILED.</summary>
    public int EventTimeoutSeconds { get; set; } = 30;
}

/// <summary>
/// One subscriber: its caller, and the queue of serialized events its transport sends. While it replays what it missed
/// (it resumed after a cursor), live events wait; those the replay already covered are then passed over.
/// </summary>
public sealed class LiveSubscriber(Caller caller, int queueLength)
{
    private readonly Channel<string> _events = Channel.CreateBounded<string>(
        new BoundedChannelOptions(queueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _dropped = new();
    private readonly CancellationTokenSource _left = new();
    private readonly Lock _gate = new();
    private List<LiveText>? _held;
    private long _replayedThrough = long.MinValue;

    public Caller Caller => caller;
    /// <summary>Serialized GraphQL results, one per event.</summary>
    public ChannelReader<string> Events => _events.Reader;
    /// <summary>Cancelled when the subscriber fell more than the queue's length behind: its transport closes.</summary>
    public CancellationToken Dropped => _dropped.Token;
    /// <summary>Cancelled when the subscriber left (or was dropped): its replay stops.</summary>
    public CancellationToken Left => _left.Token;

    /// <summary>A live event of its group.</summary>
    public void Offer(LiveText e)
    {
        lock (_gate)
        {
            if (_held is not null)
            {
                if (_held.Count < queueLength) _held.Add(e);
                else Drop();
            }
            else if (e.Cursor > _replayedThrough) Write(e.Text);
        }
    }

    /// <summary>From now until <see cref="EndReplay"/>, live events wait.</summary>
    public void HoldWhileReplaying()
    {
        lock (_gate) _held = [];
    }

    public void Replayed(LiveText e)
    {
        lock (_gate) Write(e.Text);
    }

    /// <summary>The replay sent every change through <paramref name="cursor"/>: the waiting live events after it follow.</summary>
    public void EndReplay(long cursor)
    {
        lock (_gate)
        {
            _replayedThrough = cursor;
            foreach (var e in _held ?? []) if (e.Cursor > cursor) Write(e.Text);
            _held = null;
        }
    }

    private void Write(string text)
    {
        if (_left.IsCancellationRequested) return; // it left: nothing to send, and not a slow consumer
        if (!_events.Writer.TryWrite(text)) Drop();
    }

    private void Drop()
    {
        if (_dropped.IsCancellationRequested) return;
        Telemetry.LiveDropped.Add(1);
        _dropped.Cancel(); // before completing the queue: its reader, seeing the end, must know it was dropped
        _events.Writer.TryComplete();
        _left.Cancel();
    }

    public void Complete()
    {
        _events.Writer.TryComplete();
        _left.Cancel();
    }
}

/// <summary>An event as sent: its cursor and its serialized GraphQL result (one string shared by a group's members).</summary>
public readonly record struct LiveText(long Cursor, string Text);

/// <summary>
/// Fans changes out to subscribers: those with the same subscription (document, variables and role) form a group, and
/// each change is answered once per group — its filter applied and its payload fetched in one scope, as the group's
/// caller — then offered to every member. A group listens to the change feed while it has members.
/// </summary>
public sealed class LiveGroups(ChangeFeed feed, IServiceProvider services, IOptions<LiveOptions> options, ILogger<LiveGroups> log)
{
    private readonly ConcurrentDictionary<string, Group> _groups = new();
    private readonly ChangeFeed _feed = feed;
    private readonly ILogger _log = log;
    private int _subscribers;

    /// <summary>Subscribers now (every transport, every group).</summary>
    public int Subscribers => Volatile.Read(ref _subscribers);
    private readonly Lock _gate = new();

    public LiveOptions Options => options.Value;

    /// <summary>Subscribes; disposing the result leaves (the last member closes the group).</summary>
    public (LiveSubscriber Subscriber, IDisposable Membership) Join(LiveOperation operation, Caller caller)
    {
        var subscriber = new LiveSubscriber(caller, options.Value.QueueLength);
        if (operation.After is not null) subscriber.HoldWhileReplaying(); // live events wait from the moment it joins
        Group group;
        lock (_gate)
        {
            group = _groups.GetOrAdd(operation.GroupKey, _ => new Group(this, operation, caller));
            group.Members[subscriber] = 0;
        }
        Telemetry.LiveSubscribers.Add(1);
        Interlocked.Increment(ref _subscribers);
        // Replayed after joining: what the group passes on from now is held, what came before is in the log.
        if (operation.After is { } after) _ = Task.Run(() => ReplayAsync(operation, subscriber, after));
        return (subscriber, Membership(group.Key, subscriber));
    }

    /// <summary>
    /// Leaving, by the group's key (its one string): a closure in Join would share Join's captures (the operation with its
    /// parsed documents), and each of ten thousand members would keep its own copy alive.
    /// </summary>
    private Leave Membership(string key, LiveSubscriber subscriber) => new(() => Remove(key, subscriber));

    private void Remove(string key, LiveSubscriber subscriber)
    {
        Telemetry.LiveSubscribers.Add(-1);
        Interlocked.Decrement(ref _subscribers);
        subscriber.Complete();
        lock (_gate)
        {
            if (!_groups.TryGetValue(key, out var group)) return;
            group.Members.TryRemove(subscriber, out _);
            if (!group.Members.IsEmpty) return;
            _groups.TryRemove(key, out _);
            group.Dispose();
        }
    }

    /// <summary>
    /// Refuses a cursor this subscriber cannot resume from: one that is no revision's (ahead of the log), or one so far behind
    /// that replaying would be a bulk read (more than MaxReplay changes since).
    /// </summary>
    public async Task CheckCursorAsync(long after, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var connection = (Npgsql.NpgsqlConnection)scope.ServiceProvider.GetRequiredService<Data.PrimaryDb>().Database.GetDbConnection();
        await connection.OpenAsync(ct);
        var last = await ChangeLog.LastAsync(connection, ct);
        if (after > last)
            throw LiveRequests.Refused("CURSOR_INVALID", $"cursor {after} is ahead of the change log (its last cursor is {last})");
        if (await ChangeLog.CountAfterAsync(connection, after, options.Value.MaxReplay + 1, ct) > options.Value.MaxReplay)
            throw LiveRequests.Refused("REPLAY_TOO_LONG",
                $"more than {options.Value.MaxReplay} changes since cursor {after}: query afresh, then subscribe without `after`");
    }

    /// <summary>
    /// Sends a resuming subscriber what was committed after its cursor, in order, answered as it is now (its current
    /// permissions, the records' current state), then lets the live events through that the replay did not cover.
    /// </summary>
    private async Task ReplayAsync(LiveOperation operation, LiveSubscriber subscriber, long after)
    {
        var through = after;
        try
        {
            await using var scope = services.CreateAsyncScope();
            var connection = (Npgsql.NpgsqlConnection)scope.ServiceProvider.GetRequiredService<Data.PrimaryDb>().Database.GetDbConnection();
            await connection.OpenAsync(subscriber.Left);
            // Read to the end of the log, in pages: it holds at least what the feed passed on before this subscriber joined.
            for (int read = -1; read != 0;)
            {
                (var changes, through, read) = await ChangeLog.ReadAsync(connection, through, long.MaxValue, 500, subscriber.Left);
                foreach (var change in changes.Where(operation.Hears))
                    foreach (var e in await AnswerAsync(operation, subscriber.Caller, change, subscriber.Left))
                        subscriber.Replayed(new LiveText(e.Cursor, e.Result.ToJsonString(LiveRequests.Json)));
            }
            subscriber.EndReplay(through);
        }
        catch (OperationCanceledException) when (subscriber.Left.IsCancellationRequested)
        {
            // the subscriber left
        }
        catch (Exception e)
        {
            _log.LogError(e, "Live: replaying after cursor {Cursor} for {Field} failed", after, operation.Field);
            subscriber.Replayed(new LiveText(through, Failed("the missed events could not be read: resubscribe", "REPLAY_FAILED")));
            subscriber.Complete();
        }
    }

    private static string Failed(string message, string code) => new JsonObject
    {
        ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["extensions"] = new JsonObject { ["code"] = code } }),
    }.ToJsonString(LiveRequests.Json);

    /// <summary>Answers one change for a group: the events each member is sent (none when nothing it may see matched).</summary>
    private async Task<IReadOnlyList<LiveEvent>> AnswerAsync(LiveOperation operation, Caller caller, Change change, CancellationToken ct)
    {
        var candidates = operation.Candidates(change, caller);
        if (candidates.Count == 0) return [];
        if (operation.Payload is null) return candidates.Select(k => operation.Deleted(change, k)).ToList();
        await using var scope = services.CreateAsyncScope();
        using var asCaller = CallerScope.Use(caller);
        var keys = await MatchingAsync(scope.ServiceProvider, operation, candidates, ct);
        if (keys.Count == 0) return [];
        var json = await new CallerOperation(operation.PayloadText!, operation.PayloadVariables(keys), operation.Payload)
            .RunAsync(scope.ServiceProvider, caller, ct);
        return operation.Events(JsonNode.Parse(json)!.AsObject(), change).ToList();
    }

    /// <summary>The candidates the subscription's filter keeps, in order, among the rows the caller may see (row-level security).</summary>
    private static async Task<IReadOnlyList<int>> MatchingAsync(
        IServiceProvider scope, LiveOperation operation, IReadOnlyList<int> keys, CancellationToken ct)
    {
        if (operation.Entity == "Zone") return keys; // zones are everyone's, and zoneUpdated takes no filter
        var db = scope.GetRequiredService<Data.GeoProjectsDb>();
        var kept = await ProjectQueries.Filtered(db, operation.Where, Progress.Context(scope, null))
            .Where(p => keys.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
        return keys.Where(kept.Contains).Distinct().ToList();
    }

    private sealed class Group : IDisposable
    {
        public readonly ConcurrentDictionary<LiveSubscriber, byte> Members = new();
        private readonly Channel<Change> _changes = Channel.CreateUnbounded<Change>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _stop = new();
        private readonly IDisposable _feed;

        /// <summary>The group's key: one string its members share.</summary>
        public readonly string Key;

        public Group(LiveGroups owner, LiveOperation operation, Caller caller)
        {
            Key = operation.GroupKey;
            _feed = owner._feed.Subscribe(c => { if (operation.Hears(c)) _changes.Writer.TryWrite(c); });
            _ = Task.Run(() => RunAsync(owner, operation, caller));
        }

        /// <summary>One change at a time, in commit order; a failed answer is logged and sent as an error event.</summary>
        private async Task RunAsync(LiveGroups owner, LiveOperation operation, Caller caller)
        {
            try
            {
                await foreach (var change in _changes.Reader.ReadAllAsync(_stop.Token))
                {
                    IReadOnlyList<LiveText> events;
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                        timeout.CancelAfter(TimeSpan.FromSeconds(owner.Options.EventTimeoutSeconds));
                        events = (await owner.AnswerAsync(operation, caller, change, timeout.Token))
                            .Select(e => new LiveText(e.Cursor, e.Result.ToJsonString(LiveRequests.Json))).ToList();
                    }
                    catch (Exception e) when (!_stop.IsCancellationRequested)
                    {
                        owner._log.LogError(e, "Live: answering a {Entity} change for {Field} failed", change.Entity, operation.Field);
                        events = [new LiveText(change.Last, Failed("this event could not be answered", "EVENT_FAILED"))];
                    }
                    foreach (var e in events)
                        foreach (var member in Members.Keys) member.Offer(e); // one string for all: nothing copied per member
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // the last member left
            }
        }

        public void Dispose()
        {
            _feed.Dispose();
            _changes.Writer.TryComplete();
            _stop.Cancel();
        }
    }

    private sealed class Leave(Action leave) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) leave();
        }
    }
}
