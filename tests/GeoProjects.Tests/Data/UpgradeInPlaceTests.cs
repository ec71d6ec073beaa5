using System.Diagnostics;
using System.IO.Compression;
using GeoProjects.Api.Data;
using GeoProjects.Tests.Infrastructure;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// The sixteen migrations were squashed into one baseline. A database the previous release made upgrades in place:
/// Fixtures/previous-release.sql.gz is pg_dump of one (migrated by those sixteen at 0cff2dd, seeded, then edited: updates,
/// a withdrawal, a deletion — revisions, progress reports and summaries included). Restored, migrated by today's
/// `migrate`, every table holds the same rows, the history is the baseline's, and the schema is a fresh database's. One
/// the previous migrations left halfway, or with the registry's tables and no history, is refused, unchanged.
/// </summary>
[Collection(ApiCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // psql and pg_dump from Debian packages
public sealed class UpgradeInPlaceTests(ApiFixture api)
{
    private static readonly string Fixture = Path.Combine(Seed.RepoRoot, "tests", "GeoProjects.Tests", "Fixtures", "previous-release.sql.gz");

    private string Scratch(string suffix) =>
        new NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = $"{api.Database}_{suffix}" }.ConnectionString;

    private static async Task RunAsync(string program, string connectionString, params string[] arguments)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(program, [.. arguments, "-h", b.Host!, "-p", b.Port.ToString(), "-U", b.Username!, "-d", b.Database!])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        if (b.Password is { Length: > 0 } password) start.Environment["PGPASSWORD"] = password; // an external server's login
        using var process = Process.Start(start)!;
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program}: {string.Concat(await output)}");
    }

    private async Task<string> RestoredAsync(string suffix)
    {
        var target = Scratch(suffix);
        await ExecuteAsync(api.ConnectionString, $"DROP DATABASE IF EXISTS \"{api.Database}_{suffix}\"; CREATE DATABASE \"{api.Database}_{suffix}\"");
        var sql = Path.Combine(Path.GetTempPath(), $"geoprojects-previous-{Guid.NewGuid():N}.sql");
        await using (var gz = new GZipStream(File.OpenRead(Fixture), CompressionMode.Decompress))
        await using (var file = File.Create(sql))
            await gz.CopyToAsync(file);
        try
        {
            await RunAsync(Path.Combine(ScratchCluster.PgBin, "psql"), target, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", sql);
        }
        finally
        {
            File.Delete(sql);
        }
        return target;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await using var command = new NpgsqlCommand(statement, c);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Every table's rows (count and an md5 of them in a fixed order), the migration history included.</summary>
    private static async Task<Dictionary<string, string>> TablesAsync(string connectionString, bool history = true)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('geoprojects_scripts', 'spatial_ref_sys')", c))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        var rows = new Dictionary<string, string>();
        foreach (var table in tables.Where(t => history || t != "__EFMigrationsHistory"))
        {
            await using var digest = new NpgsqlCommand(
                $"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"{table}\" t", c);
            rows[table] = (string)(await digest.ExecuteScalarAsync())!;
        }
        return rows;
    }

    private static async Task<List<string>> SchemaAsync(string connectionString)
    {
        var file = Path.Combine(Path.GetTempPath(), $"geoprojects-schema-{Guid.NewGuid():N}.sql");
        try
        {
            await RunAsync(Path.Combine(ScratchCluster.PgBin, "pg_dump"), connectionString, "--schema-only", "--no-owner", "-f", file);
            return (await File.ReadAllLinesAsync(file)).Where(l => l.Length > 0 && !l.StartsWith("--") && !l.StartsWith('\\')).Order().ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task DropAsync(string suffix)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(api.ConnectionString, $"DROP DATABASE IF EXISTS \"{api.Database}_{suffix}\" WITH (FORCE)");
    }

    private static async Task<string> HistoryAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT string_agg(migration_id, ',' ORDER BY migration_id) FROM \"__EFMigrationsHistory\"", c);
        return (string)(await read.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task ADatabaseThePreviousMigrationsMadeUpgradesInPlaceLosingNothing()
    {
        try
        {
            var previous = await RestoredAsync("previous");
            var before = await TablesAsync(previous, history: false);
            Assert.True(int.Parse(before["revisions"].Split(':')[0]) > 3000, before["revisions"]);
            Assert.True(int.Parse(before["progress_reports"].Split(':')[0]) > 0, before["progress_reports"]);
            var (exit, log) = await ServerProcess.MigrateAsync(previous);
            Assert.True(exit == 0, log);
            Assert.Equal(before, await TablesAsync(previous, history: false)); // every row of every table, revisions included
            // Marked as at the baseline, then the migrations after it applied: the history a fresh database has.
            Assert.StartsWith(PreviousMigrations.Baseline, await HistoryAsync(previous));
            Assert.Equal(await HistoryAsync(api.ConnectionString), await HistoryAsync(previous));
            Assert.Equal(await SchemaAsync(api.ConnectionString), await SchemaAsync(previous)); // as a fresh database's
        }
        finally
        {
            await DropAsync("previous");
        }
    }

    [Fact]
    public async Task ADatabaseThePreviousMigrationsLeftHalfwayIsRefusedUnchanged()
    {
        try
        {
            var halfway = await RestoredAsync("halfway");
            await ExecuteAsync(halfway, $"DELETE FROM \"__EFMigrationsHistory\" WHERE migration_id = '{PreviousMigrations.Ids[^1]}'");
            var before = await TablesAsync(halfway);
            var (exit, log) = await ServerProcess.MigrateAsync(halfway);
            Assert.Equal(2, exit);
            Assert.Contains("migrate changes nothing", log);
            Assert.Contains(PreviousMigrations.Ids[^2], log); // where it stopped
            Assert.DoesNotContain("   at ", log); // one line, no stack trace
            Assert.Equal(before, await TablesAsync(halfway));
        }
        finally
        {
            await DropAsync("halfway");
        }
    }

    [Fact]
    public async Task ADatabaseWithTheRegistrysTablesButNoHistoryIsRefusedUnchanged()
    {
        var stranger = Scratch("stranger");
        try
        {
            await ExecuteAsync(api.ConnectionString,
                $"DROP DATABASE IF EXISTS \"{api.Database}_stranger\"; CREATE DATABASE \"{api.Database}_stranger\"");
            await ExecuteAsync(stranger, "CREATE TABLE projects (id int PRIMARY KEY, name text); INSERT INTO projects VALUES (1, 'kept')");
            var (exit, log) = await ServerProcess.MigrateAsync(stranger);
            Assert.Equal(2, exit);
            Assert.Contains("no migration history", log);
            Assert.Equal(new Dictionary<string, string> { ["projects"] = (await TablesAsync(stranger))["projects"] }, await TablesAsync(stranger));
        }
        finally
        {
            await DropAsync("stranger");
        }
    }
}
