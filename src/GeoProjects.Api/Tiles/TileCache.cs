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

    public TileCache(IOptions<TileOptions> options)
    {
        var megabytes = options.Value.CacheMegabytes;
        if (megabytes > 0) _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = megabytes * 1024L * 1024, TrackStatistics = true });
        Hosting.Telemetry.ObserveTileCacheSize(() => _cache?.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0);
    }

    /// <summary>The cached tile for <paramref name="key"/>, or a new rendering (an empty tile is cached too); sets X-Cache: HIT or MISS.</summary>
    public async Task<byte[]> GetOrRenderAsync(HttpContext http, string key, Func<Task<byte[]?>> render)
    {
        var layer = new KeyValuePair<string, object?>("layer", http.Request.Path.Value?.Split('/').ElementAtOrDefault(2));
        if (_cache?.TryGetValue(key, out byte[]? cached) == true)
        {
            http.Response.Headers[Header] = "HIT";
            Hosting.Telemetry.TileCache.Add(1, new("result", "hit"), layer);
            return cached!;
        }
        Hosting.Telemetry.TileCache.Add(1, new("result", "miss"), layer);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bytes = await render() ?? [];
        Hosting.Telemetry.TileRender.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, layer);
        _cache?.Set(key, bytes, new MemoryCacheEntryOptions { Size = bytes.Length + 100 });
        http.Response.Headers[Header] = "MISS";
        return bytes;
    }

    public void Dispose() => _cache?.Dispose();
}
