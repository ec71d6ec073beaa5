using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace GeoProjects.Api.Security;

/// <summary>
/// Who asks, as PostgreSQL's row-level security reads it: `app.role`, `app.zones` and `app.user`, set per transaction
/// (set_config(…, true), values as parameters). Every command the API sends carries them in the same batch, so they
/// hold for that statement's transaction (implicit, or the explicit one it runs in) and never outlive it on a pooled
/// connection. A command without them is anonymous: the database falls back to the least.
/// </summary>
public sealed class CallerSettings : DbCommandInterceptor
{
    private const string Set = "SELECT set_config('app.role', @app_role, true), set_config('app.zones', @app_zones, true), "
        + "set_config('app.user', @app_user, true);\n";

    /// <summary>
    /// Statements in a command's text: EF Core ends each statement of a batch with `;` and a line break, and the caller's
    /// settings are one such statement; a final statement may go without its `;`.
    /// </summary>
    public static int StatementsIn(string sql)
    {
        var separated = 0;
        for (var i = sql.IndexOf(';'); i >= 0; i = sql.IndexOf(';', i + 1))
            if (i + 1 == sql.Length || sql[i + 1] is '\n' or '\r') separated++;
        return separated + (sql.AsSpan().TrimEnd().EndsWith(";") ? 0 : 1);
    }

    /// <summary>The caller of the current request, or of the command line (<see cref="CallerScope"/>).</summary>
    public Caller Current => Caller.Current;

    /// <summary>The caller a context's commands carry (for commands built outside EF Core's pipeline, as FlatSql's).</summary>
    public static Caller CallerOf(DbContext db) =>
        (db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<CallerSettings>().FirstOrDefault()
            ?? throw new InvalidOperationException("the context has no CallerSettings interceptor")).Current;

    /// <summary>Puts the caller's settings before a command's statement; its first result set is then theirs (see <see cref="Skip"/>).</summary>
    public static void Prepend(DbCommand command, Caller caller)
    {
        command.CommandText = Set + command.CommandText;
        command.Parameters.Add(new NpgsqlParameter("app_role", caller.Role.ToString().ToLowerInvariant()));
        command.Parameters.Add(new NpgsqlParameter("app_zones", string.Join(",", caller.Zones.Order(StringComparer.Ordinal))));
        command.Parameters.Add(new NpgsqlParameter("app_user", caller.Name));
    }

    /// <summary>Passes over the settings' result set, so the reader stands on the statement's own.</summary>
    public static async Task<DbDataReader> Skip(DbDataReader reader, CancellationToken ct)
    {
        try
        {
            await reader.NextResultAsync(ct); // the statement's own errors (a unique key, a policy) surface here
            return reader;
        }
        catch
        {
            await reader.DisposeAsync(); // nobody else holds it yet: left open, it would block the connection's rollback
            throw;
        }
    }

    /// <summary>Sets the caller for the rest of an explicit transaction on a raw connection (COPY, hand-written batches).</summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("", connection, transaction);
        Prepend(command, caller);
        await command.ExecuteNonQueryAsync(ct);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Prepend(command, Current);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Prepend(command, Current);
        return ValueTask.FromResult(result);
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        try
        {
            result.NextResult();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default) =>
        await Skip(result, cancellationToken);

    // A non-query's count is of rows changed, which a SELECT does not add to.
    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Prepend(command, Current);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Prepend(command, Current);
        return ValueTask.FromResult(result);
    }

    // A scalar is the first value of the first result set, which would be the settings': read the statement's instead.
    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Prepend(command, Current);
        using var reader = command.ExecuteReader();
        reader.NextResult();
        return InterceptionResult<object>.SuppressWithResult(reader.Read() ? reader.GetValue(0) : DBNull.Value);
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Prepend(command, Current);
        await using var reader = await Skip(await command.ExecuteReaderAsync(cancellationToken), cancellationToken);
        return InterceptionResult<object>.SuppressWithResult(await reader.ReadAsync(cancellationToken) ? reader.GetValue(0) : DBNull.Value);
    }
}

/// <summary>The caller of work outside a request: the command line's operator (an admin, named for the revisions).</summary>
public static class CallerScope
{
    private static readonly AsyncLocal<Caller?> Ambient = new();

    public static Caller? Current => Ambient.Value;

    public static IDisposable Use(Caller caller)
    {
        var previous = Ambient.Value;
        Ambient.Value = caller;
        return new Restore(() => Ambient.Value = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
