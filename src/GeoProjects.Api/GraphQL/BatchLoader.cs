using System.Linq.Expressions;
using GeoProjects.Api.Data;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.DataLoader;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.GraphQL;

/// <summary>
/// A small batching loader (the GraphQL.DataLoader package is not available here). Resolvers call
/// <see cref="Load"/>; GraphQL.NET resolves the returned <see cref="IDataLoaderResult"/>s after the
/// current level, and the first one fetches every key queued so far in one call.
/// Values may be partial (only the columns some selection asked for), so each value remembers the fields it was
/// fetched with, and a later <see cref="Load"/> that needs more fields fetches the key again: a deeper level
/// never receives an entity that lacks what it selects.
/// </summary>
public sealed class BatchLoader<TKey, TValue>(Func<IReadOnlyList<TKey>, IReadOnlySet<string>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
    where TKey : notnull
{
    private static readonly IReadOnlySet<string> NoFields = new HashSet<string>();
    private readonly HashSet<string> _fields = [];
    private readonly List<TKey> _pending = [];
    private readonly HashSet<TKey> _queued = [];
    private readonly Dictionary<TKey, (TValue? Value, IReadOnlySet<string> Fields)> _loaded = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Queues <paramref name="key"/> unless it is loaded with every field in <paramref name="fields"/>.</summary>
    public IDataLoaderResult<TValue?> Load(TKey key, IReadOnlySet<string>? fields = null)
    {
        var needed = fields ?? NoFields;
        _fields.UnionWith(needed); // one fetch selects the union of what every queued occurrence asks
        if (!Covers(key, needed) && _queued.Add(key)) _pending.Add(key);
        return new Result(this, key, needed);
    }

    private bool Covers(TKey key, IReadOnlySet<string> needed) => _loaded.TryGetValue(key, out var e) && needed.IsSubsetOf(e.Fields);

    private async Task<TValue?> GetAsync(TKey key, IReadOnlySet<string> needed, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (!Covers(key, needed) && _pending.Count > 0)
            {
                var keys = _pending.ToList();
                var fields = _fields.ToHashSet();
                _pending.Clear();
                _queued.Clear();
                var values = await fetch(keys, fields, ct);
                foreach (var k in keys) _loaded[k] = (values.TryGetValue(k, out var v) ? v : default, fields);
            }
            return _loaded.TryGetValue(key, out var e) ? e.Value : default;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed class Result(BatchLoader<TKey, TValue> loader, TKey key, IReadOnlySet<string> needed) : IDataLoaderResult<TValue?>
    {
        public Task<TValue?> GetResultAsync(CancellationToken cancellationToken = default) => loader.GetAsync(key, needed, cancellationToken);
        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}

/// <summary>Per-request home of the loaders, keyed by what they load (and with which arguments).</summary>
public sealed class RequestLoaders
{
    private readonly Dictionary<string, object> _loaders = [];

    public BatchLoader<TKey, TValue> GetOrAdd<TKey, TValue>(
        string key, Func<IReadOnlyList<TKey>, IReadOnlySet<string>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
        where TKey : notnull
    {
        if (!_loaders.TryGetValue(key, out var loader)) _loaders[key] = loader = new BatchLoader<TKey, TValue>(fetch);
        return (BatchLoader<TKey, TValue>)loader;
    }
}

public static class LoaderExtensions
{
    // Compiling an expression JITs a new method; once per key, not once per resolved field.
    private static class CompiledKeys<T, TKey>
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<T, TKey>> Compiled = new();
        public static Func<T, TKey> Of(Expression<Func<T, TKey>> key) => Compiled.GetOrAdd(key.ToString(), _ => key.Compile());
    }

    /// <summary>
    /// Entities by key: one statement for every key of a level, selecting the union of the fields the query asks
    /// of them there; <see cref="LoadById"/> passes the fields the current selection needs.
    /// </summary>
    public static BatchLoader<TKey, T> LoaderById<T, TKey>(
        this IResolveFieldContext c, Func<GeoProjectsDb, IQueryable<T>> set, Projection<T> columns, Expression<Func<T, TKey>> key)
        where T : class where TKey : notnull
    {
        var loaders = c.RequestServices!.GetRequiredService<RequestLoaders>();
        var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
        var keyOf = CompiledKeys<T, TKey>.Of(key);
        return loaders.GetOrAdd<TKey, T>(typeof(T).Name + ".byId", async (ids, fields, ct) =>
        {
            var wanted = ids.ToList();
            Expression<Func<List<TKey>>> keys = () => wanted; // a closure, so EF sends the keys as one array parameter
            var contains = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(TKey)], keys.Body, key.Body);
            var rows = await columns.Apply(set(db).AsNoTracking().Where(Expression.Lambda<Func<T, bool>>(contains, key.Parameters)), fields).ToListAsync(ct);
            return rows.ToDictionary(keyOf);
        });
    }

}

/// <summary>A loaded value mapped once it arrives (GraphQL.DataLoader's `Then`, which is not served here).</summary>
public static class DataLoaderResults
{
    public static IDataLoaderResult<TResult> Then<T, TResult>(this IDataLoaderResult<T> result, Func<T, TResult> map) => new Mapped<T, TResult>(result, map);

    private sealed class Mapped<T, TResult>(IDataLoaderResult<T> inner, Func<T, TResult> map) : IDataLoaderResult<TResult>
    {
        public async Task<TResult> GetResultAsync(CancellationToken cancellationToken = default) => map(await inner.GetResultAsync(cancellationToken));

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}
