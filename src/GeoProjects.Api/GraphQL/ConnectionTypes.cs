using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.Types;

namespace GeoProjects.Api.GraphQL;

// Relay connection types with HotChocolate's names and descriptions (ProjectsConnection, ProjectsEdge, PageInfo).

public sealed class PageInfoType : ObjectGraphType<PageInfo>
{
    public PageInfoType()
    {
        Name = "PageInfo";
        Description = "分页信息 · Information about pagination in a connection.";
        Field(x => x.HasNextPage).Description("是否有下一页 · Indicates whether more edges exist following the set defined by the clients arguments.");
        Field(x => x.HasPreviousPage).Description("是否有上一页 · Indicates whether more edges exist prior the set defined by the clients arguments.");
        Field(x => x.StartCursor, nullable: true).Description("首条游标 · When paginating backwards, the cursor to continue.");
        Field(x => x.EndCursor, nullable: true).Description("末条游标 · When paginating forwards, the cursor to continue.");
    }
}

public abstract class ConnectionType<TNodeType, TEdgeType, T> : ObjectGraphType<Connection<T>>
    where TNodeType : IGraphType where TEdgeType : EdgeType<TNodeType, T>
{
    protected ConnectionType(string name)
    {
        Name = name;
        Description = "分页连接 · A connection to a list of items.";
        Field<NonNullGraphType<PageInfoType>>("pageInfo").Description("分页信息 · Information to aid in pagination.").Resolve(c => c.Source.PageInfo);
        Field<ListGraphType<NonNullGraphType<TEdgeType>>>("edges").Description("边列表 · A list of edges.").Resolve(c => c.Source.Edges);
        Field<ListGraphType<NonNullGraphType<TNodeType>>>("nodes").Description("节点列表 · A flattened list of the nodes.").Resolve(c => c.Source.Nodes);
        Field<NonNullGraphType<IntGraphType>>("totalCount").Description("符合条件的总数 · Identifies the total count of items in the connection.")
            .ResolveAsync(async c => await c.Source.TotalCountAsync(c.CancellationToken));
    }
}

public abstract class EdgeType<TNodeType, T> : ObjectGraphType<Edge<T>> where TNodeType : IGraphType
{
    protected EdgeType(string name)
    {
        Name = name;
        Description = "连接中的一条边 · An edge in a connection.";
        Field(x => x.Cursor).Description("游标 · A cursor for use in pagination.");
        Field<NonNullGraphType<TNodeType>>("node").Description("边上的节点 · The item at the end of the edge.").Resolve(c => c.Source.Node);
    }
}

public static class PagingArguments
{
    public static QueryArguments Forward() =>
    [
        new QueryArgument<IntGraphType> { Name = "first", Description = "返回前 n 条 · Returns the first _n_ elements from the list." },
        new QueryArgument<StringGraphType> { Name = "after", Description = "在此游标之后 · Returns the elements in the list that come after the specified cursor." },
    ];

    public static QueryArguments Both() =>
    [
        .. Forward(),
        new QueryArgument<IntGraphType> { Name = "last", Description = "返回最后 n 条 · Returns the last _n_ elements from the list." },
        new QueryArgument<StringGraphType> { Name = "before", Description = "在此游标之前 · Returns the elements in the list that come before the specified cursor." },
    ];

    public static PageArgs Read(global::GraphQL.IResolveFieldContext c) => new(
        c.GetArgument<int?>("first"), c.GetArgument<string?>("after"),
        c.HasArgument("last") ? c.GetArgument<int?>("last") : null, c.HasArgument("before") ? c.GetArgument<string?>("before") : null);
}
