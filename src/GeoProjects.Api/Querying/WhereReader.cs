using System.Globalization;
using System.Text.Json;
using GeoProjects.Api.GraphQL;
using GraphQL;
using GraphQL.Types;

namespace GeoProjects.Api.Querying;

/// <summary>
/// Reads a `where` given as JSON (a tile or GeoJSON URL, an export) straight into the filter model, with the
/// shape and value coercion of GraphQL's filter input (the same scalar types parse each value), and errors that
/// name the path: <c>where.sector.in[1]: 'SPACE' is not a Sector</c>.
/// </summary>
public static class WhereReader
{
    public const string Code = "INVALID_FILTER";

    public static IDictionary<string, object?>? Read(IEntityFilter filter, string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new QueryInputException(Code, $"where is not JSON: {e.Message}");
        }
        using (document)
            return document.RootElement.ValueKind == JsonValueKind.Null ? null : Entity(filter, document.RootElement, "where");
    }

    /// <summary>Checks one literal against a field's type (a CQL2 value), reporting with <paramref name="error"/>.</summary>
    public static void Check(FilterField field, System.Text.Json.Nodes.JsonNode literal, string where, Func<string, Exception> error)
    {
        try
        {
            using var document = JsonDocument.Parse(literal.ToJsonString());
            Scalar(field, document.RootElement, where, listItem: false);
        }
        catch (QueryInputException e)
        {
            throw error(e.Message);
        }
    }

    private static Dictionary<string, object?> Entity(IEntityFilter filter, JsonElement e, string path)
    {
        var result = new Dictionary<string, object?>();
        foreach (var (key, value) in Members(e, path, $"{filter.TypeName}FilterInput"))
        {
            var at = $"{path}.{key}";
            if (key is "and" or "or")
            {
                result[key] = List(value, at, (item, p) => Entity(filter, Required(item, p), p));
                continue;
            }
            var field = filter.Fields.FirstOrDefault(f => f.Name == key)
                ?? throw Invalid(at, $"{filter.TypeName}FilterInput has no field '{key}'");
            result[key] = value.ValueKind == JsonValueKind.Null ? null
                : field.Operand == FilterOperand.Object ? Entity(field.Related!, value, at)
                : Operations(field, value, at);
        }
        return result;
    }

    private static Dictionary<string, object?> Operations(FilterField field, JsonElement e, string path)
    {
        var result = new Dictionary<string, object?>();
        foreach (var (op, value) in Members(e, path, $"the operations of {field.Name}"))
        {
            var at = $"{path}.{op}";
            result[op] = field.Operand switch
            {
                FilterOperand.Geometry => Spatial(field, op, value, at),
                FilterOperand.String when op is "and" or "or" => List(value, at, (item, p) => Operations(field, Required(item, p), p)),
                _ when !FilterOperations.Of(field.Operand).Contains(op) => throw Invalid(at, $"'{op}' is not an operation of {field.Name}"),
                _ when op is "in" or "nin" => List(value, at, (item, p) => Scalar(field, item, p, listItem: true)),
                _ => Scalar(field, value, at, listItem: false),
            };
        }
        return result;
    }

    private static object? Spatial(FilterField field, string op, JsonElement value, string path)
    {
        if (op is "and" or "or") return List(value, path, (item, p) => Operations(field, Required(item, p), p));
        var name = op.StartsWith('n') && FilterTranslator.SpatialPredicates.Contains(op[1..]) ? op[1..] : op;
        if (name != "distance" && !FilterTranslator.SpatialPredicates.Contains(name))
            throw Invalid(path, $"'{op}' is not a spatial operation of {field.Name}");
        if (value.ValueKind == JsonValueKind.Null) return null;
        var result = new Dictionary<string, object?>();
        foreach (var (key, item) in Members(value, path, $"{op}'s input"))
        {
            var at = $"{path}.{key}";
            result[key] = key switch
            {
                "geometry" => Parse(GeometryType, Required(item, at), at),
                "buffer" => item.ValueKind == JsonValueKind.Null ? null : Parse(FloatType, item, at),
                _ when name == "distance" && key is "in" or "nin" => List(item, at, (v, p) => Parse(FloatType, Required(v, p), p)),
                _ when name == "distance" && FilterTranslator.ComparableOperations.Contains(key) =>
                    item.ValueKind == JsonValueKind.Null ? null : Parse(FloatType, item, at),
                _ => throw Invalid(at, $"'{key}' is not a field of {op}'s input"),
            };
        }
        if (!result.ContainsKey("geometry")) throw Invalid(path, $"{op} needs a geometry");
        return result;
    }

    private static object? Scalar(FilterField field, JsonElement value, string path, bool listItem)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return listItem && field.Operand == FilterOperand.Enum ? throw Invalid(path, "a list item must not be null") : null;
        return Parse(TypeOf(field), value, path);
    }

    /// <summary>The GraphQL scalar or enum type that coerces the field's values, as the filter input declares it.</summary>
    private static ScalarGraphType TypeOf(FilterField field)
    {
        var clr = Nullable.GetUnderlyingType(field.ValueType) ?? field.ValueType;
        return field.Operand switch
        {
            FilterOperand.Id => IdType,
            FilterOperand.String => TextType,
            FilterOperand.Boolean => BooleanType,
            FilterOperand.Enum => EnumTypes.GetOrAdd(clr, t =>
                 (ScalarGraphType)Activator.CreateInstance(typeof(EnumerationGraphType<>).MakeGenericType(t))!),
            _ when clr == typeof(int) => IntType,
            _ when clr == typeof(long) => LongType,
            _ when clr == typeof(decimal) => DecimalType,
            _ when clr == typeof(double) => FloatType,
            _ when clr == typeof(DateOnly) => DateType,
            _ when clr == typeof(DateTime) => DateTimeType,
            _ => throw new NotSupportedException(clr.Name),
        };
    }

    private static readonly ScalarGraphType IdType = new IdGraphType(), TextType = new TextScalar(), BooleanType = new BooleanGraphType(),
        IntType = new IntGraphType(), LongType = new LongGraphType(), DecimalType = new DecimalScalar(), FloatType = new FiniteFloatScalar(),
        DateType = new DateScalar(), DateTimeType = new DateTimeScalar(), GeometryType = new GeometryScalar();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, ScalarGraphType> EnumTypes = new();

    /// <summary>Coerces a JSON value with the GraphQL type's own ParseValue, as GraphQL does for a variable.</summary>
    private static object? Parse(ScalarGraphType type, JsonElement value, string path)
    {
        var raw = Primitive(value);
        if (raw is double d && !double.IsFinite(d))
            throw Invalid(path, $"{Describe(value)} reads as Infinity: a number must be finite (within ±1.7976931348623157E+308)");
        try
        {
            if (!type.CanParseValue(raw)) throw Invalid(path, $"{Describe(value)} is not a valid {type.Name}");
            return type.ParseValue(raw);
        }
        catch (Exception e) when (e is InputValueException or FormatException or OverflowException or InvalidOperationException or ArgumentException)
        {
            throw Invalid(path, $"{Describe(value)} is not a valid {type.Name}: {e.Message}");
        }
    }

    /// <summary>What GraphQL.NET's JSON reader makes of a variable: strings, booleans, int/long/decimal/double, dictionaries for objects.</summary>
    private static object? Primitive(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when e.TryGetInt32(out var i) => i,
        JsonValueKind.Number when e.TryGetInt64(out var l) => l,
        JsonValueKind.Number when e.TryGetDecimal(out var d) => d,
        // Beyond double's range reads as ±Infinity, which the Float and Decimal scalars then refuse by name.
        JsonValueKind.Number => double.Parse(e.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Primitive(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Select(Primitive).ToList(),
        _ => null,
    };

    private static string Describe(JsonElement e)
    {
        var text = e.GetRawText();
        return text.Length > 60 ? text[..60] + "…" : text;
    }

    private static IEnumerable<(string Key, JsonElement Value)> Members(JsonElement e, string path, string what)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Invalid(path, $"must be an input object ({what}), not {Describe(e)}");
        var seen = new HashSet<string>();
        foreach (var p in e.EnumerateObject())
        {
            if (!seen.Add(p.Name)) throw Invalid(path, $"'{p.Name}' is given twice");
            yield return (p.Name, p.Value);
        }
    }

    /// <summary>A list, or one value standing for a list of one (GraphQL's input coercion of lists).</summary>
    private static List<object?>? List(JsonElement value, string path, Func<JsonElement, string, object?> item) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Array => value.EnumerateArray().Select((v, i) => item(v, $"{path}[{i}]")).ToList(),
        _ => [item(value, path)],
    };

    private static JsonElement Required(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Null ? throw Invalid(path, "must not be null") : value;

    private static QueryInputException Invalid(string path, string message) => new(Code, $"{path}: {message}");
}

/// <summary>The operations each kind of filter field takes, as the GraphQL filter inputs declare them.</summary>
public static class FilterOperations
{
    public static IReadOnlyList<string> Of(FilterOperand operand) => operand switch
    {
        FilterOperand.String => FilterTranslator.StringOperations,
        FilterOperand.Comparable => FilterTranslator.ComparableOperations,
        FilterOperand.Boolean => ["eq", "neq"],
        FilterOperand.Enum or FilterOperand.Id => ["eq", "neq", "in", "nin"],
        _ => [],
    };
}
