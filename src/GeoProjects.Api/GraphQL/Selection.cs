using GraphQL;
using GraphQLParser.AST;

namespace GeoProjects.Api.GraphQL;

/// <summary>Reads which fields a query selects (through fragments), so SQL selects only those columns.</summary>
public static class Selection
{
    /// <summary>Field names selected under the current field, following <paramref name="path"/> (e.g. "nodes").</summary>
    public static HashSet<string> FieldNames(IResolveFieldContext context, params string[] path)
    {
        var sets = new List<GraphQLSelectionSet>();
        if (context.FieldAst.SelectionSet is { } root) sets.Add(root);
        foreach (var step in path)
            sets = sets.SelectMany(s => Fields(context, s)).Where(f => f.Name.Value == step && f.SelectionSet is not null)
                .Select(f => f.SelectionSet!).ToList();
        return sets.SelectMany(s => Fields(context, s)).Select(f => (string)f.Name.Value).ToHashSet();
    }

    /// <summary>Names for a connection field: what <c>nodes { … }</c> and <c>edges { node { … } }</c> select.</summary>
    public static HashSet<string> ConnectionNodeFields(IResolveFieldContext context)
    {
        var names = FieldNames(context, "nodes");
        names.UnionWith(FieldNames(context, "edges", "node"));
        return names;
    }

    public static bool Selects(IResolveFieldContext context, string field) => FieldNames(context).Contains(field);

    private static IEnumerable<GraphQLField> Fields(IResolveFieldContext context, GraphQLSelectionSet set)
    {
        foreach (var selection in set.Selections)
        {
            switch (selection)
            {
                case GraphQLField f:
                    yield return f;
                    break;
                case GraphQLInlineFragment inline:
                    foreach (var f in Fields(context, inline.SelectionSet)) yield return f;
                    break;
                case GraphQLFragmentSpread spread when Fragment(context, spread.FragmentName.Name.Value) is { } def:
                    foreach (var f in Fields(context, def.SelectionSet)) yield return f;
                    break;
            }
        }
    }

    private static GraphQLFragmentDefinition? Fragment(IResolveFieldContext context, GraphQLParser.ROM name) =>
        context.Document.Definitions.OfType<GraphQLFragmentDefinition>().FirstOrDefault(f => f.FragmentName.Name.Value == name);
}
