using GeoProjects.Api.Hosting;
using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQLParser.AST;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using System.Diagnostics;
using GeoProjects.Api.Data;
using Microsoft.Net.Http.Headers;

namespace GeoProjects.Api.GraphQL;

/// <summary>
/// GraphQL over HTTP as HotChocolate serves it (the GraphQL.Server packages are not available here):
/// POST JSON and GET query strings at /graphql, `application/graphql-response+json` with spec status codes
/// unless the client prefers `application/json`, SDL at /graphql?sdl and /graphql/schema.graphql, trusted
/// documents by `id`/`documentId` and Apollo's automatic persisted queries.
/// Every document passes <see cref="DocumentGuard"/> before GraphQL.NET sees it, and every request runs under
/// one token that the client's disconnect, the execution timeout and the host's shutdown all cancel.
/// </summary>
public static class GraphQLEndpoint
{
    public const string ResponseMediaType = "application/graphql-response+json";
    private const string JsonMediaType = "application/json";

    public static WebApplication MapGeoProjectsGraphQL(this WebApplication app)
    {
        app.MapPost("/graphql", PostAsync).RequireCors(CorsSetup.Policy);
        app.MapGet("/graphql", GetAsync).RequireCors(CorsSetup.Policy);
        app.MapGet("/graphql/schema", Sdl).RequireCors(CorsSetup.Policy);
        app.MapGet("/graphql/schema.graphql", Sdl).RequireCors(CorsSetup.Policy);
        app.MapMethods("/graphql", ["PUT", "PATCH", "DELETE"], (HttpContext http) =>
        {
            http.Response.Headers.Allow = "GET, POST";
            return Error(http, StatusCodes.Status405MethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET or POST");
        });
        return app;
    }

    private static IResult Sdl(ISchema schema, HttpContext http)
    {
        http.Response.Headers.ContentDisposition = "attachment; filename=\"schema.graphql\"";
        return Results.Text(SchemaFile.Print(schema), "application/graphql; charset=utf-8");
    }

    private static async Task<IResult> GetAsync(HttpContext http, ISchema schema, IGraphQLTextSerializer serializer)
    {
        if (http.WebSockets.IsWebSocketRequest)
        {
            await Live.WebSocketTransport.AcceptAsync(http); // subscriptions (and any operation) over graphql-transport-ws
            return Results.Empty;
        }
        var q = http.Request.Query;
        if (q.ContainsKey("sdl")) return Sdl(schema, http);
        Inputs? variables, extensions;
        try
        {
            variables = q.TryGetValue("variables", out var v) && !string.IsNullOrEmpty(v) ? serializer.Deserialize<Inputs>(v!) : null;
            extensions = q.TryGetValue("extensions", out var e) && !string.IsNullOrEmpty(e) ? serializer.Deserialize<Inputs>(e!) : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return Error(http, StatusCodes.Status400BadRequest, "INVALID_VARIABLES", $"`variables` and `extensions` must be JSON objects: {ex.Message}");
        }
        var request = new GraphQLRequest
        {
            Query = q["query"], OperationName = q["operationName"], Variables = variables, Extensions = extensions,
            DocumentId = (string?)q["documentId"] ?? q["id"],
        };
        return await ExecuteAsync(http, request, allowMutations: false);
    }

    private static async Task<IResult> PostAsync(HttpContext http, IGraphQLTextSerializer serializer, IOptions<GraphQLOptions> options)
    {
        var limit = options.Value.MaxRequestBytes;
        if (http.Request.ContentLength > limit)
            return Error(http, StatusCodes.Status413PayloadTooLarge, "REQUEST_TOO_LARGE", $"the request body is larger than {limit} bytes");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        var encoding = http.Request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return Error(http, StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", $"request bodies with Content-Encoding '{encoding}' are not accepted; send plain JSON");
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType)
            || !(contentType.MediaType.Equals(JsonMediaType, StringComparison.OrdinalIgnoreCase) || contentType.MediaType.Equals(ResponseMediaType, StringComparison.OrdinalIgnoreCase)))
            return Error(http, StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "POST a JSON body with Content-Type: application/json");

        GraphQLRequest? request;
        string? id;
        try
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body, cancellationToken: http.RequestAborted);
            if (body.ValueKind != JsonValueKind.Object)
                return Error(http, StatusCodes.Status400BadRequest, "INVALID_JSON", "the body must be one GraphQL request, a JSON object (batching is not enabled)");
            request = serializer.ReadNode<GraphQLRequest>(body);
            // HotChocolate's clients send a trusted document's hash as `id`; the GraphQL-over-HTTP draft says `documentId`.
            id = request?.DocumentId ?? (body.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Error(http, StatusCodes.Status413PayloadTooLarge, "REQUEST_TOO_LARGE", $"the request body is larger than {limit} bytes");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return Error(http, StatusCodes.Status400BadRequest, "INVALID_JSON", $"the body is not a GraphQL request in JSON: {e.Message}");
        }
        if (request is null) return Error(http, StatusCodes.Status400BadRequest, "QUERY_MISSING", "the request has no `query`");
        request.DocumentId = id;
        return await ExecuteAsync(http, request, allowMutations: true);
    }

    private static async Task<IResult> ExecuteAsync(HttpContext http, GraphQLRequest request, bool allowMutations)
    {
        // GraphQL over SSE, as HotChocolate negotiates it: a subscription from a client that accepts an event stream or anything
        // (no Accept, */*), and any operation from a client that accepts only an event stream.
        var format = ResponseFormat.Of(http.Request);
        var stream = Live.SseTransport.Wants(http.Request);
        if (allowMutations && (stream && format is null || IsSubscription(request) && (stream || AcceptsAnything(http.Request))))
            return await Live.SseTransport.RunAsync(http, request);
        if (format is null)
            return Error(http, StatusCodes.Status406NotAcceptable, "NOT_ACCEPTABLE", $"this endpoint answers {ResponseMediaType} or {JsonMediaType}");
        var options = http.RequestServices.GetRequiredService<IOptions<GraphQLOptions>>().Value;
        try
        {
            var document = Prepare(http, request, options, allowMutations);
            if (SelectedOperation(document.Document, request.OperationName)?.Operation == OperationType.Subscription)
                throw new RequestRejectedException(StatusCodes.Status406NotAcceptable, "NOT_ACCEPTABLE",
                    "a subscription is a stream: send Accept: text/event-stream, or subscribe over a WebSocket (graphql-transport-ws)");
            return await RunAsync(http, request, document, options, format);
        }
        catch (RequestRejectedException e)
        {
            // A client that prefers plain application/json gets 200 for GraphQL request errors, as for results.
            var status = format.Legacy && e.Status == StatusCodes.Status400BadRequest ? StatusCodes.Status200OK : e.Status;
            return Error(http, status, e.Code, e.Message);
        }
    }

    private static bool AcceptsAnything(HttpRequest request) =>
        string.IsNullOrWhiteSpace(request.Headers.Accept.ToString())
        || request.Headers.Accept.Any(a => a?.Contains("*/*", StringComparison.Ordinal) == true);

    /// <summary>Whether the request's operation is a subscription (an unparsable one is not: it is refused where it is run).</summary>
    private static bool IsSubscription(GraphQLRequest request)
    {
        // Most requests are not: only a document that names the keyword is parsed here (and again where it runs).
        if (request.Query?.Contains("subscription", StringComparison.Ordinal) != true) return false;
        try
        {
            return SelectedOperation(GraphQLParser.Parser.Parse(request.Query ?? ""), request.OperationName)?.Operation == OperationType.Subscription;
        }
        catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
        {
            return false;
        }
    }

    private sealed record PreparedDocument(string Query, GraphQLDocument Document, bool Validated);

    /// <summary>The request's document, resolved (trusted, persisted or sent), parsed and checked (or known); or a refusal.</summary>
    private static PreparedDocument Prepare(HttpContext http, GraphQLRequest request, GraphQLOptions options, bool allowMutations)
    {
        var services = http.RequestServices;
        var query = services.GetRequiredService<PersistedDocuments>().Resolve(request.Query, request.DocumentId, request.Extensions);
        var (document, validated) = services.GetRequiredService<ValidatedDocuments>().Parse(query, options);
        var kind = SelectedOperation(document, request.OperationName)?.Operation;
        if (!allowMutations && kind is OperationType.Mutation or OperationType.Subscription)
        {
            http.Response.Headers.Allow = "POST";
            throw new RequestRejectedException(StatusCodes.Status405MethodNotAllowed, "METHOD_NOT_ALLOWED", "only queries may be sent over GET; POST mutations");
        }
        var schema = services.GetRequiredService<ISchema>();
        // GraphQL.NET would say only "Error executing document." for an operation type the schema does not have.
        if (kind is OperationType.Mutation && schema.Mutation is null || kind is OperationType.Subscription && schema.Subscription is null)
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, "OPERATION_NOT_SUPPORTED",
                $"this schema has no {kind.ToString()!.ToLowerInvariant()} type; only queries are served");
        return new PreparedDocument(query, document, validated);
    }

    /// <summary>Runs a checked document under one token that the disconnect, the timeout and the shutdown all cancel.</summary>
    private static async Task<IResult> RunAsync(
        HttpContext http, GraphQLRequest request, PreparedDocument document, GraphQLOptions options, ResponseFormat format)
    {
        var services = http.RequestServices;
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        cancel.CancelAfter(options.ExecutionTimeoutMs);
        var selected = SelectedOperation(document.Document, request.OperationName);
        var (operationName, operationType) = ((string?)selected?.Name?.Value ?? "anonymous", (selected?.Operation ?? OperationType.Query).ToString().ToLowerInvariant());
        using var activity = Telemetry.Activities.StartActivity($"GraphQL {operationType} {operationName}");
        var sql = SqlStatementCounter.Measure();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        ExecutionResult result;
        try
        {
            result = await services.GetRequiredService<IDocumentExecuter<ISchema>>().ExecuteAsync(o =>
            {
                o.Query = document.Query;
                o.Document = document.Document;
                // A known document skips the document-only rules; the complexity analyzer is added back (GraphQLSetup).
                if (document.Validated) o.ValidationRules = [];
                o.OperationName = request.OperationName;
                o.Variables = request.Variables;
                o.Extensions = request.Extensions;
                o.RequestServices = services;
                o.CancellationToken = cancel.Token;
                o.User = http.User;
            });
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (http.RequestAborted.IsCancellationRequested) return Results.Empty; // nobody is left to answer
            http.Response.Headers.RetryAfter = "5";
            return stopping.IsCancellationRequested
                ? Error(http, StatusCodes.Status503ServiceUnavailable, "SHUTTING_DOWN", "the service is shutting down; retry on another instance")
                : Error(http, StatusCodes.Status503ServiceUnavailable, "EXECUTION_TIMEOUT", $"the request took longer than {options.ExecutionTimeoutMs} ms");
        }
        finally
        {
            // Client-chosen names: OpenTelemetry caps a metric's distinct tag sets (2 000), so they cannot grow memory without bound.
            var tags = new TagList { { "graphql.operation.name", operationName }, { "graphql.operation.type", operationType } };
            Telemetry.GraphQLDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            Telemetry.GraphQLStatements.Record(sql.Statements, tags);
            Telemetry.GraphQLRoundTrips.Record(sql.RoundTrips, tags);
        }
        if (!document.Validated && result.Executed) // it passed validation
            services.GetRequiredService<ValidatedDocuments>().Validated(document.Query, document.Document);
        return Respond(http, result, options, format);
    }

    private static IResult Respond(HttpContext http, ExecutionResult result, GraphQLOptions options, ResponseFormat format)
    {
        foreach (var error in result.Errors ?? []) Telemetry.GraphQLErrors.Add(1, new KeyValuePair<string, object?>("code", error.Code ?? "UNKNOWN"));

        // HotChocolate's rules: unparsable/invalid requests 400; data present 200; data null 500 (but see NullDataStatus).
        // A client that prefers plain application/json always gets 200. A database that cannot serve is 503 for all.
        var unavailable = result.Errors?.Any(e => e.Code == DatabaseAvailability.Code) == true;
        if (unavailable) http.Response.Headers.RetryAfter = "5";
        var status = unavailable ? 503 : format.Legacy ? 200 : !result.Executed ? 400
            : result.Data is null && result.Errors is { Count: > 0 } errors ? NullDataStatus(http, errors) : 200;
        CapErrors(result, options.MaxErrors); // after the status: it is decided by every error, not the first few
        return new SerializedResult(result, format.ContentType, status);
    }

    /// <summary>The result serialized straight into the response body: no intermediate string of the whole answer.</summary>
    private sealed class SerializedResult(ExecutionResult result, string contentType, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = contentType;
            return http.RequestServices.GetRequiredService<IGraphQLTextSerializer>().WriteAsync(http.Response.Body, result, http.RequestAborted);
        }
    }

    /// <summary>
    /// HotChocolate answers 500 whenever data is null. When only a denial nulled it (a non-null mutation payload the caller may
    /// not run), that is the caller's 401 or 403, as HotChocolate answers a denial found at validation; when only client errors
    /// did (nodes(ids:) over its limit), 400: a 500 would say the server failed. README: a deliberate difference.
    /// </summary>
    private static int NullDataStatus(HttpContext http, ExecutionErrors errors)
    {
        if (errors.All(e => e.Code == "AUTH_NOT_AUTHENTICATED"))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return StatusCodes.Status401Unauthorized;
        }
        if (errors.All(e => e.Code is "AUTH_NOT_AUTHENTICATED" or "AUTH_NOT_AUTHORIZED")) return StatusCodes.Status403Forbidden;
        // A client's error found while executing (a limit, a bad value) is never the server's failure, even when it nulls data.
        return errors.All(e => e is Querying.QueryInputException || e.Code is "AUTH_NOT_AUTHENTICATED" or "AUTH_NOT_AUTHORIZED")
            ? StatusCodes.Status400BadRequest : 500;
    }

    /// <summary>A response carries at most <paramref name="max"/> errors and a note of how many were left out.</summary>
    private static void CapErrors(ExecutionResult result, int max)
    {
        if (result.Errors is not { } errors || errors.Count <= max) return;
        var kept = new ExecutionErrors();
        foreach (var e in errors.Take(max)) kept.Add(e);
        kept.Add(new ExecutionError($"{errors.Count - max} more errors were left out; at most {max} are reported") { Code = "MAX_ERRORS_EXCEEDED" });
        result.Errors = kept;
    }

    /// <summary>The operation a request runs: the one named, or the first (GraphQL.NET reports a missing or ambiguous one).</summary>
    internal static GraphQLOperationDefinition? SelectedOperation(GraphQLDocument document, string? operationName)
    {
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>();
        return operationName is { } name ? operations.FirstOrDefault(o => o.Name?.Value == name) : operations.FirstOrDefault();
    }

    /// <summary>A coded error in the media type the client accepts (application/json when that is all it takes).</summary>
    private static IResult Error(HttpContext http, int status, string code, string message)
    {
        var body = ErrorBodies.GraphQL(code, message);
        var contentType = (ResponseFormat.Of(http.Request) ?? ResponseFormat.Standard).ContentType;
        return Results.Json(body, statusCode: status, contentType: contentType);
    }

    /// <summary>What the client's Accept header prefers: q-values count, q=0 excludes, ties go to the GraphQL media type.</summary>
    private sealed record ResponseFormat(bool Legacy)
    {
        public static readonly ResponseFormat Standard = new(false);
        private static readonly ResponseFormat LegacyJson = new(true);

        public string ContentType => (Legacy ? JsonMediaType : ResponseMediaType) + "; charset=utf-8";

        public static ResponseFormat? Of(HttpRequest request)
        {
            var header = request.Headers.Accept;
            if (string.IsNullOrWhiteSpace(header.ToString())) return Standard;
            if (!MediaTypeHeaderValue.TryParseList(header, out var ranges)) return Standard;
            var graphql = Quality(ranges, ResponseMediaType);
            var json = Quality(ranges, JsonMediaType);
            if (graphql <= 0 && json <= 0) return null;
            return json > graphql ? LegacyJson : Standard;
        }

        /// <summary>The q of the most specific range that matches (exact type, then application/*, then */*).</summary>
        private static double Quality(IList<MediaTypeHeaderValue> ranges, string mediaType)
        {
            var best = ranges
                .Select(r => (Range: r, Specificity: r.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase) ? 3
                    : r.MediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase) ? 2
                    : r.MediaType.Equals("*/*", StringComparison.Ordinal) ? 1 : 0))
                .Where(x => x.Specificity > 0)
                .OrderByDescending(x => x.Specificity)
                .FirstOrDefault();
            return best.Range is null ? 0 : best.Range.Quality ?? 1;
        }
    }
}
