using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace GeoProjects.Api.Data;

/// <summary>
/// A connection the API serves requests from (the primary as the API logs in, a read replica), named as the operator
/// configured it, so that a refusal says which setting to change.
/// </summary>
public sealed record ServingConnection(string Name, string ConnectionString);

/// <summary>
/// Row-level security holds only for a login that is no superuser, has no BYPASSRLS and owns no table whose policies it
/// would skip (an owner is exempt unless the table has FORCE ROW LEVEL SECURITY). Every connection that serves requests
/// logs in as the API's own login, and is checked three times: at start-up (the service refuses to start), whenever a
/// physical connection opens (a failover to a server with other roles is refused, not served), and at /health/ready.
/// </summary>
public static class ServingLogins
{
    /// <summary>Why the current login would skip row-level security, or no row when it would not.</summary>
    private const string CheckSql = """
        SELECT current_user::text, r.rolsuper, r.rolbypassrls,
          (SELECT string_agg(c.relname::text, ', ' ORDER BY c.relname) FROM pg_class c
            WHERE c.relkind IN ('r', 'p') AND NOT c.relforcerowsecurity
              AND (c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
              AND pg_has_role(current_user, c.relowner, 'MEMBER'))
        FROM pg_roles r WHERE r.rolname = current_user
        """;

    /// <summary>
    /// The connection string <paramref name="location"/> (hosts, port, database, options) with the login of <paramref name="login"/>.
    /// </summary>
    public static string LogInAs(string location, string login)
    {
        var who = new NpgsqlConnectionStringBuilder(login);
        return new NpgsqlConnectionStringBuilder(location) { Username = who.Username, Password = who.Password }.ConnectionString;
    }

    /// <summary>Why this connection's login would skip row-level security (one clause), or null when it would not.</summary>
    public static async Task<string?> ProblemAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(CheckSql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var user = reader.GetString(0);
        if (reader.GetBoolean(1)) return $"the login '{user}' is a superuser";
        if (reader.GetBoolean(2)) return $"the login '{user}' has BYPASSRLS";
        return reader.IsDBNull(3) ? null
            : $"the login '{user}' owns tables with policies but without FORCE ROW LEVEL SECURITY ({reader.GetString(3)})";
    }

    /// <summary>The one line an operator reads: which connection, which server, why, and what to do.</summary>
    public static string Refusal(string name, string host, string problem) =>
        $"serving connection {name} ({host}): {problem}, so row-level security would not hold; serve as {DataSetup.ApiRole} "
        + $"(README: Scale-out, which login each connection uses)";

    /// <summary>Checks a physical connection as it opens; throws <see cref="UnsafeServingLogin"/>, so it never serves.</summary>
    public static async Task VerifyAsync(NpgsqlConnection connection, string name)
    {
        if (await ProblemAsync(connection) is { } problem) throw new UnsafeServingLogin(Refusal(name, HostOf(connection), problem));
    }

    public static void Verify(NpgsqlConnection connection, string name) => VerifyAsync(connection, name).GetAwaiter().GetResult();

    private static string HostOf(NpgsqlConnection connection) => $"{connection.Host}:{connection.Port}";

    /// <summary>
    /// One connection string per host of a (possibly multi-host) string, each a single server, so every server is checked and
    /// not only the one a load-balanced open happens to reach.
    /// </summary>
    public static IEnumerable<(string Host, string ConnectionString)> PerHost(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        foreach (var host in (builder.Host ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // One pooled connection per server at most: readiness probes reuse it (the query reads the catalogue afresh each
            // time), and a flood of probes waits for it, bounded by the timeout, instead of opening connections.
            var single = new NpgsqlConnectionStringBuilder(connectionString) { Host = host, MaxPoolSize = 1, Timeout = 3 };
            single.Remove("Target Session Attributes");
            single.Remove("Load Balance Hosts");
            yield return (host.Contains(':') ? host : $"{host}:{builder.Port}", single.ConnectionString);
        }
    }

    /// <summary>
    /// The refusal for the first server of <paramref name="serving"/> whose login would skip the policies; unreachable ones are
    /// skipped (and named).
    /// </summary>
    public static async Task<(string? Refusal, IReadOnlyList<string> Unreachable)> CheckAsync(ServingConnection serving, CancellationToken ct)
    {
        var unreachable = new List<string>();
        foreach (var (host, single) in PerHost(serving.ConnectionString))
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(single);
                    await connection.OpenAsync(ct);
                    if (await ProblemAsync(connection, ct) is { } problem) return (Refusal(serving.Name, host, problem), unreachable);
                    break;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    // The pooled connection a restart or failover closed fails once: a fresh one decides.
                    NpgsqlConnection.ClearPool(new NpgsqlConnection(single));
                    if (attempt == 1) unreachable.Add($"{host}: {e.Message}");
                }
            }
        }
        return (null, unreachable);
    }
}

/// <summary>A serving connection whose login would skip row-level security; every door answers it as the database being unavailable.</summary>
public sealed class UnsafeServingLogin(string message) : NpgsqlException(message);

public static class ServingLoginGuard
{
    /// <summary>
    /// Refuses to start (one line, exit 2: <see cref="ConfigurationProblem"/>) when a serving connection's login would skip
    /// row-level security. A server that cannot be reached yet is left to the per-connection check and to readiness. Run before
    /// the host starts, so the refusal is the only line the operator reads.
    /// </summary>
    public static async Task RefuseUnsafeServingLoginsAsync(this WebApplication app)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ServingLoginGuard));
        foreach (var serving in app.Services.GetRequiredService<DatabaseConnection>().ServingConnections)
        {
            var (refusal, unreachable) = await ServingLogins.CheckAsync(serving, app.Lifetime.ApplicationStopping);
            if (refusal is not null) throw new ConfigurationProblem(refusal);
            foreach (var host in unreachable)
                log.LogWarning("Serving connection {Name}: not checked at start-up ({Host}); checked when it connects", serving.Name, host);
        }
    }
}

/// <summary>
/// /health/ready: unhealthy, with the refusal's reason, when a serving login would skip row-level security (after a failover, say).
/// </summary>
public sealed class ServingLoginHealthCheck(DatabaseConnection database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var connections = database.ServingConnections.ToList();
        foreach (var serving in connections)
            if ((await ServingLogins.CheckAsync(serving, ct)).Refusal is { } refusal) return HealthCheckResult.Unhealthy(refusal);
        return HealthCheckResult.Healthy($"every serving login keeps row-level security ({string.Join(", ", connections.Select(c => c.Name))})");
    }
}
