using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Querying;

/// <summary>
/// Translates a parsed filter input (HotChocolate's operation names) into a LINQ predicate.
/// Values become parameters, never SQL text; identifiers come only from the filter definitions.
/// </summary>
public static class FilterTranslator
{
    public static readonly string[] ComparableOperations = ["eq", "neq", "in", "nin", "gt", "ngt", "gte", "ngte", "lt", "nlt", "lte", "nlte"];
    public static readonly string[] StringOperations = ["and", "or", "eq", "neq", "contains", "ncontains", "in", "nin", "startsWith", "nstartsWith", "endsWith", "nendsWith"];
    public static readonly string[] SpatialPredicates = ["contains", "intersects", "overlaps", "touches", "within"];

    /// <summary>Operations, and/or items and list values in one filter: every door (GraphQL, tiles, GeoJSON, OGC) passes here.</summary>
    public const int MaxFilterValues = 1_000;
    /// <summary>Values in one in/nin list (sent as one array parameter).</summary>
    public const int MaxInValues = 10_000;

    public static Expression<Func<T, bool>> Translate<T>(EntityFilter<T> filter, IDictionary<string, object?> input, QueryContext? context = null)
    {
        var size = 0;
        CheckSize(input, ref size);
        var p = Expression.Parameter(typeof(T), "x");
        return Expression.Lambda<Func<T, bool>>(Entity(filter, input, p, context ?? QueryContext.Default), p);
    }

    private static Expression Entity(IEntityFilter filter, IDictionary<string, object?> input, Expression target, QueryContext context) =>
        Conjunction(input, nested => Entity(filter, nested, target, context), (key, value) =>
        {
            var field = filter.Fields.FirstOrDefault(f => f.Name == key)
                ?? throw new QueryInputException("FILTER_FIELD_UNKNOWN", $"{filter.TypeName} has no filterable field '{key}'");
            Security.Authorization.DemandToRead(field.Read, $"filter on {key}");
            if (value is null) return null; // `field: null` means no condition, as in HotChocolate
            var member = Replace(field.Accessor(context), target);
            return field.Operand switch
            {
                FilterOperand.Object => Related(field, Dict(value, key), member, context),
                FilterOperand.Geometry => Spatial(field, Dict(value, key), member),
                _ => Scalar(field, Dict(value, key), member),
            };
        });

    /// <summary>Refuses a filter too large to translate (a 10 000-item `or` would nest 10 000 deep in SQL).</summary>
    private static void CheckSize(object? value, ref int size)
    {
        switch (value)
        {
            case IDictionary<string, object?> dict:
                foreach (var (key, item) in dict)
                {
                    if (++size > MaxFilterValues)
                        throw new QueryInputException("FILTER_TOO_LARGE", $"a filter may hold at most {MaxFilterValues} operations and values");
                    if (key is "in" or "nin" && item is ICollection { Count: > MaxInValues } list)
                        throw new QueryInputException("FILTER_TOO_LARGE", $"'{key}' may list at most {MaxInValues} values; {list.Count} were given");
                    if (key is not ("in" or "nin")) CheckSize(item, ref size);
                }
                break;
            case IEnumerable list and not string:
                foreach (var item in list) CheckSize(item, ref size);
                break;
        }
    }

    /// <summary>Combines as a balanced tree, so a long and/or list stays shallow for EF Core and PostgreSQL.</summary>
    private static Expression Balanced(IReadOnlyList<Expression> parts, Func<Expression, Expression, Expression> combine) =>
        parts.Count == 1 ? parts[0] : combine(Balanced(parts.Take(parts.Count / 2).ToList(), combine), Balanced(parts.Skip(parts.Count / 2).ToList(), combine));

    /// <summary>An input object whose <c>and</c>/<c>or</c> lists hold more of the same; every other entry is AND-ed.</summary>
    private static Expression Conjunction(
        IDictionary<string, object?> input, Func<IDictionary<string, object?>, Expression> nested, Func<string, object?, Expression?> entry)
    {
        var parts = new List<Expression>();
        foreach (var (key, value) in input)
        {
            if (key is "and" or "or")
            {
                var items = List(value, key).Select(v => nested(Dict(v, key))).ToList();
                if (items.Count > 0) parts.Add(Balanced(items, key == "and" ? Expression.AndAlso : Expression.OrElse));
            }
            else if (entry(key, value) is { } part)
            {
                parts.Add(part);
            }
        }
        return parts.Count == 0 ? Expression.Constant(true) : parts.Aggregate(Expression.AndAlso);
    }

