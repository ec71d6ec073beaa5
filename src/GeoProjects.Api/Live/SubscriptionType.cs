using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace GeoProjects.Api.Live;

/// <summary>
/// The subscriptions, named as HotChocolate names them (no `on` prefix). Each event's payload is the record as it is now
/// (a deletion: its ID), fetched as the subscriber and kept only when its filter holds (<see cref="LiveOperation"/>).
/// They are served over WebSocket (graphql-transport-ws) and Server-Sent Events on /graphql.
/// </summary>
public sealed class SubscriptionType : ObjectGraphType
{
    public SubscriptionType(QueryingTypes types)
    {
        Name = "Subscription";
        Description = "实时变更 · Live changes: every committed change (through any API, import or psql) within a second.";
        var where = () => types.WhereArgument(ProjectSchema.Filter);
        Add<NonNullGraphType<ProjectType>>("projectCreated", "新增的项目 · A project was created (and matches `where`).", where());
        Add<NonNullGraphType<ProjectType>>("projectUpdated",
            "更新后的项目 · A project changed; its new state (matching `where`, and `id` when given).",
            where(), new QueryArgument<IdGraphType> { Name = "id", Description = "只看这个项目 · Only this project (its global ID)." });
        Add<NonNullGraphType<IdGraphType>>("projectDeleted", "删除的项目 ID · A project was deleted: its global ID.");
        Add<NonNullGraphType<Projects.ProgressReportType>>("progressReported",
            "填报的月度进度 · A month's progress was reported (or corrected) for a project matching `where`.", where());
        Add<NonNullGraphType<ZoneType>>("zoneUpdated", "新增或更新的功能区 · A zone was created or changed.");
    }

    private void Add<TType>(string name, string description, params QueryArgument[] arguments) where TType : IGraphType =>
        AddField(new FieldType
        {
            Name = name, Description = description, Type = typeof(TType), Arguments = new QueryArguments(arguments),
            // Events are answered by the live transports (LiveGroups), never by executing this field directly.
            StreamResolver = new SourceStreamResolver<object>((Func<global::GraphQL.IResolveFieldContext, IObservable<object?>>)(_ =>
                throw new global::GraphQL.ExecutionError("subscriptions stream: use a WebSocket (graphql-transport-ws) or Accept: text/event-stream")
                    { Code = "NOT_ACCEPTABLE" })),
            Resolver = new FuncFieldResolver<object?>(c => c.Source),
        });
}
