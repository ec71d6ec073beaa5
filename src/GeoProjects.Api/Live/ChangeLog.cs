using GeoProjects.Api.Security;
using Npgsql;

namespace GeoProjects.Api.Live;

/// <summary>
/// A run of committed changes to one kind of record (Project, Zone, ProjectBatch, ProgressReport, AnnualPlan) by one
/// operation (INSERT, UPDATE, DELETE), in commit order, read from the revisions: the records' keys, each one's cursor (its
/// revision id), those the public may see after the change (as it was, for a deletion) and before it (updates), and for
/// progress reports each one's project. At most <see cref="ChangeLog.RunLength"/> keys, none twice.
/// </summary>
public sealed record Change(string Entity, string Operation, int[] Ids, long[] Cursors, int[] Public, int[] WasPublic, int[] Projects)
{
    /// <summary>The cursor of the change to this record (a progress report's key for progress).</summary>
    public long CursorOf(int id) => Cursors[Array.IndexOf(Ids, id)];

    public long Last => Cursors[^1];
}

/// <summary>
/// Reads the change log — the revisions table, whose ids follow commit order (geoprojects_revisions_in_commit_order in
/// db/functions/revisions.sql) — after a
/// cursor. The change feed reads it when PostgreSQL announces a commit and after it reconnects, a resuming subscriber
/// reads what it missed: one source, so both see the same changes in the same order.
/// </summary>
public static class ChangeLog
{
    public const int RunLength = 100;

    /// <summary>The reader of the log: revisions are staff records (row-level security), and the feed serves every caller.</summary>
    private static readonly Caller Reader = new("change-feed", Role.Viewer, new HashSet<string>());

    // A project's public flag before an update: its status then (the change's old value), else its status now.
    private const string Sql = """
        SELECT r.id, r.entity, r.operation, r.entity_id, (r.record ->> 'project_id')::int,
          r.entity <> 'Project' OR r.record ->> 'status' = ANY (p.statuses),
          r.entity <> 'Project' OR coalesce((SELECT c ->> 'old' FROM jsonb_array_elements(r.changes) c WHERE c ->> 'field' = 'status'),
            r.record ->> 'status') = ANY (p.statuses)
        FROM revisions r, (SELECT ARRAY(SELECT status FROM access_public_statuses) AS statuses) p
        WHERE r.id > @after AND r.id <= @until
        ORDER BY r.id
        LIMIT @limit
        """;

    /// <summary>The last cursor now (0 before the first change).</summary>
    public static Task<long> LastAsync(NpgsqlConnection connection, CancellationToken ct) =>
        ScalarAsync<long>(connection, "SELECT coalesce(max(id), 0) FROM revisions", ct);

    /// <summary>How many changes came after <paramref name="after"/>, counting at most <paramref name="limit"/>.</summary>
    public static Task<int> CountAfterAsync(NpgsqlConnection connection, long after, int limit, CancellationToken ct) =>
        ScalarAsync<int>(connection, "SELECT count(*)::int FROM (SELECT 1 FROM revisions WHERE id > @after LIMIT @limit) r", ct,
            new("after", after), new("limit", limit));

    /// <summary>One value, read as the change log's reader (its settings batched before the statement).</summary>
    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        CallerSettings.Prepend(command, Reader);
        await using var reader = await CallerSettings.Skip(await command.ExecuteReaderAsync(ct), ct);
        await reader.ReadAsync(ct);
        return reader.GetFieldValue<T>(0);
    }

    /// <summary>Up to <paramref name="limit"/> revisions after <paramref name="after"/> (through <paramref name="until"/>), as runs.</summary>
    public static async Task<(IReadOnlyList<Change> Changes, long Last, int Read)> ReadAsync(
        NpgsqlConnection connection, long after, long until, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("until", until);
        command.Parameters.AddWithValue("limit", limit);
        CallerSettings.Prepend(command, Reader);
        await using var reader = await CallerSettings.Skip(await command.ExecuteReaderAsync(ct), ct);
        var runs = new RunBuilder();
        var (last, read) = (after, 0);
        while (await reader.ReadAsync(ct))
        {
            last = reader.GetInt64(0);
            read++;
            runs.Add(new Revision(last, reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetBoolean(5), reader.GetBoolean(6)));
        }
        return (runs.Build(), last, read);
    }

    private sealed record Revision(long Cursor, string Entity, string Operation, int Id, int? Project, bool Public, bool WasPublic);

    /// <summary>Consecutive revisions of one entity and operation become one run, up to RunLength and without a key twice.</summary>
    private sealed class RunBuilder
    {
        private readonly List<Change> _done = [];
        private readonly List<Revision> _run = [];

        public void Add(Revision revision)
        {
            if (_run.Count > 0 && (_run.Count == RunLength || _run[0].Entity != revision.Entity
                || _run[0].Operation != revision.Operation || _run.Any(r => r.Id == revision.Id))) Close();
            _run.Add(revision);
        }

        public IReadOnlyList<Change> Build()
        {
            Close();
            return _done;
        }

        private void Close()
        {
            if (_run.Count == 0) return;
            var update = _run[0].Operation == "UPDATE";
            _done.Add(new Change(_run[0].Entity, _run[0].Operation, [.. _run.Select(r => r.Id)], [.. _run.Select(r => r.Cursor)],
                [.. _run.Where(r => r.Public).Select(r => r.Id)],
                [.. _run.Where(r => update ? r.WasPublic : r.Operation == "DELETE" && r.Public).Select(r => r.Id)],
                [.. _run.Select(r => r.Project ?? 0)]));
            _run.Clear();
        }
    }
}
