using System.Linq.Expressions;
using GeoProjects.Api.Batches;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.History;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using NetTopologySuite.Geometries;
using static GeoProjects.Api.Fields.Door;

namespace GeoProjects.Api.Projects;

/// <summary>
/// 重大项目的字段 · Every field of a project, declared once. The GraphQL type, filter and sort inputs, OGC
/// queryables and properties, GeoJSON properties, tile attributes, TileJSON, export columns and import mapping
/// are derived from this list; a new field is a line here (and a column in the model and a migration).
/// </summary>
public static class ProjectFields
{
    /// <summary>Every door but the tiles, which carry only what a map styles and labels by.</summary>
    private const Door Listed = Query | OgcApi | GeoJsonLayer | Files | Input;

    private const string AsOfHelp = "计算日期, 默认今天 (北京时间) · The date to measure at; default today (China time).";

    private static readonly Expression<Func<Project, int?>> StartYear = p => p.StartDate.HasValue ? p.StartDate.Value.Year : null;

    public static readonly EntityFields<Project> Registry = new EntityFields<Project>("Project", "projects")
        .Key("id", "全局 ID (HotChocolate 格式) · Global ID, base64 of \"Project:<key>\" as HotChocolate writes it.", p => p.Id,
            Output | Filter | VectorTiles,
            GraphTypes.Output<Project, NonNullGraphType<IdGraphType>>(f => f.Resolve(c => NodeId.Encode("Project", c.Source.Id))))
        .Field("code", "项目编码 · Unique project code.", p => p.Code, Everywhere, new(Header: "项目编码", MaxLength: 32))
        .Field("name", "项目名称 · Project name (Chinese).", p => p.Name, Everywhere, new(Header: "项目名称", MaxLength: 200))
        .Field("nameEn", "英文名称 · English name.", p => p.NameEn, Listed, new(Header: "英文名称", Dbf: "name_en", MaxLength: 300))
        .Field("sector", "行业领域 · Sector.", p => p.Sector, Everywhere, new(Header: "行业领域"))
        .Field("industryChain", "产业链 · Industry chain (产业链), e.g. 集成电路.", p => p.IndustryChain, Listed,
            new(Header: "产业链", Dbf: "chain", MaxLength: 50))
        .Field("status", "项目状态 · Lifecycle status.", p => p.Status, Everywhere, new(Header: "项目状态"))
        .Field("totalInvestment", "总投资 (亿元) · Total investment in 亿元 (1 亿元 = 10⁸ CNY).", p => p.TotalInvestment, Everywhere,
            new(Header: "总投资(亿元)", Dbf: "total_inv", NonNegative: true, Sum: "总投资合计 (亿元) · Sum of total investment in 亿元."))
        .Computed("annualPlannedInvestment", "年度计划投资 (亿元, asOf 所在年度) · The annual planned investment for the year of `asOf`, in 亿元.",
            Progress.Planned, Query | OgcApi | GeoJsonLayer,
            new(Sql: ProgressFigures.PlannedSql, GraphQL: FiguresOutput(f => f.Planned)))
        .Computed("completedInvestment",
            "累计完成投资 (亿元): asOf 时已结束月份的最新月报 · Completed investment this year, from the latest monthly report whose month had ended at `asOf`.",
            Progress.Completed, Query | OgcApi | GeoJsonLayer,
            new(Sql: ProgressFigures.CompletedSql, GraphQL: FiguresOutput(f => f.Completed)))
        .Field("landAreaMu", "用地面积 (亩) · Land area in 亩 (1 亩 = 666.67 m²).", p => p.LandAreaMu, Listed,
            new(Header: "用地面积(亩)", Dbf: "land_mu", NonNegative: true))
        .Field("developer", "建设单位 · Developer (建设单位).", p => p.Developer, Listed, new(Header: "建设单位", MaxLength: 200))
        .Field("startDate", "开工日期 · Start date.", p => p.StartDate, Listed, new(Header: "开工日期", Dbf: "start_date", Temporal: true))
        .Field("plannedCompletionDate", "计划竣工日期 · Planned completion date.", p => p.PlannedCompletionDate, Everywhere,
            new(Header: "计划竣工日期", Dbf: "plan_done"))
        .Field("startYear", "开工年份 · Year of the start date.", StartYear, Query)
        .Relation("batch", "所属批次 · The batch (集中开工/签约 event) that announced the project.", p => p.Batch, p => p.BatchId,
            () => BatchFields.Registry, Query | Input,
            GraphTypes.Output<Project, ProjectBatchType>(f => f.Resolve(c => c.Source.BatchId is { } id ? BatchLoaders.ById(c, id) : null)))
        .Relation("zone", "所属功能区 (含该点的最小功能区, 除非另行指定) · The assigned zone: the smallest zone containing the location unless set explicitly.",
            p => p.Zone, p => p.ZoneId, () => ZoneFields.Registry, Query | Input,
            GraphTypes.Output<Project, ZoneType>(f => f.Resolve(c => c.Source.ZoneId is { } id ? ZoneLoaders.ById(c, id) : null)))
        .Shown("zone", "所属功能区 (名称) · Assigned zone (name).", new("zone", "name"), OgcApi | GeoJsonLayer | VectorTiles, new(Tile: "zone_name"))
        .Shown("zoneCode", "所属功能区编码 · Assigned zone (code).", new("zone", "code"), OgcApi)
        .Shown("batch", "批次 (名称) · Batch (name).", new("batch", "name"), OgcApi | GeoJsonLayer)
        .Shown("batchCode", "批次编码 · Batch (code): what a client sends back to keep or change the batch.", new("batch", "code"), OgcApi)
        .Shown("zone", "所属功能区 (编码, 导入时也可写名称) · Assigned zone (code; import also takes its name).", new("zone", "code", AlsoMatches: ["name"]),
            Files, new(Header: "所属功能区", MaxLength: 100))
        // Files carry the batch by its code, which is unique (names need not be): an export imported back keeps it.
        .Shown("batch", "批次 (编码, 导入时也可写名称) · Batch (code; import also takes its name when only one batch has it).",
            new("batch", "code", AlsoMatches: ["name"]), Files, new(Header: "批次", MaxLength: 200))
        .Field("location", "项目位置 · Project location (a point; WGS84 unless crs asks for GCJ02/BD09).", p => p.Location,
            Output | Filter | OgcApi | GeoJsonLayer | VectorTiles | Files | Input,
            new(GraphQL: GraphTypes.Output<Project, NonNullGraphType<GeoJsonPointType>>(f => f.WithCrs(p => p.Location))))
        .Field("site", "项目用地范围 · Project site polygon, when known.", p => p.Site, Output | Filter | Input,
            new(GraphQL: GraphTypes.Output<Project, GeoJsonPolygonType>(f => f.WithCrs(p => p.Site))))
        .Field("dataSource", "数据来源 · PUBLISHED (cited) or ILLUSTRATIVE (made up).", p => p.DataSource, Listed,
            new(Header: "数据来源", Dbf: "data_src", ImportDefault: "PUBLISHED"))
        .Field("sourceNote", "来源说明 · Where the record comes from; ILLUSTRATIVE records say so.", p => p.SourceNote, Listed & ~Sort,
            new(Header: "来源说明", Dbf: "src_note", MaxLength: 4000, ImportDefault: "Imported from {file} on {date}"))
        .Computed("completionRate",
            "完成率 = 完成投资 / 年度计划投资 · Completion rate: completed over annual planned investment (0.85 = 85 %); null without a plan.",
            Progress.CompletionRate, Query, new(GraphQL: FiguresOutput(Progress.CompletionRateOf)))
        .Computed("scheduleRate", "序时进度: 截至 asOf 的年度时间占比 · Schedule rate: the share of the year elapsed at `asOf` (default today, China time).",
            Progress.Schedule, Query,
            new(GraphQL: GraphTypes.Output<Project, NonNullGraphType<DecimalScalar>>(f => f.Argument<DateScalar>("asOf", AsOfHelp)
                .Resolve(c => Progress.ScheduleRate(Progress.Context(c).AsOf)))))
        .Computed("scheduleGap", "进度差 (百分点) = (完成率 − 序时进度) × 100 · Completion minus schedule in percentage points; negative is behind.",
            Progress.ScheduleGap, Query,
            new(GraphQL: GraphTypes.Output<Project, DecimalScalar>(f => f.Argument<DateScalar>("asOf", AsOfHelp)
                .Resolve(c => ProgressFigures.For(c).Then(x => x is null ? null : Progress.ScheduleGapOf(x, Progress.Context(c).AsOf))))))
        .Computed("warningLevel", "预警等级: 落后 10–30 个百分点为黄, 超过 30 为红 (阈值可配置) · YELLOW when 10–30 points behind, RED when more (configurable).",
            Progress.Warning, Query,
            new(GraphQL: GraphTypes.Output<Project, EnumerationGraphType<WarningLevel>>(f => f.Argument<DateScalar>("asOf", AsOfHelp)
                .Resolve(c => ProgressFigures.For(c).Then(x => x is null ? null : Progress.WarningOf(x, Progress.Context(c)))))))
        .Output("distance", "到给定点的距离 (米, 椭球面) · Distance in metres from the given point, on the spheroid (geography).", typeof(double?),
            GraphTypes.Output<Project, FloatGraphType>(f => f
                .Argument<NonNullGraphType<GeoJsonPointInputType>>("from", "起点 (WGS84) · The point to measure from (WGS84).")
                .Resolve(c => ProjectLoaders.Distance(c, c.GetArgument<Point>("from")).Load(c.Source.Id))))
        .Field("createdAt", "创建时间 (UTC) · When the record was created (UTC).", p => p.CreatedAt, Query, new(Generated: true))
        .Field("updatedAt", "更新时间 (UTC) · When the record was last changed (UTC).", p => p.UpdatedAt, Query, new(Generated: true))
        .Output("progress", "月度进度, 按月份排序 · The monthly progress reports, by month (from/to as YYYY-MM).", typeof(object),
            ProgressReporting.ProgressField())
        .WithHistory(p => p.Version, p => p.Id)
        // Plans, progress and warnings are internal (history too, see WithHistory): the public sees what was published.
        .ReadableBy(FieldAccess.Staff, "annualPlannedInvestment", "completedInvestment", "completionRate", "scheduleGap", "warningLevel",
            "progress")
        // Batches are the admins' (assignProjectsToBatch): an editor may not move a project into or out of one either.
        .WritableBy(Security.Role.Admin, "batch");

