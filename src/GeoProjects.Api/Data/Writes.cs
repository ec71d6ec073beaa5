using GeoProjects.Api.GraphQL;
using GraphQL;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Data;

/// <summary>How a mutation writes: one transaction on the primary, naming who writes and the request, all or nothing.</summary>
public static class Writes
{
    public static async Task<Payload> InTransactionAsync(IResolveFieldContext c, Func<PrimaryDb, CancellationToken, Task<Payload>> work)
    {
        var db = c.RequestServices!.GetRequiredService<PrimaryDb>();
        var http = Http(c);
        var ct = c.CancellationToken;
        db.ChangeTracker.Clear(); // each mutation of a request starts clean, even after one that failed
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.SetCorrelationIdAsync(http?.TraceIdentifier, ct);
        try
        {
            var payload = await work(db, ct);
            await tx.CommitAsync(ct);
            return payload;
        }
        catch (MutationFailedException e)
        {
            await tx.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return new Payload(null, e.Errors);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.InsufficientPrivilege })
        {
            // A row-level security policy refused the row (an editor creating or moving a project outside its zones).
            await tx.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            throw Security.Authorization.Denied();
        }
    }

    /// <summary>
    /// The database's rule for who may change a project (an editor: inside its zones), asked first so that an editor
    /// outside them hears AUTH_NOT_AUTHORIZED, not a version conflict; the policies hold the line again on the write.
    /// </summary>
    public static async Task RequireEditableAsync(PrimaryDb db, int projectId, CancellationToken ct)
    {
        // An admin may edit every project (the policy's first clause): no question to ask, one round trip less per write.
        if (Security.Caller.Current.Role == Security.Role.Admin) return;
        var may = await db.Database.SqlQueryRaw<bool>("SELECT geoprojects_may_edit_project({0}) AS \"Value\"", projectId).SingleAsync(ct);
        if (!may) throw Security.Authorization.Denied();
    }

    private static HttpContext? Http(IResolveFieldContext c) => c.RequestServices!.GetService<IHttpContextAccessor>()?.HttpContext;

    /// <summary>Who writes, as the revisions name them (app.user): the bearer token's subject.</summary>
    public static string Actor => Security.Caller.Current.Name;
}
