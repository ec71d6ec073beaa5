using Npgsql;

namespace GeoProjects.Api.Data;

/// <summary>
/// The migrations squashed into Baseline (2026-12-07). A database they migrated (all sixteen applied) already has the
/// baseline's tables: before migrating, its history is rewritten to the baseline in one transaction, and nothing else is
/// touched. A database with only some of them, or with the registry's tables and no history, is not one this release can
/// upgrade: migrate stops with a message and changes nothing.
/// </summary>
public static class PreviousMigrations
{
    public const string Baseline = "20261207044141_Baseline";

    public static readonly string[] Ids =
    [
        "20261126102025_Initial", "20261126105147_DataVersionAndCrs", "20261201002917_SourceNoteLimit",
        "20261201003356_PlannedCompletionDate", "20261201005121_VersionsAndRevisions", "20261201011452_ProgressReports",
        "20261201015733_RowLevelSecurity", "20261201031020_AccessPolicyInDatabase", "20261201034812_ChangeNotifications",
        "20261201043429_PolicyInitPlans", "20261201055717_Summaries", "20261201061908_RevisionsComputedOnce",
        "20261201065225_PagingIndexes", "20261207011242_BatchCodes", "20261207032532_RevisionsInCommitOrder",
        "20261207034006_UnchangedRowsKeepTheirTime",
    ];

    public static string BaselineSql { get; } = Read("migrations/baseline.sql");

    private static string Read(string resource)
    {
        using var stream = typeof(PreviousMigrations).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A database migrate may not touch, with the reason; thrown before anything is changed.</summary>
    public sealed class NotUpgradable(string message) : Exception(message);

    /// <summary>Marks a database the previous migrations completed as at the baseline; refuses one they left halfway or never made.</summary>
    public static async Task UpgradeHistoryAsync(NpgsqlTransaction tx, CancellationToken ct)
    {
        var connection = tx.Connection!;
        var history = await ScalarAsync<bool>(connection, tx, "SELECT to_regclass('\"__EFMigrationsHistory\"') IS NOT NULL", ct);
        var applied = history ? await ListAsync(connection, tx, ct) : [];
        if (applied.Count == 0)
        {
            if (await ScalarAsync<bool>(connection, tx, "SELECT to_regclass('projects') IS NOT NULL", ct))
                throw new NotUpgradable("the database has a projects table but no migration history: it is not one GeoProjects made, "
                    + "or its history was lost; migrate changes nothing (restore a backup, or use an empty database)");
            return; // empty: the baseline creates everything
        }
        if (applied.Contains(Baseline)) return;
        var previous = applied.Intersect(Ids).ToList();
        var unknown = applied.Except(Ids).ToList();
        if (unknown.Count > 0 || previous.Count != Ids.Length)
            throw new NotUpgradable($"the database's migrations stop at {applied.Max()} ({previous.Count} of the {Ids.Length} this release "
                + $"squashed{(unknown.Count > 0 ? $", and {string.Join(", ", unknown)} it does not know" : "")}): migrate changes nothing. "
                + "Finish it with the release that made it (its own migrate), then run this one.");
        await using (var clear = new NpgsqlCommand("DELETE FROM \"__EFMigrationsHistory\"", connection, tx)) await clear.ExecuteNonQueryAsync(ct);
        await using (var rewrite = new NpgsqlCommand(
            "INSERT INTO \"__EFMigrationsHistory\" (migration_id, product_version) VALUES ($1, $2)", connection, tx))
        {
            rewrite.Parameters.Add(new() { Value = Baseline });
            rewrite.Parameters.Add(new() { Value = typeof(Microsoft.EntityFrameworkCore.DbContext).Assembly.GetName().Version!.ToString(3) });
            await rewrite.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection c, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, c, tx);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection c, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT migration_id FROM \"__EFMigrationsHistory\"", c, tx);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        return ids;
    }
}
