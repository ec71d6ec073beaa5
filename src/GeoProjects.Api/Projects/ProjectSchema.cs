using GeoProjects.Api.Batches;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using GraphQL;
using GraphQL.Types;

namespace GeoProjects.Api.Projects;

/// <summary>What clients may filter, sort and select on a Project.</summary>
public static class ProjectSchema
{
    /// <summary>The start date's year, computed in SQL (date_part), for filters, sorting and statistics by year.</summary>
    private static readonly System.Linq.Expressions.Expression<Func<Project, int?>> StartYear =
        p => p.StartDate.HasValue ? p.StartDate.Value.Year : null;

    public static readonly EntityFilter<Project> Filter = new EntityFilter<Project>("Project")
        .Id("id", "项目 ID · The project's global ID.", p => p.Id, "Project")
        .Field("code", "项目编码 · Unique project code.", p => p.Code)
        .Field("name", "项目名称 · Project name (Chinese).", p => p.Name)
        .Field("nameEn", "英文名称 · English name.", p => p.NameEn)
        .Field("sector", "行业领域 · Sector.", p => p.Sector)
        .Field("industryChain", "产业链 · Industry chain, e.g. 集成电路.", p => p.IndustryChain)
        .Field("status", "项目状态 · Lifecycle status.", p => p.Status)
        .Field("totalInvestment", "总投资 (亿元) · Total investment in 亿元 (10⁸ CNY).", p => p.TotalInvestment)
        .Field("annualPlannedInvestment", "年度计划投资 (亿元) · Annual planned investment in 亿元.", p => p.AnnualPlannedInvestment)
        .Field("completedInvestment", "完成投资 (亿元) · Completed investment in 亿元.", p => p.CompletedInvestment)
        .Field("landAreaMu", "用地面积 (亩) · Land area in 亩 (1 亩 = 666.67 m²).", p => p.LandAreaMu)
        .Field("developer", "建设单位 · Developer.", p => p.Developer)
        .Field("startDate", "开工日期 · Start date.", p => p.StartDate)
        .Field("startYear", "开工年份 · Year of the start date.", StartYear)
        .Field("dataSource", "数据来源 · PUBLISHED or ILLUSTRATIVE.", p => p.DataSource)
        .Field("completionRate", "完成率 = 完成投资 / 年度计划投资 · Completion rate: completed over annual planned investment (0.85 = 85 %).", Progress.CompletionRate)
        .Computed("scheduleRate", "序时进度 (截至 asOf 的年度时间占比) · Schedule rate: the share of the year elapsed at `asOf` (default today, China time).", Progress.Schedule)
        .Computed("scheduleGap", "进度差 (百分点) = (完成率 − 序时进度) × 100 · Completion minus schedule, in percentage points (negative = behind).", Progress.ScheduleGap)
        .Computed("warningLevel", "预警等级 · GREEN / YELLOW / RED from the schedule gap at `asOf`.", Progress.Warning)
        .Field("location", "项目位置 (点) · Project location (Point); spatial operations, distances in metres.", p => p.Location)
        .Field("site", "项目用地范围 (面) · Project site (Polygon), when known.", p => p.Site)
        .Field("createdAt", "创建时间 · When the record was created.", p => p.CreatedAt)
        .Field("updatedAt", "更新时间 · When the record was last changed.", p => p.UpdatedAt)
        .Object("zone", "所属功能区 · The zone the project is assigned to.", p => p.Zone, () => ZoneSchema.Filter)
        .Object("batch", "所属批次 · The batch (集中开工/签约 event) that announced the project.", p => p.Batch, () => BatchSchema.Filter);

