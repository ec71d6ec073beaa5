using GeoProjects.Api.Data;
using GeoProjects.Api.Projects;
using GeoProjects.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using NetTopologySuite.Geometries;

namespace GeoProjects.Tests;

/// <summary>How queries run: in PostgreSQL, with a flat number of statements, only the asked columns, GiST indexes.</summary>
[Collection(ApiCollection.Name)]
public sealed class ExecutionTests(ApiFixture api)
{
    private async Task<int> StatementsForAsync(string query)
    {
        api.Statements.Reset();
        var r = await api.QueryAsync(query);
        r.AssertNoErrors();
        return api.Statements.Count;
    }

    [Fact]
    public async Task NestedZonesProjectsBatchesUseAConstantNumberOfStatements()
    {
        const string query = "{ zones { name projects(first: PAGE) { nodes { name batch { name } zone { name } } } } }";

        var small = await StatementsForAsync(query.Replace("PAGE", "1"));
        var large = await StatementsForAsync(query.Replace("PAGE", "50"));

        // zones, projects of all zones, their batches, their zones: 4, however many zones and projects.
        Assert.Equal(4, small);
        Assert.Equal(4, large);
    }

    [Fact]
    public async Task RootPagingUsesOneStatementPlusOneForTotalCount()
    {
        Assert.Equal(1, await StatementsForAsync("{ projects(first: 50) { nodes { code } } }"));
        Assert.Equal(2, await StatementsForAsync("{ projects(first: 50) { totalCount nodes { code } } }"));
        Assert.Equal(2, await StatementsForAsync("{ projects(first: 50) { nodes { code batch { name } } } }"));
    }

    [Fact]
    public async Task AKnownDocumentSkipsParsingAndValidationButNotWhatDependsOnItsVariables()
    {
        // Three levels of `first: $n`: the complexity analyzer scores 1 000 000 × … for n = 100, a few dozen for n = 1.
        const string query = "query($n: Int) { zones { projects(first: $n) { nodes { zone { projects(first: $n) { nodes { zone { "
            + "projects(first: $n) { nodes { name } } } } } } } } } }";
        var documents = api.Services.GetRequiredService<GeoProjects.Api.GraphQL.ValidatedDocuments>();
        var limits = api.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GeoProjects.Api.GraphQL.GraphQLOptions>>().Value;

        Assert.Equal("COMPLEXITY", (await api.QueryAsync(query, new { n = 100 })).FirstErrorCode);
        Assert.False(documents.Parse(query, limits).Validated); // refused: not kept
        (await api.QueryAsync(query, new { n = 1 })).AssertNoErrors();
        Assert.True(documents.Parse(query, limits).Validated);
        Assert.Equal("COMPLEXITY", (await api.QueryAsync(query, new { n = 100 })).FirstErrorCode); // still scored per request
        Assert.Equal("INVALID_VALUE", (await api.QueryAsync(query, new { n = "many" })).FirstErrorCode); // and coerced

        const string invalid = "{ projects { nodes { noSuchField } } }";
        Assert.True((await api.QueryAsync(invalid)).HasErrors);
        Assert.False(documents.Parse(invalid, limits).Validated);
    }

    [Fact]
    public async Task SelectsOnlyTheColumnsTheQueryAsksFor()
    {
        api.Statements.Reset();
        (await api.QueryAsync("{ projects(first: 5) { nodes { code } } }")).AssertNoErrors();
        var sql = Assert.Single(api.Statements.Recent);

        Assert.Contains("p.code", sql);
        Assert.DoesNotContain("location", sql);
        Assert.DoesNotContain("source_note", sql);
        Assert.DoesNotContain("total_investment", sql);
    }

    [Fact]
    public async Task FiltersAndSpatialPredicatesAreTranslatedToSql()
    {
        api.Statements.Reset();
        (await api.QueryAsync("""
            { projects(where: { sector: { eq: MARINE_ECONOMY }, location: { within: { geometry: { type: "Polygon", coordinates: [[[119.9,35.7],[120.1,35.7],[120.1,35.9],[119.9,35.9],[119.9,35.7]]] } }, distance: { geometry: { type: "Point", coordinates: [120, 35.8] }, lt: 20000 } } }) { nodes { code } } }
            """)).AssertNoErrors();
        var sql = Assert.Single(api.Statements.Recent);

        Assert.Contains("ST_Within(p.location, @", sql, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("st_dwithin(geography(p.location), geography(@", sql);
        Assert.Contains("st_distance(geography(p.location)", sql);
        Assert.Contains("p.sector = @", sql);
        Assert.DoesNotContain("120.1", sql); // values are parameters
    }

    [Fact]
    public async Task SpatialFiltersUseTheGistIndexes()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GeoProjectsDb>();
        var area = new GeometryFactory(new PrecisionModel(), 4326).CreatePolygon([new(119.9, 35.7), new(120.1, 35.7), new(120.1, 35.9), new(119.9, 35.9), new(119.9, 35.7)]);
        var within = ProjectQueries.Filtered(db, new Dictionary<string, object?>
        {
            ["location"] = new Dictionary<string, object?> { ["within"] = new Dictionary<string, object?> { ["geometry"] = area } },
        }).Select(p => p.Id);
        var near = ProjectQueries.Filtered(db, new Dictionary<string, object?>
        {
            ["location"] = new Dictionary<string, object?> { ["distance"] = new Dictionary<string, object?> { ["geometry"] = area.Centroid, ["lte"] = 5000.0 } },
        }).Select(p => p.Id);

        Assert.Contains("ix_projects_location", await ExplainAsync(db, within));
        Assert.Contains("ix_projects_location_geography", await ExplainAsync(db, near));
    }

    /// <summary>
    /// EXPLAIN of the SQL EF Core generates, with sequential scans priced out (the seed is too small to need an index), as the
    /// API's login under row-level security: the policies must not keep the filters off their indexes.
    /// </summary>
    private static async Task<string> ExplainAsync(GeoProjectsDb db, IQueryable<int> query)
    {
        await db.Database.OpenConnectionAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_seqscan = off");
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN " + command.CommandText;
        command.Transaction = tx.GetDbTransaction();
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        await tx.RollbackAsync();
        return string.Join("\n", plan);
    }
}
