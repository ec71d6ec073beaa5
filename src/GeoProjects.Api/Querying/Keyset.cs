using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Querying;

/// <summary>
/// Keyset (seek) paging over an order whose last key is unique: a cursor holds the row's key values, and the page after
/// it is the rows whose keys come after them (k1 &gt; v1 OR k1 = v1 AND k2 &gt; v2 …, with PostgreSQL's null placement:
/// last ascending, first descending), plus a bound on the first key an index can serve. Cursors stay opaque: base64 of
/// a tag of the order (a cursor of another order is refused) and the values as JSON.
/// </summary>
public sealed class Keyset(IReadOnlyList<SortKey> keys)
{
    private static readonly HashSet<Type> Comparable =
        [typeof(int), typeof(long), typeof(decimal), typeof(double), typeof(DateOnly), typeof(DateTime), typeof(string)];

    private readonly string _tag = Tag(keys);

    /// <summary>
    /// Whether a keyset can follow the order: every key a stored number, date, text or enum (stored and ordered as its name),
    /// or the distance of `near` (not a computed progress figure, whose exact value a cursor could not carry).
    /// </summary>
    public static bool Follows(IReadOnlyList<SortKey> keys) =>
        keys.All(k => (Comparable.Contains(Plain(k.Key.ReturnType)) || Plain(k.Key.ReturnType).IsEnum) && Stored(k.Key.Body));

    private static bool Stored(Expression e) => e switch
    {
        UnaryExpression { NodeType: ExpressionType.Convert } u => Stored(u.Operand),
        MemberExpression { Expression: { } inner } => inner is ParameterExpression || Stored(inner),
        // `d.HasValue ? d.Value.Year : null`: a function of a stored value, exact in a cursor (and served by an expression index).
        ConditionalExpression { IfFalse: ConstantExpression { Value: null } } c => Stored(c.Test) && Stored(c.IfTrue),
        MethodCallExpression { Method.Name: nameof(NpgsqlNetTopologySuiteDbFunctionsExtensions.DistanceKnn) } => true,
        _ => false,
    };

    public async Task<Connection<T>> PageAsync<T>(
        IQueryable<T> filtered, Expression<Func<T, T>> selector, PageArgs args, PagingOptions options, CancellationToken ct) where T : class
    {
        int? total = null;
        async Task<int> Count(CancellationToken c) => total ??= await filtered.CountAsync(c);
        var x = Expression.Parameter(typeof(T), "x");
        var values = keys.Select(k => FilterTranslator.Inline(k.Key, x)).ToList();
        // Backwards (last without first): the order reversed, then the rows turned round.
        var backwards = args.First is null && args.Last is not null;
        var size = backwards ? args.Last!.Value : args.First ?? options.DefaultPageSize;
        var order = backwards ? keys.Select(k => k with { Descending = !k.Descending }).ToList() : keys;
        // The cursor the page starts from (the other one only bounds it).
        var (start, bound) = backwards ? (args.Before, args.After) : (args.After, args.Before);
        var range = bound is null ? filtered : filtered.Where(Seek<T>(x, values, Read(bound), forward: backwards));
        var segments = start is null ? [range] : Segments(range, x, values, Read(start), forward: !backwards);
        var rows = new List<Keyed<T>>();
        foreach (var segment in segments)
        {
            if (rows.Count > size) break;
            var ordered = SortTranslator.Apply(segment, order).Take(size + 1 - rows.Count);
            rows.AddRange(await ordered.Select(WithKeys(selector, x, values)).ToListAsync(ct));
        }
        var more = rows.Count > size;
        var page = rows.Take(size).ToList();
        if (backwards) page.Reverse();
        // first and last together: the last `last` of the first `first`.
        var cut = !backwards && args.Last is { } last && page.Count > last ? page.Count - last : 0;
        var edges = page.Skip(cut).Select(r => new Edge<T>(Write(r.Keys), r.Node)).ToList();
        var info = backwards
            ? new PageInfo(args.Before is not null, more, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor)
            : new PageInfo(more, args.After is not null || cut > 0, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor);
        return new Connection<T>(edges, info, Count);
    }

    /// <summary>A row and its key values, in one statement: x => new Keyed { Node = selector(x), Keys = [k1(x), …] }.</summary>
    private static Expression<Func<T, Keyed<T>>> WithKeys<T>(Expression<Func<T, T>> selector, ParameterExpression x, List<Expression> values) =>
        Expression.Lambda<Func<T, Keyed<T>>>(Expression.MemberInit(Expression.New(typeof(Keyed<T>)),
            Expression.Bind(typeof(Keyed<T>).GetProperty(nameof(Keyed<T>.Node))!, FilterTranslator.Inline(selector, x)),
            Expression.Bind(typeof(Keyed<T>).GetProperty(nameof(Keyed<T>.Keys))!,
                Expression.NewArrayInit(typeof(object), values.Select(v => Expression.Convert(v, typeof(object)))))), x);

