using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace GeoProjects.Api.Data;

/// <summary>Section "Database" of the configuration.</summary>
public sealed class DatabaseOptions
{
    /// <summary>PostgreSQL statement_timeout for every statement the API runs.</summary>
    public int StatementTimeoutMs { get; set; } = 10_000;
    /// <summary>Folder with zones.geojson, batches.json and projects.geojson; default: db/seed of the checkout.</summary>
    public string? SeedDirectory { get; set; }
    /// <summary>The password of the API's login (geoprojects_api), which `migrate` sets; default: .data/pg-api-password when present.</summary>
    public string? ApiPassword { get; set; }
    /// <summary>
    /// A login for the read replica other than the API's own (rarely needed: roles stream with the data); checked as every
    /// serving login is.
    /// </summary>
    public string? ReadUsername { get; set; }
    public string? ReadPassword { get; set; }
}

public static class DataSetup
{
    public const string ConnectionName = "GeoProjects";
    public const string ReadConnectionName = "GeoProjectsRead";
    public const string ApiConnectionName = "GeoProjectsApi";
    /// <summary>The role the API logs in as: it owns nothing and cannot bypass row-level security (db/roles.sql).</summary>
    public const string ApiRole = "geoprojects_api";
    private const string Reads = "reads", Writes = "writes";

    public static IHostApplicationBuilder AddGeoProjectsData(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<DatabaseOptions>(builder.Configuration.GetSection("Database"));
        var options = builder.Configuration.GetSection("Database").Get<DatabaseOptions>() ?? new DatabaseOptions();
        var configured = builder.Configuration.GetConnectionString(ConnectionName);
        builder.Services.AddSingleton<SqlStatementCounter>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<Security.CallerSettings>();
        builder.Services.AddScoped<GeoProjects.Api.Import.ProjectImporter>();
        builder.Services.AddScoped<GeoProjects.Api.Import.ProjectExporter>();
        builder.Services.AddScoped<GeoProjects.Api.Import.ProgressImporter>();
        builder.Services.AddScoped<ProjectGenerator>();
        // Built once: the options callback runs for every request's DbContext.
        // The owner's login migrates, backs up and restores; every connection that serves requests logs in as the API's (row-level
        // security holds), checked at start-up, as each physical connection opens, and at /health/ready (ServingLogins).
        var database = configured ?? PrivateCluster.ConnectionString();
        var apiPassword = options.ApiPassword ?? (configured is null ? PrivateCluster.ApiPassword() : null);
        var primary = builder.Configuration.GetConnectionString(ApiConnectionName) is { Length: > 0 } own
            ? new ServingConnection($"ConnectionStrings:{ApiConnectionName}", own)
            : new ServingConnection($"ConnectionStrings:{ConnectionName} as {ApiRole}", ApiLogin(database, apiPassword));
        var read = ReadConnection(builder.Configuration, options, primary);
        var connection = new DatabaseConnection(database, primary, read, apiPassword);
        builder.Services.AddSingleton(connection);
        builder.Services.AddSingleton<Backup>();
        if (read is not null) builder.Services.AddHostedService(_ => new GeoProjects.Api.Hosting.ReplicationLagMonitor(read.ConnectionString));
        // Every IInterceptor in the container applies (the tests add one that makes statements slow on purpose).
        // One pool per serving connection, owned (and disposed) by the container; without a replica reads share the primary's.
        builder.Services.AddKeyedSingleton(Writes, (_, _) => ServingDataSource(primary, options.StatementTimeoutMs));
        builder.Services.AddKeyedSingleton(Reads, (sp, _) =>
            read is null ? sp.GetRequiredKeyedService<NpgsqlDataSource>(Writes) : ServingDataSource(read, options.StatementTimeoutMs));
        // Pooled: a request's context is reset and reused, not built (EF Core's per-instance set-up was ~6 % of a small read's CPU).
        // Nothing a request sets outlives it: the caller and correlation id are transaction-local settings, not context state.
        builder.Services.AddDbContextPool<GeoProjectsDb>((sp, o) => Configure(o, sp.GetRequiredKeyedService<NpgsqlDataSource>(Reads))
            .AddInterceptors(Interceptors(sp)));
        builder.Services.AddDbContextPool<PrimaryDb>((sp, o) => Configure(o, sp.GetRequiredKeyedService<NpgsqlDataSource>(Writes))
            .AddInterceptors(Interceptors(sp)));
        return builder;
    }

    private static IEnumerable<IInterceptor> Interceptors(IServiceProvider sp) => sp.GetServices<IInterceptor>()
        .Prepend(sp.GetRequiredService<SqlStatementCounter>()).Prepend(sp.GetRequiredService<Security.CallerSettings>()); // counts the settings too

    /// <summary>
    /// Everything the API serves today is a read: with ConnectionStrings__GeoProjectsRead (a streaming replica, or an Npgsql
    /// multi-host string with Target Session Attributes=prefer-standby) it is read there; commands use the primary. The string
    /// says where; who logs in is the API's login (roles and passwords stream to a replica with the data), unless
    /// Database__ReadUsername names a login for that purpose. A user in the string itself (the owner's, say) is never used.
    /// </summary>
    private static ServingConnection? ReadConnection(IConfiguration configuration, DatabaseOptions options, ServingConnection primary)
    {
        if (configuration.GetConnectionString(ReadConnectionName) is not { Length: > 0 } replica) return null;
        if (options.ReadUsername is not { Length: > 0 } user)
            return new ServingConnection($"ConnectionStrings:{ReadConnectionName}", ServingLogins.LogInAs(replica, primary.ConnectionString));
        var login = new NpgsqlConnectionStringBuilder { Username = user, Password = options.ReadPassword }.ConnectionString;
        return new ServingConnection($"ConnectionStrings:{ReadConnectionName} as Database:ReadUsername", ServingLogins.LogInAs(replica, login));
    }

