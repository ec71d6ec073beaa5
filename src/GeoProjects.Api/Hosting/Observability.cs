using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using GeoProjects.Api.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GeoProjects.Api.Hosting;

/// <summary>Section "Observability": slow-request logging, JSON logs, OTLP export.</summary>
public sealed class ObservabilityOptions
{
    /// <summary>Requests slower than this are logged as warnings, with their trace id.</summary>
    public int SlowRequestMs { get; set; } = 1_000;
    /// <summary>Logs as JSON lines (one object a line, with scopes: trace and span ids) instead of text.</summary>
    public bool JsonLogs { get; set; }
    /// <summary>An OTLP endpoint (e.g. http://collector:4317) for traces and metrics; none by default.</summary>
    public string? OtlpEndpoint { get; set; }
}

/// <summary>Our own instruments, beside ASP.NET Core's, Npgsql's and the runtime's: GraphQL operations and tiles.</summary>
public static class Telemetry
{
    public const string Name = "GeoProjects";
    public static readonly ActivitySource Activities = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> GraphQLDuration = Meter.CreateHistogram<double>(
        "geoprojects.graphql.operation.duration", "s", "GraphQL operations, by operation name and type");
    public static readonly Histogram<long> GraphQLStatements = Meter.CreateHistogram<long>(
        "geoprojects.graphql.operation.sql_statements", "{statement}", "SQL statements one GraphQL operation sent (the caller's settings included)");
    public static readonly Histogram<long> GraphQLRoundTrips = Meter.CreateHistogram<long>(
        "geoprojects.graphql.operation.sql_round_trips", "{round_trip}", "Round trips to the database one GraphQL operation made");
    public static readonly Counter<long> GraphQLErrors = Meter.CreateCounter<long>(
        "geoprojects.graphql.errors", "{error}", "Errors in GraphQL responses, by code");
    public static readonly Counter<long> LiveChanges = Meter.CreateCounter<long>(
        "geoprojects.live.changes", "{notification}", "Change notifications received from the database");
    public static readonly UpDownCounter<long> LiveSubscribers = Meter.CreateUpDownCounter<long>(
        "geoprojects.live.subscribers", "{subscriber}", "Open subscriptions (WebSocket and SSE)");
    public static readonly Counter<long> LiveDropped = Meter.CreateCounter<long>(
        "geoprojects.live.dropped", "{subscriber}", "Subscribers dropped for falling a whole queue behind");
    public static readonly Histogram<double> TileRender = Meter.CreateHistogram<double>(
        "geoprojects.tiles.render.duration", "s", "Rendering a tile in PostGIS (cache misses), by layer");
    public static readonly Counter<long> TileCache = Meter.CreateCounter<long>(
        "geoprojects.tiles.cache.requests", "{request}", "Tile cache lookups, by result (hit, coalesced with a rendering under way, or miss)");

    public static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "geoprojects.errors", "{error}", "Unexpected failures at a door other than GraphQL (tiles, GeoJSON, OGC, files), by code and door");

    /// <summary>The W3C trace id of the request (what logs carry in their scope, and OTLP exports), else ASP.NET's request id.</summary>
    public static string TraceId(HttpContext? http) =>
        Activity.Current is { TraceId: var id } && id != default ? id.ToHexString() : http?.TraceIdentifier ?? "unknown";

    public static void ObserveReplicaLag(Func<double> seconds) =>
        Meter.CreateObservableGauge("geoprojects.database.replica.lag", seconds, "s", "How far the read replica's replay is behind");

    /// <summary>The tile cache's size in bytes, observed when scraped.</summary>
    public static void ObserveTileCacheSize(Func<long> bytes) =>
        Meter.CreateObservableGauge("geoprojects.tiles.cache.size", bytes, "By", "Bytes of rendered tiles kept in memory");
}

