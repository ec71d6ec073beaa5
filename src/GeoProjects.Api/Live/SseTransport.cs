using GeoProjects.Api.Hosting;
using System.Text;
using GeoProjects.Api.Security;
using GraphQL.Transport;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Live;

/// <summary>
/// GraphQL over Server-Sent Events, distinct connections mode (enisdenjo/graphql-sse PROTOCOL.md), as HotChocolate serves it
/// on /graphql for a request that accepts text/event-stream: `event: next` with each result, then `event: complete`; the
/// client stops by closing the connection. The caller is the request's bearer token; when it expires the stream completes.
/// </summary>
public static class SseTransport
{
    public const string MediaType = "text/event-stream";

    public static bool Wants(HttpRequest request) =>
        request.Headers.Accept.Any(a => a?.Contains(MediaType, StringComparison.OrdinalIgnoreCase) == true);

    public static async Task<IResult> RunAsync(HttpContext http, GraphQLRequest graphQL)
    {
        var live = http.RequestServices.GetRequiredService<LiveGroups>();
        using var slot = http.RequestServices.GetRequiredService<LiveConnections>().Enter(http);
        if (slot is null)
            return Results.Json(ErrorBodies.Map("TOO_MANY_CONNECTIONS", "this client has too many live connections open"),
                statusCode: StatusCodes.Status429TooManyRequests);
        var caller = Caller.Current;
        var request = new LiveRequest(graphQL.Query ?? "", graphQL.OperationName, graphQL.Variables);
        LiveOperation? subscription;
        GraphQLParser.AST.GraphQLDocument document;
        try
        {
            (subscription, document) = await LiveRequests.PrepareAsync(http.RequestServices, request, caller);
        }
        catch (LiveRequestException e)
        {
            // Refused before the stream starts: a GraphQL response with a 400, as for any invalid request.
            return Results.Text(new System.Text.Json.Nodes.JsonObject { ["errors"] = e.Errors }.ToJsonString(LiveRequests.Json),
                "application/graphql-response+json; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }

        http.Response.ContentType = $"{MediaType}; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass events on as they come
        var send = new SemaphoreSlim(1, 1);
        async Task WriteAsync(string text, CancellationToken ct)
        {
            await send.WaitAsync(ct);
            try
            {
                await http.Response.WriteAsync(text, Encoding.UTF8, ct);
                await http.Response.Body.FlushAsync(ct);
            }
            finally
            {
                send.Release();
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted,
            http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        if (Identity.ExpiryOf(http.User) is { } expires) stop.CancelAfter(Max(expires - DateTimeOffset.UtcNow, TimeSpan.Zero));
        await http.Response.Body.FlushAsync(stop.Token); // headers out: the client knows the stream is open
        var keepAlive = KeepAliveAsync(TimeSpan.FromSeconds(live.Options.KeepAliveSeconds), ct => WriteAsync(":\n\n", ct), stop.Token);
        try
        {
            var streaming = LiveRequests.StreamAsync(http.RequestServices, request, subscription, document, caller, stop.Token,
                result => WriteAsync($"event: next\ndata: {result}\n\n", stop.Token));
            (subscription, document, request) = (null, null!, null!); // the group keeps the operation: no copy per subscriber
            await streaming;
            if (!http.RequestAborted.IsCancellationRequested) await WriteAsync("event: complete\ndata: \n\n", CancellationToken.None);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left, the server is stopping, or the token expired: complete what can still be completed.
            if (!http.RequestAborted.IsCancellationRequested)
                await WriteAsync("event: complete\ndata: \n\n", CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            await stop.CancelAsync();
            await keepAlive.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        return Results.Empty;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static async Task KeepAliveAsync(TimeSpan every, Func<CancellationToken, Task> ping, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(ct)) await ping(ct);
    }
}

/// <summary>Live connections per client (the signed-in subject, else the IP address), so one client cannot hold them all.</summary>
public sealed class LiveConnections(IOptions<LiveOptions> options)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _open = new();

    /// <summary>A slot for this request's client, released on dispose; null when the client has all its connections open.</summary>
    public IDisposable? Enter(HttpContext http)
    {
        var key = Caller.Current.Subject is { } subject ? $"sub:{subject}" : $"ip:{http.Connection.RemoteIpAddress}";
        var count = _open.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (count <= options.Value.MaxConnectionsPerClient) return new Slot(() => Release(key));
        Release(key);
        return null;
    }

    private void Release(string key)
    {
        if (_open.AddOrUpdate(key, 0, (_, n) => n - 1) <= 0) _open.TryRemove(KeyValuePair.Create(key, 0));
    }

    private sealed class Slot(Action release) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) release();
        }
    }
}
