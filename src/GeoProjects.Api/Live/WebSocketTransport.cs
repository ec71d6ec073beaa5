using GeoProjects.Api.Hosting;
using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Security;
using GraphQL;
using GraphQL.Transport;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Live;

/// <summary>
/// GraphQL over WebSocket, subprotocol graphql-transport-ws (enisdenjo/graphql-ws PROTOCOL.md), on /graphql as
/// HotChocolate serves it: connection_init (a bearer token in its payload) → connection_ack; ping/pong; subscribe →
/// next … complete, or error; complete from the client stops an operation. Close codes as the protocol names them:
/// 4400 bad message, 4401 subscribe before ack, 4403 forbidden (a refused or expired token), 4406 another
/// subprotocol, 4408 no connection_init in time, 4409 a duplicate id, 4429 a second connection_init; ours: 4413 for a
/// subscriber that fell a whole queue behind (slow consumer).
/// </summary>
public sealed class WebSocketTransport
{
    public const string Protocol = "graphql-transport-ws";
    private const int MaxMessageBytes = 256 * 1024;

    private readonly HttpContext _http;
    private readonly WebSocket _socket;
    private readonly LiveGroups _live;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _operations = new(concurrencyLevel: 1, capacity: 1); // mostly one
    private readonly CancellationTokenSource _closing;
    private Caller _caller = Caller.Anonymous;
    private bool _acknowledged;
    private bool _initialising;

    private WebSocketTransport(HttpContext http, WebSocket socket, LiveGroups live)
    {
        (_http, _socket, _live) = (http, socket, live);
        _closing = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted,
            http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
    }

    public static async Task AcceptAsync(HttpContext http)
    {
        var live = http.RequestServices.GetRequiredService<LiveGroups>();
        using var slot = http.RequestServices.GetRequiredService<LiveConnections>().Enter(http);
        if (slot is null)
        {
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            await http.Response.WriteAsJsonAsync(
                ErrorBodies.Map("TOO_MANY_CONNECTIONS", "this client has too many live connections open"));
            return;
        }
        var offered = http.WebSockets.WebSocketRequestedProtocols;
        using var socket = await http.WebSockets.AcceptWebSocketAsync(offered.Contains(Protocol) ? Protocol : null);
        var transport = new WebSocketTransport(http, socket, live);
        if (!offered.Contains(Protocol))
        {
            await transport.CloseAsync(4406, "Subprotocol not acceptable: use graphql-transport-ws");
            return;
        }
        await transport.RunAsync();
    }

