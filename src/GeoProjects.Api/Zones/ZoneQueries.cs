using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Zones;

public static class ZoneQueries
{
    public static void AddZoneQueries(this ObjectGraphType query, QueryingTypes types)
    {
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<ZoneType>>>>("zones")
            .Description("功能区列表 · Zones (functional areas and the district), filtered and sorted in PostgreSQL.")
            .Arguments(types.WhereArgument(ZoneSchema.Filter), types.OrderArgument(ZoneSchema.Sort))
            .ResolveAsync(async c => await GetZonesAsync(
                c.RequestServices!.GetRequiredService<GeoProjectsDb>(), c.InputArgument("where"), c.ListArgument("order"), Selection.FieldNames(c), c.CancellationToken));

        query.Field<ZoneType>("zone")
            .Description("按 ID 获取功能区 · A zone by its global ID.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "功能区全局 ID · The zone's global ID.")
            .ResolveAsync(async c =>
            {
                var id = NodeId.Decode("Zone", c.GetArgument<string>("id")); // outside the query: a bad ID is the client's error
                return await ZoneSchema.Columns.Apply(c.RequestServices!.GetRequiredService<GeoProjectsDb>().Zones.AsNoTracking().Where(z => z.Id == id), Selection.FieldNames(c))
                    .SingleOrDefaultAsync(c.CancellationToken);
            });
    }

    public static async Task<List<Zone>> GetZonesAsync(
        GeoProjectsDb db, IDictionary<string, object?>? where, IEnumerable<object?>? order, IReadOnlySet<string> fields, CancellationToken ct)
    {
        var query = db.Zones.AsNoTracking().Filter(ZoneSchema.Filter, where).Sort(ZoneSchema.Sort, order, z => z.Id);
        return await ZoneSchema.Columns.Apply(query, fields).ToListAsync(ct);
    }
}
