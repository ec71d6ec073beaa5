using GraphQL.Types;


namespace GeoProjects.Api.Querying;

/// <summary>
/// Builds the GraphQL input types of the filter and sort models with HotChocolate.Data's names and shapes
/// (ProjectFilterInput, DecimalOperationFilterInput, PointFilterInput, ProjectSortInput, SortEnumType …).
/// One instance per schema, so that each named type exists once.
/// </summary>
public sealed class QueryingTypes
{
    private readonly Dictionary<string, IGraphType> _types = [];

    public IGraphType FilterInput(IEntityFilter filter) => Named($"{filter.TypeName}FilterInput", name =>
    {
        var type = new InputObjectGraphType { Name = name, Description = $"{filter.TypeName} 的筛选条件 · Filter on {filter.TypeName}; fields are AND-ed." };
        _types[name] = type; // before the fields: the type refers to itself through and/or
        var self = new ListGraphType(new NonNullGraphType(type));
        Add(type, "and", self, "所有条件均满足 · All of these filters hold.");
        Add(type, "or", new ListGraphType(new NonNullGraphType(type)), "任一条件满足 · At least one of these filters holds.");
        foreach (var f in filter.Fields)
            Add(type, f.Name, f.Operand == FilterOperand.Object ? FilterInput(f.Related!) : OperationInput(f), f.Description);
        return type;
    });

    public IGraphType SortInput(IEntitySort sort) => Named($"{sort.TypeName}SortInput", name =>
    {
        var type = new InputObjectGraphType { Name = name, Description = $"{sort.TypeName} 的排序字段 · Sort on {sort.TypeName}; put one field per list item for a defined precedence." };
        _types[name] = type;
        foreach (var f in sort.Fields)
            Add(type, f.Name, f.Related is null ? SortEnum : SortInput(f.Related), f.Description);
        return type;
    });

    public QueryArgument WhereArgument(IEntityFilter filter) =>
        new(FilterInput(filter)) { Name = "where", Description = "筛选条件 (HotChocolate.Data 形式) · Filter, in HotChocolate.Data's shape; fields are AND-ed." };

    public QueryArgument OrderArgument(IEntitySort sort) =>
        new(new ListGraphType(new NonNullGraphType(SortInput(sort))))
        {
            Name = "order",
            Description = "排序, 依次生效, 以 ID 兜底 (方向同最后一项) · Sort order; items apply in turn and the key breaks ties, in the last item's direction.",
        };

    public IGraphType SortEnum => Named("SortEnumType", name =>
    {
        var e = new EnumerationGraphType { Name = name, Description = "排序方向 · Sort direction." };
        e.Add("ASC", "ASC", "升序 · Ascending.");
        e.Add("DESC", "DESC", "降序 · Descending.");
        return e;
    });

    private IGraphType OperationInput(FilterField field)
    {
        var clr = Nullable.GetUnderlyingType(field.ValueType) ?? field.ValueType;
        return field.Operand switch
        {
            FilterOperand.String => StringOperations(),
            FilterOperand.Boolean => Named("BooleanOperationFilterInput", name =>
            {
                var t = new InputObjectGraphType { Name = name, Description = "布尔值筛选 · Filter on a Boolean." };
                Add(t, "eq", Ref("Boolean"), "等于 · Equals.");
                Add(t, "neq", Ref("Boolean"), "不等于 · Does not equal.");
                return t;
            }),
            FilterOperand.Id => Named("IdOperationFilterInput", name =>
            {
                var t = new InputObjectGraphType { Name = name, Description = "全局 ID 筛选 · Filter on a global ID (IDs are decoded)." };
                Add(t, "eq", Ref("ID"), "等于 · Equals.");
                Add(t, "neq", Ref("ID"), "不等于 · Does not equal.");
                Add(t, "in", new ListGraphType(Ref("ID")), "属于列表 · Is one of.");
                Add(t, "nin", new ListGraphType(Ref("ID")), "不属于列表 · Is none of.");
                return t;
            }),
            FilterOperand.Enum => Named($"{clr.Name}OperationFilterInput", name =>
            {
                var t = new InputObjectGraphType { Name = name, Description = $"{clr.Name} 枚举筛选 · Filter on a {clr.Name} value." };
                Add(t, "eq", Ref(clr.Name), "等于 · Equals.");
                Add(t, "neq", Ref(clr.Name), "不等于 · Does not equal.");
                Add(t, "in", new ListGraphType(new NonNullGraphType(Ref(clr.Name))), "属于列表 · Is one of.");
                Add(t, "nin", new ListGraphType(new NonNullGraphType(Ref(clr.Name))), "不属于列表 · Is none of.");
                return t;
            }),
            FilterOperand.Comparable => ComparableOperations(ScalarName(clr)),
            FilterOperand.Geometry => GeometryFilter(clr),
            _ => throw new NotSupportedException(field.Operand.ToString()),
        };
    }

