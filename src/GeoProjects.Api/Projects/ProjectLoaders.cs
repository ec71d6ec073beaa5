using System.Globalization;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GraphQL;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Projects;

public static class ProjectLoaders
{
    public static BatchLoader<int, Project> ById(IResolveFieldContext c) => c.LoaderById(db => db.Projects, ProjectSchema.Columns, p => p.Id);

    /// <summary>Distances in metres from one point to every project of a level, in one statement.</summary>
    public static BatchLoader<int, double> Distance(IResolveFieldContext c, Point from)
    {
        var db = c.RequestServices!.GetRequiredService<GeoProjectsDb>();
        var key = string.Create(CultureInfo.InvariantCulture, $"Project.distance:{from.X},{from.Y}");
        return c.RequestServices!.GetRequiredService<RequestLoaders>().GetOrAdd<int, double>(key, async (ids, ct) =>
            await db.Projects.AsNoTracking().Where(p => ids.Contains(p.Id))
                .Select(p => new { p.Id, Metres = GeoSql.DistanceMetres(p.Location, from) })
                .ToDictionaryAsync(x => x.Id, x => x.Metres, ct));
    }
}
