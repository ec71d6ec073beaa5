using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.History;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GraphQL.Types;
using static GeoProjects.Api.Fields.Door;

namespace GeoProjects.Api.Zones;

/// <summary>功能区的字段 · Every field of a zone, declared once; the doors derive from this list.</summary>
public static class ZoneFields
{
    public static readonly EntityFields<Zone> Registry = new EntityFields<Zone>("Zone", "zones")
        .Key("id", "全局 ID · Global ID, base64 of \"Zone:<key>\".", z => z.Id, Output | Filter | VectorTiles,
            GraphTypes.Output<Zone, NonNullGraphType<IdGraphType>>(f => f.Resolve(c => NodeId.Encode("Zone", c.Source.Id))))
        .Field("code", "功能区编码 · Zone code.", z => z.Code, Query | OgcApi | GeoJsonLayer | VectorTiles | Input, new(MaxLength: 32))
        .Field("name", "功能区名称 · Zone name (Chinese), e.g. 古镇口核心区.", z => z.Name, Query | OgcApi | GeoJsonLayer | VectorTiles | Input,
            new(MaxLength: 100))
        .Field("nameEn", "英文名称 · English name.", z => z.NameEn, Query | OgcApi | GeoJsonLayer | VectorTiles | Input, new(MaxLength: 200))
        .Field("kind", "区域类型 · Kind of zone.", z => z.Kind, Query | OgcApi | GeoJsonLayer | VectorTiles | Input)
        .Field("boundary", "边界 · Boundary (MultiPolygon; WGS84 unless crs asks for GCJ02/BD09).", z => z.Boundary,
            Output | Filter | OgcApi | GeoJsonLayer | VectorTiles | Input,
            new(GraphQL: GraphTypes.Output<Zone, NonNullGraphType<GeoJsonMultiPolygonType>>(f => f.WithCrs(z => z.Boundary))))
        .Field("areaKm2", "面积 (km², 在椭球面上计算) · Area in km², computed on the spheroid.", z => z.AreaKm2, Query | OgcApi | GeoJsonLayer,
            new(Generated: true))
        .Relation("parent", "上级区域 · The zone this one lies in.", z => z.Parent, z => z.ParentId, () => Registry!, Output | Filter | Input,
            GraphTypes.Output<Zone, ZoneType>(f => f.Resolve(c => c.Source.ParentId is { } id ? ZoneLoaders.ById(c, id) : null)))
        .Field("approximate", "边界是否为近似 · Whether the boundary is an approximation.", z => z.IsApproximate,
            Output | Filter | OgcApi | GeoJsonLayer | Input)
        .Field("confidence", "边界可信度 · How far the boundary can be trusted.", z => z.Confidence, Query | OgcApi | GeoJsonLayer | Input)
        .Field("sourceNote", "来源说明 · Sources of the boundary.", z => z.SourceNote, Output | OgcApi | GeoJsonLayer | Input)
        .WithHistory(z => z.Version, z => z.Id)
        .Output("projects",
            "归属于该功能区的项目 (按 zone 关系, 非空间包含) · Projects assigned to this zone (by relation; use a `within` filter for spatial containment).",
            typeof(object), GraphTypes.Output<Zone, ProjectsConnectionType>((f, types) => f
                .Arguments(PagingArguments.Forward())
                .Arguments(types.WhereArgument(ProjectSchema.Filter), types.OrderArgument(ProjectSchema.Sort))
                .Resolve(c => ZoneLoaders.Projects(c))))
        .Output("stats",
            "归属于该功能区的项目合计 (同一层级的所有功能区一条 SQL) · Totals of the projects assigned to this zone; all zones of a level in one statement.",
            typeof(object), GraphTypes.Output<Zone, NonNullGraphType<ProjectStatsGroupType>>((f, types) => f
                .Arguments(types.WhereArgument(ProjectSchema.Filter))
                .Resolve(c => ProjectStatsQueries.ZoneStats(c).Load(c.Source.Id))));
}
