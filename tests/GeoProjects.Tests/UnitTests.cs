using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;

namespace GeoProjects.Tests;

public sealed class NodeIdAndCursorTests
{
    [Fact]
    public void IdsAreEncodedAsHotChocolate14Does() => Assert.Equal("UHJvamVjdDox", NodeId.Encode("Project", 1));

    [Fact]
    public void LegacyHotChocolateIdsAreAccepted() => Assert.Equal(("Project", 1), NodeId.Parse("UHJvamVjdAppMQ=="));

    [Theory]
    [InlineData("")]
    [InlineData("%%%")]
    [InlineData("UHJvamVjdA==")] // "Project", no key
    public void MalformedIdsAreRejectedWithACode(string id) =>
        Assert.Equal("INVALID_ID", Assert.Throws<QueryInputException>(() => NodeId.Parse(id)).Code);

    [Fact]
    public void IdsOfAnotherTypeAreRejected() =>
        Assert.Equal("INVALID_ID", Assert.Throws<QueryInputException>(() => NodeId.Decode("Project", NodeId.Encode("Zone", 1))).Code);

    [Fact]
    public void CursorsAreBase64IndexesAsInHotChocolate()
    {
        Assert.Equal("MA==", Paging.Cursor(0));
        Assert.Equal("OQ==", Paging.Cursor(9));
        Assert.Equal(9, Paging.Index("OQ=="));
        Assert.Equal("INVALID_CURSOR", Assert.Throws<QueryInputException>(() => Paging.Index("eA==")).Code);
    }

    [Fact]
    public void PageSizesAboveTheMaximumAreErrors()
    {
        var e = Assert.Throws<QueryInputException>(() => Paging.Validate(new PageArgs(101, null, null, null), new PagingOptions()));
        Assert.Equal("PAGE_SIZE_EXCEEDED", e.Code);
    }
}

public sealed class BatchLoaderTests
{
    [Fact]
    public async Task QueuedKeysAreFetchedInOneCallAndCached()
    {
        var calls = new List<IReadOnlyList<int>>();
        var loader = new BatchLoader<int, string>((keys, _, _) =>
        {
            calls.Add(keys);
            return Task.FromResult<IReadOnlyDictionary<int, string>>(keys.Where(k => k != 3).ToDictionary(k => k, k => $"v{k}"));
        });

        var results = new[] { 1, 2, 2, 3 }.Select(k => loader.Load(k)).ToList();
        var values = new List<string?>();
        foreach (var r in results) values.Add(await r.GetResultAsync());
        var again = await loader.Load(1).GetResultAsync();
        var later = await loader.Load(4).GetResultAsync();

        Assert.Equal(["v1", "v2", "v2", null], values);
        Assert.Equal("v1", again);
        Assert.Equal("v4", later);
        Assert.Equal(2, calls.Count);
        Assert.Equal([1, 2, 3], calls[0]);
        Assert.Equal([4], calls[1]);
    }

    [Fact]
    public async Task AKeyLoadedWithFewerFieldsIsFetchedAgainWithTheUnion()
    {
        var calls = new List<(IReadOnlyList<int> Keys, string Fields)>();
        var loader = new BatchLoader<int, string>((keys, fields, _) =>
        {
            var f = string.Join(",", fields.Order());
            calls.Add((keys, f));
            return Task.FromResult<IReadOnlyDictionary<int, string>>(keys.ToDictionary(k => k, k => $"{k}:{f}"));
        });

        var first = await loader.Load(1, new HashSet<string> { "name" }).GetResultAsync();
        var covered = await loader.Load(1, new HashSet<string>()).GetResultAsync();
        var wider = await loader.Load(1, new HashSet<string> { "code" }).GetResultAsync();

        Assert.Equal("1:name", first);
        Assert.Equal("1:name", covered);
        Assert.Equal("1:code,name", wider);
        Assert.Equal(2, calls.Count);
    }
}

public sealed class DocumentGuardTests
{
    private static string Refused(string query, GraphQLOptions limits) =>
        Assert.Throws<RequestRejectedException>(() => DocumentGuard.Parse(query, limits)).Code;

