namespace GeoProjects.Api.Tiles;

/// <summary>Section "Tiles" of the configuration.</summary>
public sealed class TileOptions
{
    /// <summary>Below this zoom, projects come as clusters (a grid of 8×8 cells per tile).</summary>
    public int ClusterBelowZoom { get; set; } = 11;
    /// <summary>
    /// At most this many points in one project tile (a denser tile comes as clusters; ~100 bytes a point keeps a tile under
    /// ~500 KB, what map clients draw smoothly), and at most this many zones in a zone tile.
    /// </summary>
    public int MaxFeatures { get; set; } = 4_000;
    /// <summary>Memory for rendered tiles shared by all clients (0 turns the cache off).</summary>
    public int CacheMegabytes { get; set; } = 32;
    /// <summary>GeoJSON: default and maximum `limit`.</summary>
    public int GeoJsonDefaultLimit { get; set; } = 1_000;
    public int GeoJsonMaxLimit { get; set; } = 10_000;
}
