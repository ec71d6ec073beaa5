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

    public static Expression<Func<T, bool>> Translate<T>(EntityFilter<T> filter, IDictionary<string, object?> input, QueryContext? context = null)
    {
        var p = Expression.Parameter(typeof(T), "x");
        return Expression.Lambda<Func<T, bool>>(Entity(filter, input, p, context ?? QueryContext.Default), p);
    }

    private static Expression Entity(IEntityFilter filter, IDictionary<string, object?> input, Expression target, QueryContext context) =>
        Conjunction(input, nested => Entity(filter, nested, target, context), (key, value) =>
        {
            var field = filter.Fields.FirstOrDefault(f => f.Name == key)
                ?? throw new QueryInputException("FILTER_FIELD_UNKNOWN", $"{filter.TypeName} has no filterable field '{key}'");
            if (value is null) return null; // `field: null` means no condition, as in HotChocolate
            var member = Replace(field.Accessor(context), target);
            return field.Operand switch
            {
                FilterOperand.Object => Related(field, Dict(value, key), member, context),
                FilterOperand.Geometry => Spatial(field, Dict(value, key), member),
                _ => Scalar(field, Dict(value, key), member),
            };
        });

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
                if (items.Count > 0) parts.Add(items.Aggregate(key == "and" ? Expression.AndAlso : Expression.OrElse));
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

    private static bool CanBeNull(Type t) => !t.IsValueType || Nullable.GetUnderlyingType(t) is not null;

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
            var predicate = Expression.Call(member, typeof(Geometry).GetMethod(char.ToUpperInvariant(name[0]) + name[1..], [typeof(Geometry)])!, Operand(field, args));
            return negate ? Expression.Not(predicate) : predicate;
        });

    /// <summary>The operation's geometry, buffered by <c>buffer</c> metres on the geography when given.</summary>
    private static Expression Operand(FilterField field, IDictionary<string, object?> args)
    {
        if (!args.TryGetValue("geometry", out var g) || g is not Geometry geometry)
            throw new QueryInputException("FILTER_VALUE_NULL", $"{field.Name}: a spatial operation needs a geometry");
        Expression operand = Parameter(geometry, typeof(Geometry));
        if (args.TryGetValue("buffer", out var b) && b is not null)
        {
            var metres = System.Convert.ToDouble(b, System.Globalization.CultureInfo.InvariantCulture);
            if (metres < 0 || double.IsNaN(metres)) throw new QueryInputException("FILTER_VALUE_INVALID", $"{field.Name}: buffer must be ≥ 0 metres");
            operand = Expression.Call(typeof(GeoSql).GetMethod(nameof(GeoSql.BufferMetres))!, operand, Parameter(metres, typeof(double)));
        }
        return operand;
    }

    private static Expression Distance(FilterField field, IDictionary<string, object?> args, Expression member)
    {
        var operand = Operand(field, args);
        // No Convert to Geometry: a cast in the SQL would hide the column from the geography(location) index.
        var geometryMember = member;
        var distance = Expression.Call(typeof(GeoSql).GetMethod(nameof(GeoSql.DistanceMetres))!, geometryMember, operand);
        Expression Within(object? d) => Expression.Call(typeof(GeoSql).GetMethod(nameof(GeoSql.WithinMetres))!, geometryMember, operand, Metres(d));
        Expression Metres(object? d) => Parameter(System.Convert.ToDouble(d ?? throw new QueryInputException("FILTER_VALUE_NULL", $"{field.Name}.distance: comparisons need a value"), System.Globalization.CultureInfo.InvariantCulture), typeof(double));
        var parts = new List<Expression>();
        foreach (var (op, raw) in args)
        {
            if (op is "geometry" or "buffer" || raw is null) continue;
            parts.Add(op switch
            {
                // ST_DWithin first: it can use the GiST index on geography(location); ST_Distance alone cannot.
                "lte" => Within(raw),
                "lt" => Expression.AndAlso(Within(raw), Expression.LessThan(distance, Metres(raw))),
                "eq" => Expression.Equal(distance, Metres(raw)),
                "neq" => Expression.NotEqual(distance, Metres(raw)),
                "gt" => Expression.GreaterThan(distance, Metres(raw)),
                "ngt" => Within(raw),
                "gte" => Expression.GreaterThanOrEqual(distance, Metres(raw)),
                "ngte" => Expression.AndAlso(Within(raw), Expression.LessThan(distance, Metres(raw))),
                "nlt" => Expression.GreaterThanOrEqual(distance, Metres(raw)),
                "nlte" => Expression.GreaterThan(distance, Metres(raw)),
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
