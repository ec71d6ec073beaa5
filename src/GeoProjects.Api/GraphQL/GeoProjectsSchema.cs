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
        RegisterType(typeof(DateTimeGraphType));
        RegisterType(typeof(DecimalGraphType));
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
