using System.Diagnostics;
using Npgsql;

namespace GeoProjects.Api.Data;

/// <summary>
/// Backups in PostgreSQL's own custom format (pg_dump -Fc; pg_restore reads it): every table, geometry, sequence
/// and trigger. A backup is written to `file.partial` and renamed when pg_dump succeeds, so a failed or killed one
/// never leaves a file that looks complete. A restore goes into a new database first and replaces the configured
/// one only when pg_restore succeeded, so a bad file leaves the registry as it was.
/// </summary>
public sealed class Backup(DatabaseConnection primary)
{
    private readonly NpgsqlConnectionStringBuilder _target = new(primary.Value);

    public async Task BackupAsync(string file, CancellationToken ct, Hosting.IWorkProgress? progress = null)
    {
        var partial = file + ".partial";
        try
        {
            var dump = RunAsync("pg_dump", ["--format=custom", "--no-owner", $"--file={partial}", _target.Database!], ct);
            // pg_dump says nothing of its progress; the archive's growing size does (kB written).
            while (await Task.WhenAny(dump, Task.Delay(500, ct)) != dump)
                progress?.Report("backing up (kB written)", File.Exists(partial) ? new FileInfo(partial).Length / 1024 : 0);
            await dump;
            File.Move(partial, file, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public async Task RestoreAsync(string file, CancellationToken ct)
    {
        if (!File.Exists(file)) throw new ConfigurationProblem($"no backup at {file}");
        await RunAsync("pg_restore", ["--list", file], ct); // not a pg_dump archive: refused before anything changes
        var database = _target.Database!;
        var staging = $"{database}_restore_{Environment.ProcessId}";
        await AdminAsync($"DROP DATABASE IF EXISTS \"{staging}\"", ct);
        await AdminAsync($"CREATE DATABASE \"{staging}\"", ct);
        try
        {
            await RunAsync("pg_restore", ["--no-owner", "--exit-on-error", $"--dbname={staging}", file], ct);
        }
        catch
        {
            await AdminAsync($"DROP DATABASE IF EXISTS \"{staging}\"", CancellationToken.None);
            throw;
        }
        var previous = $"{database}_before_restore_{DateTime.UtcNow:yyyyMMddHHmmss}";
        var exists = await AdminAsync($"SELECT count(*) FROM pg_database WHERE datname = '{database.Replace("'", "''")}'", ct) is > 0;
        if (exists) await AdminAsync($"ALTER DATABASE \"{database}\" RENAME TO \"{previous}\"", ct, force: database);
        await AdminAsync($"ALTER DATABASE \"{staging}\" RENAME TO \"{database}\"", ct);
        if (exists) await AdminAsync($"DROP DATABASE \"{previous}\" WITH (FORCE)", ct);
    }

    /// <summary>Runs a statement on the server's maintenance database; <paramref name="force"/> first ends that database's sessions.</summary>
    private async Task<long?> AdminAsync(string sql, CancellationToken ct, string? force = null)
    {
        var admin = new NpgsqlConnectionStringBuilder(_target.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(ct);
        if (force is not null)
        {
            await using var end = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", connection);
            end.Parameters.AddWithValue("db", force);
            await end.ExecuteNonQueryAsync(ct);
        }
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct) as long?;
    }

    /// <summary>A PostgreSQL client program of the server's major version (Debian's are side by side), with our credentials.</summary>
    private async Task RunAsync(string program, string[] arguments, CancellationToken ct)
    {
        var versioned = $"/usr/lib/postgresql/15/bin/{program}";
        var start = new ProcessStartInfo(File.Exists(versioned) ? versioned : program)
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["PGHOST"] = _target.Host;
        start.Environment["PGPORT"] = _target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = _target.Username;
        start.Environment["PGPASSWORD"] = _target.Password ?? "";
        start.Environment["PGDATABASE"] = _target.Database;
        using var process = Process.Start(start) ?? throw new ConfigurationProblem($"{program} could not be started");
        var error = process.StandardError.ReadToEndAsync(ct);
        _ = process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new ConfigurationProblem($"{program} failed: {(await error).Trim().Split('\n').FirstOrDefault()}");
    }
}