    /// <summary>A Decimal field of the figures at the field's `asOf` (default today), loaded for the whole level at once.</summary>
    private static Func<QueryingTypes, FieldType> FiguresOutput(Func<ProgressFigures.AtDate, decimal?> value) =>
        GraphTypes.Output<Project, DecimalScalar>(f => f.Argument<DateScalar>("asOf", AsOfHelp)
            .Resolve(c => ProgressFigures.For(c).Then(x => x is null ? null : value(x))));

    /// <summary>China's extent as coordtransform draws it: a project outside it is a data error.</summary>
    public static readonly Envelope China = new(73.66, 135.05, 3.86, 53.55);

    /// <summary>
    /// A project's rules across fields, after the registry's own (required, lengths, ≥ 0): the same for GraphQL mutations
    /// and file import. Paths start with <paramref name="prefix"/>.
    /// </summary>
    public static IEnumerable<Problem> Rules(Project p, params string[] prefix)
    {
        foreach (var problem in FieldRules.Check(Registry, p, prefix)) yield return problem;
        if (p.PlannedCompletionDate is { } end && p.StartDate is { } start && end < start)
            yield return new Problem([.. prefix, "plannedCompletionDate"], "COMPLETION_BEFORE_START",
                $"plannedCompletionDate {end:yyyy-MM-dd} is before startDate {start:yyyy-MM-dd}");
        if (p.Location is { } l && (!l.IsValid || !China.Contains(l.Coordinate)))
            yield return new Problem([.. prefix, "location"], "LOCATION_OUTSIDE_CHINA",
                $"location ({l.X}, {l.Y}) is outside China's extent (73.66–135.05 E, 3.86–53.55 N)");
    }
}
