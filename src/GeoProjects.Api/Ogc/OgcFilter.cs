using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoProjects.Api.Crs;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Ogc;

/// <summary>
/// Turns an items request (property equality, bbox, datetime, CQL2 filter) into the JSON of GraphQL's filter
/// input for the collection; the caller reads that into the filter model with <see cref="WhereReader"/>, as tiles
/// do. CQL2 literals are checked against the property's type here, so an error names the CQL2 position.
/// </summary>
public static class OgcFilter
{
    public static JsonObject? Build(HttpRequest request, OgcCollection collection, out string? problem)
    {
        problem = null;
        var parts = new List<JsonObject>();
        var q = request.Query;
        foreach (var queryable in collection.Queryables.Where(p => !p.IsGeometry))
            if (q.TryGetValue(queryable.Name, out var values))
                parts.Add(queryable.Where(new JsonObject { ["eq"] = Literal(queryable, values.ToString()) })); // one meaning: zone = name, zoneCode = code
        if (q.TryGetValue("bbox-crs", out var bboxCrs)) OgcCrs.Normalize(bboxCrs.ToString(), "bbox-crs"); // refused even without a bbox
        if (q.TryGetValue("bbox", out var bbox))
            parts.Add(collection.GeometryProperty.Where(new JsonObject { ["intersects"] = new JsonObject { ["geometry"] = GeometryJson(Bbox(bbox.ToString(), q["bbox-crs"].FirstOrDefault())) } }));
        if (q.TryGetValue("datetime", out var datetime))
        {
            if (collection.TemporalProperty is not { } startDate) throw Invalid("datetime", $"collection {collection.Id} has no temporal property");
            parts.Add(startDate.Where(Datetime(datetime.ToString())));
        }
        if (q.TryGetValue("filter", out var filter))
        {
            var lang = q["filter-lang"].FirstOrDefault() ?? "cql2-text";
            var crs = q["filter-crs"].FirstOrDefault();
            if (crs is not null && crs != OgcCrs.Crs84Uri) throw Invalid("filter-crs", $"only {OgcCrs.Crs84Uri} is supported");
            var node = lang switch
            {
                "cql2-text" => Cql2.ParseText(filter.ToString()),
                "cql2-json" => Cql2.ParseJson(filter.ToString()),
                _ => throw Invalid("filter-lang", "use cql2-text or cql2-json"),
            };
            parts.Add(ToWhere(node, collection, negate: false));
        }
        return parts.Count switch { 0 => null, 1 => parts[0], _ => new JsonObject { ["and"] = new JsonArray(parts.ToArray<JsonNode?>()) } };
    }

    public static QueryInputException Invalid(string parameter, string message) => new("InvalidParameterValue", $"{parameter}: {message}");

    private static JsonNode? Literal(Queryable queryable, string text) => queryable.Type switch
    {
        "number" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? JsonValue.Create(d) : throw Invalid(queryable.Name, $"'{text}' is not a finite number"),
        "boolean" => bool.TryParse(text, out var b) ? JsonValue.Create(b) : throw Invalid(queryable.Name, $"'{text}' is not true or false"),
        _ => JsonValue.Create(text),
    };

    /// <summary>
    /// minx,miny,maxx,maxy, or the 3D minx,miny,minz,maxx,maxy,maxz (heights ignored: the data is 2D). A box whose
    /// minx is greater than its maxx crosses the antimeridian and becomes two boxes.
    /// </summary>
    private static Geometry Bbox(string text, string? crs)
    {
        var n = text.Split(',').Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
        if (n.Length is not (4 or 6) || !n.All(double.IsFinite)) throw Invalid("bbox", "four or six numbers: minx,miny,maxx,maxy or minx,miny,minz,maxx,maxy,maxz");
        if (n.Length == 6) n = [n[0], n[1], n[3], n[4]];
        var (minLon, minLat, maxLon, maxLat) = OgcCrs.BboxToCrs84(crs, n[0], n[1], n[2], n[3]);
        if (minLat > maxLat) throw Invalid("bbox", "the lower latitude must not exceed the upper one");
        if (minLon <= maxLon) return GeoJson.Factory.ToGeometry(new Envelope(minLon, maxLon, minLat, maxLat));
        return GeoJson.Factory.CreateMultiPolygon(
        [
            (Polygon)GeoJson.Factory.ToGeometry(new Envelope(minLon, 180, minLat, maxLat)),
            (Polygon)GeoJson.Factory.ToGeometry(new Envelope(-180, maxLon, minLat, maxLat)),
        ]);
    }

