using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.History;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GraphQL.Types;
using static GeoProjects.Api.Fields.Door;

namespace GeoProjects.Api.Batches;

/// <summary>项目批次的字段 · Every field of a batch, declared once; the doors derive from this list.</summary>
public static class BatchFields
{
    public static readonly EntityFields<ProjectBatch> Registry = new EntityFields<ProjectBatch>("ProjectBatch", "project_batches")
        .Key("id", "全局 ID · Global ID, base64 of \"ProjectBatch:<key>\".", b => b.Id, Output | Filter,
            GraphTypes.Output<ProjectBatch, NonNullGraphType<IdGraphType>>(f => f.Resolve(c => NodeId.Encode("ProjectBatch", c.Source.Id))))
        .Field("code", "批次编码 · Unique batch code (XHA-2023-C), the batch's stable key in OGC and files.", b => b.Code, Query | Input,
            new(MaxLength: 32))
        .Field("name", "批次名称 · Batch name.", b => b.Name, Query | Input, new(MaxLength: 200))
        .Field("date", "活动日期 · Date of the event.", b => b.Date, Query | Input)
        .Field("level", "批次级别 · City-wide (CITY) or district (DISTRICT) event.", b => b.Level, Query | Input)
        .Field("kind", "批次类型 · Ground-breaking (GROUNDBREAKING) or signing (SIGNING).", b => b.Kind, Query | Input)
        .Field("sourceNote", "来源说明 · The published source of the batch.", b => b.SourceNote, Output | Input)
        .WithHistory(b => b.Version, b => b.Id)
        .Output("projects", "该批次的项目 · The projects of this batch, as a connection with the usual where and order.",
            typeof(object), GraphTypes.Output<ProjectBatch, ProjectsConnectionType>((f, types) => f
                .Arguments(PagingArguments.Forward())
                .Arguments(types.WhereArgument(ProjectSchema.Filter), types.OrderArgument(ProjectSchema.Sort))
                .Resolve(c => OwnedProjects.Load(c, "ProjectBatch.projects", p => p.BatchId, c.Source.Id))));
}
