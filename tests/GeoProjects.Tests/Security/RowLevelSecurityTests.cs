using GeoProjects.Api.Data;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// PostgreSQL enforces who sees and changes what, whatever the path: these tests speak SQL as the API's login
/// (geoprojects_api), with and without the per-transaction settings the API sends, inside transactions they roll back.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RowLevelSecurityTests(ApiFixture api)
{
    private string ApiLogin => api.Services.GetRequiredService<DatabaseConnection>().Api;

    /// <summary>Runs <paramref name="work"/> as the API's login in a transaction that is rolled back, after the settings given.</summary>
    private async Task<T> AsApiAsync<T>(Func<NpgsqlConnection, Task<T>> work, string? role = null, string? zones = null)
    {
        await using var c = new NpgsqlConnection(ApiLogin);
        await c.OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        if (role is not null)
        {
            await using var set = new NpgsqlCommand("SELECT set_config('app.role', $1, true), set_config('app.zones', $2, true), "
                + "set_config('app.user', 'rls-test', true)", c, tx);
            set.Parameters.Add(new() { Value = role });
            set.Parameters.Add(new() { Value = zones ?? "" });
            await set.ExecuteNonQueryAsync();
        }
        try
        {
            return await work(c);
        }
        finally
        {
            await tx.RollbackAsync();
        }
    }

    private static async Task<long> CountAsync(NpgsqlConnection c, string sql)
    {
        await using var command = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection c, string sql)
    {
        await using var command = new NpgsqlCommand(sql, c);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> RefusedAsync(NpgsqlConnection c, string sql)
    {
        await using var savepoint = new NpgsqlCommand("SAVEPOINT attempt", c);
        await savepoint.ExecuteNonQueryAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(c, sql));
        await using var back = new NpgsqlCommand("ROLLBACK TO SAVEPOINT attempt", c);
        await back.ExecuteNonQueryAsync();
        return refused.SqlState;
    }

    private static readonly string[] Internal = ["progress_reports", "annual_plans", "revisions"];

    [Fact]
    public async Task WithoutSettingsTheApiLoginSeesOnlyPublishedProjectsAndNoInternalTable()
    {
        await AsApiAsync(async c =>
        {
            Assert.Equal(Seed.Published.Count, await CountAsync(c, "SELECT count(*) FROM projects"));
            Assert.Equal(0, await CountAsync(c, "SELECT count(*) FROM projects WHERE status = 'Reserve'"));
            foreach (var table in Internal) Assert.Equal(0, await CountAsync(c, $"SELECT count(*) FROM {table}"));
            return 0;
        });
        // An unknown role is no role at all.
        Assert.Equal(Seed.Published.Count, await AsApiAsync(c => CountAsync(c, "SELECT count(*) FROM projects"), role: "superuser"));
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("editor")]
    [InlineData("admin")]
    public async Task StaffReadEverything(string role) => await AsApiAsync(async c =>
    {
        Assert.Equal(Seed.Projects.Count, await CountAsync(c, "SELECT count(*) FROM projects"));
        foreach (var table in Internal) Assert.True(await CountAsync(c, $"SELECT count(*) FROM {table}") > 0, table);
        return 0;
    }, role);

    /// <summary>Even a forged `app.role = admin`, set from SQL by the API's login, gives none of the owner's powers.</summary>
    [Fact]
    public async Task AForgedAdminSettingCannotAlterPoliciesHistoryOrRoles() => await AsApiAsync(async c =>
    {
        string[] forbidden =
        [
            "ALTER TABLE projects DISABLE ROW LEVEL SECURITY",
            "ALTER TABLE projects NO FORCE ROW LEVEL SECURITY",
            "DROP POLICY projects_read ON projects",
            "CREATE OR REPLACE FUNCTION geoprojects_role() RETURNS text LANGUAGE sql AS $$ SELECT 'admin' $$",
            "INSERT INTO revisions (entity, entity_id, version, operation, changed_by, changes, record) VALUES ('Project', 1, 99, 'UPDATE', 'forger', '[]', '{}')",
            "UPDATE revisions SET changed_by = 'forger'",
            "DELETE FROM revisions",
            "TRUNCATE projects",
            "UPDATE data_version SET version = 0",
            "SET ROLE postgres",
            "INSERT INTO access_public_statuses VALUES ('Reserve')",
            "DELETE FROM access_field_writes",
            "ALTER TABLE projects DISABLE TRIGGER projects_guard_field_writes",
        ];
        foreach (var sql in forbidden) Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, await RefusedAsync(c, sql));
        return 0;
    }, role: "admin");

    [Fact]
    public async Task AnEditorWritesInsideItsZonesOnlyAndCannotMoveAProjectOut()
    {
        const string firstInZone = "SELECT p.id FROM projects p JOIN zones z ON z.id = p.zone_id WHERE z.code = '{0}' ORDER BY p.id LIMIT 1";
        await AsApiAsync(async c =>
        {
            var gzk = await CountAsync(c, string.Format(firstInZone, "GZK"));
            var djk = await CountAsync(c, string.Format(firstInZone, "DJK"));
            Assert.Equal(1, await ExecuteAsync(c, $"UPDATE projects SET name = name || '·' WHERE id = {gzk}"));
            // Another zone's project is not there to change (USING), and a move out of GZK is refused (WITH CHECK).
            Assert.Equal(0, await ExecuteAsync(c, $"UPDATE projects SET name = name || '·' WHERE id = {djk}"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege,
                await RefusedAsync(c, $"UPDATE projects SET location = ST_SetSRID(ST_MakePoint(119.7484, 35.6605), 4326), zone_id = NULL WHERE id = {gzk}"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, await RefusedAsync(c, $"""
                INSERT INTO progress_reports (project_id, period, completed_investment_ytd, status, correction, reported_by, data_source)
                VALUES ({djk}, DATE '2030-01-01', 1, 'Started', false, 'rls-test', 'Illustrative')
                """));
            // Deleting projects and changing zones are an admin's: for an editor no row qualifies.
            Assert.Equal(0, await ExecuteAsync(c, $"DELETE FROM projects WHERE id = {gzk}"));
            Assert.Equal(0, await ExecuteAsync(c, "UPDATE zones SET name = name || '·'"));
            return 0;
        }, role: "editor", zones: "GZK");
        // A zone's editor also edits the zones inside it (琅琊台风景区 lies in 董家口经济区).
        await AsApiAsync(async c =>
        {
            var lyt = await CountAsync(c, string.Format(firstInZone, "LYT"));
            Assert.Equal(1, await ExecuteAsync(c, $"UPDATE projects SET name = name || '·' WHERE id = {lyt}"));
            return 0;
        }, role: "editor", zones: "DJK");
    }

    /// <summary>A field only admins write (a project's batch) is refused to an editor by the database too, row by row.</summary>
    [Fact]
    public async Task AnEditorCannotSetAnAdminsFieldEvenInItsOwnZone()
    {
        const string inGzk = "(SELECT p.id FROM projects p JOIN zones z ON z.id = p.zone_id WHERE z.code = 'GZK' ORDER BY p.id LIMIT 1)";
        const string OtherBatch = "(CASE WHEN batch_id IS NULL THEN (SELECT min(id) FROM project_batches) END)"; // a change, either way
        await AsApiAsync(async c =>
        {
            Assert.Equal(1, await ExecuteAsync(c, $"UPDATE projects SET name = name || '·' WHERE id = {inGzk}")); // batch unchanged
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege,
                await RefusedAsync(c, $"UPDATE projects SET batch_id = {OtherBatch} WHERE id = {inGzk}"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, await RefusedAsync(c, """
                INSERT INTO projects (code, name, sector, status, total_investment, location, data_source, source_note, batch_id)
                SELECT 'T-RLS-BATCH', '[示例]', 'MarineEconomy', 'Signed', 1, ST_SetSRID(ST_MakePoint(119.962, 35.772), 4326),
                  'Illustrative', 'ILLUSTRATIVE', max(id) FROM project_batches
                """));
            return 0;
        }, role: "editor", zones: "GZK");
        await AsApiAsync(async c =>
        {
            Assert.Equal(1, await ExecuteAsync(c, $"UPDATE projects SET batch_id = {OtherBatch} WHERE id = {inGzk}"));
            return 0;
        }, role: "admin");
    }

    /// <summary>`migrate` refuses an API login that would skip the policies (here: the superuser the tests' server trusts).</summary>
    [Fact]
    public async Task MigrateRefusesAnApiLoginThatBypassesRowLevelSecurity()
    {
        var (exit, output) = await ServerProcess.CommandAsync(Path.GetTempPath(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__GeoProjects"] = api.ConnectionString,
            [$"ConnectionStrings__{DataSetup.ApiConnectionName}"] = api.ConnectionString,
        }, "migrate");
        Assert.True(exit == 2, output);
        Assert.Contains($"ConnectionStrings:{DataSetup.ApiConnectionName}", output);
        Assert.Contains("the login 'postgres' is a superuser, so row-level security would not hold", output);
    }
}
