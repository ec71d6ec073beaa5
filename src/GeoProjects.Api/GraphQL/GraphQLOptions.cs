namespace GeoProjects.Api.GraphQL;

/// <summary>
/// Guard rails of the GraphQL endpoint (section "GraphQL" of the configuration). Every limit is checked before
/// GraphQL.NET validates or runs a document, in time linear in the document's size (see <see cref="DocumentGuard"/>).
/// </summary>
public sealed class GraphQLOptions
{
    /// <summary>Nesting of fields, not counting introspection (HotChocolate's SkipIntrospectionFields).</summary>
    public int MaxDepth { get; set; } = 12;
    /// <summary>GraphQL.NET complexity: scalars 1, objects 1, lists multiply their children by 5 (introspection excluded).</summary>
    public int MaxComplexity { get; set; } = 20_000;
    public long MaxRequestBytes { get; set; } = 256 * 1024;
    public bool ExposeExceptionDetails { get; set; }

    /// <summary>Lexical tokens in one document (HotChocolate's MaxAllowedTokens).</summary>
    public int MaxTokens { get; set; } = 15_000;
    /// <summary>Syntax nodes in one document (HotChocolate's MaxAllowedNodes).</summary>
    public int MaxNodes { get; set; } = 10_000;
    /// <summary>Fields written in one document (HotChocolate's MaxAllowedFields).</summary>
    public int MaxFields { get; set; } = 2_048;
    /// <summary>Fields of the selected operation once every fragment spread is expanded: what validation walks.</summary>
    public int MaxExpandedFields { get; set; } = 10_000;
    /// <summary>Fragment spreads nested in fragment spreads.</summary>
    public int MaxFragmentDepth { get; set; } = 16;
    /// <summary>
    /// The same response name (field or alias) in one selection set, through fragments: repeats are merged pairwise.
    /// Generous enough for clients that add `__typename` or `id` to every fragment (Apollo, Relay).
    /// </summary>
    public int MaxFieldRepeats { get; set; } = 100;
    /// <summary>
    /// Pairs of same-named fields that validation must compare, over the whole document (each pair may be a conflict
    /// error): 100 conflicting repeats of one name are 4 950 pairs, ~0.1 s of validation on this machine.
    /// </summary>
    public int MaxFieldMerges { get; set; } = 5_000;
    /// <summary>`__schema` and `__type` selections in one request.</summary>
    public int MaxIntrospectionFields { get; set; } = 3;
    /// <summary>`ofType { ofType { … } }` nesting; graphql-js asks for 9 (HotChocolate allows 16).</summary>
    public int MaxOfTypeDepth { get; set; } = 16;
    /// <summary>Errors in one response (HotChocolate answers at most 5 validation errors).</summary>
    public int MaxErrors { get; set; } = 5;
    /// <summary>
    /// Wall time of one request, parsing to the last field (HotChocolate: 30 s). A little above one statement's
    /// Database:StatementTimeoutMs, so a slow statement reports STATEMENT_TIMEOUT before the request gives up.
    /// </summary>
    public int ExecutionTimeoutMs { get; set; } = 15_000;

    /// <summary>Validated documents kept by their text (<see cref="ValidatedDocuments"/>), as their total length in characters.</summary>
    public int DocumentCacheCharacters { get; set; } = 4_000_000;

    /// <summary>Automatic persisted queries (Apollo's protocol): how many hash → document entries are kept.</summary>
    public int PersistedQueryCacheSize { get; set; } = 1_000;
    /// <summary>
    /// Folders of trusted documents (`*.graphql`), served by SHA-256 hash; relative to the app's folder, where the build
    /// copies docs/operations as `operations`.
    /// </summary>
    public string[] TrustedDocumentDirectories { get; set; } = ["operations"];
    /// <summary>Only trusted documents may run (HotChocolate's OnlyAllowPersistedDocuments): the production lockdown.</summary>
    public bool OnlyAllowPersistedDocuments { get; set; }
}
