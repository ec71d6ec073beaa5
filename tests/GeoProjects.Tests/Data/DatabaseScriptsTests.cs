using GeoProjects.Api.Data;
using GeoProjects.Tests.Infrastructure;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// db/ is the database's programmable design, current state: `migrate` applies every file and records its checksum, runs
/// a file again when its content differs from what was applied (here: a policy and a trigger removed behind its back,
/// their records made stale), and touches nothing when nothing changed; a script that fails changes nothing (one transaction
/// with the migrations).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DatabaseScriptsTests(ApiFixture api)
{
    private static async Task<Dictionary<string, (string Checksum, DateTime At)>> RecordedAsync(NpgsqlConnection c)
    {
        await using var read = new NpgsqlCommand("SELECT name, checksum, applied_at FROM geoprojects_scripts", c);
        await using var reader = await read.ExecuteReaderAsync();
        var recorded = new Dictionary<string, (string, DateTime)>();
        while (await reader.ReadAsync()) recorded[reader.GetString(0)] = (reader.GetString(1), reader.GetDateTime(2));
        return recorded;
    }

    private static async Task<long> CountAsync(NpgsqlConnection c, string sql)
    {
        await using var command = new NpgsqlCommand(sql, c);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task MigrateAppliesDbScriptsAndReappliesTheOnesThatChanged()
    {
        var database = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = api.Database + "_scripts" };
        try
        {
            var (exit, log) = await ServerProcess.MigrateAsync(database.ConnectionString);
            Assert.True(exit == 0, log);
            Dictionary<string, (string Checksum, DateTime At)> first;
            await using (var c = new NpgsqlConnection(database.ConnectionString))
            {
                await c.OpenAsync();
                first = await RecordedAsync(c);
                Assert.Equal(DatabaseScripts.All.Select(s => (s.Name, DatabaseScripts.Checksum(s.Sql))).Order(),
                    first.Select(r => (r.Key, r.Value.Checksum)).Order());
                Assert.Contains("policies/projects.sql", first.Keys);
                // What pg_dump cannot show is applied too: PostGIS's spatial predicates marked LEAKPROOF (their indexes under RLS).
                Assert.Equal(1, await CountAsync(c,
                    "SELECT count(*) FROM pg_proc WHERE oid = 'st_within(geometry,geometry)'::regprocedure AND proleakproof"));
                await using var sabotage = new NpgsqlCommand("""
                    DROP POLICY projects_read ON projects;
                    DROP TRIGGER projects_next_version ON projects;
                    UPDATE geoprojects_scripts SET checksum = 'stale' WHERE name IN ('policies/projects.sql', 'triggers/projects.sql');
                    """, c);
                await sabotage.ExecuteNonQueryAsync();
            }
            (exit, log) = await ServerProcess.MigrateAsync(database.ConnectionString);
            Assert.True(exit == 0, log);
            await using (var c = new NpgsqlConnection(database.ConnectionString))
            {
                await c.OpenAsync();
                Assert.Equal(1, await CountAsync(c, "SELECT count(*) FROM pg_policy WHERE polname = 'projects_read'"));
                Assert.Equal(1, await CountAsync(c, "SELECT count(*) FROM pg_trigger WHERE tgname = 'projects_next_version'"));
                var second = await RecordedAsync(c);
                Assert.All(DatabaseScripts.All, s => Assert.Equal(DatabaseScripts.Checksum(s.Sql), second[s.Name].Checksum));
                var reapplied = second.Where(r => r.Value.At != first[r.Key].At).Select(r => r.Key).Order().ToList();
                // the others were unchanged; leakproof.sql runs every time (a restore loses what it sets)
                Assert.Equal(["functions/leakproof.sql", "policies/projects.sql", "triggers/projects.sql"], reapplied);
                // A script that fails (here its record is refused, after the trigger file ran) leaves everything as it was.
                await using var refuse = new NpgsqlCommand("""
                    DROP POLICY projects_read ON projects;
                    UPDATE geoprojects_scripts SET checksum = 'stale' WHERE name IN ('policies/projects.sql', 'functions/access.sql');
                    ALTER TABLE geoprojects_scripts ADD CONSTRAINT refuse_access CHECK (name <> 'functions/access.sql' OR checksum = 'stale');
                    """, c);
                await refuse.ExecuteNonQueryAsync();
            }
            (exit, log) = await ServerProcess.MigrateAsync(database.ConnectionString);
            Assert.True(exit != 0, log);
            await using (var c = new NpgsqlConnection(database.ConnectionString))
            {
                await c.OpenAsync();
                Assert.Equal(0, await CountAsync(c, "SELECT count(*) FROM pg_policy WHERE polname = 'projects_read'"));
                Assert.Equal(2, await CountAsync(c, "SELECT count(*) FROM geoprojects_scripts WHERE checksum = 'stale'"));
                await using var allow = new NpgsqlCommand("ALTER TABLE geoprojects_scripts DROP CONSTRAINT refuse_access", c);
                await allow.ExecuteNonQueryAsync();
            }
            (exit, log) = await ServerProcess.MigrateAsync(database.ConnectionString);
            Assert.True(exit == 0, log);
            await using (var c = new NpgsqlConnection(database.ConnectionString))
            {
                await c.OpenAsync();
                Assert.Equal(1, await CountAsync(c, "SELECT count(*) FROM pg_policy WHERE polname = 'projects_read'"));
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(api.ConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database.Database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