public static class ObservabilitySetup
{
    public static IHostApplicationBuilder AddGeoProjectsObservability(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Observability");
        builder.Services.Configure<ObservabilityOptions>(section);
        var options = section.Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (options.JsonLogs)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => { o.IncludeScopes = true; o.UseUtcTimestamp = true; });
        }

        builder.Services.AddHealthChecks()
            .AddNpgSql(sp => sp.GetRequiredService<DatabaseConnection>().Serving, name: "database", tags: ["ready"], timeout: TimeSpan.FromSeconds(3))
            .AddCheck<MigrationsHealthCheck>("migrations", tags: ["ready"], timeout: TimeSpan.FromSeconds(3))
            .AddCheck<ServingLoginHealthCheck>("serving-logins", tags: ["ready"], timeout: TimeSpan.FromSeconds(3));

        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("geoprojects"));
        telemetry.WithMetrics(m =>
        {
            m.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddNpgsqlInstrumentation().AddMeter(Telemetry.Name).AddPrometheusExporter();
            if (options.OtlpEndpoint is { } endpoint) m.AddOtlpExporter(o => o.Endpoint = new Uri(endpoint));
        });
        telemetry.WithTracing(t =>
        {
            t.AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics"))
                .AddNpgsql().AddSource(Telemetry.Name);
            if (options.OtlpEndpoint is { } endpoint) t.AddOtlpExporter(o => o.Endpoint = new Uri(endpoint));
        });
        return builder;
    }

    /// <summary>Logs requests slower than Observability:SlowRequestMs, with method, path, status and time (and the trace id in scope).</summary>
    public static IApplicationBuilder UseSlowRequestLog(this IApplicationBuilder app)
    {
        var threshold = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ObservabilityOptions>>().Value.SlowRequestMs;
        var log = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("GeoProjects.SlowRequests");
        return app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            await next(http);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed.TotalMilliseconds > threshold && !IsLiveStream(http))
                log.LogWarning("Slow request {Method} {Path}{Query} answered {Status} in {ElapsedMs:0} ms",
                    http.Request.Method, http.Request.Path, http.Request.QueryString, http.Response.StatusCode, elapsed.TotalMilliseconds);
        });
    }

    /// <summary>A WebSocket (101) or an event stream lasts as long as its subscriber stays: its length is not slowness.</summary>
    private static bool IsLiveStream(HttpContext http) => http.Response.StatusCode == StatusCodes.Status101SwitchingProtocols
        || http.Response.ContentType?.StartsWith(Live.SseTransport.MediaType, StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>/health/live (the process answers) and /health/ready (the database is reachable and migrated), /metrics for Prometheus.</summary>
    public static WebApplication MapGeoProjectsObservability(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        if (report.Status != HealthStatus.Healthy) http.Response.Headers.RetryAfter = "5";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description ?? e.Value.Exception?.Message }),
        }));
    }
}

/// <summary>Ready only when every migration this build knows is applied.</summary>
public sealed class MigrationsHealthCheck(IServiceScopeFactory scopes) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var pending = (await scope.ServiceProvider.GetRequiredService<GeoProjectsDb>().Database.GetPendingMigrationsAsync(ct)).ToList();
        return pending.Count == 0 ? HealthCheckResult.Healthy("all migrations applied")
            : HealthCheckResult.Unhealthy($"{pending.Count} migrations pending ({string.Join(", ", pending)}): run `GeoProjects.Api migrate`");
    }
}

/// <summary>
/// When the database cannot serve (down, restarting, refusing connections, pool exhausted, a login that would skip row-level
/// security): every door answers 503.
/// </summary>
public static class DatabaseAvailability
{
    public const string Code = "DATABASE_UNAVAILABLE";

    private static long _downSince; // Stopwatch ticks of the first failure of this outage; 0 while the database answers

    /// <summary>The first request that finds the database gone tells the log, once per outage (the others answer 503 quietly).</summary>
    public static void ReportOutage(IServiceProvider services, Exception e)
    {
        if (Interlocked.CompareExchange(ref _downSince, System.Diagnostics.Stopwatch.GetTimestamp(), 0) != 0) return;
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("GeoProjects.Database");
        log.LogWarning("The database is unavailable ({Reason}); requests answer 503 DATABASE_UNAVAILABLE until it is back",
            Innermost(e).Message);
    }

    /// <summary>Something reached the database again (the change feed's reconnect): the end of an outage is told once.</summary>
    public static void ReportRecovery(ILogger log)
    {
        var since = Interlocked.Exchange(ref _downSince, 0);
        if (since != 0)
            log.LogInformation("The database is reachable again after {Seconds:0.0} s", System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalSeconds);
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    public static bool IsUnavailable(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case UnsafeServingLogin: // a server whose login skips row-level security serves nothing (/health/ready says why)
                    return true;
                case PostgresException p when p.SqlState is "57P01" or "57P02" or "57P03" || p.SqlState.StartsWith("08", StringComparison.Ordinal):
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException n when n.InnerException is System.Net.Sockets.SocketException or IOException or EndOfStreamException or TimeoutException
                                            || n.Message.Contains("pool", StringComparison.OrdinalIgnoreCase):
                    return true;
            }
        }
        return false;
    }
}

/// <summary>
/// How far the read replica is behind the primary, polled every 5 s into `geoprojects.database.replica.lag` (seconds;
/// 0 when it has replayed everything it received, or when the read connection is a primary).
/// </summary>
public sealed class ReplicationLagMonitor(string readConnection) : BackgroundService
{
    private static double _lag;

    static ReplicationLagMonitor() => Telemetry.ObserveReplicaLag(() => _lag);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        const string sql = """
            SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                        ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END::float8
            """;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        do
        {
            try
            {
                await using var connection = new NpgsqlConnection(readConnection);
                await connection.OpenAsync(stoppingToken);
                await using var command = new NpgsqlCommand(sql, connection);
                _lag = (double)(await command.ExecuteScalarAsync(stoppingToken) ?? 0d);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The replica is down: readiness and the request metrics say so; the last lag stands.
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
