using GraphQLParser.AST;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.GraphQL;

/// <summary>
/// Documents that passed <see cref="DocumentGuard"/> and GraphQL.NET's validation, by their text (GraphQL.NET's
/// MemoryDocumentCache, whose package is not served here): a client sends the same few documents with new variables,
/// and parsing and the ~25 validation rules were a fifth of a small query's CPU. A document found here is not parsed or
/// checked again; what depends on the request still is: variables are coerced and the complexity analyzer runs (its
/// score depends on `first:` and other variable values), and permissions are checked as fields resolve. Bounded by the
/// documents' total length (GraphQL:DocumentCacheCharacters), so hostile one-off documents cannot grow memory.
/// </summary>
public sealed class ValidatedDocuments(IOptions<GraphQLOptions> options) : IDisposable
{
    private readonly MemoryCache _documents = new(new MemoryCacheOptions
    {
        SizeLimit = Math.Max(1, options.Value.DocumentCacheCharacters), CompactionPercentage = 0.25,
    });

    /// <summary>The document of <paramref name="query"/>: cached and already validated, or parsed and guarded now.</summary>
    public (GraphQLDocument Document, bool Validated) Parse(string query, GraphQLOptions limits) =>
        _documents.TryGetValue(query, out GraphQLDocument? known) && known is not null
            ? (known, true)
            : (DocumentGuard.Parse(query, limits), false);

    /// <summary>Keeps a document GraphQL.NET has validated (it executed), unless it alone would fill the cache.</summary>
    public void Validated(string query, GraphQLDocument document)
    {
        if (query.Length > options.Value.DocumentCacheCharacters / 10) return;
        _documents.Set(query, document, new MemoryCacheEntryOptions { Size = query.Length });
    }

    public void Dispose() => _documents.Dispose();
}
