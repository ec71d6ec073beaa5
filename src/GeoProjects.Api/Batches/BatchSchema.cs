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
    public static readonly EntityFilter<ProjectBatch> Filter = new EntityFilter<ProjectBatch>("ProjectBatch")
        .Id("id", "批次 ID · The batch's global ID.", b => b.Id, "ProjectBatch")
        .Field("name", "批次名称 · Batch name.", b => b.Name)
        .Field("date", "活动日期 · Date of the event.", b => b.Date)
        .Field("level", "批次级别 · CITY or DISTRICT.", b => b.Level)
        .Field("kind", "批次类型 · GROUNDBREAKING or SIGNING.", b => b.Kind);

    public static readonly EntitySort<ProjectBatch> Sort = new EntitySort<ProjectBatch>("ProjectBatch")
        .Field("name", "批次名称 · Name.", b => b.Name)
        .Field("date", "活动日期 · Date.", b => b.Date)
        .Field("level", "批次级别 · Level.", b => b.Level)
        .Field("kind", "批次类型 · Kind.", b => b.Kind);

    public static readonly Projection<ProjectBatch> Columns = new Projection<ProjectBatch>(b => b.Id)
        .Map("name", b => b.Name).Map("date", b => b.Date).Map("level", b => b.Level).Map("kind", b => b.Kind).Map("sourceNote", b => b.SourceNote);
}

public sealed class ProjectBatchType : ObjectGraphType<ProjectBatch>
{
    public ProjectBatchType()
    {
        Name = "ProjectBatch";
        Description = "项目批次 · A collective event (集中开工 / 集中签约) that announced a batch of projects.";
        Interface<NodeInterface>();
        IsTypeOf = o => o is ProjectBatch;
        Field<NonNullGraphType<IdGraphType>>("id").Description("全局 ID · Global ID, base64 of \"ProjectBatch:<key>\".").Resolve(c => NodeId.Encode("ProjectBatch", c.Source.Id));
        Field(b => b.Name).Description("批次名称 · Batch name.");
        Field<NonNullGraphType<DateScalar>>("date").Description("活动日期 · Date of the event.").Resolve(c => c.Source.Date);
        Field<NonNullGraphType<EnumerationGraphType<BatchLevel>>>("level").Description("批次级别 · City-wide or district event.").Resolve(c => c.Source.Level);
        Field<NonNullGraphType<EnumerationGraphType<BatchKind>>>("kind").Description("批次类型 · Ground-breaking or signing.").Resolve(c => c.Source.Kind);
        Field(b => b.SourceNote).Description("来源说明 · The published source of the batch.");
    }
}

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