    private async Task RunAsync()
    {
        var init = InitTimeoutAsync();
        try
        {
            // After the server's close frame the loop reads on, until the client's answers it (or 2 s pass).
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent && await ReceiveAsync() is { } text)
                if (_socket.State == WebSocketState.Open) await HandleAsync(text);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // the client went away, or the server is stopping
        }
        finally
        {
            foreach (var operation in _operations.Values) operation.Cancel();
            await _closing.CancelAsync();
            await init.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // the socket may be gone while it closes
            if (_socket.State == WebSocketState.Open) await CloseAsync(1001, "Going away");
        }
    }

    /// <summary>
    /// One text message, at most 256 KB; null when the client closed. An idle subscriber waits with a zero-byte read and
    /// holds no buffer (ten thousand idle connections would otherwise pin 8 KB each); the buffer is rented once data is there.
    /// </summary>
    private async Task<string?> ReceiveAsync()
    {
        if ((await _socket.ReceiveAsync(Memory<byte>.Empty, _closing.Token)).MessageType == WebSocketMessageType.Close) return null;
        var buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            using var message = new MemoryStream();
            while (true)
            {
                var part = await _socket.ReceiveAsync(buffer.AsMemory(), _closing.Token);
                if (part.MessageType == WebSocketMessageType.Close) return null;
                message.Write(buffer, 0, part.Count);
                if (message.Length > MaxMessageBytes)
                {
                    await CloseAsync(4400, "Message too large");
                    return null;
                }
                if (part.EndOfMessage) return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleAsync(string text)
    {
        JsonObject? message;
        try
        {
            message = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            message = null;
        }
        var type = message?["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
        switch (type)
        {
            case "connection_init": await InitAsync(message!["payload"] as JsonObject); break;
            case "ping": await SendAsync(new JsonObject { ["type"] = "pong" }); break;
            case "pong": break;
            case "subscribe": await SubscribeAsync(message!); break;
            case "complete":
                if (message!["id"]?.ToString() is { } done && _operations.TryRemove(done, out var running)) await running.CancelAsync();
                break;
            default: await CloseAsync(4400, type is null ? "Invalid message received" : $"Unexpected message type '{type}'"); break;
        }
    }

    /// <summary>
    /// connection_init: the token is `payload.Authorization` (or `authorization`, `token`, `headers.Authorization`), else the
    /// upgrade request's.
    /// </summary>
    private async Task InitAsync(JsonObject? payload)
    {
        if (_acknowledged || _initialising)
        {
            await CloseAsync(4429, "Too many initialisation requests");
            return;
        }
        _initialising = true;
        var token = Text(payload, "Authorization") ?? Text(payload, "authorization") ?? Text(payload, "token")
            ?? Text(payload?["headers"] as JsonObject, "Authorization") ?? Text(payload?["headers"] as JsonObject, "authorization");
        if (token is not null)
        {
            var signedIn = await Identity.AuthenticateAsync(_http.RequestServices, token);
            if (signedIn is not { } ok)
            {
                await CloseAsync(4403, "Forbidden: the token is invalid or expired");
                return;
            }
            (_caller, var expires) = ok;
            WatchExpiry(expires);
        }
        else
        {
            _caller = Identity.CallerOf(_http);
            WatchExpiry(Identity.ExpiryOf(_http.User));
        }
        _acknowledged = true;
        await SendAsync(new JsonObject { ["type"] = "connection_ack" });
    }

    private static string? Text(JsonObject? o, string name) => o?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>No connection_init in time: 4408. Awaited methods, not Task.Delay continuations: fewer objects per idle socket.</summary>
    private async Task InitTimeoutAsync()
    {
        if (await DelayAsync(TimeSpan.FromMilliseconds(_live.Options.ConnectionInitTimeoutMs)) && !_acknowledged && !_initialising)
            await CloseAsync(4408, "Connection initialisation timeout");
    }

    /// <summary>A token that expires ends the connection then (4403): what it was allowed to see may change.</summary>
    private void WatchExpiry(DateTimeOffset? expires)
    {
        if (expires is { } at) _ = ExpireAsync(at);
    }

    private async Task ExpireAsync(DateTimeOffset at)
    {
        // Task.Delay waits at most 49 days: a longer-lived token is watched in steps.
        for (var left = at - DateTimeOffset.UtcNow; left > TimeSpan.Zero; left = at - DateTimeOffset.UtcNow)
            if (!await DelayAsync(left < LongestWait ? left : LongestWait)) return;
        await CloseAsync(4403, "Forbidden: the token expired");
    }

    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(30);

    /// <summary>Waits; false when the connection closed first.</summary>
    private async Task<bool> DelayAsync(TimeSpan wait)
    {
        try
        {
            await Task.Delay(wait, _closing.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task SubscribeAsync(JsonObject message)
    {
        if (!_acknowledged)
        {
            await CloseAsync(4401, "Unauthorized");
            return;
        }
        var id = Text(message, "id");
        if (string.IsNullOrEmpty(id) || message["payload"] is not JsonObject payload || Text(payload, "query") is not { } query)
        {
            await CloseAsync(4400, "Invalid message received: subscribe needs an id and a payload with a query");
            return;
        }
        if (_operations.Count >= _live.Options.MaxSubscriptionsPerConnection)
        {
            await ErrorAsync(id, "TOO_MANY_SUBSCRIPTIONS", $"a connection may run at most {_live.Options.MaxSubscriptionsPerConnection} operations");
            return;
        }
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        if (!_operations.TryAdd(id, stop))
        {
            await CloseAsync(4409, $"Subscriber for {id} already exists");
            return;
        }
        Inputs? variables;
        try
        {
            variables = payload["variables"] is JsonObject given
                ? _http.RequestServices.GetRequiredService<IGraphQLTextSerializer>().Deserialize<Inputs>(given.ToJsonString()) : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            _operations.TryRemove(id, out _);
            await ErrorAsync(id, "INVALID_VARIABLES", $"variables must be a JSON object: {e.Message}");
            return;
        }
        var request = new LiveRequest(query, Text(payload, "operationName"), variables);
        _ = Task.Run(() => OperateAsync(id, request, stop));
    }

    private async Task OperateAsync(string id, LiveRequest request, CancellationTokenSource stop)
    {
        try
        {
            LiveOperation? subscription;
            GraphQLParser.AST.GraphQLDocument document;
            try
            {
                (subscription, document) = await LiveRequests.PrepareAsync(_http.RequestServices, request, _caller);
            }
            catch (LiveRequestException e)
            {
                await ErrorAsync(id, e.Errors);
                return;
            }
            var quoted = JsonSerializer.Serialize(id);
            var streaming = LiveRequests.StreamAsync(_http.RequestServices, request, subscription, document, _caller, stop.Token,
                result => SendAsync($$"""{"id":{{quoted}},"type":"next","payload":{{result}}}"""));
            (subscription, document, request) = (null, null!, null!); // the group keeps the operation: no copy per subscriber
            var kept = await streaming;
            if (!kept) await CloseAsync(4413, "Slow consumer: too many events waiting");
            else if (!stop.IsCancellationRequested) await SendAsync(new JsonObject { ["id"] = id, ["type"] = "complete" });
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // completed by the client, or the connection closed
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug must not leave the client waiting: the operation ends with a coded error; the connection stays.
            _http.RequestServices.GetRequiredService<ILogger<WebSocketTransport>>().LogError(e, "Live: operation {Id} failed", id);
            await ErrorAsync(id, "INTERNAL_ERROR", $"the operation failed on the server (request {_http.TraceIdentifier})");
        }
        finally
        {
            _operations.TryRemove(KeyValuePair.Create(id, stop));
            stop.Dispose();
        }
    }

    private Task ErrorAsync(string id, string code, string message) =>
        ErrorAsync(id, new JsonArray(new JsonObject { ["message"] = message, ["extensions"] = new JsonObject { ["code"] = code } }));

    private Task ErrorAsync(string id, JsonArray errors) => SendAsync(new JsonObject { ["id"] = id, ["type"] = "error", ["payload"] = errors });

    private Task SendAsync(JsonObject message) => SendAsync(message.ToJsonString(LiveRequests.Json));

    private async Task SendAsync(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        await _send.WaitAsync(_closing.Token);
        try
        {
            if (_socket.State == WebSocketState.Open) await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, _closing.Token);
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task CloseAsync(int code, string reason)
    {
        try
        {
            await _send.WaitAsync(CancellationToken.None);
            try
            {
                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, CancellationToken.None);
            }
            finally
            {
                _send.Release();
            }
        }
        catch (WebSocketException)
        {
            // already gone
        }
        foreach (var operation in _operations.Values) await operation.CancelAsync();
        _closing.CancelAfter(TimeSpan.FromSeconds(2)); // the client's close frame, or give up on it
    }
}
