using GeoProjects.Api.GraphQL;
using GraphQL;

namespace GeoProjects.Api.Data;

/// <summary>How a mutation writes: one transaction on the primary, naming who writes and the request, all or nothing.</summary>
public static class Writes
{
    /// <summary>The header naming who writes until authentication does (issue 14); "anonymous" without it.</summary>
    public const string ActorHeader = "X-Actor";

    public static async Task<Payload> InTransactionAsync(IResolveFieldContext c, Func<PrimaryDb, CancellationToken, Task<Payload>> work)
    {
        var db = c.RequestServices!.GetRequiredService<PrimaryDb>();
        var http = Http(c);
        var ct = c.CancellationToken;
        db.ChangeTracker.Clear(); // each mutation of a request starts clean, even after one that failed
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.SetActorAsync(Actor(http), http?.TraceIdentifier, ct);
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
    }

    private static HttpContext? Http(IResolveFieldContext c) => c.RequestServices!.GetService<IHttpContextAccessor>()?.HttpContext;

    public static string Actor(IResolveFieldContext c) => Actor(Http(c));

    /// <summary>The X-Actor header: trimmed, at most 100 characters, printable; "anonymous" when absent.</summary>
    public static string Actor(HttpContext? http)
    {
        var header = http?.Request.Headers[ActorHeader].FirstOrDefault()?.Trim();
        if (string.IsNullOrEmpty(header)) return "anonymous";
        var clean = new string(header.Where(ch => !char.IsControl(ch)).Take(100).ToArray());
        return clean.Length == 0 ? "anonymous" : clean;
    }
}
