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

    /// <summary>The warm-up ends after this long, however many rounds it ran.</summary>
    public int MaxMilliseconds { get; set; } = 3_000;
}

/// <summary>
/// A new instance answers its first requests many times slower than later ones (the JIT, EF Core's query compilation,
/// GraphQL.NET's first executions): bench/startup.sh measured 124 req/s in the first two seconds after ready against about
/// 1 200 steady. So before /health/ready says ready, the instance asks the questions clients ask first through the same
/// executor and database policies, as an anonymous caller, and a load balancer sends it traffic once it is warm. A failed
/// question is logged and does not keep the instance unready: whether it can serve is the database check's to say.
/// </summary>
public sealed class WarmUp(IServiceProvider services, IOptions<WarmUpOptions> options, ILogger<WarmUp> log) : BackgroundService, IHealthCheck
{
    public const string CheckName = "warm-up";

    /// <summary>The first questions of the web map and of a list: a page of a filtered map query, zones with their projects, statistics.</summary>
    private static readonly string[] Questions =
    [
        """
        query { projects(first: 50, where: { zone: { name: { eq: "古镇口核心区" } }, sector: { in: [ADVANCED_MANUFACTURING] },
          totalInvestment: { gte: 10, lte: 50 } }) { nodes { id name totalInvestment status location { coordinates } } pageInfo { endCursor } } }
        """,
        "query { zones { id name projects(first: 20) { nodes { name batch { name } } } } }",
        "query { projectStats(groupBy: [SECTOR, ZONE]) { sector zone { name } count totalInvestment } }",
    ];

    private volatile string? _result;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_result is { } done ? HealthCheckResult.Healthy(done) : HealthCheckResult.Unhealthy("warming up"));

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var rounds = Math.Max(0, options.Value.Rounds);
        var started = Stopwatch.GetTimestamp();
        var asked = 0;
        try
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            budget.CancelAfter(Math.Max(1, options.Value.MaxMilliseconds));
            for (var round = 0; round < rounds && !budget.IsCancellationRequested; round++)
                foreach (var question in Questions)
                {
                    await AskAsync(question, budget.Token);
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
        if (rounds > 0) log.LogInformation("Warm-up: {Result}", _result);
    }

    private async Task AskAsync(string question, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<IDocumentExecuter<ISchema>>().ExecuteAsync(o =>
        {
            o.Query = question;
            o.RequestServices = scope.ServiceProvider;
            o.User = new ClaimsPrincipal(new ClaimsIdentity());
            o.CancellationToken = ct;
        });
        if (result.Errors is { Count: > 0 } errors)
            throw new InvalidOperationException($"warm-up question failed: {errors[0].Code} {errors[0].Message}");
        await scope.ServiceProvider.GetRequiredService<IGraphQLTextSerializer>().WriteAsync(Stream.Null, result, ct);
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
