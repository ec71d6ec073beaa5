using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace GeoProjects.Api.Live;

/// <summary>
/// The subscriptions, named as HotChocolate names them (no `on` prefix). Each event's payload is the record as it is now
/// (a deletion: its ID), fetched as the subscriber and kept only when its filter holds (<see cref="LiveOperation"/>); each
/// carries its cursor in `extensions.cursor`. Creations and deletions are of the subscriber's view: a project published or
/// withdrawn arrives for the public as created or deleted. Served over WebSocket (graphql-transport-ws) and SSE on /graphql.
/// </summary>
public sealed class SubscriptionType : ObjectGraphType
{
    public SubscriptionType(QueryingTypes types)
    {
        Name = "Subscription";
        Description = "实时变更 · Live changes: every committed change (through any API, import or psql) within a second.";
        var where = () => types.WhereArgument(ProjectSchema.Filter);
        Add<NonNullGraphType<ProjectType>>("projectCreated",
            "新增的项目 · A project was created, or came into your view (published, for the public); it matches `where`.", where());
        Add<NonNullGraphType<ProjectType>>("projectUpdated",
            "更新后的项目 · A project changed; its new state (matching `where`, and `id` when given).",
            where(), new QueryArgument<IdGraphType> { Name = "id", Description = "只看这个项目 · Only this project (its global ID)." });
        Add<NonNullGraphType<IdGraphType>>("projectDeleted",
            "删除的项目 ID · A project was deleted, or left your view (withdrawn to 储备, for the public): its global ID. Drop it.");
        Add<NonNullGraphType<Projects.ProgressReportType>>("progressReported",
            "填报的月度进度 · A month's progress was reported (or corrected) for a project matching `where`.", where());
        Add<NonNullGraphType<ZoneType>>("zoneUpdated", "新增或更新的功能区 · A zone was created or changed.");
    }

    /// <summary>Every subscription resumes the same way: after the cursor of the last event a client saw.</summary>
    private static QueryArgument After() => new QueryArgument<StringGraphType>
    {
        Name = "after",
        Description = "续传 · Resume after this cursor (the `extensions.cursor` of the last event you received): first the events "
            + "committed since, in order and as you may see them now, then live ones — none twice, none lost. At most "
            + "`Live:MaxReplay` changes back (REPLAY_TOO_LONG); a cursor the log never gave is CURSOR_INVALID.",
    };

    private void Add<TType>(string name, string description, params QueryArgument[] arguments) where TType : IGraphType =>
        AddField(new FieldType
        {
            Name = name, Description = description, Type = typeof(TType), Arguments = new QueryArguments([.. arguments, After()]),
            // Events are answered by the live transports (LiveGroups), never by executing this field directly.
            StreamResolver = new SourceStreamResolver<object>((Func<global::GraphQL.IResolveFieldContext, IObservable<object?>>)(_ =>
                throw new global::GraphQL.ExecutionError("subscriptions stream: use a WebSocket (graphql-transport-ws) or Accept: text/event-stream")
                    { Code = "NOT_ACCEPTABLE" })),
            Resolver = new FuncFieldResolver<object?>(c => c.Source),
        });
}
