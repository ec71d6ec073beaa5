using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GraphQL.Types;

namespace GeoProjects.Api.Zones;

public static class ZoneSchema
{
    public static readonly EntityFilter<Zone> Filter = new EntityFilter<Zone>("Zone")
        .Id("id", "功能区 ID · The zone's global ID.", z => z.Id, "Zone")
        .Field("code", "功能区编码 · Zone code.", z => z.Code)
        .Field("name", "功能区名称 · Zone name (Chinese), e.g. 古镇口核心区.", z => z.Name)
        .Field("nameEn", "英文名称 · English name.", z => z.NameEn)
        .Field("kind", "区域类型 · Kind of zone.", z => z.Kind)
        .Field("areaKm2", "面积 (km², 椭球面计算) · Area in km² on the spheroid.", z => z.AreaKm2)
        .Field("approximate", "边界是否为近似 · Whether the boundary is approximate.", z => z.IsApproximate)
        .Field("confidence", "边界可信度 · Boundary confidence.", z => z.Confidence)
        .Field("boundary", "边界 (多面) · Boundary (MultiPolygon); spatial operations, distances in metres.", z => z.Boundary)
        .Object("parent", "上级区域 · The parent zone.", z => z.Parent, () => Filter!);

    public static readonly EntitySort<Zone> Sort = new EntitySort<Zone>("Zone")
        .Field("code", "功能区编码 · Zone code.", z => z.Code)
        .Field("name", "功能区名称 · Zone name.", z => z.Name)
        .Field("nameEn", "英文名称 · English name.", z => z.NameEn)
        .Field("kind", "区域类型 · Kind.", z => z.Kind)
        .Field("areaKm2", "面积 · Area.", z => z.AreaKm2)
        .Field("confidence", "边界可信度 · Confidence.", z => z.Confidence);

    public static readonly Projection<Zone> Columns = new Projection<Zone>(z => z.Id)
        .Map("code", z => z.Code).Map("name", z => z.Name).Map("nameEn", z => z.NameEn).Map("kind", z => z.Kind)
        .Map("boundary", z => z.Boundary).Map("areaKm2", z => z.AreaKm2).Map("parent", z => z.ParentId)
        .Map("approximate", z => z.IsApproximate).Map("confidence", z => z.Confidence).Map("sourceNote", z => z.SourceNote);
}

public sealed class ZoneType : ObjectGraphType<Zone>
{
    public ZoneType(QueryingTypes types)
    {
        Name = "Zone";
        Description = "功能区 · A functional area (功能区) of 西海岸新区, or the district itself. Boundaries are approximate.";
        Interface<NodeInterface>();
        IsTypeOf = o => o is Zone;
        Field<NonNullGraphType<IdGraphType>>("id").Description("全局 ID · Global ID, base64 of \"Zone:<key>\".").Resolve(c => NodeId.Encode("Zone", c.Source.Id));
        Field(z => z.Code).Description("功能区编码 · Zone code.");
        Field(z => z.Name).Description("功能区名称 · Zone name (Chinese).");
        Field(z => z.NameEn).Description("英文名称 · English name.");
        Field<NonNullGraphType<EnumerationGraphType<ZoneKind>>>("kind").Description("区域类型 · Kind of zone.").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<GeoJsonMultiPolygonType>>("boundary").Description("边界 · Boundary (MultiPolygon; WGS84 unless crs asks for GCJ02/BD09).").WithCrs(z => z.Boundary);
        Field(z => z.AreaKm2).Description("面积 (km², 在椭球面上计算) · Area in km², computed on the spheroid.");
        Field<ZoneType>("parent").Description("上级区域 · The zone this one lies in.")
            .Resolve(c => c.Source.ParentId is { } id ? ZoneLoaders.ById(c, id) : null);
        Field<NonNullGraphType<BooleanGraphType>>("approximate").Description("边界是否为近似 · Whether the boundary is an approximation.").Resolve(c => c.Source.IsApproximate);
        Field<NonNullGraphType<EnumerationGraphType<BoundaryConfidence>>>("confidence").Description("边界可信度 · How far the boundary can be trusted.").Resolve(c => c.Source.Confidence);
        Field(z => z.SourceNote).Description("来源说明 · Sources of the boundary.");
        Field<ProjectsConnectionType>("projects")
            .Description("归属于该功能区的项目 (按 zone 关系, 非空间包含) · Projects assigned to this zone (by relation; use a `within` filter for spatial containment).")
            .Arguments(PagingArguments.Forward())
            .Arguments(types.WhereArgument(ProjectSchema.Filter), types.OrderArgument(ProjectSchema.Sort))
            .Resolve(c => ZoneLoaders.Projects(c));
        Field<NonNullGraphType<ProjectStatsGroupType>>("stats")
            .Description("归属于该功能区的项目合计 (同一层级的所有功能区一条 SQL) · Totals of the projects assigned to this zone; all zones of a level in one statement.")
            .Arguments(types.WhereArgument(ProjectSchema.Filter))
            .Resolve(c => ProjectStatsQueries.ZoneStats(c).Load(c.Source.Id));
    }
}
