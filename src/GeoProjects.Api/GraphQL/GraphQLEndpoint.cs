using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.GraphQL;

/// <summary>
/// GraphQL over HTTP as HotChocolate serves it (the GraphQL.Server packages are not available here):
/// POST JSON and GET query strings at /graphql, `application/graphql-response+json` with spec status codes
/// unless the client asks for `application/json`, SDL at /graphql?sdl and /graphql/schema.graphql.
/// </summary>
public static class GraphQLEndpoint
{
    public const string ResponseMediaType = "application/graphql-response+json";

    public static WebApplication MapGeoProjectsGraphQL(this WebApplication app)
    {
        app.UseCors(); // the policy applies only to endpoints that require it (Cors:AllowedOrigins)
        app.MapPost("/graphql", PostAsync).RequireCors(CorsSetup.Policy);
        app.MapGet("/graphql", GetAsync).RequireCors(CorsSetup.Policy);
        app.MapGet("/graphql/schema", Sdl).RequireCors(CorsSetup.Policy);
        app.MapGet("/graphql/schema.graphql", Sdl).RequireCors(CorsSetup.Policy);
        app.MapMethods("/graphql", ["PUT", "PATCH", "DELETE"], (HttpContext http) =>
            Error(http, StatusCodes.Status405MethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET or POST"));
        return app;
    }

    private static IResult Sdl(ISchema schema, HttpContext http)
    {
        http.Response.Headers.ContentDisposition = "attachment; filename=\"schema.graphql\"";
        return Results.Text(SchemaFile.Print(schema), "application/graphql; charset=utf-8");
    }

    private static async Task<IResult> GetAsync(HttpContext http, ISchema schema, IGraphQLTextSerializer serializer)
    {
        var q = http.Request.Query;
        if (q.ContainsKey("sdl")) return Sdl(schema, http);
        if (!q.TryGetValue("query", out var query) || string.IsNullOrWhiteSpace(query))
            return Error(http, StatusCodes.Status400BadRequest, "QUERY_MISSING", "a GET request needs a `query` parameter (or `?sdl` for the schema)");
        Inputs? variables, extensions;
        try
        {
            variables = q.TryGetValue("variables", out var v) && !string.IsNullOrEmpty(v) ? serializer.Deserialize<Inputs>(v!) : null;
            extensions = q.TryGetValue("extensions", out var e) && !string.IsNullOrEmpty(e) ? serializer.Deserialize<Inputs>(e!) : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return Error(http, StatusCodes.Status400BadRequest, "INVALID_VARIABLES", $"`variables` and `extensions` must be JSON objects: {ex.Message}");
        }
        var request = new GraphQLRequest { Query = query, OperationName = q["operationName"], Variables = variables, Extensions = extensions };
        return await ExecuteAsync(http, request, allowMutations: false);
    }

    private static async Task<IResult> PostAsync(HttpContext http, IGraphQLTextSerializer serializer, IOptions<GraphQLOptions> options)
    {
        var limit = options.Value.MaxRequestBytes;
        if (http.Request.ContentLength > limit)
            return Error(http, StatusCodes.Status413PayloadTooLarge, "REQUEST_TOO_LARGE", $"the request body is larger than {limit} bytes");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not ("application/json" or "application/graphql-response+json"))
            return Error(http, StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "POST a JSON body with Content-Type: application/json");
        GraphQLRequest? request;
        try
        {
            request = await serializer.ReadAsync<GraphQLRequest>(http.Request.Body, http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Error(http, StatusCodes.Status413PayloadTooLarge, "REQUEST_TOO_LARGE", $"the request body is larger than {limit} bytes");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return Error(http, StatusCodes.Status400BadRequest, "INVALID_JSON", $"the body is not a GraphQL request in JSON: {e.Message}");
        }
        if (request is null || string.IsNullOrWhiteSpace(request.Query))
            return Error(http, StatusCodes.Status400BadRequest, "QUERY_MISSING", "the request has no `query`");
        return await ExecuteAsync(http, request, allowMutations: true);
    }

    private static async Task<IResult> ExecuteAsync(HttpContext http, GraphQLRequest request, bool allowMutations)
    {
        var legacyJson = WantsLegacyJson(http.Request);
        if (legacyJson is null)
            return Error(http, StatusCodes.Status406NotAcceptable, "NOT_ACCEPTABLE", $"this endpoint answers {ResponseMediaType} or application/json");
        if (!allowMutations && OperationKind(request) is OperationType.Mutation or OperationType.Subscription)
        {
            http.Response.Headers.Allow = "POST";
            return Error(http, StatusCodes.Status405MethodNotAllowed, "METHOD_NOT_ALLOWED", "only queries may be sent over GET; POST mutations");
        }

        var services = http.RequestServices;
        var result = await services.GetRequiredService<IDocumentExecuter<ISchema>>().ExecuteAsync(o =>
        {
            o.Query = request.Query;
            o.OperationName = request.OperationName;
            o.Variables = request.Variables;
            o.Extensions = request.Extensions;
            o.RequestServices = services;
            o.CancellationToken = http.RequestAborted;
            o.User = http.User;
        });

        // HotChocolate's rules: unparsable/invalid requests 400; data present 200; data null 500.
        // A client that asks for plain application/json always gets 200.
        var status = legacyJson.Value ? 200 : !result.Executed ? 400 : result.Data is null && result.Errors?.Count > 0 ? 500 : 200;
        var serializer = services.GetRequiredService<IGraphQLTextSerializer>();
        return Results.Text(serializer.Serialize(result), (legacyJson.Value ? "application/json" : ResponseMediaType) + "; charset=utf-8", statusCode: status);
    }

    /// <summary>true: answer application/json; false: application/graphql-response+json; null: nothing acceptable.</summary>
    private static bool? WantsLegacyJson(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        if (string.IsNullOrWhiteSpace(accept)) return false;
        var types = accept.Split(',').Select(a => a.Split(';')[0].Trim().ToLowerInvariant()).ToList();
        if (types.Contains(ResponseMediaType) || types.Contains("*/*") || types.Contains("application/*")) return false;
        if (types.Contains("application/json")) return true;
        return null;
    }

    private static OperationType? OperationKind(GraphQLRequest request)
    {
        try
        {
            var document = Parser.Parse(request.Query);
            var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
            var operation = request.OperationName is { } name ? operations.FirstOrDefault(o => o.Name?.Value == name) : operations.FirstOrDefault();
            return operation?.Operation;
        }
        catch (GraphQLSyntaxErrorException)
        {
            return null; // the executer reports the syntax error with its location
        }
    }

    private static IResult Error(HttpContext http, int status, string code, string message)
    {
        var body = new { errors = new[] { new { message, extensions = new { code } } } };
        return Results.Json(body, statusCode: status, contentType: ResponseMediaType + "; charset=utf-8");
    }
}
