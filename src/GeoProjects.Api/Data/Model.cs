using System.ComponentModel;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Data;

// The registry's model. Descriptions are bilingual because they flow into the GraphQL schema.

[Description("功能区 · A functional area (or the district itself) with an approximate boundary.")]
public sealed class Zone
{
    public int Id { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public required string NameEn { get; set; }
    public ZoneKind Kind { get; set; }
    public required MultiPolygon Boundary { get; set; }
    /// <summary>Computed by PostgreSQL on the geography (a generated column); settable only for query projections.</summary>
    public double AreaKm2 { get; set; }
    public int? ParentId { get; set; }
    public Zone? Parent { get; set; }
    public bool IsApproximate { get; set; } = true;
    public BoundaryConfidence Confidence { get; set; }
    public required string SourceNote { get; set; }
    /// <summary>1 on insert, +1 on every change (a trigger, whoever writes).</summary>
    public int Version { get; set; }
    public List<Project> Projects { get; } = [];
}

[Description("区域类型 · Kind of zone.")]
public enum ZoneKind
{
    [Description("行政区/国家级新区 · The administrative district / national new area.")] District,
    [Description("功能区 · Functional area.")] FunctionalArea,
    [Description("自贸片区/保税港区 · Free-trade or bonded port zone.")] FreeTradeZone,
    [Description("旅游景区 · Scenic or tourism area.")] ScenicArea,
}

[Description("边界可信度 · How far a boundary can be trusted.")]
public enum BoundaryConfidence
{
    [Description("由公开数据解码 · Decoded from a published dataset.")] Decoded,
    [Description("依地标近似(±2–3 km) · Approximate, placed against landmarks (±2–3 km).")] Approximate,
    [Description("低可信度,需核对官方地图 · Low confidence, to be checked against an official map.")] Low,
}

[Description("项目批次 · A collective event (集中开工 / 集中签约) in which projects were announced.")]
public sealed class ProjectBatch
{
    public int Id { get; set; }
    /// <summary>A stable key a client can send back (OGC, files) to keep or change a project's batch.</summary>
    public required string Code { get; set; }
    public required string Name { get; set; }
    public DateOnly Date { get; set; }
    public BatchLevel Level { get; set; }
    public BatchKind Kind { get; set; }
    public required string SourceNote { get; set; }
    /// <summary>1 on insert, +1 on every change (a trigger, whoever writes).</summary>
    public int Version { get; set; }
    public List<Project> Projects { get; } = [];
}

[Description("批次级别 · Level of the event that announced a batch.")]
public enum BatchLevel
{
    [Description("全市 · City-wide event.")] City,
    [Description("全区 · District event.")] District,
}

[Description("批次类型 · Kind of collective event.")]
public enum BatchKind
{
    [Description("集中开工 · Collective ground-breaking.")] Groundbreaking,
    [Description("集中签约 · Collective signing.")] Signing,
}

[Description("重大项目 · A major investment project.")]
public sealed class Project
{
    public int Id { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public string? NameEn { get; set; }
    public Sector Sector { get; set; }
    public string? IndustryChain { get; set; }
    public ProjectStatus Status { get; set; }
    public decimal TotalInvestment { get; set; }
    public decimal? AnnualPlannedInvestment { get; set; }
    public decimal? CompletedInvestment { get; set; }
    public decimal? LandAreaMu { get; set; }
    public string? Developer { get; set; }
    public DateOnly? StartDate { get; set; }
    public DateOnly? PlannedCompletionDate { get; set; }
    public int? BatchId { get; set; }
    public ProjectBatch? Batch { get; set; }
    public int? ZoneId { get; set; }
    public Zone? Zone { get; set; }
    public required Point Location { get; set; }
    public Polygon? Site { get; set; }
    public DataSource DataSource { get; set; }
    public required string SourceNote { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public List<AnnualPlan> Plans { get; } = [];
    public List<ProgressReport> Reports { get; } = [];
    /// <summary>1 on insert, +1 on every change (a trigger, whoever writes); the optimistic concurrency token and revision number.</summary>
    public int Version { get; set; }
}

/// <summary>
/// 项目统计汇总: the projects' count and summed investment per combination of the statistics' dimensions, kept current by
/// a statement trigger on every write (db/triggers/projects.sql); read-only here. Row-level security shows it as it shows projects.
/// </summary>
public sealed class ProjectSummary
{
    /// <summary>The members a projects filter may read to be answered here (same names and types as on <see cref="Project"/>).</summary>
    public static readonly string[] Dimensions =
        [nameof(Sector), nameof(Status), nameof(ZoneId), nameof(Zone), nameof(BatchId), nameof(Batch), nameof(IndustryChain)];
    public Sector Sector { get; set; }
    public ProjectStatus Status { get; set; }
    public int? ZoneId { get; set; }
    public Zone? Zone { get; set; }
    public int? BatchId { get; set; }
    public ProjectBatch? Batch { get; set; }
    public string? IndustryChain { get; set; }
    public int? StartYear { get; set; }
    public int Count { get; set; }
    public decimal TotalInvestment { get; set; }
}

/// <summary>
/// 项目聚合金字塔: per zoom, per cell of the global cluster grid (8×8 cells a tile: the tiles of zoom + 3), per sector and
/// status, the projects' count and summed investment, coordinates (EPSG:3857) and ids, kept by the same trigger. The
/// sums give a cluster's centre (mean) and, for a cell of one project, its id.
/// </summary>
public sealed class ProjectCluster
{
    public const int MaxZoom = 13;
    public static readonly string[] Dimensions = [nameof(Sector), nameof(Status)];
    public short Zoom { get; set; }
    public int Cx { get; set; }
    public int Cy { get; set; }
    public Sector Sector { get; set; }
    public ProjectStatus Status { get; set; }
    public int Count { get; set; }
    public decimal TotalInvestment { get; set; }
    public double SumX { get; set; }
    public double SumY { get; set; }
    public long SumId { get; set; }
}

[Description("行业领域 · Sector (行业领域) as used in the district's batch reports.")]
public enum Sector
{
    [Description("先进制造 · Advanced manufacturing.")] AdvancedManufacturing,
    [Description("高端化工 · High-end chemicals.")] HighEndChemicals,
    [Description("海洋经济 · Marine economy.")] MarineEconomy,
    [Description("文化旅游 · Culture and tourism.")] CultureTourism,
    [Description("新能源新材料 · New energy and new materials.")] NewEnergyMaterials,
    [Description("现代服务业 · Modern services.")] ModernServices,
    [Description("基础设施 · Infrastructure.")] Infrastructure,
    [Description("民生/社会事业 · Public services.")] PublicServices,
    [Description("数字经济 · Digital economy.")] DigitalEconomy,
}

[Description("项目状态 · Lifecycle status of a project.")]
public enum ProjectStatus
{
    [Description("储备 · In the reserve list.")] Reserve,
    [Description("签约 · Signed.")] Signed,
    [Description("开工 · Started (ground broken).")] Started,
    [Description("在建 · Under construction.")] UnderConstruction,
    [Description("竣工 · Completed.")] Completed,
    [Description("投产 · In operation.")] InOperation,
}

[Description("数据来源 · Whether a record was published or made up for illustration.")]
public enum DataSource
{
    [Description("公开发布 · Published; the source note cites where.")] Published,
    [Description("示例数据 · ILLUSTRATIVE: made up to fill published totals; not a real project.")] Illustrative,
}

/// <summary>Enum names as GraphQL spells them (AdvancedManufacturing → ADVANCED_MANUFACTURING), for every front door that writes them.</summary>
public static class EnumNames
{
    public static string ToGraphQL(string clrName) =>
        string.Concat(clrName.Select((c, i) => i > 0 && char.IsUpper(c) && !char.IsUpper(clrName[i - 1]) ? "_" + c : c.ToString())).ToUpperInvariant();

    public static string[] Of<TEnum>() where TEnum : struct, Enum => Enum.GetNames<TEnum>().Select(ToGraphQL).ToArray();
}

/// <summary>
/// 修订记录 · One change to a project, zone, batch or progress report, written by a database trigger in the same
/// transaction as the change, so no path skips it: who, when, which fields from what to what, and the row as it became.
/// </summary>
public sealed class Revision
{
    public long Id { get; set; }
    public required string Entity { get; set; }
    public int EntityId { get; set; }
    public int Version { get; set; }
    public RevisionOperation Operation { get; set; }
    public DateTime ChangedAt { get; set; }
    public required string ChangedBy { get; set; }
    public string? CorrelationId { get; set; }
    /// <summary>jsonb: [{ field, old, new }] by column name; geometries as GeoJSON.</summary>
    public required string Changes { get; set; }
    /// <summary>jsonb: the whole row after the change (before it, for a delete).</summary>
    public required string Record { get; set; }
}

[Description("修订类型 · What a revision did.")]
public enum RevisionOperation
{
    [Description("新建 · The record was created.")] Insert,
    [Description("修改 · The record was changed.")] Update,
    [Description("删除 · The record was deleted; the revision keeps it as it was.")] Delete,
}

/// <summary>年度计划投资 · A project's planned investment for one year (亿元).</summary>
public sealed class AnnualPlan
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int Year { get; set; }
    public decimal PlannedInvestment { get; set; }
    public DataSource DataSource { get; set; }
    public int Version { get; set; }
}

/// <summary>月度进度 · A monthly progress report: 累计完成投资 for the year so far, the status that month, who reported it.</summary>
public sealed class ProgressReport
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    /// <summary>The month, as its first day.</summary>
    public DateOnly Period { get; set; }
    /// <summary>累计完成投资: completed investment from January to the end of this month (亿元).</summary>
    public decimal CompletedInvestmentYtd { get; set; }
    public ProjectStatus Status { get; set; }
    public string? Note { get; set; }
    /// <summary>Set when a report lowers the year's cumulative figure, which only a correction (with a note) may.</summary>
    public bool Correction { get; set; }
    public required string ReportedBy { get; set; }
    public DateTime ReportedAt { get; set; }
    public DataSource DataSource { get; set; }
    public int Version { get; set; }
}
