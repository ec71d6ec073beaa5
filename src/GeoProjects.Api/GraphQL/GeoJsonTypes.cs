using System.Text.Json;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using GraphQLParser.AST;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;
using NetTopologySuite.Operation.Valid;
using GeoProjects.Api.Crs;

namespace GeoProjects.Api.GraphQL;

// GeoJSON types shaped as HotChocolate.Types.Spatial generates them (GeoJSONPointType, GeoJSONInterface, …),
// so that HotChocolate clients read our geometries unchanged.

public static class GeoJson
{
    public const int Srid = 4326;
    /// <summary>Vertices in one input geometry: a detailed district boundary fits, a denial of service does not.</summary>
    public const int MaxVertices = 10_000;
    public static readonly GeometryFactory Factory = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory(Srid);

    // The factory carries SRID 4326: geometries parsed without one would be SRID 0, which PostGIS refuses to mix.
    public static readonly JsonSerializerOptions Options = new() { Converters = { new GeoJsonConverterFactory(Factory) } };

    /// <summary>Parses and validates an input geometry; the message says what is wrong, for the client.</summary>
    public static Geometry Parse(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw new GeometryInputException("a geometry must be a GeoJSON object such as {\"type\":\"Point\",\"coordinates\":[120.0,35.9]}");
        var system = CoordinateSystemOf(json);
        var withoutCrs = json.TryGetProperty("crs", out _)
            ? JsonSerializer.SerializeToElement(json.EnumerateObject().Where(p => p.Name != "crs").ToDictionary(p => p.Name, p => p.Value))
            : json;
        Geometry? g;
        try
        {
            g = withoutCrs.Deserialize<Geometry>(Options);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            throw new GeometryInputException($"malformed GeoJSON geometry: {e.Message}");
        }
        if (g is null || g.IsEmpty) throw new GeometryInputException("the GeoJSON geometry is empty");
        if (g.NumPoints > MaxVertices) throw new GeometryInputException($"the geometry has {g.NumPoints} vertices; at most {MaxVertices} are accepted");
        foreach (var c in g.Coordinates)
            if (double.IsNaN(c.X) || double.IsNaN(c.Y) || c.X is < -180 or > 180 || c.Y is < -90 or > 90)
                throw new GeometryInputException($"coordinate [{c.X}, {c.Y}] is outside lon -180..180, lat -90..90");
        var valid = new IsValidOp(g);
        if (!valid.IsValid)
            throw new GeometryInputException($"invalid {g.GeometryType}: {valid.ValidationError.Message} at [{valid.ValidationError.Coordinate.X}, {valid.ValidationError.Coordinate.Y}]");
        g.SRID = Srid;
        // A polygon drawn on an AMap (GCJ-02) or Baidu (BD-09) page is brought back to WGS84 before it filters anything.
        return ChineseCrs.Convert(g, system, inverse: true);
    }

    /// <summary>`crs`: absent, 4326, "EPSG:4326" or "WGS84" for WGS84; "GCJ02" or "BD09" for the Chinese basemaps.</summary>
    private static CoordinateSystem CoordinateSystemOf(JsonElement json)
    {
        if (!json.TryGetProperty("crs", out var crs) || crs.ValueKind == JsonValueKind.Null) return CoordinateSystem.Wgs84;
        if (crs.ValueKind == JsonValueKind.Number && crs.TryGetInt32(out var srid) && srid == Srid) return CoordinateSystem.Wgs84;
        if (crs.ValueKind == JsonValueKind.String)
        {
            var name = crs.GetString()!.Replace("-", "").Replace("_", "");
            if (name.Equals("EPSG:4326", StringComparison.OrdinalIgnoreCase)) return CoordinateSystem.Wgs84;
            if (Enum.TryParse<CoordinateSystem>(name, ignoreCase: true, out var system)) return system;
        }
        throw new GeometryInputException($"crs {crs.GetRawText()} is not supported: use 4326 (WGS84), \"GCJ02\" or \"BD09\"");
    }