    private IGraphType StringOperations() => Named("StringOperationFilterInput", name =>
    {
        var t = new InputObjectGraphType { Name = name, Description = "字符串筛选 · Filter on a String." };
        _types[name] = t;
        Add(t, "and", new ListGraphType(new NonNullGraphType(t)), "所有条件均满足 · All of these hold.");
        Add(t, "or", new ListGraphType(new NonNullGraphType(t)), "任一条件满足 · At least one of these holds.");
        Add(t, "eq", Ref("String"), "等于 · Equals.");
        Add(t, "neq", Ref("String"), "不等于 · Does not equal.");
        Add(t, "contains", Ref("String"), "包含 · Contains.");
        Add(t, "ncontains", Ref("String"), "不包含 · Does not contain.");
        Add(t, "in", new ListGraphType(Ref("String")), "属于列表 · Is one of.");
        Add(t, "nin", new ListGraphType(Ref("String")), "不属于列表 · Is none of.");
        Add(t, "startsWith", Ref("String"), "以此开头 · Starts with.");
        Add(t, "nstartsWith", Ref("String"), "不以此开头 · Does not start with.");
        Add(t, "endsWith", Ref("String"), "以此结尾 · Ends with.");
        Add(t, "nendsWith", Ref("String"), "不以此结尾 · Does not end with.");
        return t;
    });

    private IGraphType ComparableOperations(string scalar) => Named($"{scalar}OperationFilterInput", name =>
    {
        var t = new InputObjectGraphType { Name = name, Description = $"{scalar} 比较筛选 · Filter on a {scalar}; operations are AND-ed." };
        AddComparisons(t, () => Ref(scalar), nullableListItems: true);
        return t;
    });

    private static void AddComparisons(InputObjectGraphType t, Func<IGraphType> scalar, bool nullableListItems)
    {
        Add(t, "eq", scalar(), "等于 · Equals.");
        Add(t, "neq", scalar(), "不等于 · Does not equal.");
        Add(t, "in", new ListGraphType(nullableListItems ? scalar() : new NonNullGraphType(scalar())), "属于列表 · Is one of.");
        Add(t, "nin", new ListGraphType(nullableListItems ? scalar() : new NonNullGraphType(scalar())), "不属于列表 · Is none of.");
        Add(t, "gt", scalar(), "大于 · Greater than.");
        Add(t, "ngt", scalar(), "不大于 · Not greater than.");
        Add(t, "gte", scalar(), "大于等于 · Greater than or equal.");
        Add(t, "ngte", scalar(), "不大于等于 · Not greater than or equal.");
        Add(t, "lt", scalar(), "小于 · Less than.");
        Add(t, "nlt", scalar(), "不小于 · Not less than.");
        Add(t, "lte", scalar(), "小于等于 · Less than or equal.");
        Add(t, "nlte", scalar(), "不小于等于 · Not less than or equal.");
    }

