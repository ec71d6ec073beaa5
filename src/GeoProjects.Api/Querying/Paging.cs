using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Querying;

public sealed class PagingOptions
{
    public int DefaultPageSize { get; set; } = 10;
    public int MaxPageSize { get; set; } = 100;
}

public sealed record PageArgs(int? First, string? After, int? Last, string? Before);

public sealed record Edge<T>(string Cursor, T Node);

public sealed record PageInfo(bool HasNextPage, bool HasPreviousPage, string? StartCursor, string? EndCursor);

public sealed class Connection<T>(IReadOnlyList<Edge<T>> edges, PageInfo pageInfo, Func<CancellationToken, Task<int>> totalCount)
{
    public IReadOnlyList<Edge<T>> Edges => edges;
    public IEnumerable<T> Nodes => edges.Select(e => e.Node);
    public PageInfo PageInfo => pageInfo;
    /// <summary>Counted only when asked for: one more statement, independent of page size.</summary>
    public Task<int> TotalCountAsync(CancellationToken ct) => totalCount(ct);
}

/// <summary>
/// Relay cursor paging. Cursors are keyset cursors (<see cref="Keyset"/>): a page after or before one is a range
/// condition on the order's keys, so its cost does not grow with its position. Position cursors (base64 of the zero-based
/// index, "MA==" is 0, as HotChocolate's offset paging and this API's earlier versions gave) are still read, as OFFSETs,
/// and still given for orders a keyset cannot follow (a progress figure computed as of a date).
/// Sizes above the maximum are an error, not a silent cap.
/// </summary>
public static class Paging
{
    public const int MaxCursorIndex = 1_000_000_000;

    public static string Cursor(int index) => Convert.ToBase64String(Encoding.UTF8.GetBytes(index.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static int Index(string cursor) =>
        TryIndex(cursor) ?? throw new QueryInputException("INVALID_CURSOR", $"'{cursor}' is not a valid cursor");

    /// <summary>The position a position cursor names, or null when it is not one.</summary>
    public static int? TryIndex(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            // Bounded well below int.MaxValue, so `index + 1 + page size` cannot overflow into a negative OFFSET.
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) && i <= MaxCursorIndex) return i;
        }
        catch (FormatException)
        {
        }
        return null;
    }

    public static void Validate(PageArgs args, PagingOptions options)
    {
        foreach (var (name, value) in new[] { ("first", args.First), ("last", args.Last) })
        {
            if (value < 0) throw new QueryInputException("PAGE_SIZE_NEGATIVE", $"'{name}' must not be negative");
            if (value > options.MaxPageSize)
                throw new QueryInputException("PAGE_SIZE_EXCEEDED", $"'{name}' is {value}; the maximum page size is {options.MaxPageSize}");
        }
    }

    /// <summary>
    /// A page of <paramref name="filtered"/> in the order of <paramref name="keys"/> (ending with a unique key);
    /// <paramref name="selector"/> narrows the selected columns.
    /// </summary>
    public static Task<Connection<T>> PageAsync<T>(
        IQueryable<T> filtered, IReadOnlyList<SortKey> keys, Expression<Func<T, T>> selector, PageArgs args, PagingOptions options,
        CancellationToken ct) where T : class
    {
        Validate(args, options);
        var byPosition = args.After is { } a && TryIndex(a) is not null || args.Before is { } b && TryIndex(b) is not null;
        return byPosition || !Keyset.Follows(keys)
            ? PositionPageAsync(filtered, keys, selector, args, options, ct)
            : new Keyset(keys).PageAsync(filtered, selector, args, options, ct);
    }

    /// <summary>OFFSET paging, for position cursors and orders a keyset cannot follow.</summary>
    private static async Task<Connection<T>> PositionPageAsync<T>(
        IQueryable<T> filtered, IReadOnlyList<SortKey> keys, Expression<Func<T, T>> selector, PageArgs args, PagingOptions options,
        CancellationToken ct) where T : class
    {
        var ordered = SortTranslator.Apply(filtered, keys);
        int? total = null;
        async Task<int> Count(CancellationToken c) => total ??= await ordered.CountAsync(c);

        var start = args.After is null ? 0 : Index(args.After) + 1;
        int? end = args.Before is null ? null : Index(args.Before);
        var first = args.First ?? (args.Last is null ? options.DefaultPageSize : null);
        if (first is not null) end = Math.Min(end ?? int.MaxValue, start + first.Value);
        if (args.Last is not null)
        {
            end ??= await Count(ct);
            start = Math.Max(start, end.Value - args.Last.Value);
        }
        var size = Math.Max(0, end!.Value - start);
        // One row more than the page tells whether a next page exists without counting.
        var rows = size == 0 ? [] : await ordered.Skip(start).Take(size + 1).Select(selector).ToListAsync(ct);
        var page = rows.Take(size).Select((node, i) => new Edge<T>(Cursor(start + i), node)).ToList();
        var info = new PageInfo(rows.Count > size, start > 0, page.FirstOrDefault()?.Cursor, page.LastOrDefault()?.Cursor);
        return new Connection<T>(page, info, Count);
    }
}