    private static Expression Related(FilterField field, IDictionary<string, object?> input, Expression member, QueryContext context) =>
        // A missing relation (NULL foreign key) matches no condition on the related entity.
        Expression.AndAlso(Expression.NotEqual(member, Expression.Constant(null, member.Type)), Entity(field.Related!, input, member, context));

    private static Expression Scalar(FilterField field, IDictionary<string, object?> input, Expression member) =>
        Conjunction(input, nested => Scalar(field, nested, member), (op, raw) => op switch
        {
            // eq/neq null ask "is (not) null"; a required field is never null.
            "eq" => raw is null && !CanBeNull(member.Type) ? Expression.Constant(false) : Expression.Equal(member, Value(field, raw, member.Type)),
            "neq" => raw is null && !CanBeNull(member.Type) ? Expression.Constant(true) : Expression.NotEqual(member, Value(field, raw, member.Type)),
            "in" => In(field, raw, member),
            "nin" => Expression.Not(In(field, raw, member)),
            "gt" => Compare(ExpressionType.GreaterThan, field, raw, member),
            "ngt" => Expression.Not(Compare(ExpressionType.GreaterThan, field, raw, member)),
            "gte" => Compare(ExpressionType.GreaterThanOrEqual, field, raw, member),
            "ngte" => Expression.Not(Compare(ExpressionType.GreaterThanOrEqual, field, raw, member)),
            "lt" => Compare(ExpressionType.LessThan, field, raw, member),
            "nlt" => Expression.Not(Compare(ExpressionType.LessThan, field, raw, member)),
            "lte" => Compare(ExpressionType.LessThanOrEqual, field, raw, member),
            "nlte" => Expression.Not(Compare(ExpressionType.LessThanOrEqual, field, raw, member)),
            "contains" => StringCall(nameof(string.Contains), field, raw, member),
            "ncontains" => Expression.Not(StringCall(nameof(string.Contains), field, raw, member)),
            "startsWith" => StringCall(nameof(string.StartsWith), field, raw, member),
            "nstartsWith" => Expression.Not(StringCall(nameof(string.StartsWith), field, raw, member)),
            "endsWith" => StringCall(nameof(string.EndsWith), field, raw, member),
            "nendsWith" => Expression.Not(StringCall(nameof(string.EndsWith), field, raw, member)),
            _ => throw new QueryInputException("FILTER_OPERATION_UNKNOWN", $"'{op}' is not an operation of {field.Name}"),
        });

    private static Expression Compare(ExpressionType kind, FilterField field, object? raw, Expression member)
    {
        if (raw is null) throw new QueryInputException("FILTER_VALUE_NULL", $"{field.Name}: comparison operations need a value, not null");
        return Expression.MakeBinary(kind, member, Value(field, raw, member.Type));
    }

    private static Expression StringCall(string method, FilterField field, object? raw, Expression member)
    {
        if (raw is not string s) throw new QueryInputException("FILTER_VALUE_NULL", $"{field.Name}: string operations need a value, not null");
        var call = Expression.Call(member, typeof(string).GetMethod(method, [typeof(string)])!, Parameter(s, typeof(string)));
        return Expression.AndAlso(Expression.NotEqual(member, Expression.Constant(null, typeof(string))), call);
    }

    internal static bool CanBeNull(Type t) => !t.IsValueType || Nullable.GetUnderlyingType(t) is not null;

    private static Expression In(FilterField field, object? raw, Expression member)
    {
        if (raw is null) throw new QueryInputException("FILTER_VALUE_NULL", $"{field.Name}: in/nin need a list, not null");
        var itemType = member.Type;
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
        foreach (var item in List(raw, field.Name)) list.Add(Convert(field, item, itemType));
        var contains = typeof(Enumerable).GetMethods().Single(m => m.Name == nameof(Enumerable.Contains) && m.GetParameters().Length == 2)
            .MakeGenericMethod(itemType);
        return Expression.Call(contains, Parameter(list, list.GetType()), member);
    }

    private static Expression Value(FilterField field, object? raw, Type type) => Parameter(Convert(field, raw, type), type);

