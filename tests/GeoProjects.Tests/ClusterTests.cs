using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GeoProjects.Tests.Infrastructure;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// db/cluster.sh as ./run.sh uses it, in a scratch checkout on a free port: the cluster people keep their data in is
/// durable, checksummed and password-protected, and an older trust/fsync-off cluster becomes so with its data kept.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // a PostgreSQL cluster from Debian packages
public sealed class ClusterTests : IDisposable
{
    private const string PgBin = "/usr/lib/postgresql/15/bin";
    private readonly string _checkout = Directory.CreateTempSubdirectory("checkout").FullName;
    private readonly int _port = FreePort();

    public ClusterTests()
    {
        Directory.CreateDirectory(Path.Combine(_checkout, "db"));
        File.Copy(Path.Combine(Seed.RepoRoot, "db", "cluster.sh"), Path.Combine(_checkout, "db", "cluster.sh"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string PgData => Path.GetFullPath(new DirectoryInfo(Path.Combine(_checkout, ".data", "pg")).ResolveLinkTarget(true)?.FullName
        ?? Path.Combine(_checkout, ".data", "pg"));

    private async Task<(int Exit, string Output)> ShellAsync(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", script]) { WorkingDirectory = _checkout, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("ConnectionStrings__GeoProjects");
        start.Environment["GEOPROJECTS_PG_PORT"] = _port.ToString();
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await output + await error);
    }

    private async Task<string> ServerAsync()
    {
        var (exit, output) = await ShellAsync("source db/cluster.sh >&2 && echo \"$GEOPROJECTS_SERVER\"");
        Assert.True(exit == 0, output);
        return output.Split('\n').Single(l => l.StartsWith("Host="));
    }

    private static async Task<string> ScalarAsync(string server, string sql)
    {
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return (await cmd.ExecuteScalarAsync())!.ToString()!;
    }

    private async Task AssertDurableAsync(string server)
    {
        foreach (var setting in new[] { "fsync", "full_page_writes", "synchronous_commit", "data_checksums" })
            Assert.Equal("on", await ScalarAsync(server, $"SHOW {setting}"));
        var password = Path.Combine(_checkout, ".data", "pg-password");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(password));
        Assert.Contains($"Password={(await File.ReadAllTextAsync(password)).Trim()}", server);
        var withoutPassword = new NpgsqlConnectionStringBuilder(server) { Password = null }.ConnectionString;
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(withoutPassword, "SELECT 1"));
    }

    [Fact]
    public async Task TheClusterRunShStartsIsDurableChecksummedAndPasswordProtected() => await AssertDurableAsync(await ServerAsync());

    [Fact]
    public async Task AnOlderTrustClusterWithFsyncOffBecomesDurableAndKeepsItsData()
    {
        // The cluster as the previous db/cluster.sh made it.
        var pgdata = Path.Combine(_checkout, ".data", "pg");
        var (made, log) = await ShellAsync($$"""
            set -e; as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
            mkdir -p .data; if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$PWD/.data"; then
              d=/var/lib/postgresql/geoprojects-old-$$; mkdir -p $d; chown postgres $d; ln -sfn $d .data/pg; else mkdir -p .data/pg; fi
            cd /; "${as[@]}" {{PgBin}}/initdb -D "$(readlink -f {{pgdata}})" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
            "${as[@]}" {{PgBin}}/pg_ctl -D "$(readlink -f {{pgdata}})" -l /dev/null -w -o "-p {{_port}} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off" start >/dev/null
            {{PgBin}}/psql -X -q -h 127.0.0.1 -p {{_port}} -U postgres -d postgres -c "CREATE TABLE kept AS SELECT 42 AS answer"
            """);
        Assert.True(made == 0, log);

        var server = await ServerAsync();

        await AssertDurableAsync(server);
        Assert.Equal("42", await ScalarAsync(server, "SELECT answer FROM kept"));
    }

    public void Dispose()
    {
        if (Directory.Exists(PgData))
        {
            var stop = Process.Start(new ProcessStartInfo("bash", ["-c", $"as=(); [ \"$(id -u)\" = 0 ] && as=(runuser -u postgres --); cd / && \"${{as[@]}}\" {PgBin}/pg_ctl -D '{PgData}' stop -m immediate"])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            stop.WaitForExit();
            try { Directory.Delete(PgData, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        try { Directory.Delete(_checkout, true); } catch (IOException) { }
    }
}
