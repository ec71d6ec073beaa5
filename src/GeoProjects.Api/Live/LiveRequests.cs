using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Security;
using GraphQL;
using GraphQL.Types;
using GraphQL.Transport;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Live;

/// <summary>An operation a live transport was sent: the document, the operation's name and its variables.</summary>
public sealed record LiveRequest(string Query, string? OperationName, Inputs? Variables);

/// <summary>Errors that refuse an operation before it runs (a bad document, filter or variable), as GraphQL errors.</summary>
public sealed class LiveRequestException(JsonArray errors) : Exception("the operation was refused")
{
    public JsonArray Errors => errors;
}

/// <summary>
/// Runs an operation for a live transport (WebSocket, SSE): a subscription streams its events until the client stops it;
/// a query or a mutation is answered once, as over HTTP. The same document limits and permissions hold.
/// </summary>
public static class LiveRequests
{
    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The operation, checked: a prepared subscription, or null for a query or mutation. Throws LiveRequestException.</summary>
    public static async Task<(LiveOperation? Subscription, GraphQLDocument Document)> PrepareAsync(
        IServiceProvider services, LiveRequest request, Caller caller)
    {
        GraphQLDocument document;
        var options = services.GetRequiredService<IOptions<GraphQLOptions>>().Value;
        try
        {
            document = DocumentGuard.Parse(request.Query, options);
        }
        catch (RequestRejectedException e)
        {
            throw Refused(e.Code, e.Message);
        }
        var kind = document.Definitions.OfType<GraphQLOperationDefinition>()
            .FirstOrDefault(o => request.OperationName is null || o.Name?.StringValue == request.OperationName)?.Operation;
        if (kind != OperationType.Subscription) return (null, document);
        try
        {
            using var asCaller = CallerScope.Use(caller);
            var subscription = await LiveOperation.PrepareAsync(document, request.Query, request.OperationName,
                request.Variables ?? Inputs.Empty, services.GetRequiredService<ISchema>(), caller);
            if (subscription.After is { } after) await services.GetRequiredService<LiveGroups>().CheckCursorAsync(after, CancellationToken.None);
            return (subscription, document);
        }
        catch (ExecutionError e) // QueryInputException too: a filter on a field the caller may not read, a bad value
        {
            throw Refused(e.Code ?? "INVALID_OPERATION", e.Message);
        }
    }

    public static LiveRequestException Refused(string code, string message) =>
        new(new JsonArray(new JsonObject { ["message"] = message, ["extensions"] = new JsonObject { ["code"] = code } }));

    /// <summary>
    /// Sends the operation's results to <paramref name="next"/> (serialized GraphQL results): every event of a subscription,
    /// or the one result of a query or mutation. Returns false when the subscriber was dropped for falling behind. Not async
    /// itself: what runs for the subscription's life holds its subscriber, not the parsed documents (the group keeps one
    /// operation for all its members; ten thousand subscribers' own copies were 3 KB each). Callers drop theirs too.
    /// </summary>
    public static Task<bool> StreamAsync(
        IServiceProvider services, LiveRequest request, LiveOperation? subscription, GraphQLDocument document, Caller caller,
        CancellationToken ct, Func<string, Task> next)
    {
        if (subscription is null)
        {
            var operation = new CallerOperation(request.Query!, request.Variables, document, request.OperationName);
            return AnswerOnceAsync(operation, services, caller, ct, next);
        }
        var (subscriber, membership) = services.GetRequiredService<LiveGroups>().Join(subscription, caller);
        return PassOnAsync(subscriber, membership, ct, next);
    }

    private static async Task<bool> AnswerOnceAsync(
        CallerOperation operation, IServiceProvider services, Caller caller, CancellationToken ct, Func<string, Task> next)
    {
        await next(await operation.RunInOwnScopeAsync(services, caller, ct));
        return true;
    }

    private static async Task<bool> PassOnAsync(LiveSubscriber subscriber, IDisposable membership, CancellationToken ct, Func<string, Task> next)
    {
        // A dropped subscriber's queue is completed, which ends the loop: no linked token per subscriber (10 000 add up).
        using (membership)
        {
            await foreach (var result in subscriber.Events.ReadAllAsync(ct))
            {
                if (subscriber.Dropped.IsCancellationRequested) break;
                await next(result);
            }
            return !subscriber.Dropped.IsCancellationRequested;
        }
    }
}
