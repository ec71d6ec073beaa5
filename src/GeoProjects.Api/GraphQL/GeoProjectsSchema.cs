using GeoProjects.Api.Batches;
using GeoProjects.Api.Data;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using GraphQL.Types;

namespace GeoProjects.Api.GraphQL;

public sealed class GeoProjectsSchema : Schema
{
    public GeoProjectsSchema(IServiceProvider services, QueryType query) : base(services)
    {
        Description = "GeoProjects: 西海岸新区重大项目登记册 · a registry of major investment projects (重大项目) with their locations.";
        Query = query;
        // Types reached only through GraphQLTypeReference (filter inputs) must be registered by name.
        RegisterType(typeof(GeometryScalar));
        RegisterType(typeof(DateScalar));
        RegisterType(typeof(DateTimeScalar));
        RegisterType(typeof(DecimalScalar));
        RegisterTypeMapping(typeof(decimal), typeof(DecimalScalar));
        RegisterTypeMapping(typeof(DateTime), typeof(DateTimeScalar));
        RegisterTypeMapping(typeof(DateOnly), typeof(DateScalar));
        RegisterType(typeof(GeoJsonPointType));
        RegisterType(typeof(GeoJsonPolygonType));
        RegisterType(typeof(GeoJsonMultiPolygonType));
        RegisterType(typeof(EnumerationGraphType<ZoneKind>));
        RegisterType(typeof(EnumerationGraphType<BoundaryConfidence>));
        RegisterType(typeof(EnumerationGraphType<BatchLevel>));
        RegisterType(typeof(EnumerationGraphType<BatchKind>));
        RegisterType(typeof(EnumerationGraphType<Sector>));
        RegisterType(typeof(EnumerationGraphType<ProjectStatus>));
        RegisterType(typeof(EnumerationGraphType<DataSource>));
        RegisterType(typeof(EnumerationGraphType<WarningLevel>));
        RegisterType(typeof(GeoProjects.Api.Crs.CoordinateSystemEnum));
    }
}

public sealed class QueryType : ObjectGraphType
{
    public QueryType(QueryingTypes types)
    {
        Name = "Query";
        Description = "查询入口 · Entry point of every query.";
        this.AddProjectQueries(types);
        this.AddZoneQueries(types);
        this.AddBatchQueries(types);
        this.AddProjectStatsQueries(types);
        this.AddNodeQueries(new Dictionary<string, Func<global::GraphQL.IResolveFieldContext, int, object>>
        {
            ["Project"] = (c, id) => ProjectLoaders.ById(c).Load(id),
            ["Zone"] = (c, id) => ZoneLoaders.ById(c).Load(id),
            ["ProjectBatch"] = (c, id) => BatchLoaders.ById(c).Load(id),
        });
    }
}

/// <summary>HotChocolate's `Date` scalar (yyyy-MM-dd) over DateOnly.</summary>
public sealed class DateScalar : DateOnlyGraphType
{
    public DateScalar()
    {
        Name = "Date";
        Description = "日期 (ISO-8601, yyyy-MM-dd) · A date without time, ISO-8601 `yyyy-MM-dd`.";
    }
}

public sealed class DateTimeScalar : DateTimeGraphType
{
    public DateTimeScalar()
    {
        Name = "DateTime";
        Description = "日期时间 (ISO-8601, UTC) · A date and time in ISO-8601, UTC.";
    }
}

/// <summary>亿元 amounts are decimals: they keep their scale (30.00) and never pass through binary floating point.</summary>
public sealed class DecimalScalar : DecimalGraphType
{
    public DecimalScalar()
    {
        Name = "Decimal";
        Description = "十进制数 (金额等, 不经二进制浮点) · A decimal number (amounts such as 亿元), exact, never binary floating point.";
    }
}
