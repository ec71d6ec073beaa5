using GeoProjects.Tests.Infrastructure;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// db/cluster.sh as ./run.sh uses it, in a scratch checkout on a free port: the cluster people keep their data in is
/// durable, checksummed and password-protected, and an older trust/fsync-off cluster becomes so with its data kept.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // a PostgreSQL cluster from Debian packages
[Collection(ServerLifecycleCollection.Name)]
public sealed class ClusterTests : IDisposable
{
    private const string PgBin = ScratchCluster.PgBin;
    private readonly ScratchCluster _cluster = new("durable");

    private Task<(int Exit, string Output)> ShellAsync(string script) => _cluster.ShellAsync(script);

    private Task<string> ServerAsync() => _cluster.StartAsync();

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
        var password = Path.Combine(_cluster.Checkout, ".data", "pg-password");
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
        var pgdata = Path.Combine(_cluster.Checkout, ".data", "pg");
        var (made, log) = await ShellAsync($$"""
            set -e; as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
            mkdir -p .data; if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$PWD/.data"; then
              d=/var/lib/postgresql/geoprojects-old-$$; mkdir -p $d; chown postgres $d; ln -sfn $d .data/pg; else mkdir -p .data/pg; fi
            cd /; "${as[@]}" {{PgBin}}/initdb -D "$(readlink -f {{pgdata}})" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
            "${as[@]}" {{PgBin}}/pg_ctl -D "$(readlink -f {{pgdata}})" -l /dev/null -w -o "-p {{_cluster.Port}} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off" start >/dev/null
            {{PgBin}}/psql -X -q -h 127.0.0.1 -p {{_cluster.Port}} -U postgres -d postgres -c "CREATE TABLE kept AS SELECT 42 AS answer"
            """);
        Assert.True(made == 0, log);

        var server = await ServerAsync();

        await AssertDurableAsync(server);
        Assert.Equal("42", await ScalarAsync(server, "SELECT answer FROM kept"));
    }

    public void Dispose() => _cluster.Dispose();
}