    private static object? Convert(FilterField field, object? raw, Type type)
    {
        if (raw is null) return null;
        var u = Nullable.GetUnderlyingType(type) ?? type;
        if (field.Operand == FilterOperand.Id) return NodeId.Decode(field.NodeType!, raw.ToString()!);
        if (u.IsInstanceOfType(raw)) return raw;
        if (u.IsEnum && raw is string name && Enum.TryParse(u, name, ignoreCase: true, out var e)) return e;
        try
        {
            return System.Convert.ChangeType(raw, u, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is InvalidCastException or FormatException or OverflowException)
        {
            throw new QueryInputException("FILTER_VALUE_INVALID", $"{field.Name}: '{raw}' is not a valid {u.Name}");
        }
    }

    private static Expression Spatial(FilterField field, IDictionary<string, object?> input, Expression member) =>
        Conjunction(input, nested => Spatial(field, nested, member), (op, raw) =>
        {
            if (raw is null) return null;
            var negate = op.StartsWith('n') && SpatialPredicates.Contains(op[1..]);
            var name = negate ? op[1..] : op;
            var args = Dict(raw, op);
            if (name == "distance") return Distance(field, args, member);
            if (!SpatialPredicates.Contains(name))
                throw new QueryInputException("FILTER_OPERATION_UNKNOWN", $"'{op}' is not a spatial operation of {field.Name}");
            var predicate = BufferedReach(name, member) && BufferMetres(field, args) is { } reach
                // Exact on the spheroid for any reach: "intersects g buffered by r" is "within r of g" (for a point, so is `within`).
                ? Expression.Call(typeof(GeoSql).GetMethod(nameof(GeoSql.WithinMetres))!, member, Geometry(field, args), Parameter(reach, typeof(double)))
                : Expression.Call(member, typeof(Geometry).GetMethod(char.ToUpperInvariant(name[0]) + name[1..], [typeof(Geometry)])!, Operand(field, args));
            return negate ? Expression.Not(predicate) : predicate;
        });

    /// <summary>Distances and buffers: metres on the spheroid, from 0 to half the equator (farther reaches the whole Earth).</summary>
    public const double MaxMetres = 20_037_509;

    /// <summary>
    /// A buffered operand for the other predicates and for distance is PostGIS's geography ST_Buffer, computed in a planar projection
    /// around the geometry: accurate to a fraction of a percent within this reach, wrong far beyond it.
    /// </summary>
    public const double MaxPlanarBufferMetres = 100_000;

    private static bool BufferedReach(string predicate, Expression member) =>
        predicate == "intersects" || predicate == "within" && typeof(Point).IsAssignableFrom(member.Type);

    private static Expression Geometry(FilterField field, IDictionary<string, object?> args) =>
        args.TryGetValue("geometry", out var g) && g is Geometry geometry
            ? Parameter(geometry, typeof(Geometry))
            : throw new QueryInputException("FILTER_VALUE_NULL", $"{field.Name}: a spatial operation needs a geometry");

    private static double? BufferMetres(FilterField field, IDictionary<string, object?> args) =>
        args.TryGetValue("buffer", out var b) && b is not null ? Metres($"{field.Name}: buffer", b) : null;

    /// <summary>A distance in metres within [0, <see cref="MaxMetres"/>], or FILTER_VALUE_INVALID.</summary>
    private static double Metres(string what, object value)
    {
        var metres = System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        return double.IsFinite(metres) && metres is >= 0 and <= MaxMetres ? metres
            : throw new QueryInputException("FILTER_VALUE_INVALID", $"{what} must be between 0 and {MaxMetres:0} metres (half the equator); {value} is not");
    }

    /// <summary>The operation's geometry, buffered by <c>buffer</c> metres on the geography when given.</summary>
    private static Expression Operand(FilterField field, IDictionary<string, object?> args)
    {
        var operand = Geometry(field, args);
        if (BufferMetres(field, args) is not { } metres) return operand;
        if (metres > MaxPlanarBufferMetres)
            throw new QueryInputException("FILTER_VALUE_INVALID",
                $"{field.Name}: except with intersects (and within, for points) a buffer is at most {MaxPlanarBufferMetres:0} metres; for farther reaches use intersects or distance");
        return Expression.Call(typeof(GeoSql).GetMethod(nameof(GeoSql.BufferMetres))!, operand, Parameter(metres, typeof(double)));
    }

