using GeoProjects.Api.Security;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.GraphQL;

/// <summary>
/// A GraphQL operation run as a given caller outside the HTTP endpoint: the live transports (an operation sent over a
/// socket, a subscription's payload), OGC's writes (a mutation), and the tests. The same wall-time limit as over HTTP;
/// the answer is the JSON a client reads.
/// </summary>
public sealed record CallerOperation(string Query, Inputs? Variables = null, GraphQLDocument? Document = null, string? OperationName = null)
{
    /// <summary>Runs in <paramref name="scope"/> (its DbContext and connection) as <paramref name="caller"/>.</summary>
    public async Task<string> RunAsync(IServiceProvider scope, Caller caller, CancellationToken ct)
    {
        using var asCaller = CallerScope.Use(caller);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(scope.GetRequiredService<IOptions<GraphQLOptions>>().Value.ExecutionTimeoutMs);
        ExecutionResult result;
        try
        {
            result = await scope.GetRequiredService<IDocumentExecuter<ISchema>>().ExecuteAsync(o =>
            {
                o.Query = Query;
                o.Document = Document;
                o.OperationName = OperationName;
                o.Variables = Variables;
                o.RequestServices = scope;
                o.CancellationToken = limit.Token;
            });
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            var timeout = new ExecutionError("the operation took longer than the configured timeout") { Code = "EXECUTION_TIMEOUT" };
            result = new ExecutionResult { Errors = [timeout] };
        }
        return scope.GetRequiredService<IGraphQLTextSerializer>().Serialize(result);
    }

    /// <summary>Runs in a scope of its own (an operation sent over a socket, whose connection outlives it).</summary>
    public async Task<string> RunInOwnScopeAsync(IServiceProvider services, Caller caller, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        return await RunAsync(scope.ServiceProvider, caller, ct);
    }
}
