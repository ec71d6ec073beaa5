using GraphQL;

namespace GeoProjects.Api.GraphQL;

public static class ArgumentExtensions
{
    /// <summary>An input-object argument as GraphQL.NET parsed it (a dictionary of already-coerced values).</summary>
    public static IDictionary<string, object?>? InputArgument(this IResolveFieldContext c, string name) =>
        c.Arguments?.TryGetValue(name, out var v) == true ? v.Value as IDictionary<string, object?> : null;

    public static IEnumerable<object?>? ListArgument(this IResolveFieldContext c, string name) =>
        c.Arguments?.TryGetValue(name, out var v) == true ? v.Value as IEnumerable<object?> : null;
}
