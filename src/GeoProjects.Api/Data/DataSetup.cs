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
}

public static class DataSetup
{
    public const string ConnectionName = "GeoProjects";
    public const string ReadConnectionName = "GeoProjectsRead";
    public const string ApiConnectionName = "GeoProjectsApi";
    /// <summary>The role the API logs in as: it owns nothing and cannot bypass row-level security (made by the RowLevelSecurity migration).</summary>
    public const string ApiRole = "geoprojects_api";

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
        // The owner's login migrates, backs up and restores; requests and commands use the API's (row-level security holds).
        var database = configured ?? PrivateCluster.ConnectionString();
        var apiPassword = options.ApiPassword ?? (configured is null ? PrivateCluster.ApiPassword() : null);
        var api = builder.Configuration.GetConnectionString(ApiConnectionName) is { Length: > 0 } own ? own : ApiLogin(database, apiPassword);
        // Everything the API serves today is a read: with ConnectionStrings__GeoProjectsRead (a streaming replica, or an
        // Npgsql multi-host string with Target Session Attributes=prefer-standby) it is read there; commands use the primary.
        var read = builder.Configuration.GetConnectionString(ReadConnectionName) is { Length: > 0 } replica ? replica : null;
        builder.Services.AddSingleton(new DatabaseConnection(database, read ?? api, api, apiPassword));
        builder.Services.AddSingleton<Backup>();
        if (read is not null) builder.Services.AddHostedService(_ => new GeoProjects.Api.Hosting.ReplicationLagMonitor(read));
        var connectionString = WithStatementTimeout(read ?? api, options.StatementTimeoutMs);
        // Every IInterceptor in the container applies (the tests add one that makes statements slow on purpose).
        builder.Services.AddDbContext<GeoProjectsDb>((sp, o) => Configure(o, connectionString).AddInterceptors(Interceptors(sp)));
        var primary = WithStatementTimeout(api, options.StatementTimeoutMs);
        builder.Services.AddDbContext<PrimaryDb>((sp, o) => Configure(o, primary).AddInterceptors(Interceptors(sp)));
        return builder;
    }

    private static IEnumerable<IInterceptor> Interceptors(IServiceProvider sp) => sp.GetServices<IInterceptor>()
        .Prepend(sp.GetRequiredService<Security.CallerSettings>()).Prepend(sp.GetRequiredService<SqlStatementCounter>());

    /// <summary>The owner's connection string with the API's login: geoprojects_api and its password, if one is kept.</summary>
    private static string ApiLogin(string owner, string? password) =>
        new NpgsqlConnectionStringBuilder(owner) { Username = ApiRole, Password = password }.ConnectionString;

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder o, string connectionString, int statementTimeoutMs) =>
        Configure(o, WithStatementTimeout(connectionString, statementTimeoutMs));

    private static DbContextOptionsBuilder Configure(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, npg => npg.UseNetTopologySuite()).UseSnakeCaseNamingConvention();

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
/// The primary database as its owner logs in (migrations, backups), the one requests are served from (readiness), and the
/// primary as the API logs in (writes).
/// </summary>
public sealed record DatabaseConnection(string Value, string Serving, string Api, string? ApiPassword = null);

/// <summary>Counts the SQL statements sent (and keeps the last few), so tests can assert that batching holds.</summary>
public sealed class SqlStatementCounter : DbCommandInterceptor
{
    private const int Kept = 50;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _recent = new();
    private int _count;
    public int Count => _count;
    public IReadOnlyList<string> Recent => _recent.ToArray();

    public void Reset()
    {
        Interlocked.Exchange(ref _count, 0);
        _recent.Clear();
    }

    private static readonly AsyncLocal<StrongBox<int>?> Scope = new();

    /// <summary>Counts the statements the current async flow (one request) sends until the returned box is read.</summary>
    public static StrongBox<int> Measure() => Scope.Value = new StrongBox<int>();

    private void Record(DbCommand command)
    {
        Interlocked.Increment(ref _count);
        if (Scope.Value is { } box) Interlocked.Increment(ref box.Value);
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