    public static readonly EntitySort<Project> Sort = new EntitySort<Project>("Project")
        .Field("code", "项目编码 · Project code.", p => p.Code)
        .Field("name", "项目名称 · Project name.", p => p.Name)
        .Field("nameEn", "英文名称 · English name.", p => p.NameEn)
        .Field("sector", "行业领域 · Sector.", p => p.Sector)
        .Field("industryChain", "产业链 · Industry chain.", p => p.IndustryChain)
        .Field("status", "项目状态 · Status.", p => p.Status)
        .Field("totalInvestment", "总投资 · Total investment.", p => p.TotalInvestment)
        .Field("annualPlannedInvestment", "年度计划投资 · Annual planned investment.", p => p.AnnualPlannedInvestment)
        .Field("completedInvestment", "完成投资 · Completed investment.", p => p.CompletedInvestment)
        .Field("landAreaMu", "用地面积 · Land area.", p => p.LandAreaMu)
        .Field("developer", "建设单位 · Developer.", p => p.Developer)
        .Field("startDate", "开工日期 · Start date.", p => p.StartDate)
        .Field("startYear", "开工年份 · Start year.", StartYear)
        .Field("dataSource", "数据来源 · Data source.", p => p.DataSource)
        .Field("completionRate", "完成率 · Completion rate.", Progress.CompletionRate)
        .Computed("scheduleRate", "序时进度 · Schedule rate.", Progress.Schedule)
        .Computed("scheduleGap", "进度差 · Schedule gap in points.", Progress.ScheduleGap)
        .Computed("warningLevel", "预警等级 · Warning level (GREEN < YELLOW < RED).", Progress.Warning)
        .Field("createdAt", "创建时间 · Created at.", p => p.CreatedAt)
        .Field("updatedAt", "更新时间 · Updated at.", p => p.UpdatedAt)
        .Object("zone", "按所属功能区排序 · Sort by the assigned zone's fields.", p => p.Zone, () => ZoneSchema.Sort)
        .Object("batch", "按批次排序 · Sort by the batch's fields.", p => p.Batch, () => BatchSchema.Sort);

    public static readonly Projection<Project> Columns = new Projection<Project>(p => p.Id)
        .Map("code", p => p.Code).Map("name", p => p.Name).Map("nameEn", p => p.NameEn).Map("sector", p => p.Sector)
        .Map("industryChain", p => p.IndustryChain).Map("status", p => p.Status).Map("totalInvestment", p => p.TotalInvestment)
        .Map("annualPlannedInvestment", p => p.AnnualPlannedInvestment).Map("completedInvestment", p => p.CompletedInvestment)
        .Map("landAreaMu", p => p.LandAreaMu).Map("developer", p => p.Developer).Map("startDate", p => p.StartDate).Map("startYear", p => p.StartDate)
        .Map("batch", p => p.BatchId).Map("zone", p => p.ZoneId).Map("location", p => p.Location).Map("site", p => p.Site)
        .Map("dataSource", p => p.DataSource).Map("sourceNote", p => p.SourceNote)
        .Map("completionRate", p => p.AnnualPlannedInvestment, p => p.CompletedInvestment)
        .Map("scheduleGap", p => p.AnnualPlannedInvestment, p => p.CompletedInvestment)
        .Map("warningLevel", p => p.AnnualPlannedInvestment, p => p.CompletedInvestment)
        .Map("createdAt", p => p.CreatedAt).Map("updatedAt", p => p.UpdatedAt);
}

