using GeoProjects.Api.Fields;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Batches;

public static class BatchSchema
{
    public static EntityFilter<ProjectBatch> Filter => BatchFields.Registry.Filter;
    public static EntitySort<ProjectBatch> Sort => BatchFields.Registry.Sort;
    public static Projection<ProjectBatch> Columns => BatchFields.Registry.Columns;
}

public sealed class ProjectBatchType(QueryingTypes types) : RegistryObjectType<ProjectBatch>(
    "项目批次 · A collective event (集中开工 / 集中签约) that announced a batch of projects.", BatchFields.Registry, types, node: true);

public static class BatchLoaders
{
    /// <summary>A batch by key, with the fields the current field selects; one statement for all keys of a level.</summary>
    public static IDataLoaderResult<ProjectBatch?> ById(IResolveFieldContext c, int id) =>
        c.LoaderById(db => db.Batches, BatchSchema.Columns, b => b.Id).Load(id, Selection.FieldNames(c));
}

public static class BatchQueries
{
    public static void AddBatchQueries(this ObjectGraphType query, QueryingTypes types)
    {
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProjectBatchType>>>>("batches")
            .Description("项目批次列表 · Project batches (集中开工 / 集中签约 events).")
            .Arguments(types.WhereArgument(BatchSchema.Filter), types.OrderArgument(BatchSchema.Sort))
            .ResolveAsync(async c =>
            {
                var query = c.RequestServices!.GetRequiredService<GeoProjectsDb>().Batches.AsNoTracking()
                    .Filter(BatchSchema.Filter, c.InputArgument("where")).Sort(BatchSchema.Sort, c.ListArgument("order"), b => b.Id);
                return await BatchSchema.Columns.Apply(query, Selection.FieldNames(c)).ToListAsync(c.CancellationToken);
            });
    }
}
