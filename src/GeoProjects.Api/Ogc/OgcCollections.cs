using System.Text.Json.Nodes;
using GeoProjects.Api.Data;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Tiles;
using GeoProjects.Api.Zones;

namespace GeoProjects.Api.Ogc;

/// <summary>A queryable: named as the GraphQL field; <see cref="Wrap"/> places an operation where GraphQL's filter input has it.</summary>
public sealed record Queryable(string Name, string Type, string Description, string Sql, Func<JsonObject, JsonObject>? Wrap = null, string[]? Enum = null, string? Format = null)
{
    public bool IsGeometry => Type == "geometry";
    public JsonObject Where(JsonObject operation) => Wrap?.Invoke(operation) ?? new JsonObject { [Name] = operation };
}

/// <summary>The two feature collections: their queryables, output properties, queries and sort fields.</summary>
public sealed record OgcCollection(
    string Id, string Title, string Description, string FilterType, string GeometryType, IReadOnlyList<Queryable> Queryables,
    Func<GeoProjectsDb, IDictionary<string, object?>?, QueryContext, IReadOnlyList<SortKey>, int?, int?, IQueryable<FeatureRow>> Rows,
    Func<GeoProjectsDb, IDictionary<string, object?>?, QueryContext, CancellationToken, Task<int>> Count,
    Func<IEnumerable<object?>?, QueryContext, IReadOnlyList<SortKey>> Sort)
{
    public Queryable? Find(string name) => Queryables.FirstOrDefault(q => q.Name == name);
    public IEnumerable<Queryable> Properties => Queryables.Where(q => !q.IsGeometry);
    public Queryable GeometryProperty => Queryables.Single(q => q.IsGeometry);

    private static string EnumColumn<TEnum>(string column) where TEnum : struct, Enum => MapLayerRequest.EnumSql<TEnum>($"q.\"{column}\"");

    public static readonly OgcCollection Projects = new(
        "projects", "重大项目 · Major projects", "西海岸新区重大项目登记册 · Major investment projects of 青岛西海岸新区 (most records ILLUSTRATIVE)",
        "ProjectFilterInput", "Point",
        [
            new("code", "string", "项目编码 · Project code", "q.\"Code\""),
            new("name", "string", "项目名称 · Project name", "q.\"Name\""),
            new("nameEn", "string", "英文名称 · English name", "q.\"NameEn\""),
            new("sector", "string", "行业领域 · Sector", EnumColumn<Sector>("Sector"), Enum: EnumNames.Of<Sector>()),
            new("industryChain", "string", "产业链 · Industry chain", "q.\"IndustryChain\""),
            new("status", "string", "项目状态 · Status", EnumColumn<ProjectStatus>("Status"), Enum: EnumNames.Of<ProjectStatus>()),
            new("totalInvestment", "number", "总投资 (亿元) · Total investment, 亿元", "q.\"TotalInvestment\""),
            new("annualPlannedInvestment", "number", "年度计划投资 (亿元) · Annual planned investment", "q.\"AnnualPlannedInvestment\""),
            new("completedInvestment", "number", "完成投资 (亿元) · Completed investment", "q.\"CompletedInvestment\""),
            new("landAreaMu", "number", "用地面积 (亩) · Land area, 亩", "q.\"LandAreaMu\""),
            new("developer", "string", "建设单位 · Developer", "q.\"Developer\""),
            new("startDate", "string", "开工日期 · Start date", "q.\"StartDate\"", Format: "date"),
            new("zone", "string", "所属功能区 (名称) · Assigned zone (name)", "q.\"ZoneName\"", op => new JsonObject { ["zone"] = new JsonObject { ["name"] = op } }),
            new("zoneCode", "string", "所属功能区编码 · Assigned zone (code)", "q.\"ZoneCode\"", op => new JsonObject { ["zone"] = new JsonObject { ["code"] = op } }),
            new("batch", "string", "批次 (名称) · Batch (name)", "q.\"BatchName\"", op => new JsonObject { ["batch"] = new JsonObject { ["name"] = op } }),
            new("dataSource", "string", "数据来源 · PUBLISHED or ILLUSTRATIVE", EnumColumn<DataSource>("DataSource"), Enum: EnumNames.Of<DataSource>()),
            new("sourceNote", "string", "来源说明 · Source note", "q.\"SourceNote\""),
            new("location", "geometry", "项目位置 · Location", "q.\"Geometry\""),
        ],
        (db, where, context, sort, offset, limit) =>
        {
            var q = SortTranslator.Apply(ProjectQueries.Filtered(db, where, context), sort);
            if (offset is { } o) q = q.Skip(o);
            if (limit is { } l) q = q.Take(l);
            return q.Select(p => new FeatureRow
            {
                Id = p.Id, Code = p.Code, Name = p.Name, NameEn = p.NameEn, Sector = p.Sector, IndustryChain = p.IndustryChain, Status = p.Status,
                TotalInvestment = p.TotalInvestment, AnnualPlannedInvestment = p.AnnualPlannedInvestment, CompletedInvestment = p.CompletedInvestment,
                LandAreaMu = p.LandAreaMu, Developer = p.Developer, StartDate = p.StartDate, ZoneName = p.Zone!.Name, ZoneCode = p.Zone!.Code, BatchName = p.Batch!.Name,
                DataSource = p.DataSource, SourceNote = p.SourceNote, Geometry = p.Location,
            });
        },
        (db, where, context, ct) => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(ProjectQueries.Filtered(db, where, context), ct),
        (order, context) => SortTranslator.Translate(ProjectSchema.Sort, order, p => p.Id, context));

    public static readonly OgcCollection Zones = new(
        "zones", "功能区 · Zones", "西海岸新区及其功能区 (边界为近似) · The district and its functional areas (approximate boundaries)",
        "ZoneFilterInput", "MultiPolygon",
        [
            new("code", "string", "功能区编码 · Zone code", "q.\"Code\""),
            new("name", "string", "名称 · Name", "q.\"Name\""),
            new("nameEn", "string", "英文名称 · English name", "q.\"NameEn\""),
            new("kind", "string", "区域类型 · Kind", EnumColumn<ZoneKind>("Kind"), Enum: EnumNames.Of<ZoneKind>()),
            new("areaKm2", "number", "面积 (km²) · Area", "q.\"AreaKm2\""),
            new("approximate", "boolean", "边界是否为近似 · Approximate boundary", "q.\"IsApproximate\""),
            new("confidence", "string", "边界可信度 · Confidence", EnumColumn<BoundaryConfidence>("Confidence"), Enum: EnumNames.Of<BoundaryConfidence>()),
            new("boundary", "geometry", "边界 · Boundary", "q.\"Geometry\""),
        ],
        (db, where, context, sort, offset, limit) =>
        {
            var q = SortTranslator.Apply(db.Zones.Filter(ZoneSchema.Filter, where), sort);
            if (offset is { } o) q = q.Skip(o);
            if (limit is { } l) q = q.Take(l);
            return q.Select(z => new FeatureRow
            {
                Id = z.Id, Code = z.Code, Name = z.Name, NameEn = z.NameEn, Kind = z.Kind, AreaKm2 = z.AreaKm2, IsApproximate = z.IsApproximate,
                Confidence = z.Confidence, Geometry = z.Boundary,
            });
        },
        (db, where, context, ct) => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Zones.Filter(ZoneSchema.Filter, where), ct),
        (order, context) => SortTranslator.Translate(ZoneSchema.Sort, order, z => z.Id, context));

    public static readonly IReadOnlyList<OgcCollection> All = [Projects, Zones];
}