    private static Expression Distance(FilterField field, IDictionary<string, object?> args, Expression member)
    {
        var operand = Operand(field, args);
        // No Convert to Geometry: a cast in the SQL would hide the column from the geography(location) index.
        var geometryMember = member;
        var distance = Expression.Call(typeof(GeoSql).GetMethod(nameof(GeoSql.DistanceMetres))!, geometryMember, operand);
        Expression Within(object? d) => Expression.Call(typeof(GeoSql).GetMethod(nameof(GeoSql.WithinMetres))!, geometryMember, operand, Reach(d));
        Expression Reach(object? d) => Parameter(Metres($"{field.Name}.distance",
            d ?? throw new QueryInputException("FILTER_VALUE_NULL", $"{field.Name}.distance: comparisons need a value")), typeof(double));
        var parts = new List<Expression>();
        foreach (var (op, raw) in args)
        {
            if (op is "geometry" or "buffer" || raw is null) continue;
            parts.Add(op switch
            {
                // ST_DWithin first: it can use the GiST index on geography(location); ST_Distance alone cannot.
                "lte" => Within(raw),
                "lt" => Expression.AndAlso(Within(raw), Expression.LessThan(distance, Reach(raw))),
                "eq" => Expression.Equal(distance, Reach(raw)),
                "neq" => Expression.NotEqual(distance, Reach(raw)),
                "gt" => Expression.GreaterThan(distance, Reach(raw)),
                "ngt" => Within(raw),
                "gte" => Expression.GreaterThanOrEqual(distance, Reach(raw)),
                "ngte" => Expression.AndAlso(Within(raw), Expression.LessThan(distance, Reach(raw))),
                "nlt" => Expression.GreaterThanOrEqual(distance, Reach(raw)),
                "nlte" => Expression.GreaterThan(distance, Reach(raw)),
                "in" => In(new FilterField { Name = field.Name + ".distance", Description = "", Accessor = field.Accessor, Operand = FilterOperand.Comparable }, raw, distance),
                "nin" => Expression.Not(In(new FilterField { Name = field.Name + ".distance", Description = "", Accessor = field.Accessor, Operand = FilterOperand.Comparable }, raw, distance)),
                _ => throw new QueryInputException("FILTER_OPERATION_UNKNOWN", $"'{op}' is not an operation of {field.Name}.distance"),
            });
        }
        if (parts.Count == 0) throw new QueryInputException("FILTER_VALUE_NULL", $"{field.Name}.distance needs a comparison such as lt: 5000 (metres)");
        return parts.Aggregate(Expression.AndAlso);
    }

    /// <summary>Wraps a value so EF Core sends it as a SQL parameter (a closure member), not as an inlined literal.</summary>
    private static Expression Parameter(object? value, Type type)
    {
        var box = Activator.CreateInstance(typeof(Box<>).MakeGenericType(type), value)!;
        return Expression.Field(Expression.Constant(box), "Value");
    }

    private sealed class Box<TValue>(TValue value)
    {
        public readonly TValue Value = value;
    }

    private static IDictionary<string, object?> Dict(object? value, string name) => value as IDictionary<string, object?>
        ?? throw new QueryInputException("FILTER_VALUE_INVALID", $"'{name}' must be an input object");

    private static IEnumerable<object?> List(object? value, string name) => value switch
    {
        null => [],
        string => throw new QueryInputException("FILTER_VALUE_INVALID", $"'{name}' must be a list"),
        IEnumerable e => e.Cast<object?>(),
        _ => throw new QueryInputException("FILTER_VALUE_INVALID", $"'{name}' must be a list"),
    };

    /// <summary>Substitutes the accessor's parameter with <paramref name="target"/> (e.g. <c>p.Zone</c>).</summary>
    public static Expression Replace(LambdaExpression accessor, Expression target) => Inline(accessor, target);

    /// <summary>The lambda's body with its parameters replaced by <paramref name="arguments"/>, in order.</summary>
    public static Expression Inline(LambdaExpression lambda, params Expression[] arguments) =>
        new ParameterReplacer(lambda.Parameters.Zip(arguments).ToDictionary(x => x.First, x => x.Second)).Visit(lambda.Body);

    private sealed class ParameterReplacer(Dictionary<ParameterExpression, Expression> map) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => map.GetValueOrDefault(node, node);
    }
}