    /// <summary>
    /// An instant or an interval (RFC 3339 dates or date-times, `..` for open ends). An interval, even `../..`, asks
    /// for a start date: projects without one are left out. GDAL 3.6 writes plain dates with a trailing `T`
    /// (`2023-11-01T/..`), which is accepted.
    /// </summary>
    private static JsonObject Datetime(string text)
    {
        static DateOnly? Date(string s)
        {
            if (s is ".." or "") return null;
            var trimmed = s.EndsWith('T') ? s[..^1] : s;
            if (DateOnly.TryParseExact(trimmed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
            if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return DateOnly.FromDateTime(t.UtcDateTime);
            throw Invalid("datetime", $"'{s}' is not an RFC 3339 date or date-time");
        }
        static string Text(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var range = text.Split('/');
        if (range.Length == 1) return new JsonObject { ["eq"] = Text(Date(range[0]) ?? throw Invalid("datetime", "an instant cannot be '..'")) };
        if (range.Length != 2) throw Invalid("datetime", "an instant or an interval start/end");
        var (from, to) = (Date(range[0]), Date(range[1]));
        if (from > to) throw Invalid("datetime", $"the interval starts ({Text(from!.Value)}) after it ends ({Text(to!.Value)})");
        var op = new JsonObject { ["neq"] = null };
        if (from is { } f) op["gte"] = Text(f);
        if (to is { } e) op["lte"] = Text(e);
        return op;
    }

    public static JsonNode GeometryJson(Geometry g) => JsonSerializer.SerializeToNode(g, GeoJson.Options)!;

    private static readonly Dictionary<string, (string Op, string Negated)> Comparisons = new()
    {
        ["="] = ("eq", "neq"), ["<>"] = ("neq", "eq"), ["<"] = ("lt", "nlt"), ["<="] = ("lte", "nlte"), [">"] = ("gt", "ngt"), [">="] = ("gte", "ngte"),
    };

    /// <summary>
    /// CQL2 → filter input JSON; NOT is pushed down to the operations' negated forms (De Morgan for AND/OR).
    /// CQL2's three-valued logic: a comparison with NULL is unknown, and NOT unknown is still unknown, so a row is
    /// selected only when the whole filter is TRUE. Pushed down to literals, that means every comparison (positive or
    /// negated) is false on NULL: the negated forms and `&lt;&gt;`, which the filter model (HotChocolate's C# semantics)
    /// makes true on NULL, get an explicit IS NOT NULL.
    /// </summary>
    public static JsonObject ToWhere(Cql2.Node node, OgcCollection collection, bool negate)
    {
        Queryable Property(string name, bool geometry = false)
        {
            var q = collection.Find(name) is { IsQueryable: true } found ? found
                : throw Cql2.Error($"'{name}' is not a queryable of {collection.Id}{node.At}; see /ogc/collections/{collection.Id}/queryables");
            if (q.IsGeometry != geometry) throw Cql2.Error(geometry ? $"'{name}' is not a geometry{node.At}" : $"'{name}' is a geometry{node.At}; use a spatial function");
            return q;
        }
        JsonNode? Value(Queryable q, JsonNode? literal)
        {
            // Checked here with the filter model's own coercion, so the error can say where in the CQL2 text the value is.
            if (literal is not null) WhereReader.Check(q.Filter!, literal, $"{q.Name}{node.At}", Cql2.Error);
            return literal?.DeepClone();
        }
        switch (node)
        {
            case Cql2.Logical l:
                var op = (l.Op == "and") != negate ? "and" : "or";
                return new JsonObject { [op] = new JsonArray(l.Args.Select(a => (JsonNode?)ToWhere(a, collection, negate)).ToArray()) };
            case Cql2.Not n:
                return ToWhere(n.Arg, collection, !negate);
            case Cql2.Compare c:
                var (positive, negated) = Comparisons[c.Op];
                var comparison = negate ? negated : positive;
                var compared = Property(c.Property);
                return NotNull(compared, new JsonObject { [comparison] = Value(compared, c.Value) }, comparison == "neq" || negate);
            case Cql2.Like like:
                var liked = Property(like.Property);
                if (liked.Filter!.Operand != FilterOperand.String) throw Cql2.Error($"LIKE needs a text property; '{liked.Name}' is not one{node.At}");
                return NotNull(liked, Like(like.Pattern, negate), negate);
            case Cql2.In i:
                var listed = Property(i.Property);
                return NotNull(listed, new JsonObject { [negate ? "nin" : "in"] = new JsonArray(i.Values.Select(v => Value(listed, v)).ToArray()) }, negate);
            case Cql2.Between b:
                var p = Property(b.Property);
                return negate
                    ? new JsonObject { ["or"] = new JsonArray(p.Where(new JsonObject { ["lt"] = Value(p, b.Low) }), p.Where(new JsonObject { ["gt"] = Value(p, b.High) })) }
                    : p.Where(new JsonObject { ["gte"] = Value(p, b.Low), ["lte"] = Value(p, b.High) });
            case Cql2.IsNull isNull:
                return Property(isNull.Property).Where(new JsonObject { [negate ? "neq" : "eq"] = null });
            case Cql2.Spatial s:
                var g = Property(s.Property, geometry: true);
                if (s.Op == "s_dwithin")
                    return g.Where(new JsonObject { ["distance"] = new JsonObject { ["geometry"] = GeometryJson(s.Geometry), [negate ? "gt" : "lte"] = s.Metres } });
                var name = s.Op[2..]; // intersects, within, contains
                return g.Where(new JsonObject { [negate ? "n" + name : name] = new JsonObject { ["geometry"] = GeometryJson(s.Geometry) } });
            default:
                throw Cql2.Error($"unsupported expression {node.GetType().Name}");
        }
    }

    /// <summary>The operation on the property, and — where the filter model would be true on NULL — IS NOT NULL too.</summary>
    private static JsonObject NotNull(Queryable property, JsonObject operation, bool guard) => guard
        ? new JsonObject { ["and"] = new JsonArray(property.Where(new JsonObject { ["neq"] = null }), property.Where(operation)) }
        : property.Where(operation);

    /// <summary>LIKE patterns the filter model can express: 'x', 'x%', '%x', '%x%' (no '_', no inner '%').</summary>
    private static JsonObject Like(string pattern, bool negate)
    {
        var starts = pattern.StartsWith('%');
        var ends = pattern.Length > 1 && pattern.EndsWith('%');
        var core = pattern[(starts ? 1 : 0)..(ends ? pattern.Length - 1 : pattern.Length)];
        if (core.Contains('%') || core.Contains('_') || core.Length == 0)
            throw Cql2.Error($"LIKE '{pattern}': supported patterns are 'x', 'x%', '%x' and '%x%' ('_' and inner '%' are not)");
        var op = (starts, ends) switch { (true, true) => "contains", (false, true) => "startsWith", (true, false) => "endsWith", _ => "eq" };
        if (negate) op = op == "eq" ? "neq" : "n" + op;
        return new JsonObject { [op] = core };
    }
}

/// <summary>The CRSs the OGC API offers (Part 2), with axis order as their definitions say.</summary>
public static class OgcCrs
{
    public const string Crs84Uri = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
    public const string Epsg4326Uri = "http://www.opengis.net/def/crs/EPSG/0/4326";
    public const string Epsg4490Uri = "http://www.opengis.net/def/crs/EPSG/0/4490";
    public const string Epsg3857Uri = "http://www.opengis.net/def/crs/EPSG/0/3857";
    public static readonly string[] Supported = [Crs84Uri, Epsg4326Uri, Epsg4490Uri, Epsg3857Uri];

    /// <summary>The canonical name: a URI above, or GCJ02 / BD09 (the map layer's option, asked for by name).</summary>
    public static string Normalize(string? crs, string parameter)
    {
        if (string.IsNullOrEmpty(crs)) return Crs84Uri;
        var c = crs.Trim('[', ']', '<', '>');
        if (Supported.Contains(c)) return c;
        if (c.Equals("GCJ02", StringComparison.OrdinalIgnoreCase) || c.Equals("BD09", StringComparison.OrdinalIgnoreCase)) return c.ToUpperInvariant();
        throw OgcFilter.Invalid(parameter, $"'{crs}' is not supported; use one of {string.Join(", ", Supported)}, or GCJ02 / BD09");
    }

    public static (double MinLon, double MinLat, double MaxLon, double MaxLat) BboxToCrs84(string? crs, double a, double b, double c, double d)
    {
        var normal = Normalize(crs, "bbox-crs");
        var (w, s) = PointToCrs84(normal, a, b);
        var (e, n) = PointToCrs84(normal, c, d);
        return (w, s, e, n);
    }

    /// <summary>One position in <paramref name="crs"/> (normalized) as CRS84 lon/lat.</summary>
    private static (double Lon, double Lat) PointToCrs84(string crs, double a, double b) => crs switch
    {
        Epsg4326Uri or Epsg4490Uri => (b, a), // lat/lon axis order
        Epsg3857Uri => (a / 20037508.342789244 * 180, Math.Atan(Math.Sinh(b / 20037508.342789244 * Math.PI)) * 180 / Math.PI),
        "GCJ02" or "BD09" => ChineseCrs.ToWgs84(Enum.Parse<CoordinateSystem>(crs, ignoreCase: true), a, b),
        _ => (a, b),
    };

    /// <summary>A GeoJSON geometry given in <paramref name="crs"/> (normalized), with every position turned into CRS84 (Content-Crs).</summary>
    public static JsonObject ToCrs84(JsonObject geometry, string crs)
    {
        var copy = (JsonObject)geometry.DeepClone();
        if (crs != Crs84Uri && copy["coordinates"] is JsonArray coordinates) copy["coordinates"] = Positions(coordinates, crs);
        return copy;
    }

    private static JsonArray Positions(JsonArray array, string crs)
    {
        if (array is [JsonValue x, JsonValue y, ..] && x.TryGetValue<double>(out var a) && y.TryGetValue<double>(out var b))
        {
            var (lon, lat) = PointToCrs84(crs, a, b);
            return new JsonArray(lon, lat);
        }
        return new JsonArray(array.Select(item => (JsonNode?)(item is JsonArray inner ? Positions(inner, crs) : item?.DeepClone())).ToArray());
    }

    /// <summary>SQL turning a stored (CRS84) geometry into the output CRS, and the precision worth printing.</summary>
    public static (string Sql, int Digits) Output(string crs, string geometry) => crs switch
    {
        Epsg4326Uri or Epsg4490Uri => ($"ST_FlipCoordinates({geometry})", 7),
        Epsg3857Uri => ($"ST_Transform({geometry}, 3857)", 2),
        "GCJ02" or "BD09" => ($"geoprojects_to_crs({geometry}, '{crs}')", 7),
        _ => (geometry, 7),
    };

    public static string ContentCrs(string crs) => crs is "GCJ02" or "BD09" ? $"<urn:geoprojects:crs:{crs.ToLowerInvariant()}>" : $"<{crs}>";
}