    public static JsonElement ToJson(object? value) => value switch
    {
        null => JsonSerializer.SerializeToElement<object?>(null),
        JsonElement e => e,
        _ => JsonSerializer.SerializeToElement(value),
    };

    public static double[] Position(Coordinate c) => [c.X, c.Y];
    public static double[][] Positions(LineString l) => l.Coordinates.Select(Position).ToArray();
    public static double[][][] Rings(Polygon p) => new[] { p.Shell }.Concat(p.Holes).Select(r => Positions(r)).ToArray();
}

/// <summary>An input value our scalars refuse; its message is the reason, shown to the client after GraphQL.NET's own.</summary>
public class InputValueException(string message) : FormatException(message);

public sealed class GeometryInputException(string message) : InputValueException(message);

public static class CrsArgument
{
    /// <summary>Adds `crs: CoordinateSystem = WGS84` to a geometry field and converts its value for the basemap asked for.</summary>
    public static FieldBuilder<TSource, object> WithCrs<TSource>(this FieldBuilder<TSource, object> field, Func<TSource, Geometry?> geometry) =>
        field.Argument<CoordinateSystemEnum>("crs", "输出坐标系, 默认 WGS84 · Coordinate system of the output: WGS84 (default), GCJ02 (AMap/Tencent) or BD09 (Baidu).",
                a => a.DefaultValue = CoordinateSystem.Wgs84)
            .Resolve(c => geometry(c.Source) is { } g ? ChineseCrs.Convert(g, c.GetArgument("crs", CoordinateSystem.Wgs84)) : null);
}

/// <summary>HC's <c>Geometry</c> scalar: a GeoJSON geometry object, as literal, variable or JSON string.</summary>
public sealed class GeometryScalar : ScalarGraphType
{
    public GeometryScalar()
    {
        Name = "Geometry";
        Description = "GeoJSON 几何对象 (RFC 7946); 省略 crs 即为 WGS84 (4326), 也可为 \"GCJ02\" (高德/腾讯) 或 \"BD09\" (百度) · A GeoJSON geometry object; without `crs` it is WGS84 lon/lat (SRID 4326); `crs` may also be \"GCJ02\" (AMap/Tencent) or \"BD09\" (Baidu), converted to WGS84 on input.";
    }

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        Geometry g => g,
        string s => ParseString(s),
        _ => Parse(GeoJson.ToJson(value)),
    };

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => ParseString((string)s.Value),
        GraphQLObjectValue o => Parse(GeoJson.ToJson(ToObject(o))),
        _ => throw new GeometryInputException("a geometry must be a GeoJSON object"),
    };

    public override bool CanParseLiteral(GraphQLValue value) => value is GraphQLNullValue or GraphQLStringValue or GraphQLObjectValue;
    public override bool CanParseValue(object? value) => true;

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        Geometry g => JsonSerializer.SerializeToElement(g, GeoJson.Options),
        _ => throw new InvalidOperationException("not a geometry"),
    };

    private static Geometry ParseString(string s)
    {
        try { return Parse(JsonDocument.Parse(s).RootElement); }
        catch (JsonException e) { throw new GeometryInputException($"malformed GeoJSON text: {e.Message}"); }
    }

    // Parse failures become GraphQL validation errors; GeoProjectsErrorInfoProvider adds this exception's reason.
    private static Geometry Parse(JsonElement e) => GeoJson.Parse(e);

    private static object? ToObject(GraphQLValue v) => v switch
    {
        GraphQLObjectValue o => (o.Fields ?? []).ToDictionary(f => (string)f.Name.Value, f => ToObject(f.Value)),
        GraphQLListValue l => (l.Values ?? []).Select(ToObject).ToList(),
        GraphQLIntValue i => decimal.Parse(i.Value.Span, provider: System.Globalization.CultureInfo.InvariantCulture),
        GraphQLFloatValue f => decimal.Parse(f.Value.Span, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture),
        GraphQLStringValue s => (string)s.Value,
        GraphQLBooleanValue b => b.BoolValue,
        GraphQLEnumValue en => (string)en.Name.Value,
        GraphQLNullValue => null,
        _ => throw new GeometryInputException($"unexpected {v.Kind} in a GeoJSON literal"),
    };
}