    /// <summary>
    /// The rows after the cursor, as one or two ranges read in turn. When the first key can be null and the rows after the
    /// cursor hold both values and nulls (ascending from a value: nulls come last; descending from a null: values follow),
    /// one condition would be `k ≥ v OR k IS NULL`, which no index range serves (a million projects by land area, 90 % deep:
    /// 3.0 s walking the index); the cursor's own kind first, as an index range, then every row of the other kind.
    /// </summary>
    private IReadOnlyList<IQueryable<T>> Segments<T>(
        IQueryable<T> range, ParameterExpression x, List<Expression> values, object?[] cursor, bool forward)
    {
        var first = values[0];
        var ascending = keys[0].Descending != forward;
        if (!FilterTranslator.CanBeNull(first.Type) || (ascending ? cursor[0] is null : cursor[0] is not null))
            return [range.Where(Seek<T>(x, values, cursor, forward))];
        var isNull = Expression.Equal(first, Expression.Constant(null, first.Type));
        var own = ascending
            ? Seek<T>(x, values, cursor, forward, nullsAfter: false)
            : Expression.Lambda<Func<T, bool>>(Expression.AndAlso(isNull, SeekFrom(1, values, cursor, forward)), x);
        var other = Expression.Lambda<Func<T, bool>>(ascending ? isNull : Expression.Not(isNull), x);
        return [range.Where(own), range.Where(other)];
    }

    /// <summary>
    /// The rows after (or, not <paramref name="forward"/>, before) the cursor's key values; without the nulls of the first key
    /// that would follow its value when <paramref name="nullsAfter"/> is false (<see cref="Segments"/> reads them apart).
    /// </summary>
    private Expression<Func<T, bool>> Seek<T>(ParameterExpression x, List<Expression> values, object?[] cursor, bool forward, bool nullsAfter = true)
    {
        if (RowBeyond(values, cursor, forward) is { } row) return Expression.Lambda<Func<T, bool>>(row, x);
        var seek = SeekFrom(0, values, cursor, forward, nullsAfter);
        // The first key's bound, implied by the condition but only usable by an index when stated alone.
        if (cursor[0] is not null)
            seek = Expression.AndAlso(Beyond(values[0], cursor[0], ascending: keys[0].Descending != forward, orEqual: true, nullsAfter), seek);
        return Expression.Lambda<Func<T, bool>>(seek, x);
    }

    /// <summary>k_from &gt; v_from OR k_from = v_from AND (the same for the keys after it), expanded.</summary>
    private Expression SeekFrom(int from, List<Expression> values, object?[] cursor, bool forward, bool nullsAfter = true)
    {
        Expression? seek = null;
        Expression equalSoFar = Expression.Constant(true);
        for (var i = from; i < keys.Count; i++)
        {
            var ascending = keys[i].Descending != forward;
            var step = Expression.AndAlso(equalSoFar, Beyond(values[i], cursor[i], ascending, nullsAfter: nullsAfter || i > from));
            seek = seek is null ? step : Expression.OrElse(seek, step);
            equalSoFar = Expression.AndAlso(equalSoFar, Same(values[i], cursor[i]));
        }
        return seek ?? Expression.Constant(false);
    }

    /// <summary>
    /// (k1, k2, …) &gt; (v1, v2, …), a row-value comparison: one range of an index on the keys. The expanded condition below is
    /// a range on the first key only, so a page walks every row that ties with the cursor's first value (a status a fifth
    /// of the registry shares) before its first row. Only for keys that all go one way and are never null.
    /// </summary>
    private Expression? RowBeyond(List<Expression> values, object?[] cursor, bool forward)
    {
        if (keys.Count is < 2 or > 7 || keys.Any(k => k.Descending != keys[0].Descending) || cursor.Any(v => v is null)) return null;
        var columns = values.Select(NeverNull).ToList();
        if (columns.Any(c => c is null)) return null;
        var types = columns.Select(c => c!.Type).ToArray();
        var tuple = Type.GetType($"System.ValueTuple`{types.Length}")!.MakeGenericType(types).GetConstructor(types)!;
        var name = keys[0].Descending != forward ? nameof(NpgsqlDbFunctionsExtensions.GreaterThan) : nameof(NpgsqlDbFunctionsExtensions.LessThan);
        var compare = typeof(NpgsqlDbFunctionsExtensions).GetMethod(name, [typeof(DbFunctions), typeof(ITuple), typeof(ITuple)])!;
        return Expression.Call(compare, Expression.Constant(EF.Functions),
            Expression.Convert(Expression.New(tuple, columns!), typeof(ITuple)),
            Expression.Convert(Expression.New(tuple, cursor.Select((v, i) => Parameter(v!, types[i]))), typeof(ITuple)));
    }

