using GeoProjects.Api.Fields;
using GeoProjects.Api.Batches;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using GraphQL;
using GraphQL.Types;

namespace GeoProjects.Api.Projects;

/// <summary>What clients may filter, sort and select on a Project: derived from <see cref="ProjectFields"/>.</summary>
public static class ProjectSchema
{
    public static EntityFilter<Project> Filter => ProjectFields.Registry.Filter;
    public static EntitySort<Project> Sort => ProjectFields.Registry.Sort;
    public static Projection<Project> Columns => ProjectFields.Registry.Columns;
}

public sealed class ProjectType(QueryingTypes types) : RegistryObjectType<Project>(
    "重大项目 · A major investment project (重大项目) with its location.", ProjectFields.Registry, types, node: true);

public sealed class ProjectsConnectionType() : ConnectionType<ProjectType, ProjectsEdgeType, Project>("ProjectsConnection");

public sealed class ProjectsEdgeType() : EdgeType<ProjectType, Project>("ProjectsEdge");
