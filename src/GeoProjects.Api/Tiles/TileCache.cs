using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Tiles;

/// <summary>
/// Rendered tiles kept in memory under <see cref="MapLayerRequest.TileKey"/> (data version, progress day, the tile's
/// parameters), so a tile that many clients ask for is made once per data version; a z8 cluster tile over a million
/// projects takes PostGIS about a second. A write bumps the version, so a stale entry is never served; old entries
/// fall out by size.
/// </summary>
public sealed class TileCache : IDisposable
{
    public const string Header = "X-Cache";
    private readonly MemoryCache? _cache;
    /// <summary>Renderings under way, by key: what a concurrent request for the same tile waits for.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<byte[]>> _rendering = new();

    public TileCache(IOptions<TileOptions> options)
    {
        var megabytes = options.Value.CacheMegabytes;
        if (megabytes > 0) _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = megabytes * 1024L * 1024, TrackStatistics = true });
        Hosting.Telemetry.ObserveTileCacheSize(() => _cache?.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0);
    }

    /// <summary>
    /// The cached tile for <paramref name="key"/>, or a new rendering (an empty tile is cached too); sets X-Cache: HIT or MISS.
    /// Concurrent first requests for one tile share one rendering (request coalescing): a map opening on a cold tile
    /// costs PostGIS that tile once, not once per client. With the cache off, every request renders (the benchmark's case).
    /// </summary>
    public async Task<byte[]> GetOrRenderAsync(HttpContext http, string key, Func<Task<byte[]?>> render)
    {
        var layer = new KeyValuePair<string, object?>("layer", http.Request.Path.Value?.Split('/').ElementAtOrDefault(2));
        if (_cache?.TryGetValue(key, out byte[]? cached) == true) return Hit(http, cached!, "hit", layer);
        if (_cache is null) return await RenderAsync(http, render, layer);
        var mine = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _rendering.GetOrAdd(key, mine.Task);
        if (shared != mine.Task)
        {
            try
            {
                return Hit(http, await shared.WaitAsync(http.RequestAborted), "coalesced", layer);
            }
            catch (Exception) when (!http.RequestAborted.IsCancellationRequested)
            {
                return await RenderAsync(http, render, layer); // the first renderer failed or left: render alone
            }
        }
        try
        {
            var bytes = await RenderAsync(http, render, layer);
            _cache.Set(key, bytes, new MemoryCacheEntryOptions { Size = bytes.Length + 100 });
            mine.SetResult(bytes);
            return bytes;
        }
        catch (Exception e)
        {
            mine.SetException(e);
            _ = mine.Task.Exception; // observed: the followers render on their own
            throw;
        }
        finally
        {
            _rendering.TryRemove(KeyValuePair.Create(key, mine.Task));
        }
    }

    private static byte[] Hit(HttpContext http, byte[] bytes, string result, KeyValuePair<string, object?> layer)
    {
        http.Response.Headers[Header] = "HIT";
        Hosting.Telemetry.TileCache.Add(1, new("result", result), layer);
        return bytes;
    }

    private static async Task<byte[]> RenderAsync(HttpContext http, Func<Task<byte[]?>> render, KeyValuePair<string, object?> layer)
    {
        Hosting.Telemetry.TileCache.Add(1, new("result", "miss"), layer);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bytes = await render() ?? [];
        Hosting.Telemetry.TileRender.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, layer);
        http.Response.Headers[Header] = "MISS";
        return bytes;
    }

    public void Dispose() => _cache?.Dispose();
}
