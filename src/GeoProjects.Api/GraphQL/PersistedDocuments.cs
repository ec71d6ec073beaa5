using System.Security.Cryptography;
using System.Text;
using GraphQL;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.GraphQL;

/// <summary>
/// Documents known by their SHA-256 hash (lower-case hex of the UTF-8 text, optionally written `sha256:…`):
/// trusted documents read from <see cref="GraphQLOptions.TrustedDocumentDirectories"/> at start-up (HotChocolate's
/// persisted operations, sent as `id` or `documentId`), and automatic persisted queries (Apollo's protocol,
/// `extensions.persistedQuery`) kept in a bounded in-memory store.
/// </summary>
public sealed class PersistedDocuments
{
    private readonly IReadOnlyDictionary<string, string> _trusted;
    private readonly MemoryCache _automatic;
    private readonly bool _onlyTrusted;

    public PersistedDocuments(IOptions<GraphQLOptions> options)
    {
        var o = options.Value;
        _onlyTrusted = o.OnlyAllowPersistedDocuments;
        _automatic = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, o.PersistedQueryCacheSize) });
        _trusted = o.TrustedDocumentDirectories
            .Select(d => Path.Combine(AppContext.BaseDirectory, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.graphql"))
            .Select(File.ReadAllText)
            .ToDictionary(Hash, text => text);
    }

    public IReadOnlyCollection<string> TrustedHashes => _trusted.Keys.ToList();

    /// <summary>The trusted documents' texts: the operations this service documents and its clients send.</summary>
    public IReadOnlyCollection<string> TrustedDocuments => _trusted.Values.ToList();

    public static string Hash(string document) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document)));

    /// <summary>The request's document: its own text, a trusted document by id, or an automatic persisted query.</summary>
    public string Resolve(string? query, string? documentId, Inputs? extensions)
    {
        var apq = AutomaticPersistedQuery.Read(extensions);
        if (documentId is not null)
        {
            var id = Normalise(documentId);
            if (!_trusted.TryGetValue(id, out var trusted))
                throw new RequestRejectedException(400, "PERSISTED_DOCUMENT_NOT_FOUND", $"no trusted document has the id '{Shorten(documentId)}'");
            // A client that sends both must mean one of them: which one would be a guess, so neither runs (the same text is fine).
            if (!string.IsNullOrWhiteSpace(query) && query != trusted)
                throw new RequestRejectedException(400, "PERSISTED_DOCUMENT_MISMATCH",
                    $"the request names the trusted document '{Shorten(documentId)}' and a different `query`; send one of them");
            return trusted;
        }
        if (apq is { } persisted) return ResolveAutomatic(query, persisted);
        if (string.IsNullOrWhiteSpace(query))
            throw new RequestRejectedException(400, "QUERY_MISSING", "the request has no `query` (nor an `id` of a trusted document)");
        if (_onlyTrusted && !_trusted.ContainsKey(Hash(query)))
            throw new RequestRejectedException(400, "PERSISTED_DOCUMENT_REQUIRED", "this endpoint runs only trusted documents: send the `id` of one");
        return query;
    }

    private string ResolveAutomatic(string? query, AutomaticPersistedQuery apq)
    {
        if (string.IsNullOrEmpty(query))
        {
            if (_trusted.TryGetValue(apq.Hash, out var trusted)) return trusted;
            if (!_onlyTrusted && _automatic.TryGetValue(apq.Hash, out string? known)) return known!;
            // Apollo's PersistedQueryLink looks for exactly this message and then sends the full query.
            throw new RequestRejectedException(400, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound");
        }
        if (Hash(query) != apq.Hash)
            throw new RequestRejectedException(400, "PERSISTED_QUERY_HASH_MISMATCH", "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query");
        if (_onlyTrusted && !_trusted.ContainsKey(apq.Hash))
            throw new RequestRejectedException(400, "PERSISTED_DOCUMENT_REQUIRED", "this endpoint runs only trusted documents: send the `id` of one");
        _automatic.Set(apq.Hash, query, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(24) });
        return query;
    }

    private static string Normalise(string id) => (id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id).ToLowerInvariant();

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";

    private sealed record AutomaticPersistedQuery(string Hash)
    {
        public static AutomaticPersistedQuery? Read(Inputs? extensions)
        {
            if (extensions is null || !extensions.TryGetValue("persistedQuery", out var value) || value is null) return null;
            if (value is not IDictionary<string, object?> pq)
                throw new RequestRejectedException(400, "PERSISTED_QUERY_INVALID", "extensions.persistedQuery must be an object {version: 1, sha256Hash}");
            if (!pq.TryGetValue("version", out var v) || v is not (1 or 1L))
                throw new RequestRejectedException(400, "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported: only version 1 is supported");
            if (!pq.TryGetValue("sha256Hash", out var h) || h is not string hash || hash.Length != 64 || !hash.All(Uri.IsHexDigit))
                throw new RequestRejectedException(400, "PERSISTED_QUERY_INVALID", "extensions.persistedQuery.sha256Hash must be 64 hex digits");
            return new AutomaticPersistedQuery(hash.ToLowerInvariant());
        }
    }
}
