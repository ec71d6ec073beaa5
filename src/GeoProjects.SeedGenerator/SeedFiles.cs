using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using GeoProjects.Api.Projects;
using NetTopologySuite.Geometries;

namespace GeoProjects.SeedGenerator;

/// <summary>
/// Builds the seed files. Only 致真存储芯片制造项目 is a published record; every other project is ILLUSTRATIVE,
/// made up so that the article's published totals hold exactly (88 / 313 亿元; city 35 / 182; district 53 / 131).
/// </summary>
public static class SeedFiles
{
    public const string ArticleNote =
        "《满弓紧弦 加力向前》, 西海岸新区 2023-11-25 重大项目集中开工报道 (source text: shared/seeds/west-coast-88-projects-2023-11-25.txt)";

    public const string CityBatch = "2023-11-25 全市高质量发展重大项目建设现场推进会 · 西海岸新区集中开工";
    public const string DistrictBatch = "2023-11-25 全区高质量发展重大项目建设现场推进会 · 集中开工";
    public static readonly DateOnly BatchDate = new(2023, 11, 25);

    private const string IllustrativeNote =
        "ILLUSTRATIVE: made up by src/GeoProjects.SeedGenerator so that the published batch totals hold " +
        "(88 projects / 313 亿元; city 35 / 182 亿元; district 53 / 131 亿元). Not a real project, developer or site.";

    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    private sealed record SectorPlan(string Sector, string Zh, string En, (string Zone, int Weight)[] Zones, (string Zh, string En)[] Chains, (string Zh, string En)[] Kinds);

    private static readonly SectorPlan[] Sectors =
    [
        new("ADVANCED_MANUFACTURING", "先进制造", "Advanced manufacturing",
            [("GZK", 30), ("ETDZ", 20), ("SGEP", 20), ("MHT", 15), ("DJK", 15)],
            [("集成电路", "integrated circuits"), ("新型显示", "new display"), ("智能制造装备", "intelligent manufacturing equipment"), ("汽车", "automotive"), ("智能家电", "smart home appliances")],
            [("生产线", "production line"), ("产业园", "industrial park"), ("研发制造基地", "R&D and manufacturing base")]),
        new("HIGH_END_CHEMICALS", "高端化工", "High-end chemicals",
            [("DJK", 100)],
            [("高端化工新材料", "high-end chemical materials")],
            [("新材料装置", "new-materials plant"), ("精细化工项目", "fine-chemicals plant")]),
        new("MARINE_ECONOMY", "海洋经济", "Marine economy",
            [("QBPZ", 25), ("DJK", 25), ("MHT", 25), ("GZK", 25)],
            [("船舶海工", "shipbuilding and offshore engineering"), ("航运物流", "shipping and logistics"), ("海洋生物医药", "marine biomedicine")],
            [("基地", "base"), ("中心", "centre"), ("产业园", "industrial park")]),
        new("CULTURE_TOURISM", "文化旅游", "Culture and tourism",
            [("LSW", 35), ("ZMS", 20), ("ITR", 35), ("LYT", 10)],
            [("影视文化", "film and culture"), ("文化旅游", "culture and tourism")],
            [("文旅综合体", "culture-tourism complex"), ("影视基地", "film base"), ("度假区配套", "resort facilities")]),
    ];

    public static IEnumerable<(string Name, string Content)> Generate()
    {
        var zones = ZoneCatalog.Zones.Select(z => (Seed: z, Boundary: ZoneCatalog.Boundary(z))).ToList();
        yield return ("zones.geojson", ZonesGeoJson(zones));
        yield return ("batches.json", BatchesJson());
        var records = Records(zones);
        yield return ("projects.geojson", ProjectsGeoJson(records));
        yield return ("progress.json", ProgressJson(records));
    }

