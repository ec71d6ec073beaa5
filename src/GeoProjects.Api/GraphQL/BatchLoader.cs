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
/// </summary>
public sealed class BatchLoader<TKey, TValue>(Func<IReadOnlyList<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
    where TKey : notnull
{
    private readonly List<TKey> _pending = [];
    private readonly Dictionary<TKey, TValue?> _loaded = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public IDataLoaderResult<TValue?> Load(TKey key)
    {
        if (!_loaded.ContainsKey(key) && !_pending.Contains(key)) _pending.Add(key);
        return new Result(this, key);
    }

    private async Task<TValue?> GetAsync(TKey key, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (!_loaded.ContainsKey(key) && _pending.Count > 0)
            {
                var keys = _pending.ToList();
                _pending.Clear();
                var values = await fetch(keys, ct);
                foreach (var k in keys) _loaded[k] = values.TryGetValue(k, out var v) ? v : default;
            }
            return _loaded.GetValueOrDefault(key);
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed class Result(BatchLoader<TKey, TValue> loader, TKey key) : IDataLoaderResult<TValue?>
    {
        public Task<TValue?> GetResultAsync(CancellationToken cancellationToken = default) => loader.GetAsync(key, cancellationToken);
        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}

/// <summary>Per-request home of the loaders, keyed by what they load (and with which arguments).</summary>
public sealed class RequestLoaders
{
    private readonly Dictionary<string, object> _loaders = [];
    private readonly Dictionary<string, HashSet<string>> _fields = [];

    /// <summary>The union of GraphQL fields asked of a loader's values, so one fetch selects them all.</summary>
    public HashSet<string> Fields(string key) => _fields.TryGetValue(key, out var f) ? f : _fields[key] = [];

    public BatchLoader<TKey, TValue> GetOrAdd<TKey, TValue>(string key, Func<IReadOnlyList<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
        where TKey : notnull
    {
        if (!_loaders.TryGetValue(key, out var loader)) _loaders[key] = loader = new BatchLoader<TKey, TValue>(fetch);
        return (BatchLoader<TKey, TValue>)loader;
    }
}

public static class LoaderExtensions
{
    // Compiling an expression JITs a new method; once per key, not once per resolved field.
    private static class CompiledKeys<T>
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<T, int>> Compiled = new();
        public static Func<T, int> Of(Expression<Func<T, int>> key) => Compiled.GetOrAdd(key.ToString(), _ => key.Compile());
    }

    /// <summary>
    /// Entities by key: one statement for every key of a level, selecting the union of the fields the
    /// query asks of them wherever they appear.
    /// </summary>
    public static BatchLoader<int, T> LoaderById<T>(
        this IResolveFieldContext c, Func<GeoProjectsDb, IQueryable<T>> set, Projection<T> columns, Expression<Func<T, int>> key)
        where T : class
    {
        var name = typeof(T).Name + ".byId";
        var loaders = c.RequestServices!.GetRequiredService<RequestLoaders>();
        var fields = loaders.Fields(name);
        fields.UnionWith(Selection.FieldNames(c));
        var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
        var keyOf = CompiledKeys<T>.Of(key);
        return loaders.GetOrAdd<int, T>(name, async (ids, ct) =>
        {
            var wanted = ids.ToList();
            Expression<Func<List<int>>> keys = () => wanted; // a closure, so EF sends the keys as one array parameter
            var contains = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(int)], keys.Body, key.Body);
            var rows = await columns.Apply(set(db).AsNoTracking().Where(Expression.Lambda<Func<T, bool>>(contains, key.Parameters)), fields).ToListAsync(ct);
            return rows.ToDictionary(keyOf);
        });
    }
}
