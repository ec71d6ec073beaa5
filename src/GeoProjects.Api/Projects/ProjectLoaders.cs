using System.Globalization;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GraphQL;
using GraphQL.DataLoader;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Projects;

public static class ProjectLoaders
{
    /// <summary>A project by key, with the fields the current field selects; one statement for all keys of a level.</summary>
    public static IDataLoaderResult<Project?> ById(IResolveFieldContext c, int id) =>
        c.LoaderById(db => db.Projects, ProjectSchema.Columns, p => p.Id).Load(id, Selection.FieldNames(c));

    /// <summary>Distances in metres from one point to every project of a level, in one statement.</summary>
    public static BatchLoader<int, double> Distance(IResolveFieldContext c, Point from)
    {
        var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
        var key = string.Create(CultureInfo.InvariantCulture, $"Project.distance:{from.X},{from.Y}");
        return c.RequestServices!.GetRequiredService<RequestLoaders>().GetOrAdd<int, double>(key, async (ids, _, ct) =>
            await db.Projects.AsNoTracking().Where(p => ids.Contains(p.Id))
                .Select(p => new { p.Id, Metres = GeoSql.DistanceMetres(p.Location, from) })
                .ToDictionaryAsync(x => x.Id, x => x.Metres, ct));
    }
}