    [Fact]
    public void EachDocumentLimitHasItsOwnCode()
    {
        Assert.Equal("MAX_TOKENS_EXCEEDED", Refused("{ a b c d e f }", new GraphQLOptions { MaxTokens = 5 }));
        Assert.Equal("MAX_NODES_EXCEEDED", Refused("{ a(x: [1, 2, 3, 4]) }", new GraphQLOptions { MaxNodes = 6 }));
        Assert.Equal("MAX_FIELDS_EXCEEDED", Refused("{ a b c }", new GraphQLOptions { MaxFields = 2 }));
        Assert.Equal("MAX_DEPTH_EXCEEDED", Refused("{ a { b { c } } }", new GraphQLOptions { MaxDepth = 2 }));
        Assert.Equal("MAX_INTROSPECTION_EXCEEDED", Refused("{ a: __schema { description } b: __type(name: \"Query\") { name } }", new GraphQLOptions { MaxIntrospectionFields = 1 }));
        Assert.Equal("MAX_OF_TYPE_DEPTH_EXCEEDED", Refused("{ __type(name: \"X\") { ofType { ofType { ofType { name } } } } }", new GraphQLOptions { MaxOfTypeDepth = 2 }));
        Assert.Equal("MAX_FIELD_REPEATS_EXCEEDED", Refused("{ ...A ...B } fragment A on Query { a } fragment B on Query { a a }", new GraphQLOptions { MaxFieldRepeats = 2 }));
        Assert.Equal("MAX_FIELD_MERGES_EXCEEDED", Refused("{ a a a b b b }", new GraphQLOptions { MaxFieldMerges = 5 }));
        Assert.Equal("FRAGMENT_CYCLE", Refused("{ ...A } fragment A on Query { ...A }", new GraphQLOptions()));
        Assert.Equal("SYNTAX_ERROR", Refused("{ a ", new GraphQLOptions()));
        Assert.Equal("DOCUMENT_TOO_DEEP", Refused("{ a(x: " + new string('[', 200) + new string(']', 200) + ") }", new GraphQLOptions()));
    }

    [Fact]
    public void IntrospectionDoesNotCountTowardsTheDepthLimit()
    {
        var introspection = "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }";
        DocumentGuard.Parse(introspection, new GraphQLOptions { MaxDepth = 1 });
    }

    [Fact]
    public void FragmentsAreSummarisedOncePerDefinitionNotOncePerSpread()
    {
        // 60 levels of fragments spreading the next twice is 2^60 fields expanded; summarised once each, it is refused at once.
        var fanOut = "{ ...F0 } " + string.Join(" ", Enumerable.Range(0, 60).Select(i => $"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}"))
            + " fragment F60 on Query { x: a }";
        var limits = new GraphQLOptions { MaxFragmentDepth = 100, MaxFieldRepeats = int.MaxValue, MaxFieldMerges = int.MaxValue };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("MAX_EXPANDED_FIELDS_EXCEEDED", Refused(fanOut, limits));
        Assert.True(clock.ElapsedMilliseconds < 5000, $"{clock.ElapsedMilliseconds} ms"); // bounded, not fast: expanded, it never ends
    }
}

/// <summary>Sixteen concurrent first requests for one tile: one rendering, fifteen served from it, as the metrics count them.</summary>
public sealed class TileCoalescingTests
{
    [Fact]
    public async Task ConcurrentFirstRequestsShareOneRendering()
    {
        using var cache = new GeoProjects.Api.Tiles.TileCache(Microsoft.Extensions.Options.Options.Create(
            new GeoProjects.Api.Tiles.TileOptions { CacheMegabytes = 1 }));
        var results = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Name == "geoprojects.tiles.cache.requests") l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            // Only this test's layer: other tests render tiles at the same time.
            string? result = null, layer = null;
            foreach (var tag in tags)
                if (tag.Key == "result") result = (string)tag.Value!;
                else if (tag.Key == "layer") layer = tag.Value as string;
            if (layer == "coalescing-test" && result is not null) results.Add(result);
        });
        listener.Start();
        var renders = 0;
        var gate = new TaskCompletionSource();
        async Task<byte[]?> Render()
        {
            Interlocked.Increment(ref renders);
            await gate.Task; // every request arrives while the first one renders
            return [1, 2, 3];
        }
        var contexts = Enumerable.Range(0, 16).Select(_ => new Microsoft.AspNetCore.Http.DefaultHttpContext()).ToList();
        foreach (var c in contexts) c.Request.Path = "/tiles/coalescing-test/8/213/100.mvt";
        var requests = contexts.Select(c => cache.GetOrRenderAsync(c, "tile-key", Render)).ToList();
        await Task.Delay(100);
        gate.SetResult();
        var tiles = await Task.WhenAll(requests);

        Assert.Equal(1, renders);
        Assert.All(tiles, t => Assert.Equal([1, 2, 3], t));
        Assert.Single(contexts, c => c.Response.Headers["X-Cache"] == "MISS");
        Assert.Equal(15, results.Count(r => r == "coalesced"));
        Assert.Equal(1, results.Count(r => r == "miss"));
        var again = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        again.Request.Path = "/tiles/coalescing-test/8/213/100.mvt";
        Assert.Equal([1, 2, 3], await cache.GetOrRenderAsync(again, "tile-key", Render)); // and then from the cache
        Assert.Equal("HIT", again.Response.Headers["X-Cache"].ToString());
        Assert.Equal(1, renders);
    }
}
