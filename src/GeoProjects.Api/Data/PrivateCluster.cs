namespace GeoProjects.Api.Data;

/// <summary>A problem with how the service is set up, told in one line instead of a stack trace.</summary>
public sealed class ConfigurationProblem(string message) : Exception(message);

/// <summary>
/// The private cluster ./run.sh keeps under .data/pg: when no connection string is configured, the app and its
/// commands find it from the working directory upwards (run them from the checkout, as ./run.sh is run).
/// </summary>
public static class PrivateCluster
{
    public static string ConnectionString()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var pg = Path.Combine(dir.FullName, ".data", "pg");
            if (Directory.Exists(pg)) return Of(pg);
        }
        throw new ConfigurationProblem(
            $"no database configured: run ./run.sh (it creates the private cluster under .data/), or set ConnectionStrings__{DataSetup.ConnectionName}");
    }

    /// <summary>The API login's password that ./run.sh generated into .data/pg-api-password (none for the test cluster, which trusts).</summary>
    public static string? ApiPassword()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, ".data", "pg-api-password");
            if (File.Exists(file)) return File.ReadAllText(file).Trim();
        }
        return null;
    }

    private static string Of(string pg)
    {
        var pid = Path.Combine(pg, "postmaster.pid");
        try
        {
            // postmaster.pid's fourth line is the port the server listens on.
            if (File.Exists(pid) && File.ReadLines(pid).ElementAtOrDefault(3) is { } port && int.TryParse(port, out _))
            {
                // ./run.sh's cluster requires the password it generated into .data/pg-password (beside .data/pg).
                var passwordFile = Path.Combine(Path.GetDirectoryName(pg)!, "pg-password");
                var password = File.Exists(passwordFile) ? $";Password={File.ReadAllText(passwordFile).Trim()}" : "";
                return $"Host=127.0.0.1;Port={port};Username=postgres{password};Database={Environment.GetEnvironmentVariable("GEOPROJECTS_DB_NAME") ?? "geoprojects"}";
            }
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationProblem($"the private cluster in {pg} belongs to another user; run as that user, or set ConnectionStrings__{DataSetup.ConnectionName}");
        }
        throw new ConfigurationProblem($"the private cluster in {pg} is not running: start it with ./run.sh, or set ConnectionStrings__{DataSetup.ConnectionName}");
    }

    /// <summary>
    /// The one line for a failure that is the operator's to fix (configuration, an unreachable or missing database, a
    /// taken port), looking through wrappers such as EF Core's retry strategy; null for a bug, which keeps its stack trace.
    /// </summary>
    public static string? Describe(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            var line = x switch
            {
                ConfigurationProblem p => p.Message,
                PreviousMigrations.NotUpgradable n => $"migrate: {n.Message}",
                Microsoft.Extensions.Options.OptionsValidationException o => $"configuration: {o.Message}",
                Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.InvalidCatalogName } p =>
                    $"{p.MessageText}: create it with `GeoProjects.Api migrate` (./run.sh does)",
                Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.InvalidPassword or Npgsql.PostgresErrorCodes.InvalidAuthorizationSpecification } p =>
                    $"the database refused the login: {p.MessageText}; check ConnectionStrings__{DataSetup.ConnectionName}",
                Npgsql.NpgsqlException { InnerException: System.Net.Sockets.SocketException s } =>
                    $"cannot reach the database ({s.Message}): start it with ./run.sh, or check ConnectionStrings__{DataSetup.ConnectionName}",
                Microsoft.AspNetCore.Connections.AddressInUseException a => $"cannot listen: {a.Message}",
                _ => null,
            };
            if (line is not null) return line;
        }
        return null;
    }
}