    /// <summary>The stored column behind a key when it cannot be null: a non-nullable property of the row itself.</summary>
    private static Expression? NeverNull(Expression key)
    {
        var inner = key is UnaryExpression { NodeType: ExpressionType.Convert } u ? u.Operand : key;
        if (inner is not MemberExpression { Expression: ParameterExpression, Member: PropertyInfo property }) return null;
        return property.PropertyType.IsValueType
            ? Nullable.GetUnderlyingType(property.PropertyType) is null ? inner : null
            : new NullabilityInfoContext().Create(property).ReadState == NullabilityState.NotNull ? inner : null;
    }

    /// <summary>
    /// After v (strictly, unless <paramref name="orEqual"/>) in an ascending (nulls last, unless not <paramref name="nullsAfter"/>)
    /// or descending (nulls first) order.
    /// </summary>
    private static Expression Beyond(Expression key, object? v, bool ascending, bool orEqual = false, bool nullsAfter = true)
    {
        var nullable = FilterTranslator.CanBeNull(key.Type);
        if (v is null) return ascending || !nullable ? Expression.Constant(false) : Expression.NotEqual(key, Expression.Constant(null, key.Type));
        var value = Parameter(v, key.Type);
        var op = (ascending, orEqual) switch
        {
            (true, false) => ExpressionType.GreaterThan, (true, true) => ExpressionType.GreaterThanOrEqual,
            (false, false) => ExpressionType.LessThan, (false, true) => ExpressionType.LessThanOrEqual,
        };
        Expression compare = key.Type == typeof(string)
            ? Expression.MakeBinary(op, Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, key, value),
                Expression.Constant(0))
            : Plain(key.Type).IsEnum ? EnumCompare(op, key, value) : Expression.MakeBinary(op, key, value);
        return ascending && nullable && nullsAfter ? Expression.OrElse(compare, Expression.Equal(key, Expression.Constant(null, key.Type))) : compare;
    }

    /// <summary>
    /// An enum compared as C# compiles `x.Sector &gt; v`: both sides converted to the underlying number. EF Core drops those
    /// conversions and compares the stored names, the order SQL sorts them in.
    /// </summary>
    private static Expression EnumCompare(ExpressionType op, Expression key, Expression value)
    {
        var number = typeof(Nullable<>).MakeGenericType(Enum.GetUnderlyingType(Plain(key.Type)));
        return Expression.MakeBinary(op, Expression.Convert(key, number), Expression.Convert(value, number));
    }

    private static Expression Same(Expression key, object? v) =>
        v is null ? Expression.Equal(key, Expression.Constant(null, key.Type)) : Expression.Equal(key, Parameter(v, key.Type));

    /// <summary>A value EF Core sends as a parameter (a captured variable), so every cursor shares one SQL text and plan.</summary>
    private static Expression Parameter(object v, Type type)
    {
        var box = (IStrongBox)Activator.CreateInstance(typeof(StrongBox<>).MakeGenericType(type))!;
        box.Value = v;
        return Expression.Field(Expression.Constant(box), nameof(StrongBox<object>.Value));
    }

    /// <summary>Enums by their names, as they are stored: a cursor does not depend on the members' declared order.</summary>
    private static readonly JsonSerializerOptions Values = new() { Converters = { new JsonStringEnumConverter(allowIntegerValues: false) } };

    private string Write(object?[] values) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_tag}{JsonSerializer.Serialize(values, Values)}"));

    /// <summary>The key values of a cursor of this order; INVALID_CURSOR for anything else.</summary>
    private object?[] Read(string cursor)
    {
        var invalid = new QueryInputException("INVALID_CURSOR", $"'{cursor}' is not a valid cursor for this order");
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            if (!text.StartsWith(_tag, StringComparison.Ordinal)) throw invalid;
            var items = JsonSerializer.Deserialize<JsonElement[]>(text[_tag.Length..]);
            if (items is null || items.Length != keys.Count) throw invalid;
            var values = items.Select((e, i) => e.ValueKind == JsonValueKind.Null ? null : e.Deserialize(Plain(keys[i].Key.ReturnType), Values))
                .ToArray();
            if (values.Any(v => v is Enum e && !Enum.IsDefined(e.GetType(), e))) throw invalid;
            return values;
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw invalid;
        }
    }

    private static Type Plain(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    /// <summary>Names the order (its keys and directions), so a cursor is read only by the order that wrote it.</summary>
    private static string Tag(IReadOnlyList<SortKey> keys) =>
        "k" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("|", keys.Select(k => $"{k.Key.Body}{k.Descending}")))))[..8] + ":";
}

/// <summary>A row with its key values, read in the page's statement.</summary>
public sealed class Keyed<T>
{
    public T Node { get; set; } = default!;
    public object?[] Keys { get; set; } = [];
}
