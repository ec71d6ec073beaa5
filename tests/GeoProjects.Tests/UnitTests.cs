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
