using System.Diagnostics;
using System.Security.Claims;
using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Hosting;

/// <summary>Section "WarmUp": how much of the serving path a new instance runs before it reports ready.</summary>
public sealed class WarmUpOptions
{
    /// <summary>Times each warm-up question is asked (0: no warm-up). After 30 calls .NET recompiles a method optimised.</summary>
    public int Rounds { get; set; } = 30;

    /// <summary>
    /// The warm-up ends after this long, however many rounds it ran. bench/startup.sh at 1 000 projects: off, ready after
    /// 3.0 s and 34–50 req/s in the first 2 s; 1 s, ready after 3.9–4.2 s and 228–238 req/s; 3 s, ready after 5.9–6.0 s and
    /// 372–458 req/s, of about 550 steady that hour: each second of warm-up delays readiness by as much, for faster first seconds.
    /// </summary>
    public int MaxMilliseconds { get; set; } = 1_000;
}

/// <summary>
/// A new instance answers its first requests many times slower than later ones (the JIT, EF Core's query compilation,
/// GraphQL.NET's first executions): bench/startup.sh measured 124 req/s in the first two seconds after ready against about
/// 1 150 steady. So before /health/ready says ready, the instance runs the queries among its trusted documents (the
/// operations its clients send, docs/operations) with their default variables, through the same executor and database
/// policies as an anonymous caller, and a load balancer sends it traffic once it is warm. A document that answers with
/// errors (one for staff only) is asked once; a failure is logged and does not keep the instance unready: whether it
/// can serve is the database check's to say. It starts once the other readiness checks pass (the database reachable and
/// migrated), so it never asks a database that cannot answer.
/// </summary>
public sealed class WarmUp(IServiceProvider services, IOptions<WarmUpOptions> options, ILogger<WarmUp> log) : BackgroundService, IHealthCheck
{
    public const string CheckName = "warm-up";

    private volatile string? _result;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_result is { } done ? HealthCheckResult.Healthy(done) : HealthCheckResult.Unhealthy("warming up"));

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var rounds = Math.Max(0, options.Value.Rounds);
        if (rounds == 0)
        {
            _result = "0 questions in 0 ms";
            return;
        }
        var questions = Queries(services.GetRequiredService<GraphQL.PersistedDocuments>().TrustedDocuments);
        var asked = 0;
        await UntilServingAsync(stopping);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            budget.CancelAfter(Math.Max(1, options.Value.MaxMilliseconds));
            for (var round = 0; round < rounds && questions.Count > 0 && !budget.IsCancellationRequested; round++)
                foreach (var question in questions.ToList())
                {
                    if (!await AskAsync(question, budget.Token)) questions.Remove(question);
                    asked++;
                }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // out of time: warm enough
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Warm-up stopped after {Asked} questions; the instance reports ready all the same", asked);
        }
        _result = $"{asked} questions in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms";
        log.LogInformation("Warm-up: {Result}", _result);
    }

    /// <summary>Waits until every other readiness check is healthy.</summary>
    private async Task UntilServingAsync(CancellationToken stopping)
    {
        var health = services.GetRequiredService<HealthCheckService>();
        while ((await health.CheckHealthAsync(c => c.Name != CheckName && c.Tags.Contains("ready"), stopping)).Status != HealthStatus.Healthy)
            await Task.Delay(TimeSpan.FromMilliseconds(500), stopping);
    }

    /// <summary>The documents whose (first) operation is a query, in a stable order.</summary>
    private static List<string> Queries(IEnumerable<string> documents) => documents
        .Where(d => GraphQL.GraphQLEndpoint.SelectedOperation(GraphQLParser.Parser.Parse(d), null)?.Operation
            == GraphQLParser.AST.OperationType.Query)
        .Order(StringComparer.Ordinal).ToList();

    /// <summary>Runs one question and writes its answer nowhere; false when it answered with errors.</summary>
    private async Task<bool> AskAsync(string question, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<IDocumentExecuter<ISchema>>().ExecuteAsync(o =>
        {
            o.Query = question;
            o.RequestServices = scope.ServiceProvider;
            o.User = new ClaimsPrincipal(new ClaimsIdentity());
            o.CancellationToken = ct;
        });
        await scope.ServiceProvider.GetRequiredService<IGraphQLTextSerializer>().WriteAsync(Stream.Null, result, ct);
        return result.Errors is not { Count: > 0 };
    }
}

public static class WarmUpSetup
{
    public static IHostApplicationBuilder AddGeoProjectsWarmUp(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<WarmUpOptions>(builder.Configuration.GetSection("WarmUp"));
        builder.Services.AddSingleton<WarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WarmUp>());
        builder.Services.AddHealthChecks().AddCheck<WarmUp>(WarmUp.CheckName, tags: ["ready"]);
        return builder;
    }
}