    /// <summary>The owner's connection string with the API's login: geoprojects_api and its password, if one is kept.</summary>
    private static string ApiLogin(string owner, string? password) =>
        new NpgsqlConnectionStringBuilder(owner) { Username = ApiRole, Password = password }.ConnectionString;

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder o, string connectionString, int statementTimeoutMs) =>
        Configure(o, WithStatementTimeout(connectionString, statementTimeoutMs));

    private static DbContextOptionsBuilder Configure(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, npg => npg.UseNetTopologySuite()).UseSnakeCaseNamingConvention();

    private static DbContextOptionsBuilder Configure(DbContextOptionsBuilder o, NpgsqlDataSource source) =>
        o.UseNpgsql(source, npg => npg.UseNetTopologySuite()).UseSnakeCaseNamingConvention()
            // A failed statement is the caller's to report: expected ones become coded answers, unexpected ones are logged
            // once with the request's context (GraphQLSetup, UseCodedErrorBodies). EF Core would log each again as an error.
            // A lost connection is an outage, told once by DatabaseAvailability, not once per request.
            .ConfigureWarnings(w => w.Log((CoreEventId.QueryIterationFailed, LogLevel.Debug), (RelationalEventId.CommandError, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug), (RelationalEventId.ConnectionError, LogLevel.Debug)));

    /// <summary>A pool that serves requests, built once: each physical connection checks its login before it is used (ServingLogins).</summary>
    private static NpgsqlDataSource ServingDataSource(ServingConnection serving, int statementTimeoutMs)
    {
        var source = new NpgsqlDataSourceBuilder(Prepared(WithStatementTimeout(serving.ConnectionString, statementTimeoutMs)));
        source.UseNetTopologySuite();
        source.UsePhysicalConnectionInitializer(c => ServingLogins.Verify(c, serving.Name), c => ServingLogins.VerifyAsync(c, serving.Name));
        return source.Build();
    }

    /// <summary>
    /// Serving connections prepare what they run often (Npgsql's automatic preparation): under row-level security planning
    /// is a large share of a small query's time, and a prepared statement is planned once per connection. The caller's
    /// settings are transaction-local and nothing else is left on a session (temporary tables drop at commit), so a
    /// returned connection is not reset (no DISCARD ALL per checkout). A connection string that sets either keeps its own.
    /// </summary>
    private static string Prepared(string connectionString)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase)) (cs.MaxAutoPrepare, cs.AutoPrepareMinUsages) = (64, 2);
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase)) cs.NoResetOnClose = true;
        return cs.ConnectionString;
    }

    private static string WithStatementTimeout(string connectionString, int statementTimeoutMs)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        cs.Options = $"{cs.Options} -c statement_timeout={statementTimeoutMs}".Trim();
        // Fail fast when the database is down or the pool is exhausted (Npgsql waits 15 s by default): a bounded
        // wait for a connection, then 503 DATABASE_UNAVAILABLE, never an unbounded queue.
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase)) cs.Timeout = 5;
        return cs.ConnectionString;
    }
}

/// <summary>
/// The primary database as its owner logs in (migrations, backups), the primary as the API logs in (writes, the change feed)
/// and the read replica, if one is configured: the connections requests are served from.
/// </summary>
public sealed record DatabaseConnection(string Value, ServingConnection Primary, ServingConnection? Read, string? ApiPassword = null)
{
    /// <summary>The primary as the API logs in.</summary>
    public string Api => Primary.ConnectionString;
    /// <summary>Where reads are served from (readiness).</summary>
    public string Serving => (Read ?? Primary).ConnectionString;
    public IEnumerable<ServingConnection> ServingConnections => Read is null ? [Primary] : [Primary, Read];
}

/// <summary>
/// Counts the commands sent, each one round trip (and keeps the last few), so tests can assert that batching holds; and, per
/// request, the round trips and the statements in them (the caller's settings travel as a statement of each command).
/// </summary>
public sealed class SqlStatementCounter : DbCommandInterceptor
{
    private const int Kept = 50;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _recent = new();
    private int _count;
    /// <summary>Commands sent since the last <see cref="Reset"/>: round trips.</summary>
    public int Count => _count;
    public IReadOnlyList<string> Recent => _recent.ToArray();

    public void Reset()
    {
        Interlocked.Exchange(ref _count, 0);
        _recent.Clear();
    }

    /// <summary>What one request sent: round trips (commands) and the statements in them.</summary>
    public sealed class Tally
    {
        public int RoundTrips;
        public int Statements;
    }

    private static readonly AsyncLocal<Tally?> Scope = new();

    /// <summary>Counts what the current async flow (one request) sends until the returned tally is read.</summary>
    public static Tally Measure() => Scope.Value = new Tally();

    private void Record(DbCommand command)
    {
        Interlocked.Increment(ref _count);
        if (Scope.Value is { } tally)
        {
            Interlocked.Increment(ref tally.RoundTrips);
            Interlocked.Add(ref tally.Statements, Security.CallerSettings.StatementsIn(command.CommandText));
        }
        _recent.Enqueue(command.CommandText);
        while (_recent.Count > Kept) _recent.TryDequeue(out _);
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
    }
}

/// <summary>For `dotnet ef migrations add` only: it builds the model and never connects.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<GeoProjectsDb>
{
    public GeoProjectsDb CreateDbContext(string[] args) =>
        new((DataSetup.Configure(new DbContextOptionsBuilder<GeoProjectsDb>(), "Host=design-time-only", 0)
            as DbContextOptionsBuilder<GeoProjectsDb>)!.Options);
}