public sealed class ProjectType : ObjectGraphType<Project>
{
    public ProjectType()
    {
        Name = "Project";
        Description = "重大项目 · A major investment project (重大项目) with its location.";
        Interface<NodeInterface>();
        IsTypeOf = o => o is Project;
        Field<NonNullGraphType<IdGraphType>>("id").Description("全局 ID (HotChocolate 格式) · Global ID, base64 of \"Project:<key>\" as HotChocolate writes it.")
            .Resolve(c => NodeId.Encode("Project", c.Source.Id));
        Field(p => p.Code).Description("项目编码 · Unique project code.");
        Field(p => p.Name).Description("项目名称 · Project name (Chinese).");
        Field(p => p.NameEn, nullable: true).Description("英文名称 · English name.");
        Field<NonNullGraphType<EnumerationGraphType<Sector>>>("sector").Description("行业领域 · Sector.").Resolve(c => c.Source.Sector);
        Field(p => p.IndustryChain, nullable: true).Description("产业链 · Industry chain (产业链), e.g. 集成电路.");
        Field<NonNullGraphType<EnumerationGraphType<ProjectStatus>>>("status").Description("项目状态 · Lifecycle status.").Resolve(c => c.Source.Status);
        Field(p => p.TotalInvestment).Description("总投资 (亿元) · Total investment in 亿元 (1 亿元 = 10⁸ CNY).");
        Field(p => p.AnnualPlannedInvestment, nullable: true).Description("年度计划投资 (亿元) · Annual planned investment in 亿元.");
        Field(p => p.CompletedInvestment, nullable: true).Description("完成投资 (亿元) · Completed investment in 亿元.");
        Field(p => p.LandAreaMu, nullable: true).Description("用地面积 (亩) · Land area in 亩 (1 亩 = 666.67 m²).");
        Field(p => p.Developer, nullable: true).Description("建设单位 · Developer (建设单位).");
        Field<DateScalar>("startDate").Description("开工日期 · Start date.").Resolve(c => c.Source.StartDate);
        Field<IntGraphType>("startYear").Description("开工年份 · Year of the start date.").Resolve(c => c.Source.StartDate?.Year);
        Field<ProjectBatchType>("batch").Description("所属批次 · The batch (集中开工/签约 event) that announced the project.")
            .Resolve(c => c.Source.BatchId is { } id ? BatchLoaders.ById(c, id) : null);
        Field<ZoneType>("zone").Description("所属功能区 (含该点的最小功能区, 除非另行指定) · The assigned zone: the smallest zone containing the location unless set explicitly.")
            .Resolve(c => c.Source.ZoneId is { } id ? ZoneLoaders.ById(c, id) : null);
        Field<NonNullGraphType<GeoJsonPointType>>("location").Description("项目位置 · Project location (a point; WGS84 unless crs asks for GCJ02/BD09).").WithCrs(p => p.Location);
        Field<GeoJsonPolygonType>("site").Description("项目用地范围 · Project site polygon, when known.").WithCrs(p => p.Site);
        Field<NonNullGraphType<EnumerationGraphType<DataSource>>>("dataSource").Description("数据来源 · PUBLISHED (cited) or ILLUSTRATIVE (made up).").Resolve(c => c.Source.DataSource);
        Field(p => p.SourceNote).Description("来源说明 · Where the record comes from; ILLUSTRATIVE records say so.");
        Field<DecimalScalar>("completionRate").Description("完成率 = 完成投资 / 年度计划投资 · Completion rate: completed over annual planned investment (0.85 = 85 %); null without a plan.")
            .Resolve(c => Progress.CompletionRateOf(c.Source));
        Field<NonNullGraphType<DecimalScalar>>("scheduleRate").Description("序时进度: 截至 asOf 的年度时间占比 · Schedule rate: the share of the year elapsed at `asOf`.")
            .Argument<DateScalar>("asOf", "计算日期, 默认今天 (北京时间) · The date to measure at; default today (China time).")
            .Resolve(c => Progress.ScheduleRate(Progress.Context(c).AsOf));
        Field<DecimalScalar>("scheduleGap").Description("进度差 (百分点) = (完成率 − 序时进度) × 100 · Completion minus schedule in percentage points; negative is behind.")
            .Argument<DateScalar>("asOf", "计算日期, 默认今天 (北京时间) · The date to measure at; default today (China time).")
            .Resolve(c => Progress.ScheduleGapOf(c.Source, Progress.Context(c).AsOf));
        Field<EnumerationGraphType<WarningLevel>>("warningLevel").Description("预警等级: 落后 10–30 个百分点为黄, 超过 30 为红 (阈值可配置) · YELLOW when 10–30 points behind, RED when more (configurable).")
            .Argument<DateScalar>("asOf", "计算日期, 默认今天 (北京时间) · The date to measure at; default today (China time).")
            .Resolve(c => Progress.WarningOf(c.Source, Progress.Context(c)));
        Field<FloatGraphType>("distance").Description("到给定点的距离 (米, 椭球面) · Distance in metres from the given point, on the spheroid (geography).")
            .Argument<NonNullGraphType<GeoJsonPointInputType>>("from", "起点 (WGS84) · The point to measure from (WGS84).")
            .Resolve(c => ProjectLoaders.Distance(c, c.GetArgument<NetTopologySuite.Geometries.Point>("from")).Load(c.Source.Id));
        Field(p => p.CreatedAt).Description("创建时间 (UTC) · When the record was created (UTC).");
        Field(p => p.UpdatedAt).Description("更新时间 (UTC) · When the record was last changed (UTC).");
    }
}

public sealed class ProjectsConnectionType() : ConnectionType<ProjectType, ProjectsEdgeType, Project>("ProjectsConnection");

public sealed class ProjectsEdgeType() : EdgeType<ProjectType, Project>("ProjectsEdge");
