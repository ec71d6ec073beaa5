using System.ComponentModel;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Crs;

[Description("坐标系 · Coordinate system of coordinates sent or returned: WGS84 (storage), GCJ-02 (AMap/Gaode, Tencent) or BD-09 (Baidu).")]
public enum CoordinateSystem
{
    [Description("WGS84 经纬度 (GPS, 存储坐标系) · WGS84 lon/lat, as stored (EPSG:4326).")] Wgs84,
    [Description("GCJ-02 国测局坐标 (高德、腾讯地图) · GCJ-02, used by AMap/Gaode and Tencent maps.")] Gcj02,
    [Description("BD-09 百度坐标 · BD-09, used by Baidu maps.")] Bd09,
}

/// <summary>
/// WGS84 ↔ GCJ-02 ↔ BD-09, with the published (reverse-engineered) formulas of wandergis/coordtransform
/// (domain.md §6). Outside China no offset applies, as in that algorithm. The inverses are iterated until the
/// forward conversion of the result lands within 1e-9° (≈0.1 mm) of the input.
/// The SQL function geoprojects_to_crs (migration AddCrsAndDataVersion) implements the same forward formulas.
/// </summary>
public static class ChineseCrs
{
    private const double A = 6378245.0;
    private const double Ee = 0.00669342162296594323;
    private const double XPi = Math.PI * 3000.0 / 180.0;

    // coordtransform's box: 73.66–135.05 E, 3.86–53.55 N.
    public static bool OutsideChina(double lon, double lat) => !(lon > 73.66 && lon < 135.05 && lat > 3.86 && lat < 53.55);

    public static (double Lon, double Lat) Wgs84ToGcj02(double lon, double lat)
    {
        if (OutsideChina(lon, lat)) return (lon, lat);
        var dLat = TransformLat(lon - 105.0, lat - 35.0);
        var dLon = TransformLon(lon - 105.0, lat - 35.0);
        var radLat = lat / 180.0 * Math.PI;
        var magic = 1 - Ee * Math.Sin(radLat) * Math.Sin(radLat);
        var sqrtMagic = Math.Sqrt(magic);
        dLat = dLat * 180.0 / (A * (1 - Ee) / (magic * sqrtMagic) * Math.PI);
        dLon = dLon * 180.0 / (A / sqrtMagic * Math.Cos(radLat) * Math.PI);
        return (lon + dLon, lat + dLat);
    }

    public static (double Lon, double Lat) Gcj02ToBd09(double lon, double lat)
    {
        var z = Math.Sqrt(lon * lon + lat * lat) + 0.00002 * Math.Sin(lat * XPi);
        var theta = Math.Atan2(lat, lon) + 0.000003 * Math.Cos(lon * XPi);
        return (z * Math.Cos(theta) + 0.0065, z * Math.Sin(theta) + 0.006);
    }

    public static (double Lon, double Lat) Bd09ToGcj02(double lon, double lat)
    {
        double x = lon - 0.0065, y = lat - 0.006;
        var z = Math.Sqrt(x * x + y * y) - 0.00002 * Math.Sin(y * XPi);
        var theta = Math.Atan2(y, x) - 0.000003 * Math.Cos(x * XPi);
        return (z * Math.Cos(theta), z * Math.Sin(theta));
    }

    public static (double Lon, double Lat) FromWgs84(CoordinateSystem crs, double lon, double lat) => crs switch
    {
        CoordinateSystem.Wgs84 => (lon, lat),
        CoordinateSystem.Gcj02 => Wgs84ToGcj02(lon, lat),
        CoordinateSystem.Bd09 => Gcj02ToBd09(Wgs84ToGcj02(lon, lat).Lon, Wgs84ToGcj02(lon, lat).Lat),
        _ => throw new ArgumentOutOfRangeException(nameof(crs)),
    };

    /// <summary>The inverse: Newton-like fixed-point iteration on the forward conversion.</summary>
    public static (double Lon, double Lat) ToWgs84(CoordinateSystem crs, double lon, double lat)
    {
        if (crs == CoordinateSystem.Wgs84) return (lon, lat);
        double wLon = lon, wLat = lat;
        for (var i = 0; i < 30; i++)
        {
            var (fLon, fLat) = FromWgs84(crs, wLon, wLat);
            double eLon = fLon - lon, eLat = fLat - lat;
            wLon -= eLon;
            wLat -= eLat;
            if (Math.Abs(eLon) < 1e-10 && Math.Abs(eLat) < 1e-10) break;
        }
        return (wLon, wLat);
    }

    /// <summary>A copy of the geometry with every coordinate converted from WGS84 (or to it, with <paramref name="inverse"/>).</summary>
    public static TGeometry Convert<TGeometry>(TGeometry geometry, CoordinateSystem crs, bool inverse = false) where TGeometry : Geometry
    {
        if (crs == CoordinateSystem.Wgs84) return geometry;
        var copy = (TGeometry)geometry.Copy();
        copy.Apply(new ConvertingFilter(crs, inverse));
        copy.GeometryChanged();
        return copy;
    }

    private sealed class ConvertingFilter(CoordinateSystem crs, bool inverse) : ICoordinateSequenceFilter
    {
        public bool Done => false;
        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq, int i)
        {
            var (lon, lat) = inverse ? ToWgs84(crs, seq.GetX(i), seq.GetY(i)) : FromWgs84(crs, seq.GetX(i), seq.GetY(i));
            seq.SetX(i, lon);
            seq.SetY(i, lat);
        }
    }

    private static double TransformLat(double x, double y)
    {
        var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.Sqrt(Math.Abs(x));
        ret += (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
        ret += (20.0 * Math.Sin(y * Math.PI) + 40.0 * Math.Sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
        ret += (160.0 * Math.Sin(y / 12.0 * Math.PI) + 320 * Math.Sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
        return ret;
    }

    private static double TransformLon(double x, double y)
    {
        var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.Sqrt(Math.Abs(x));
        ret += (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
        ret += (20.0 * Math.Sin(x * Math.PI) + 40.0 * Math.Sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
        ret += (150.0 * Math.Sin(x / 12.0 * Math.PI) + 300.0 * Math.Sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
        return ret;
    }
}

/// <summary>The GraphQL enum, spelled as map people write the names (WGS84, GCJ02, BD09), not WGS_84.</summary>
public sealed class CoordinateSystemEnum : global::GraphQL.Types.EnumerationGraphType
{
    public CoordinateSystemEnum()
    {
        Name = "CoordinateSystem";
        Description = typeof(CoordinateSystem).GetCustomAttributes(typeof(DescriptionAttribute), false).Cast<DescriptionAttribute>().Single().Description;
        foreach (var value in Enum.GetValues<CoordinateSystem>())
        {
            var description = typeof(CoordinateSystem).GetField(value.ToString())!.GetCustomAttributes(typeof(DescriptionAttribute), false).Cast<DescriptionAttribute>().Single().Description;
            Add(value.ToString().ToUpperInvariant(), value, description);
        }
    }
}