/// <summary>
/// The columns a feature may carry; each collection binds its own. A named type (not an anonymous one) so the
/// SQL EF Core generates aliases every column, which the feature SQL reads as q."Name".
/// </summary>
public sealed class FeatureRow
{
    public int Id { get; set; }
    public string? Code { get; set; }
    public string? Name { get; set; }
    public string? NameEn { get; set; }
    public Sector? Sector { get; set; }
    public string? IndustryChain { get; set; }
    public ProjectStatus? Status { get; set; }
    public decimal? TotalInvestment { get; set; }
    public decimal? AnnualPlannedInvestment { get; set; }
    public decimal? CompletedInvestment { get; set; }
    public decimal? LandAreaMu { get; set; }
    public string? Developer { get; set; }
    public DateOnly? StartDate { get; set; }
    public string? ZoneName { get; set; }
    public string? ZoneCode { get; set; }
    public string? BatchName { get; set; }
    public DataSource? DataSource { get; set; }
    public string? SourceNote { get; set; }
    public ZoneKind? Kind { get; set; }
    public double? AreaKm2 { get; set; }
    public bool? IsApproximate { get; set; }
    public BoundaryConfidence? Confidence { get; set; }
    public NetTopologySuite.Geometries.Geometry? Geometry { get; set; }
}
