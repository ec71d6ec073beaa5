using System.Text.Encodings.Web;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQL.Types;
using GraphQL.Validation.Complexity;
using GraphQLParser.AST;
using Npgsql;

namespace GeoProjects.Api.GraphQL;

public static class GraphQLSetup
{
    public static IHostApplicationBuilder AddGeoProjectsGraphQL(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<GraphQLOptions>(builder.Configuration.GetSection("GraphQL"));
        builder.Services.Configure<PagingOptions>(builder.Configuration.GetSection("Paging"));
        builder.Services.AddOptions<ProgressOptions>().Bind(builder.Configuration.GetSection("Progress"))
            .Validate(o => 0 <= o.YellowBehindPoints && o.YellowBehindPoints < o.RedBehindPoints, "Progress: need 0 ≤ YellowBehindPoints < RedBehindPoints")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection("GraphQL").Get<GraphQLOptions>() ?? new GraphQLOptions();
        builder.Services.AddGeoProjectsSchema(options, builder.Environment.IsDevelopment());
        builder.Services.AddSingleton<PersistedDocuments>();
        // In-flight GraphQL requests are cancelled at ApplicationStopping; nothing else may hold shutdown longer.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        return builder;
    }

    /// <summary>The schema registration, shared by the app and the schema-file test.</summary>
    public static IServiceCollection AddGeoProjectsSchema(this IServiceCollection services, GraphQLOptions options, bool development)
    {
        services.AddSingleton<QueryingTypes>();
        services.AddHttpContextAccessor(); // mutations name the actor (the token's subject) and the request id for the revisions
        services.AddSingleton(TimeProvider.System);
        services.AddScoped<RequestLoaders>();
        services.AddSingleton<ValidatedDocuments>();
        // GraphQL.NET's generic enum type is not in our assembly, so AddGraphTypes does not register it.
        services.AddTransient(typeof(EnumerationGraphType<>));
        services.AddGraphQL(b => b
            .AddSchema<GeoProjectsSchema>()
            .AddGraphTypes(typeof(GraphQLSetup).Assembly)
            .AddSystemTextJson(o => o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping) // keep 中文 readable
            // Resolvers share the request's scoped DbContext, which allows one operation at a time: run serially.
            // Batching (RequestLoaders) keeps the statement count flat regardless.
            .AddExecutionStrategy<SerialExecutionStrategy>(OperationType.Query)
            .AddComplexityAnalyzer(c =>
            {
                c.MaxDepth = null; // DocumentGuard counts depth without introspection fields
                c.MaxComplexity = options.MaxComplexity;
                // Introspection would otherwise score ~180,000 and break every IDE.
                var standard = c.DefaultComplexityImpactDelegate;
                c.DefaultComplexityImpactDelegate = f =>
                    f.FieldDefinition.Name.StartsWith("__") || f.ParentType.Name.StartsWith("__") ? new FieldComplexityResult(0, 1) : standard(f);
            })
            .AddErrorInfoProvider(new GeoProjectsErrorInfoProvider(new ErrorInfoProviderOptions { ExposeExceptionDetails = development && options.ExposeExceptionDetails }))
            .AddUnhandledExceptionHandler(ctx =>
            {
                // Known failures get a code and a message for the client; anything else stays a generic error.
                var cause = ctx.OriginalException;
                while (cause is not (PostgresException or GeometryInputException) && cause.InnerException is { } inner) cause = inner;
                var (code, message) = cause switch
                {
                    // The database is down, restarting or out of connections: the endpoint answers 503 with Retry-After.
                    _ when GeoProjects.Api.Hosting.DatabaseAvailability.IsUnavailable(ctx.OriginalException) =>
                        (GeoProjects.Api.Hosting.DatabaseAvailability.Code, "the database is unavailable; retry shortly"),
                    PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } => ("STATEMENT_TIMEOUT", "the database statement took longer than the configured timeout"),
                    GeometryInputException g => ("INVALID_GEOMETRY", g.Message),
                    // Class 22 (data exception) and 54 (program limit): a value the client sent got past our checks.
                    PostgresException p when p.SqlState.StartsWith("22", StringComparison.Ordinal) =>
                        ("INVALID_VALUE", $"the database refused a value of this request: {p.MessageText}"),
                    PostgresException p when p.SqlState.StartsWith("54", StringComparison.Ordinal) =>
                        ("QUERY_TOO_LARGE", $"the request is too large for the database: {p.MessageText}"),
                    _ => (null, null),
                };
                if (code == GeoProjects.Api.Hosting.DatabaseAvailability.Code && ctx.Context?.RequestServices is { } services)
                    GeoProjects.Api.Hosting.DatabaseAvailability.ReportOutage(services, ctx.OriginalException);
                if (code is not null) ctx.Exception = new ExecutionError(message!) { Code = code };
                else if (ctx.OriginalException is not OperationCanceledException) ctx.Exception = Unexpected(ctx);
            }));
        return services;
    }

    /// <summary>
    /// A failure nobody expected (a bug, a broken invariant) is never silent: logged once with the operation, the field's
    /// path and the trace id, and answered as INTERNAL_ERROR naming only that trace id (the error metric counts it by code).
    /// </summary>
    private static ExecutionError Unexpected(UnhandledExceptionContext ctx)
    {
        var services = ctx.ExecutionOptions.RequestServices;
        var trace = GeoProjects.Api.Hosting.Telemetry.TraceId(services?.GetService<IHttpContextAccessor>()?.HttpContext);
        var log = services?.GetService<ILoggerFactory>()?.CreateLogger("GeoProjects.GraphQL");
        log?.LogError(ctx.OriginalException, "Unexpected error in operation {Operation} at {Path} (trace {TraceId})",
            ctx.Context?.Operation.Name?.StringValue ?? "(anonymous)",
            ctx.FieldContext is { } field ? string.Join('.', field.ResponsePath) : "(no field)", trace);
        return new ExecutionError($"the server failed on this field; its log has the details under trace {trace}") { Code = "INTERNAL_ERROR" };
    }
}

/// <summary>
/// GraphQL.NET reports a bad variable or literal as "Unable to convert … to 'Geometry'"; the reason (self-intersection,
/// unclosed ring, unsupported crs, a NUL character, an infinite Float …) is in the inner exception, so it is added to
/// the message once.
/// </summary>
public sealed class GeoProjectsErrorInfoProvider(ErrorInfoProviderOptions options) : ErrorInfoProvider(options)
{
    public override ErrorInfo GetInfo(ExecutionError executionError)
    {
        var info = base.GetInfo(executionError);
        for (Exception? e = executionError.InnerException; e is not null; e = e.InnerException)
            if (e is InputValueException input && !info.Message.Contains(input.Message, StringComparison.Ordinal))
                return info with { Message = $"{info.Message}: {input.Message}" };
        return info;
    }
}
