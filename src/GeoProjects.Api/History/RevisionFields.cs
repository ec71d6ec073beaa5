using System.Text.Json;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GraphQL.Types;
using static GeoProjects.Api.Fields.Door;

namespace GeoProjects.Api.History;

/// <summary>修订记录的字段 · The fields auditors read, filter and sort revisions by; declared once like every entity's.</summary>
public static class RevisionFields
{
    public static readonly EntityFields<Revision> Registry = new EntityFields<Revision>("Revision", "revisions")
        .Field("id", "全局 ID · Global ID, base64 of \"Revision:<number>\"; the number increases in the order changes were made (sort by it).",
            r => r.Id, Output | Sort, new(Generated: true,
                GraphQL: GraphTypes.Output<Revision, NonNullGraphType<IdGraphType>>(f => f.Resolve(c => NodeId.Encode("Revision", c.Source.Id)))))
        .Field("entity", "实体类型 · What changed: Project, Zone, ProjectBatch.", r => r.Entity, Query)
        .Field("entityId", "实体键 · The changed record's key (its global ID is base64 of \"<entity>:<key>\").", r => r.EntityId, Query)
        .Field("version", "该修订后的版本 · The record's version after this revision (before it, for a delete).", r => r.Version, Query)
        .Field("operation", "修订类型 · INSERT, UPDATE or DELETE.", r => r.Operation, Query)
        .Field("changedAt", "修改时间 (UTC, 事务时间) · When (UTC; the transaction's time).", r => r.ChangedAt, Query)
        .Field("changedBy", "修改人 · Who: the request's actor, `import:<user>` for imports, `seed`, or the database user for psql.",
            r => r.ChangedBy, Query)
        .Field("correlationId", "请求 ID (与日志对应) · The request's id, as its log entry carries it; null for psql.", r => r.CorrelationId,
            Output | Filter)
        .Output("changes", "变更字段: 旧值与新值 (几何为 GeoJSON) · The fields that changed, old and new values (geometries as GeoJSON).",
            typeof(object), GraphTypes.Output<Revision, NonNullGraphType<ListGraphType<NonNullGraphType<FieldChangeType>>>>(f => f
                .Resolve(c => RevisionRecords.Changes(c.Source))), r => r.Changes, r => r.Entity)
        .Output("project", "修订后的项目 (删除时为删除前) · The project as this revision left it (as it was, for a delete).", typeof(object),
            GraphTypes.Output<Revision, Projects.ProjectType>(f => f.Resolve(c => RevisionRecords.AsEntity(c.Source, "Project"))),
            r => r.Record, r => r.Entity)
        .Output("zone", "修订后的功能区 · The zone as this revision left it.", typeof(object),
            GraphTypes.Output<Revision, Zones.ZoneType>(f => f.Resolve(c => RevisionRecords.AsEntity(c.Source, "Zone"))),
            r => r.Record, r => r.Entity)
        .Output("batch", "修订后的批次 · The batch as this revision left it.", typeof(object),
            GraphTypes.Output<Revision, Batches.ProjectBatchType>(f => f.Resolve(c => RevisionRecords.AsEntity(c.Source, "ProjectBatch"))),
            r => r.Record, r => r.Entity);
}

/// <summary>One changed field: its name as GraphQL spells it, and the old and new values as JSON.</summary>
public sealed record FieldChange(string Field, JsonElement OldValue, JsonElement NewValue);

public sealed class FieldChangeType : ObjectGraphType<FieldChange>
{
    public FieldChangeType()
    {
        Name = "FieldChange";
        Description = "一个字段的变化 · One field's change.";
        Field(c => c.Field).Description("字段 (GraphQL 名称) · The field, as GraphQL names it (a relation: its name, the value its key).");
        Field<AnyScalar>("oldValue").Description("旧值 · The value before (null for a new record).").Resolve(c => c.Source.OldValue);
        Field<AnyScalar>("newValue").Description("新值 · The value after (null for a deleted record).").Resolve(c => c.Source.NewValue);
    }
}

/// <summary>HotChocolate's `Any`: a JSON value of any shape (output only here).</summary>
public sealed class AnyScalar : ScalarGraphType
{
    public AnyScalar()
    {
        Name = "Any";
        Description = "任意 JSON 值 · Any JSON value.";
    }

    public override object? ParseValue(object? value) => throw new InputValueException("Any is an output type here");
    public override object? ParseLiteral(GraphQLParser.AST.GraphQLValue value) => throw new InputValueException("Any is an output type here");
    public override object? Serialize(object? value) =>
        value is JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } ? null : value;
}