    private IGraphType GeometryFilter(Type clr) => Named($"{clr.Name}FilterInput", name =>
    {
        var t = new InputObjectGraphType
        {
            Name = name,
            Description = $"{clr.Name} 空间筛选, 在 PostGIS 中计算 · Spatial filter on a {clr.Name}, evaluated in PostGIS. Operand geometries without crs are SRID 4326.",
        };
        _types[name] = t;
        Add(t, "and", new ListGraphType(new NonNullGraphType(t)), "所有条件均满足 · All of these hold.");
        Add(t, "or", new ListGraphType(new NonNullGraphType(t)), "任一条件满足 · At least one of these holds.");
        var zh = new Dictionary<string, string> { ["contains"] = "包含", ["intersects"] = "相交", ["overlaps"] = "重叠", ["touches"] = "相接", ["within"] = "位于其内" };
        foreach (var op in FilterTranslator.SpatialPredicates)
        {
            var input = SpatialOperation(op);
            Add(t, op, input, $"{zh[op]} (ST_{char.ToUpperInvariant(op[0])}{op[1..]}) · The field {op} the operand geometry (optionally buffered by `buffer` metres).");
            Add(t, "n" + op, input, $"不{zh[op]} · Negation of {op}.");
        }
        Add(t, "distance", DistanceOperation(), "距离 (米, 在椭球面上计算, 0–20037509) · Distance in metres on the spheroid (geography), 0 to 20 037 509, compared with eq/lt/gt/…; HotChocolate.Spatial would use the SRID's units (degrees).");
        return t;
    });

    private IGraphType SpatialOperation(string op)
    {
        var pascal = char.ToUpperInvariant(op[0]) + op[1..];
        return Named($"Geometry{pascal}OperationFilterInput", name =>
        {
            var t = new InputObjectGraphType { Name = name, Description = $"空间谓词 {op} 的操作数 · Operand of the spatial predicate {op}." };
            Add(t, "geometry", new NonNullGraphType(Ref("Geometry")), "操作数几何 (GeoJSON, SRID 4326) · The operand geometry (GeoJSON, SRID 4326).");
            Add(t, "buffer", Ref("Float"), "缓冲距离 (米, 椭球面) · Buffer the operand by this many metres (on the geography) first, not the SRID's degrees as in HotChocolate.Spatial. Exact at any reach for intersects (and within, for points); at most 100 km for the other predicates.");
            return t;
        });
    }

    private IGraphType DistanceOperation() => Named("GeometryDistanceOperationFilterInput", name =>
    {
        var t = new InputObjectGraphType { Name = name, Description = "距离筛选, 单位米 · Distance filter; distances and buffer are in metres, computed on the geography (spheroid)." };
        Add(t, "geometry", new NonNullGraphType(Ref("Geometry")), "参照几何 (GeoJSON, SRID 4326) · The geometry to measure from (GeoJSON, SRID 4326).");
        Add(t, "buffer", Ref("Float"), "缓冲距离 (米, 最多 100 公里) · Buffer the reference geometry by this many metres first (at most 100 km).");
        AddComparisons(t, () => Ref("Float"), nullableListItems: false);
        return t;
    });

    private static string ScalarName(Type clr) => clr switch
    {
        _ when clr == typeof(int) => "Int",
        _ when clr == typeof(long) => "Long",
        _ when clr == typeof(decimal) => "Decimal",
        _ when clr == typeof(double) => "Float",
        _ when clr == typeof(DateOnly) => "Date",
        _ when clr == typeof(DateTime) => "DateTime",
        _ => throw new NotSupportedException(clr.Name),
    };

    private static GraphQLTypeReference Ref(string name) => new(name);

    private IGraphType Named(string name, Func<string, IGraphType> create)
    {
        if (_types.TryGetValue(name, out var existing)) return existing;
        var created = create(name);
        _types[name] = created;
        return created;
    }

    private static void Add(IComplexGraphType type, string name, IGraphType fieldType, string description) =>
        type.AddField(new FieldType { Name = name, ResolvedType = fieldType, Description = description });
}

