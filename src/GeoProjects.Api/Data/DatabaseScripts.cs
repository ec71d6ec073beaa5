using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace GeoProjects.Api.Data;

/// <summary>
/// The database's programmable design as current-state SQL under db/ (the login and its grants, functions, triggers,
/// row-level security), embedded in the build and applied by `migrate` after the schema migrations — as Flyway's and
/// DbUp's repeatable scripts are: each file is run again when its content changes (a SHA-256 in `geoprojects_scripts`),
/// all in one transaction, in the order roles → functions → triggers → policies. A triggers or policies file is its
/// table's whole set (it drops what is there first), so what a file says is what the database does.
/// </summary>
public static class DatabaseScripts
{
    private const string Prefix = "db/";
    /// <summary>A script that begins so is run at every migrate (what a restore loses, as LEAKPROOF marks on PostGIS's functions).</summary>
    private const string EveryTime = "-- Runs at every migrate";
    private static readonly string[] Order = ["roles.sql", "functions/", "triggers/", "policies/"];

    /// <summary>The scripts in the order they are applied: (db/-relative name, SQL).</summary>
    public static IReadOnlyList<(string Name, string Sql)> All { get; } = Load();

    private static List<(string Name, string Sql)> Load()
    {
        var assembly = typeof(DatabaseScripts).Assembly;
        var scripts = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => (Name: n[Prefix.Length..], Sql: Read(assembly, n))).ToList();
        var unordered = scripts.Where(s => Rank(s.Name) < 0).Select(s => s.Name).ToList();
        if (unordered.Count > 0) throw new InvalidOperationException($"db/ scripts outside the known order: {string.Join(", ", unordered)}");
        return scripts.OrderBy(s => Rank(s.Name)).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    private static int Rank(string name) => Array.FindIndex(Order, o => o.EndsWith('/') ? name.StartsWith(o, StringComparison.Ordinal) : name == o);

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public static string Checksum(string sql) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    /// <summary>
    /// Applies the scripts whose content changed since they were last applied, in the caller's transaction (migrate's), and
    /// returns their names.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(NpgsqlTransaction tx, CancellationToken ct)
    {
        var connection = tx.Connection!;
        await ExecuteAsync(connection, tx, """
            CREATE TABLE IF NOT EXISTS geoprojects_scripts (
              name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            SET LOCAL check_function_bodies = false; -- functions may name each other in any order, as pg_dump's output does
            """, ct);
        var applied = new Dictionary<string, string>();
        await using (var read = new NpgsqlCommand("SELECT name, checksum FROM geoprojects_scripts", connection, tx))
        await using (var reader = await read.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) applied[reader.GetString(0)] = reader.GetString(1);
        var changed = new List<string>();
        foreach (var (name, sql) in All)
        {
            var checksum = Checksum(sql);
            if (applied.GetValueOrDefault(name) == checksum && !sql.StartsWith(EveryTime, StringComparison.Ordinal)) continue;
            await ExecuteAsync(connection, tx, sql, ct);
            await using var record = new NpgsqlCommand("""
                INSERT INTO geoprojects_scripts (name, checksum) VALUES ($1, $2)
                ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()
                """, connection, tx);
            record.Parameters.Add(new() { Value = name });
            record.Parameters.Add(new() { Value = checksum });
            await record.ExecuteNonQueryAsync(ct);
            changed.Add(name);
        }
        return changed;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}
