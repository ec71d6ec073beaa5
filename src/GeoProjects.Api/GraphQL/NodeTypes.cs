using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.Types;

namespace GeoProjects.Api.GraphQL;

/// <summary>Relay global object identification, as HotChocolate's AddGlobalObjectIdentification shapes it.</summary>
public sealed class NodeInterface : InterfaceGraphType
{
    public NodeInterface()
    {
        Name = "Node";
        Description = "可按全局 ID 获取的对象 · The node interface is implemented by entities that have a global unique identifier.";
        Field<NonNullGraphType<IdGraphType>>("id").Description("全局 ID · The global ID: base64 of \"Type:key\".");
    }
}

public static class NodeQueries
{
    /// <summary>A node type keyed by an integer (all but revisions): a larger key is no ID of it.</summary>
    public static Func<IResolveFieldContext, long, object> ByInt(Func<IResolveFieldContext, int, object> load) => (c, key) =>
        load(c, key <= int.MaxValue ? (int)key : throw new QueryInputException("INVALID_ID", $"{key} is no key of this type"));

    /// <summary>HotChocolate's default limit on `nodes(ids:)`.</summary>
    public const int MaxNodes = 10;

    /// <summary>Adds node(id) and nodes(ids); <paramref name="loaders"/> maps a type name to its batched loader.</summary>
    public static void AddNodeQueries(
        this ObjectGraphType query, IReadOnlyDictionary<string, Func<IResolveFieldContext, long, object>> loaders)
    {
        query.Field<NodeInterface>("node")
            .Description("按全局 ID 获取任意对象 · Fetches an object given its ID.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "全局 ID · ID of the object.")
            .Resolve(c => Load(c, loaders, c.GetArgument<string>("id")));

        query.Field<NonNullGraphType<ListGraphType<NodeInterface>>>("nodes")
            .Description($"按全局 ID 批量获取对象 (最多 {MaxNodes} 个) · Lookup nodes by a list of IDs (at most {MaxNodes}).")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("ids", "全局 ID 列表 · The list of node IDs.")
            .ResolveAsync(async c =>
            {
                var ids = c.GetArgument<List<string>>("ids");
                if (ids.Count > MaxNodes)
                    throw new QueryInputException("NODES_LIMIT_EXCEEDED", $"nodes takes at most {MaxNodes} IDs; {ids.Count} were given");
                // Queue every ID first so each loader fetches all of its keys in one statement. A bad ID is null at its
                // own path with an error; the others are answered (HotChocolate does the same).
                var pending = ids.Select((id, i) => Queue(c, loaders, id, i)).ToList();
                var nodes = new List<object?>();
                foreach (var p in pending) nodes.Add(p is global::GraphQL.DataLoader.IDataLoaderResult r ? await r.GetResultAsync(c.CancellationToken) : p);
                return nodes;
            });
    }

    private static object? Queue(
        IResolveFieldContext c, IReadOnlyDictionary<string, Func<IResolveFieldContext, long, object>> loaders, string id, int index)
    {
        try
        {
            return Load(c, loaders, id);
        }
        catch (QueryInputException e)
        {
            e.Path = c.Path.Append(index);
            c.Errors.Add(e);
            return null;
        }
    }

    private static object Load(
        IResolveFieldContext c, IReadOnlyDictionary<string, Func<IResolveFieldContext, long, object>> loaders, string id)
    {
        var (type, key) = NodeId.Parse(id);
        return loaders.TryGetValue(type, out var load) ? load(c, key)
            : throw new QueryInputException("INVALID_ID", $"ID '{id}' names type '{type}', which is not a node type of this schema");
    }
}
