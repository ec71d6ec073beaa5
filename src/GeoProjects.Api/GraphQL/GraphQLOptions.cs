namespace GeoProjects.Api.GraphQL;

/// <summary>Guard rails of the GraphQL endpoint (section "GraphQL" of the configuration).</summary>
public sealed class GraphQLOptions
{
    public int MaxDepth { get; set; } = 12;
    /// <summary>GraphQL.NET complexity: scalars 1, objects 1, lists multiply their children by 5 (introspection excluded).</summary>
    public int MaxComplexity { get; set; } = 20_000;
    public long MaxRequestBytes { get; set; } = 256 * 1024;
    public bool ExposeExceptionDetails { get; set; }

}
