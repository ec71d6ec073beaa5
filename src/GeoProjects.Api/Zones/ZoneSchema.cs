using GeoProjects.Api.Fields;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GraphQL.Types;

namespace GeoProjects.Api.Zones;

public static class ZoneSchema
{
    public static EntityFilter<Zone> Filter => ZoneFields.Registry.Filter;
    public static EntitySort<Zone> Sort => ZoneFields.Registry.Sort;
    public static Projection<Zone> Columns => ZoneFields.Registry.Columns;
}

public sealed class ZoneType(QueryingTypes types) : RegistryObjectType<Zone>(
    "功能区 · A functional area (功能区) of 西海岸新区, or the district itself. Boundaries are approximate.", ZoneFields.Registry, types, node: true);
