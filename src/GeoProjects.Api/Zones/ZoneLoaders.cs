using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.DataLoader;

namespace GeoProjects.Api.Zones;

public static class ZoneLoaders
{
    /// <summary>A zone by key, with the fields the current field selects; one statement for all keys of a level.</summary>
    public static IDataLoaderResult<Zone?> ById(IResolveFieldContext c, int id) =>
        c.LoaderById(db => db.Zones, ZoneSchema.Columns, z => z.Id).Load(id, Selection.FieldNames(c));

    /// <summary>A zone's projects (by relation), one page of each zone of a level in one statement.</summary>
    public static IDataLoaderResult<Connection<Project>?> Projects(IResolveFieldContext c) =>
        OwnedProjects.Load(c, "Zone.projects", p => p.ZoneId,
            c.Source is Zone zone ? zone.Id : throw new InvalidOperationException("Zone.projects resolves on a Zone"));
}