    private static string ZonesGeoJson(List<(ZoneSeed Seed, MultiPolygon Boundary)> zones) => Write(w =>
    {
        w.WriteString("type", "FeatureCollection");
        w.WriteString("name", "zones");
        w.WriteString("description", "西海岸新区 and its functional areas (功能区). Every boundary is APPROXIMATE; see each confidence and sourceNote.");
        w.WriteStartArray("features");
        foreach (var (z, boundary) in zones)
        {
            w.WriteStartObject();
            w.WriteString("type", "Feature");
            w.WriteString("id", z.Code);
            w.WriteStartObject("properties");
            w.WriteString("code", z.Code);
            w.WriteString("name", z.Name);
            w.WriteString("nameEn", z.NameEn);
            w.WriteString("kind", z.Kind);
            if (z.ParentCode is null) w.WriteNull("parent"); else w.WriteString("parent", z.ParentCode);
            w.WriteBoolean("approximate", true);
            w.WriteString("confidence", z.Confidence);
            w.WriteString("sourceNote", z.SourceNote);
            w.WriteEndObject();
            w.WritePropertyName("geometry");
            WriteGeometry(w, boundary);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static string BatchesJson()
    {
        var note = ArticleNote + ": 88 projects / 313 亿元, of which 35 / 182 亿元 at the city event and 53 / 131 亿元 at the district event.";
        return Write(w =>
        {
            w.WriteStartArray("batches");
            foreach (var (code, name, level) in new[] { ("XHA-2023-C", CityBatch, "CITY"), ("XHA-2023-D", DistrictBatch, "DISTRICT") })
            {
                w.WriteStartObject();
                w.WriteString("code", code);
                w.WriteString("name", name);
                w.WriteString("date", BatchDate.ToString("yyyy-MM-dd"));
                w.WriteString("level", level);
                w.WriteString("kind", "GROUNDBREAKING");
                w.WriteString("sourceNote", note);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private sealed record ProjectRecord(
        string Code, string Name, string? NameEn, string Sector, string? Chain, string Status, decimal Total,
        decimal? AnnualPlan, decimal? Completed, decimal? LandMu, string? Developer, DateOnly? StartDate,
        string? Batch, string? Zone, Point Location, Polygon? Site, string DataSource, string SourceNote);

    private static List<ProjectRecord> Records(List<(ZoneSeed Seed, MultiPolygon Boundary)> zones)
    {
        var rng = new SplitMix64(2);
        var records = new List<ProjectRecord>
        {
            new("XHA-2023-D01", "致真存储芯片制造项目", "Zhizhen memory chip manufacturing project", "ADVANCED_MANUFACTURING", "集成电路",
                "STARTED", 30.00m, null, null, 50m, null, BatchDate, DistrictBatch, "GZK",
                Factory.CreatePoint(new Coordinate(119.9612, 35.7921)), null, "PUBLISHED",
                ArticleNote + ": 总投资30亿元, 占地50亩, located in 古镇口核心区; the district event was held at its site. " +
                "Location approximate (a point inside 古镇口核心区; the exact site is not published). Annual plan, completed investment and developer not published."),
        };
        records.AddRange(Illustrative(rng, zones, "C", 35, 182.00m, CityBatch));
        records.AddRange(Illustrative(rng, zones, "D", 52, 101.00m, DistrictBatch, firstNumber: 2));
        records.AddRange(Reserve(rng, zones));
        return records;
    }

    private static string ProjectsGeoJson(List<ProjectRecord> records)
    {
        return Write(w =>
        {
            w.WriteString("type", "FeatureCollection");
            w.WriteString("name", "projects");
            w.WriteString("description", "重大项目 seed. dataSource PUBLISHED cites its source; ILLUSTRATIVE records are made up to match published totals.");
            w.WriteStartArray("features");
            foreach (var p in records)
            {
                w.WriteStartObject();
                w.WriteString("type", "Feature");
                w.WriteString("id", p.Code);
                w.WriteStartObject("properties");
                w.WriteString("code", p.Code);
                w.WriteString("name", p.Name);
                WriteOpt(w, "nameEn", p.NameEn);
                w.WriteString("sector", p.Sector);
                WriteOpt(w, "industryChain", p.Chain);
                w.WriteString("status", p.Status);
                w.WriteNumber(ProjectFields.Registry.Measure.Name, p.Total);
                WriteOpt(w, "annualPlannedInvestment", p.AnnualPlan);
                WriteOpt(w, "completedInvestment", p.Completed);
                WriteOpt(w, "landAreaMu", p.LandMu);
                WriteOpt(w, "developer", p.Developer);
                WriteOpt(w, "startDate", p.StartDate?.ToString("yyyy-MM-dd"));
                WriteOpt(w, "plannedCompletionDate", PlannedCompletion(p)?.ToString("yyyy-MM-dd"));
                WriteOpt(w, "batch", p.Batch);
                WriteOpt(w, "zone", p.Zone);
                w.WritePropertyName("site");
                if (p.Site is null) w.WriteNullValue(); else WriteGeometry(w, p.Site);
                w.WriteString("dataSource", p.DataSource);
                w.WriteString("sourceNote", p.SourceNote);
                w.WriteEndObject();
                w.WritePropertyName("geometry");
                WriteGeometry(w, p.Location);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>
    /// 计划竣工日期, ILLUSTRATIVE records only (none was published): a year after the start, plus a month per 亿元 up to
    /// three more years. Derived, not drawn, so the other made-up values stay as they were.
    /// </summary>
    private static DateOnly? PlannedCompletion(ProjectRecord p) =>
        p.DataSource == "ILLUSTRATIVE" && p.StartDate is { } start ? start.AddMonths(12 + (int)Math.Min(36, decimal.Round(p.Total))) : null;

    /// <summary>The months the ILLUSTRATIVE progress runs through (the seed is fixed; reports stop here).</summary>
    private static readonly DateOnly LastReportedMonth = new(2026, 10, 1);

    /// <summary>
    /// ILLUSTRATIVE annual plans (2024–2026) and monthly reports (Jan 2024 to Oct 2026) for the ILLUSTRATIVE projects with a plan:
    /// each year's plan a share of the total, and a pace of its own per project (some ahead, some behind schedule), derived
    /// from the project's code so the other made-up values stay as they were.
    /// </summary>
    private static string ProgressJson(List<ProjectRecord> records) => Write(w =>
    {
        w.WriteString("description", "ILLUSTRATIVE: annual plans and monthly progress made up by src/GeoProjects.SeedGenerator; "
            + "no such figures were published. 2023 plans and December 2023 reports come from projects.geojson.");
        var projects = records.Where(r => r.DataSource == "ILLUSTRATIVE" && r.AnnualPlan is not null).ToList();
        decimal[] shares = [0.30m, 0.25m, 0.20m];
        w.WriteStartArray("plans");
        foreach (var p in projects)
            for (var y = 0; y < shares.Length; y++)
            {
                w.WriteStartObject();
                w.WriteString("code", p.Code);
                w.WriteNumber("year", 2024 + y);
                w.WriteNumber("plannedInvestment", Math.Round(p.Total * shares[y], 2));
                w.WriteEndObject();
            }
        w.WriteEndArray();
        w.WriteStartArray("reports");
        foreach (var p in projects)
        {
            var pace = 0.45m + p.Code.Aggregate(17, (h, c) => (h * 31 + c) % 10_007) % 70 / 100m; // 0.45–1.14 of the schedule
            for (var month = new DateOnly(2024, 1, 1); month <= LastReportedMonth; month = month.AddMonths(1))
            {
                var plan = Math.Round(p.Total * shares[month.Year - 2024], 2);
                w.WriteStartObject();
                w.WriteString("code", p.Code);
                w.WriteString("period", month.ToString("yyyy-MM"));
                w.WriteNumber("completedInvestmentYtd", Math.Min(p.Total, Math.Round(plan * pace * month.Month / 12, 2)));
                w.WriteString("status", p.Status);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
    });

    private static IEnumerable<ProjectRecord> Illustrative(
        SplitMix64 rng, List<(ZoneSeed Seed, MultiPolygon Boundary)> zones, string prefix, int count, decimal total, string batch, int firstNumber = 1)
    {
        // Every project is at least 1 亿元 (these are 亿元以上 projects); the rest is shared by skewed weights,
        // in whole 0.01 亿元 by largest remainder, so the batch total is exact.
        var weights = Enumerable.Range(0, count).Select(_ => Math.Exp(rng.NextDouble() * 3.2)).ToArray();
        var amounts = Apportion(total - count, weights).Select(a => a + 1m).ToArray();
        for (var i = 0; i < count; i++)
        {
            var n = firstNumber + i;
            var code = $"XHA-2023-{prefix}{n:00}";
            var plan = Sectors[PickSector(rng)];
            var zone = Pick(rng, plan.Zones);
            var chain = plan.Chains[rng.Next(plan.Chains.Length)];
            var kind = plan.Kinds[rng.Next(plan.Kinds.Length)];
            var status = Pick(rng, [("UNDER_CONSTRUCTION", 70), ("STARTED", 15), ("COMPLETED", 10), ("IN_OPERATION", 5)]);
            var totalInv = amounts[i];
            var annual = Math.Round(totalInv * (decimal)(0.15 + 0.30 * rng.NextDouble()), 2);
            var completed = Math.Round(annual * (decimal)(0.30 + 1.00 * rng.NextDouble()), 2);
            var mu = Math.Round((decimal)(20 + 380 * rng.NextDouble()));
            var location = PointInZone(rng, zones, zone);
            yield return new ProjectRecord(
                code, $"[示例] {chain.Zh}{kind.Zh} {prefix}{n:00}", $"[ILLUSTRATIVE] {chain.En} {kind.En} {prefix}{n:00}",
                plan.Sector, chain.Zh, status, totalInv, annual, completed, mu, $"虚构建设单位 {prefix}{n:00}(示例)", BatchDate, batch, null,
                location, rng.NextDouble() < 0.5 ? Site(location, mu) : null, "ILLUSTRATIVE", IllustrativeNote);
        }
    }

    private static IEnumerable<ProjectRecord> Reserve(SplitMix64 rng, List<(ZoneSeed Seed, MultiPolygon Boundary)> zones)
    {
        // A few projects outside the 2023-11-25 batches, so that filters on status, batch and start date have something to exclude.
        (string Sector, string Chain, string Status, string Zone, string Zh, string En)[] plans =
        [
            ("NEW_ENERGY_MATERIALS", "氢能与储能", "RESERVE", "DJK", "氢能与储能示范项目", "hydrogen and storage demonstration"),
            ("DIGITAL_ECONOMY", "软件信息和服务", "SIGNED", "SGEP", "软件信息服务园", "software services park"),
            ("MODERN_SERVICES", "现代商贸", "SIGNED", "ETDZ", "商贸物流中心", "trade and logistics centre"),
            ("INFRASTRUCTURE", "航运物流", "RESERVE", "QBPZ", "港区集疏运工程", "port collection-and-distribution works"),
            ("PUBLIC_SERVICES", "社会事业", "RESERVE", "MHT", "公共服务中心", "public service centre"),
            ("ADVANCED_MANUFACTURING", "集成电路", "SIGNED", "GZK", "芯片封装测试项目", "chip packaging and testing"),
        ];
        var i = 0;
        foreach (var p in plans)
        {
            i++;
            var total = Math.Round((decimal)(2 + 60 * rng.NextDouble()), 2);
            yield return new ProjectRecord(
                $"XHA-R{i:00}", $"[示例] {p.Zh} R{i:00}", $"[ILLUSTRATIVE] {p.En} R{i:00}", p.Sector, p.Chain, p.Status, total,
                null, null, null, null, null, null, null, PointInZone(rng, zones, p.Zone), null, "ILLUSTRATIVE",
                "ILLUSTRATIVE: made up by src/GeoProjects.SeedGenerator; not part of the 2023-11-25 batches. Not a real project, developer or site.");
        }
    }

    private static int PickSector(SplitMix64 rng) =>
        Array.IndexOf(Sectors.Select(s => s.Sector).ToArray(), Pick(rng, [("ADVANCED_MANUFACTURING", 40), ("HIGH_END_CHEMICALS", 16), ("MARINE_ECONOMY", 23), ("CULTURE_TOURISM", 21)]));

    private static T Pick<T>(SplitMix64 rng, (T Value, int Weight)[] options)
    {
        var r = rng.Next(options.Sum(o => o.Weight));
        foreach (var (value, weight) in options)
        {
            if (r < weight) return value;
            r -= weight;
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>A point inside the zone whose smallest containing zone is that zone, as the database's spatial join will find.</summary>
    private static Point PointInZone(SplitMix64 rng, List<(ZoneSeed Seed, MultiPolygon Boundary)> zones, string code)
    {
        var target = zones.Single(z => z.Seed.Code == code).Boundary;
        var env = target.EnvelopeInternal;
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var p = Factory.CreatePoint(new Coordinate(
                Math.Round(env.MinX + env.Width * rng.NextDouble(), 5), Math.Round(env.MinY + env.Height * rng.NextDouble(), 5)));
            // Keep clear of the edge (~300 m) so an approximate boundary edit does not flip the zone.
            if (!target.Buffer(-0.003).Contains(p)) continue;
            var smallest = zones.Where(z => z.Boundary.Contains(p)).MinBy(z => z.Boundary.Area);
            if (smallest.Seed.Code == code) return p;
        }
        throw new InvalidOperationException($"no point found in zone {code}");
    }

    /// <summary>A square site of the project's land area (亩 = 666.67 m²) centred on its location.</summary>
    private static Polygon Site(Point at, decimal mu)
    {
        var side = Math.Sqrt((double)mu * 10000.0 / 15.0);
        var dy = side / 2 / 111_320.0;
        var dx = side / 2 / (111_320.0 * Math.Cos(at.Y * Math.PI / 180));
        double R(double v) => Math.Round(v, 6);
        return Factory.CreatePolygon(
        [
            new(R(at.X - dx), R(at.Y - dy)), new(R(at.X + dx), R(at.Y - dy)), new(R(at.X + dx), R(at.Y + dy)),
            new(R(at.X - dx), R(at.Y + dy)), new(R(at.X - dx), R(at.Y - dy)),
        ]);
    }

    private static decimal[] Apportion(decimal amount, double[] weights)
    {
        var cents = (long)(amount * 100);
        var sum = weights.Sum();
        var exact = weights.Select(w => w / sum * cents).ToArray();
        var floor = exact.Select(e => (long)Math.Floor(e)).ToArray();
        var left = cents - floor.Sum();
        foreach (var i in Enumerable.Range(0, weights.Length).OrderByDescending(i => exact[i] - floor[i]).ThenBy(i => i).Take((int)left))
            floor[i]++;
        return floor.Select(c => c / 100m).ToArray();
    }

    private static void WriteOpt(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    private static void WriteOpt(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteNumber(name, value.Value);
    }

    private static void WriteGeometry(Utf8JsonWriter w, Geometry g)
    {
        w.WriteStartObject();
        w.WriteString("type", g.GeometryType);
        w.WritePropertyName("coordinates");
        switch (g)
        {
            case Point p: WritePosition(w, p.Coordinate); break;
            case Polygon poly: WritePolygon(w, poly); break;
            case MultiPolygon mp:
                w.WriteStartArray();
                for (var i = 0; i < mp.NumGeometries; i++) WritePolygon(w, (Polygon)mp.GetGeometryN(i));
                w.WriteEndArray();
                break;
            default: throw new NotSupportedException(g.GeometryType);
        }
        w.WriteEndObject();
    }

    private static void WritePolygon(Utf8JsonWriter w, Polygon poly)
    {
        w.WriteStartArray();
        // RFC 7946 §3.1.6: exterior rings counterclockwise, holes clockwise.
        WriteRing(w, poly.Shell, ccw: true);
        foreach (var hole in poly.Holes) WriteRing(w, hole, ccw: false);
        w.WriteEndArray();
    }

    private static void WriteRing(Utf8JsonWriter w, LineString ring, bool ccw)
    {
        var coords = ring.Coordinates;
        if (NetTopologySuite.Algorithm.Orientation.IsCCW(coords) != ccw) coords = coords.Reverse().ToArray();
        w.WriteStartArray();
        foreach (var c in coords) WritePosition(w, c);
        w.WriteEndArray();
    }

    private static void WritePosition(Utf8JsonWriter w, Coordinate c)
    {
        w.WriteStartArray();
        w.WriteNumberValue(Math.Round(c.X, 6));
        w.WriteNumberValue(Math.Round(c.Y, 6));
        w.WriteEndArray();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()).ReplaceLineEndings("\n") + "\n";
    }
}

/// <summary>SplitMix64: a tiny generator whose sequence is fixed by its seed on every runtime.</summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
    public int Next(int maxExclusive) => (int)(NextUInt64() % (ulong)maxExclusive);
}
