using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using GeoProjects.Api.Hosting;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Security;
using GraphQL;
using GraphQL.Types;
using GraphQL.Transport;
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
}

/// <summary>One subscriber: its caller, and the queue of serialized events its transport sends.</summary>
public sealed class LiveSubscriber(Caller caller, int queueLength)
{
    private readonly Channel<string> _events = Channel.CreateBounded<string>(
        new BoundedChannelOptions(queueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _dropped = new();

    public Caller Caller => caller;
    /// <summary>Serialized GraphQL results, one per event.</summary>
    public ChannelReader<string> Events => _events.Reader;
    /// <summary>Cancelled when the subscriber fell more than the queue's length behind: its transport closes.</summary>
    public CancellationToken Dropped => _dropped.Token;

    public void Offer(string result)
    {
        if (_events.Writer.TryWrite(result)) return;
        Telemetry.LiveDropped.Add(1);
        _events.Writer.TryComplete();
        _dropped.Cancel();
    }

    public void Complete() => _events.Writer.TryComplete();
}

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
        lock (_gate)
        {
            var group = _groups.GetOrAdd(operation.GroupKey, _ => new Group(this, operation, caller));
            group.Members[subscriber] = 0;
        }
        Telemetry.LiveSubscribers.Add(1);
        Interlocked.Increment(ref _subscribers);
        return (subscriber, new Leave(() => Remove(operation.GroupKey, subscriber)));
    }

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

    /// <summary>Answers one change for a group: the events each member is sent (none when nothing it may see matched).</summary>
    private async Task<IReadOnlyList<JsonObject>> AnswerAsync(LiveOperation operation, Caller caller, Change change, CancellationToken ct)
    {
        var candidates = operation.Candidates(change, caller);
        if (candidates.Count == 0) return [];
        if (operation.Payload is null) return candidates.Select(operation.Deleted).ToList();
        await using var scope = services.CreateAsyncScope();
        using var asCaller = CallerScope.Use(caller);
        var keys = await MatchingAsync(scope.ServiceProvider, operation, candidates, ct);
        if (keys.Count == 0) return [];
        var result = await scope.ServiceProvider.GetRequiredService<IDocumentExecuter<ISchema>>().ExecuteAsync(o =>
        {
            o.Query = operation.PayloadText;
            o.Document = operation.Payload;
            o.Variables = operation.PayloadVariables(keys);
            o.RequestServices = scope.ServiceProvider;
            o.CancellationToken = ct;
        });
        var json = scope.ServiceProvider.GetRequiredService<IGraphQLTextSerializer>().Serialize(result);
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

        public Group(LiveGroups owner, LiveOperation operation, Caller caller)
        {
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
                    IReadOnlyList<JsonObject> events;
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                        timeout.CancelAfter(TimeSpan.FromSeconds(30));
                        events = await owner.AnswerAsync(operation, caller, change, timeout.Token);
                    }
                    catch (Exception e) when (!_stop.IsCancellationRequested)
                    {
                        owner._log.LogError(e, "Live: answering a {Entity} change for {Field} failed", change.Entity, operation.Field);
                        events = [new JsonObject { ["errors"] = new JsonArray(new JsonObject
                        {
                            ["message"] = "this event could not be answered", ["extensions"] = new JsonObject { ["code"] = "EVENT_FAILED" },
                        }) }];
                    }
                    foreach (var text in events.Select(e => e.ToJsonString(LiveRequests.Json)))
                        foreach (var member in Members.Keys) member.Offer(text); // one string for all: nothing copied per member
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
