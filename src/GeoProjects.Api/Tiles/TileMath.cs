namespace GeoProjects.Api.Tiles;

/// <summary>A Web Mercator (XYZ) tile address, checked; pure math, tested without a database.</summary>
public readonly record struct TileAddress(int Z, int X, int Y)
{
    public const int MaxZoom = 22;
    private const double HalfWorld = 20037508.342789244;

    /// <summary>The tile, or the reason it is not one (for a 400).</summary>
    public static (TileAddress? Tile, string? Error) Parse(int z, int x, int y)
    {
        if (z is < 0 or > MaxZoom) return (null, $"zoom {z} is outside 0–{MaxZoom}");
        var n = 1L << z;
        if (x < 0 || x >= n) return (null, $"x {x} is outside 0–{n - 1} at zoom {z}");
        if (y < 0 || y >= n) return (null, $"y {y} is outside 0–{n - 1} at zoom {z}");
        return (new TileAddress(z, x, y), null);
    }

    /// <summary>Width of the tile in EPSG:3857 metres.</summary>
    public double Size => 2 * HalfWorld / (1L << Z);

    /// <summary>The tile's bounds in lon/lat, widened by <paramref name="margin"/> of its size on each side.</summary>
    public (double West, double South, double East, double North) Bounds(double margin = 0)
    {
        double n = 1L << Z;
        double Lon(double tx) => tx / n * 360.0 - 180.0;
        double Lat(double ty) => Math.Atan(Math.Sinh(Math.PI * (1 - 2 * ty / n))) * 180.0 / Math.PI;
        return (Math.Max(-180, Lon(X - margin)), Math.Max(-85.06, Lat(Y + 1 + margin)), Math.Min(180, Lon(X + 1 + margin)), Math.Min(85.06, Lat(Y - margin)));
    }
}