public sealed class PositionScalar : ScalarGraphType
{
    public PositionScalar()
    {
        Name = "Position";
        Description = "坐标位置 [经度, 纬度] · A position is an array of numbers. There MUST be two or more elements. The first two elements are longitude and latitude (easting and northing).";
    }

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        double[] d => d,
        System.Collections.IEnumerable e when value is not string => Position(e.Cast<object?>().Select(Number)),
        _ => throw new GeometryInputException("a position is an array of numbers [lon, lat]"),
    };

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLListValue l => Position((l.Values ?? []).Select(v => v switch
        {
            GraphQLIntValue i => double.Parse(i.Value.Span, provider: System.Globalization.CultureInfo.InvariantCulture),
            GraphQLFloatValue f => double.Parse(f.Value.Span, provider: System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new GeometryInputException("a position is an array of numbers [lon, lat]"),
        })),
        _ => throw new GeometryInputException("a position is an array of numbers [lon, lat]"),
    };

    public override bool CanParseLiteral(GraphQLValue value) => value is GraphQLNullValue or GraphQLListValue;
    public override bool CanParseValue(object? value) => true;
    public override object? Serialize(object? value) => value;

    private static double Number(object? o) => o switch
    {
        null => throw new GeometryInputException("a position has no null numbers"),
        _ => Convert.ToDouble(o, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static double[] Position(IEnumerable<double> numbers)
    {
        var p = numbers.ToArray();
        if (p.Length < 2) throw new GeometryInputException("a position needs at least [lon, lat]");
        return p;
    }
}

/// <summary>HC's <c>GeoJSONPointInput</c>; parses to an NTS point in SRID 4326.</summary>
public sealed class GeoJsonPointInputType : InputObjectGraphType
{
    public GeoJsonPointInputType()
    {
        Name = "GeoJSONPointInput";
        Description = "GeoJSON 点输入 (WGS84) · A GeoJSON Point as input, WGS84 lon/lat; crs may be omitted or 4326.";
        Field<GeoJsonGeometryTypeEnum>("type").Description("几何类型, 须为 Point · The geometry type; Point when given.");
        Field<PositionScalar>("coordinates").Description("点坐标 [经度, 纬度] · The point's position [lon, lat].");
        Field<IntGraphType>("crs").Description("坐标参考系 SRID, 仅支持 4326 · The SRID; only 4326 is accepted.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        if (value.TryGetValue("type", out var type) && type is not null && (string)type != "Point")
            throw new GeometryInputException($"GeoJSONPointInput takes a Point, not a {type}");
        if (value.TryGetValue("crs", out var crs) && crs is not null && Convert.ToInt32(crs, System.Globalization.CultureInfo.InvariantCulture) != GeoJson.Srid)
            throw new GeometryInputException($"crs {crs} is not supported: geometries are in SRID {GeoJson.Srid} (WGS84 lon/lat)");
        if (!value.TryGetValue("coordinates", out var c) || c is not double[] position)
            throw new GeometryInputException("GeoJSONPointInput needs coordinates [lon, lat]");
        var json = System.Text.Json.JsonSerializer.SerializeToElement(new { type = "Point", coordinates = position });
        return GeoJson.Parse(json);
    }
}

public sealed class CoordinatesScalar : ScalarGraphType
{
    public CoordinatesScalar()
    {
        Name = "Coordinates";
        Description = "坐标数组 · A coordinate is an array of positions.";
    }
    public override object? ParseValue(object? value) => value;
    public override object? Serialize(object? value) => value;
}

public sealed class GeoJsonGeometryTypeEnum : EnumerationGraphType
{
    public GeoJsonGeometryTypeEnum()
    {
        Name = "GeoJSONGeometryType";
        Description = "GeoJSON 几何类型 · The GeoJSON geometry type.";
        foreach (var (t, zh) in new[] { ("Point", "点"), ("MultiPoint", "多点"), ("LineString", "线"), ("MultiLineString", "多线"), ("Polygon", "面"), ("MultiPolygon", "多面"), ("GeometryCollection", "几何集合") })
            Add(t, t, $"{zh} · GeoJSON {t}");
    }
}

public sealed class GeoJsonInterface : InterfaceGraphType<Geometry>
{
    public GeoJsonInterface()
    {
        Name = "GeoJSONInterface";
        Description = "GeoJSON 几何对象的公共字段 · Fields common to every GeoJSON geometry.";
        Field<NonNullGraphType<GeoJsonGeometryTypeEnum>>("type").Description("几何类型 · The geometry type of the GeoJson object");
        Field<ListGraphType<FloatGraphType>>("bbox").Description("外包框 [minX, minY, maxX, maxY] · The minimum bounding box around the geometry object");
        Field<IntGraphType>("crs").Description("坐标参考系 SRID · The coordinate reference system integer identifier");
    }
}

/// <summary>Shared fields of the concrete GeoJSON object types (type, bbox, crs), with HC's nullability.</summary>
public abstract class GeoJsonObjectType<TGeometry> : ObjectGraphType<TGeometry> where TGeometry : Geometry
{
    protected GeoJsonObjectType(string name, string description)
    {
        Name = name;
        Description = description;
        Interface<GeoJsonInterface>();
        IsTypeOf = o => o is TGeometry;
        Field<NonNullGraphType<GeoJsonGeometryTypeEnum>>("type").Description("几何类型 · The geometry type of the GeoJson object").Resolve(c => c.Source.GeometryType);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FloatGraphType>>>>("bbox")
            .Description("外包框 [minX, minY, maxX, maxY] · The minimum bounding box around the geometry object")
            .Resolve(c => new[] { c.Source.EnvelopeInternal.MinX, c.Source.EnvelopeInternal.MinY, c.Source.EnvelopeInternal.MaxX, c.Source.EnvelopeInternal.MaxY });
        Field<NonNullGraphType<IntGraphType>>("crs").Description("坐标参考系 SRID · The coordinate reference system integer identifier")
            .Resolve(c => c.Source.SRID <= 0 ? GeoJson.Srid : c.Source.SRID);
    }
}

public sealed class GeoJsonPointType : GeoJsonObjectType<Point>
{
    public GeoJsonPointType() : base("GeoJSONPointType", "GeoJSON 点 · A GeoJSON Point.")
    {
        Field<PositionScalar>("coordinates").Description("点坐标 · The \"coordinates\" field is a single position.").Resolve(c => GeoJson.Position(c.Source.Coordinate));
    }
}

public sealed class GeoJsonPolygonType : GeoJsonObjectType<Polygon>
{
    public GeoJsonPolygonType() : base("GeoJSONPolygonType", "GeoJSON 面 · A GeoJSON Polygon.")
    {
        Field<ListGraphType<ListGraphType<PositionScalar>>>("coordinates")
            .Description("线性环数组, 首个为外环 · The \"coordinates\" field MUST be an array of linear ring coordinate arrays.")
            .Resolve(c => GeoJson.Rings(c.Source));
    }
}

public sealed class GeoJsonMultiPolygonType : GeoJsonObjectType<MultiPolygon>
{
    public GeoJsonMultiPolygonType() : base("GeoJSONMultiPolygonType", "GeoJSON 多面 · A GeoJSON MultiPolygon.")
    {
        Field<CoordinatesScalar>("coordinates")
            .Description("多边形坐标数组 · The \"coordinates\" field is an array of Polygon coordinate arrays.")
            .Resolve(c => c.Source.Geometries.Cast<Polygon>().Select(GeoJson.Rings).ToArray());
    }
}
