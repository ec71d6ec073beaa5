using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>A database of its own for the tests that write, so the read tests keep the seed as it is.</summary>
[CollectionDefinition(Name)]
public sealed class EditingCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "editing";
}

/// <summary>
/// The mutations, as HotChocolate's conventions shape them: every success and every declared error, nothing written on
/// any failure, versions, order within a request, and the revision each write leaves.
/// </summary>
[Collection(EditingCollection.Name)]
public sealed class MutationTests(ApiFixture api)
{
    private const string Errors = "errors { __typename ... on Error { message } ... on ValidationError { problems { path code } } }";
    private const string Conflict = "errors { __typename ... on ConcurrencyConflictError { expectedVersion currentVersion } }";

    public async Task<JsonElement> MutateAsync(string mutation, object? variables = null, string actor = "测试员")
    {
        using var client = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query = mutation, variables }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.Token(actor, GeoProjects.Api.Security.Role.Admin));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/graphql-response+json"));
        using var response = await client.SendAsync(request);
        var body = await GraphQLResponse.ReadAsync(response);
        body.AssertNoErrors();
        return body.Data;
    }

    private static string Id(string type, int key) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{type}:{key}"));

    private static int Key(JsonElement id) => int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(id.GetString()!)).Split(':')[1]);

    private async Task<JsonElement> CreateAsync(string code, string extra = "")
    {
        var data = await MutateAsync($$"""
            mutation { createProject(input: { code: "{{code}}", name: "[示例] 测试 {{code}}", sector: MARINE_ECONOMY, status: SIGNED,
              totalInvestment: 12.5, location: { type: "Point", coordinates: [120.1, 35.9] }, dataSource: ILLUSTRATIVE {{extra}} }) {
              project { id code version nameEn sector totalInvestment zone { code } dataSource sourceNote } warnings { code } {{Errors}} } }
            """);
        return data.GetProperty("createProject");
    }

    [Fact]
    public async Task ProjectsAreCreatedChangedAndDeleted()
    {
        var created = await CreateAsync("T-CRUD", ", nameEn: \"CRUD test\"");
        Assert.Equal(JsonValueKind.Null, created.GetProperty("errors").ValueKind);
        var project = created.GetProperty("project");
        Assert.Equal(1, project.GetProperty("version").GetInt32());
        Assert.Equal("LSW", project.GetProperty("zone").GetProperty("code").GetString()); // the smallest zone holding the point
        Assert.Contains("测试员", project.GetProperty("sourceNote").GetString());
        var id = project.GetProperty("id").GetString();

        // Omitted fields stay, null clears, a move re-assigns the zone.
        var updated = (await MutateAsync($$"""
            mutation { updateProject(input: { id: "{{id}}", expectedVersion: 1, totalInvestment: 20, nameEn: null,
              location: { type: "Point", coordinates: [119.96, 35.79] } }) { project { version totalInvestment nameEn sector zone { code } }
                {{Errors}} } }
            """)).GetProperty("updateProject");
        Assert.Equal(JsonValueKind.Null, updated.GetProperty("errors").ValueKind);
        Assert.Equal(2, updated.GetProperty("project").GetProperty("version").GetInt32());
        Assert.Equal(20m, updated.GetProperty("project").GetProperty("totalInvestment").GetDecimal());
        Assert.Equal(JsonValueKind.Null, updated.GetProperty("project").GetProperty("nameEn").ValueKind);
        Assert.Equal("MARINE_ECONOMY", updated.GetProperty("project").GetProperty("sector").GetString());
        Assert.Equal("GZK", updated.GetProperty("project").GetProperty("zone").GetProperty("code").GetString());

        // A GCJ-02 location (as AMap draws it) is stored in WGS84.
        var gcj = (await MutateAsync($$"""
            mutation { updateProject(input: { id: "{{id}}", expectedVersion: 2,
              location: { type: "Point", coordinates: [119.9661, 35.7896], crs: "GCJ02" } }) { project { location { coordinates } } {{Errors}} } }
            """)).GetProperty("updateProject").GetProperty("project").GetProperty("location").GetProperty("coordinates");
        Assert.InRange(gcj[0].GetDouble(), 119.95, 119.965);

        var deleted = (await MutateAsync($$"""
            mutation { deleteProject(input: { id: "{{id}}", expectedVersion: 3 }) { project { code } {{Errors}} } }
            """)).GetProperty("deleteProject");
        Assert.Equal("T-CRUD", deleted.GetProperty("project").GetProperty("code").GetString());
        var gone = await MutateAsync($$"""{ project(id: "{{id}}") { code } }""");
        Assert.Equal(JsonValueKind.Null, gone.GetProperty("project").ValueKind);
    }

    [Fact]
    public async Task EveryProblemIsListedAndNothingIsWritten()
    {
        var before = await api.DataFingerprintAsync();
        var result = (await MutateAsync($$"""
            mutation { createProject(input: { code: "XHA-2023-D01", name: " ", sector: MARINE_ECONOMY, status: SIGNED, totalInvestment: -1,
              landAreaMu: -3, startDate: "2024-05-01", plannedCompletionDate: "2024-01-01",
              location: { type: "Point", coordinates: [10, 35] } }) { project { id } {{Errors}} } }
            """)).GetProperty("createProject");
        Assert.Equal(JsonValueKind.Null, result.GetProperty("project").ValueKind);
        var errors = result.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(["ProjectCodeTakenError", "ValidationError"], errors.Select(e => e.GetProperty("__typename").GetString()));
        var codes = errors[1].GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("code").GetString()).Order().ToList();
        Assert.Equal(["COMPLETION_BEFORE_START", "LOCATION_OUTSIDE_CHINA", "NEGATIVE", "NEGATIVE", "REQUIRED"], codes);
        Assert.All(errors[1].GetProperty("problems").EnumerateArray(), p => Assert.Equal("input", p.GetProperty("path")[0].GetString()));
        Assert.Equal(before, await api.DataFingerprintAsync());
    }

    [Theory]
    [InlineData("zoneId", "Zone", "ZoneNotFoundError")]
    [InlineData("batchId", "ProjectBatch", "BatchNotFoundError")]
    public async Task MissingRelatedRecordsAreTypedErrors(string field, string type, string error)
    {
        var before = await api.DataFingerprintAsync();
        var result = await CreateAsync("T-REL-" + type, $", {field}: \"{Id(type, 9999)}\"");
        Assert.Equal(error, result.GetProperty("errors")[0].GetProperty("__typename").GetString());
        Assert.Equal(before, await api.DataFingerprintAsync());
    }

    [Fact]
    public async Task StaleVersionsAndUnknownIdsChangeNothing()
    {
        var id = (await CreateAsync("T-STALE")).GetProperty("project").GetProperty("id").GetString();
        var before = await api.DataFingerprintAsync();
        var stale = (await MutateAsync($$"""
            mutation { updateProject(input: { id: "{{id}}", expectedVersion: 7, totalInvestment: 1 }) { project { id } {{Conflict}} } }
            """)).GetProperty("updateProject").GetProperty("errors")[0];
        Assert.Equal("ConcurrencyConflictError", stale.GetProperty("__typename").GetString());
        Assert.Equal((7, 1), (stale.GetProperty("expectedVersion").GetInt32(), stale.GetProperty("currentVersion").GetInt32()));
        var staleDelete = (await MutateAsync($$"""
            mutation { deleteProject(input: { id: "{{id}}", expectedVersion: 2 }) { project { id } {{Errors}} } }
            """)).GetProperty("deleteProject").GetProperty("errors")[0];
        Assert.Equal("ConcurrencyConflictError", staleDelete.GetProperty("__typename").GetString());
        foreach (var mutation in new[] { "updateProject", "deleteProject" })
        {
            var missing = (await MutateAsync($$"""
                mutation { {{mutation}}(input: { id: "{{Id("Project", 99999)}}", expectedVersion: 1 }) { project { id } {{Errors}} } }
                """)).GetProperty(mutation).GetProperty("errors")[0];
            Assert.Equal("ProjectNotFoundError", missing.GetProperty("__typename").GetString());
        }
        var wrongType = (await MutateAsync($$"""
            mutation { deleteProject(input: { id: "{{Id("Zone", 1)}}", expectedVersion: 1 }) { project { id } {{Errors}} } }
            """)).GetProperty("deleteProject").GetProperty("errors")[0];
        Assert.Equal("INVALID_ID", wrongType.GetProperty("problems")[0].GetProperty("code").GetString());
        Assert.Equal(before, await api.DataFingerprintAsync());
    }

    [Fact]
    public async Task MutationsOfOneRequestRunInOrder()
    {
        var id = (await CreateAsync("T-ORDER")).GetProperty("project").GetProperty("id").GetString();
        var data = await MutateAsync($$"""
            mutation {
              first: updateProject(input: { id: "{{id}}", expectedVersion: 1, landAreaMu: 10 }) { project { version } {{Errors}} }
              second: updateProject(input: { id: "{{id}}", expectedVersion: 2, landAreaMu: 11 }) { project { version } {{Errors}} }
              third: updateProject(input: { id: "{{id}}", expectedVersion: 2, landAreaMu: 12 }) { project { version } {{Errors}} }
            }
            """);
        Assert.Equal(2, data.GetProperty("first").GetProperty("project").GetProperty("version").GetInt32());
        Assert.Equal(3, data.GetProperty("second").GetProperty("project").GetProperty("version").GetInt32());
        Assert.Equal("ConcurrencyConflictError", data.GetProperty("third").GetProperty("errors")[0].GetProperty("__typename").GetString());
    }

    [Fact]
    public async Task AWarningDoesNotStopAWrite()
    {
        var jinan = (await MutateAsync("""
            mutation { createProject(input: { code: "T-JINAN", name: "[示例] 济南", sector: INFRASTRUCTURE, status: RESERVE, totalInvestment: 1,
              location: { type: "Point", coordinates: [117.0, 36.65] }, dataSource: ILLUSTRATIVE }) { project { code zone { code } } warnings {
                code path } } }
            """)).GetProperty("createProject");
        Assert.Equal("T-JINAN", jinan.GetProperty("project").GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, jinan.GetProperty("project").GetProperty("zone").ValueKind);
        Assert.Equal("LOCATION_OUTSIDE_DISTRICT", jinan.GetProperty("warnings")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task ZonesAreEditedAndRefusedWhileInUse()
    {
        var created = (await MutateAsync($$"""
            mutation { createZone(input: { code: "TZ", name: "测试区", nameEn: "Test zone", kind: FUNCTIONAL_AREA, approximate: true, confidence: LOW,
              sourceNote: "ILLUSTRATIVE test zone", parentId: "{{Id("Zone", 1)}}",
              boundary: { type: "Polygon", coordinates: [[[119.5, 35.5], [119.52, 35.5], [119.52, 35.52], [119.5, 35.52], [119.5, 35.5]]] } })
              { zone { id version areaKm2 parent { code } } {{Errors}} } }
            """)).GetProperty("createZone").GetProperty("zone");
        Assert.InRange(created.GetProperty("areaKm2").GetDouble(), 3, 5);
        var id = created.GetProperty("id").GetString();

        var renamed = (await MutateAsync($$"""
            mutation { updateZone(input: { id: "{{id}}", expectedVersion: 1, name: "测试区二" }) { zone { name version } {{Errors}} } }
            """)).GetProperty("updateZone").GetProperty("zone");
        Assert.Equal(("测试区二", 2), (renamed.GetProperty("name").GetString(), renamed.GetProperty("version").GetInt32()));

        var taken = (await MutateAsync("""
            mutation { createZone(input: { code: "GZK", name: "x", nameEn: "x", kind: SCENIC_AREA, approximate: true, confidence: LOW,
              sourceNote: "x",
              boundary: { type: "Polygon", coordinates: [[[119.5, 35.5], [119.52, 35.5], [119.52, 35.52], [119.5, 35.5]]] } }) { zone { id }
                {{Errors}} } }
            """.Replace("{{Errors}}", Errors))).GetProperty("createZone").GetProperty("errors")[0];
        Assert.Equal("CODE_TAKEN", taken.GetProperty("problems")[0].GetProperty("code").GetString());

        var cycle = (await MutateAsync($$"""
            mutation { updateZone(input: { id: "{{Id("Zone", 1)}}", expectedVersion: 1, parentId: "{{id}}" }) { zone { id } {{Errors}} } }
            """)).GetProperty("updateZone").GetProperty("errors")[0];
        Assert.Equal("PARENT_CYCLE", cycle.GetProperty("problems")[0].GetProperty("code").GetString());

        var inUse = (await MutateAsync($$"""
            mutation { deleteZone(input: { id: "{{Id("Zone", 1)}}", expectedVersion: 1 }) { zone { id }
              errors { __typename ... on ZoneInUseError { projectCount childZoneCount } } } }
            """)).GetProperty("deleteZone").GetProperty("errors")[0];
        Assert.Equal("ZoneInUseError", inUse.GetProperty("__typename").GetString());
        Assert.True(inUse.GetProperty("childZoneCount").GetInt32() > 0);

        var deleted = (await MutateAsync($$"""
            mutation { deleteZone(input: { id: "{{id}}", expectedVersion: 2 }) { zone { code } {{Errors}} } }
            """)).GetProperty("deleteZone");
        Assert.Equal("TZ", deleted.GetProperty("zone").GetProperty("code").GetString());
        var missing = (await MutateAsync($$"""
            mutation { updateZone(input: { id: "{{id}}", expectedVersion: 2, name: "x" }) { zone { id } {{Errors}} } }
            """)).GetProperty("updateZone").GetProperty("errors")[0];
        Assert.Equal("ZoneNotFoundError", missing.GetProperty("__typename").GetString());
    }

    [Fact]
    public async Task BatchesAreCreatedChangedAndFilled()
    {
        var batch = (await MutateAsync($$"""
            mutation { createBatch(input: { code: "T-2024-SIGN", name: "2024-06-18 全区集中签约 (测试)", date: "2024-06-18", level: DISTRICT, kind: SIGNING,
              sourceNote: "ILLUSTRATIVE test batch" }) { batch { id version } {{Errors}} } }
            """)).GetProperty("createBatch").GetProperty("batch");
        var id = batch.GetProperty("id").GetString();
        var project = (await CreateAsync("T-BATCH")).GetProperty("project").GetProperty("id").GetString();

        var filled = (await MutateAsync($$"""
            mutation { assignProjectsToBatch(input: { batchId: "{{id}}", projectIds: ["{{project}}"] }) { batch { name } {{Errors}} } }
            """)).GetProperty("assignProjectsToBatch");
        Assert.Equal(JsonValueKind.Null, filled.GetProperty("errors").ValueKind);
        var inBatch = await MutateAsync($$"""{ project(id: "{{project}}") { version batch { kind } } }""");
        Assert.Equal(("SIGNING", 2), (inBatch.GetProperty("project").GetProperty("batch").GetProperty("kind").GetString(),
            inBatch.GetProperty("project").GetProperty("version").GetInt32()));

        var missing = (await MutateAsync($$"""
            mutation { assignProjectsToBatch(input: { batchId: "{{id}}", projectIds: ["{{project}}", "{{Id("Project", 99999)}}"] }) { batch {
              name } {{Errors}} } }
            """)).GetProperty("assignProjectsToBatch").GetProperty("errors");
        Assert.Equal("ProjectNotFoundError", missing[0].GetProperty("__typename").GetString());
        var noBatch = (await MutateAsync($$"""
            mutation { assignProjectsToBatch(input: { batchId: "{{Id("ProjectBatch", 9999)}}", projectIds: [] }) { batch { name } {{Errors}} } }
            """)).GetProperty("assignProjectsToBatch").GetProperty("errors");
        Assert.Equal("BatchNotFoundError", noBatch[0].GetProperty("__typename").GetString());

        var renamed = (await MutateAsync($$"""
            mutation { updateBatch(input: { id: "{{id}}", expectedVersion: 1, level: CITY }) { batch { level version } {{Errors}} } }
            """)).GetProperty("updateBatch").GetProperty("batch");
        Assert.Equal(("CITY", 2), (renamed.GetProperty("level").GetString(), renamed.GetProperty("version").GetInt32()));
        var stale = (await MutateAsync($$"""
            mutation { updateBatch(input: { id: "{{id}}", expectedVersion: 1, level: CITY }) { batch { level } {{Errors}} } }
            """)).GetProperty("updateBatch").GetProperty("errors")[0];
        Assert.Equal("ConcurrencyConflictError", stale.GetProperty("__typename").GetString());
    }

    [Fact]
    public async Task MutationsOverGetAreRefused()
    {
        using var client = api.CreateClient();
        var mutation = "mutation { deleteProject(input: { id: \"x\", expectedVersion: 1 }) { project { id } } }";
        var response = await client.GetAsync("/graphql?query=" + Uri.EscapeDataString(mutation));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    /// <summary>16 editors add 1 to the same project's land area 5 times each, retrying on conflict: not one update is lost.</summary>
    [Fact]
    public async Task ConcurrentEditorsLoseNoUpdate()
    {
        var id = (await CreateAsync("T-RACE", ", landAreaMu: 0")).GetProperty("project").GetProperty("id").GetString();
        var conflicts = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (editor, _) =>
        {
            for (var done = 0; done < 5;)
            {
                var read = (await MutateAsync($$"""{ project(id: "{{id}}") { version landAreaMu } }""")).GetProperty("project");
                var result = (await MutateAsync($$"""
                    mutation { updateProject(input: { id: "{{id}}", expectedVersion: {{read.GetProperty("version").GetInt32()}},
                      landAreaMu: {{read.GetProperty("landAreaMu").GetDecimal() + 1}} }) { project { version } {{Errors}} } }
                    """, actor: $"editor {editor}")).GetProperty("updateProject");
                if (result.GetProperty("errors").ValueKind == JsonValueKind.Null) done++;
                else Interlocked.Increment(ref conflicts);
            }
        });
        var final = (await MutateAsync($$"""{ project(id: "{{id}}") { version landAreaMu } }""")).GetProperty("project");
        Assert.Equal(80m, final.GetProperty("landAreaMu").GetDecimal());
        Assert.Equal(81, final.GetProperty("version").GetInt32());
        Assert.True(conflicts > 0, "16 editors at once never conflicted: the test did not race");
    }

    [Fact]
    public async Task EveryWriteLeavesARevisionWhoeverWrites()
    {
        var id = Key((await CreateAsync("T-REV")).GetProperty("project").GetProperty("id"));
        await MutateAsync($$"""
            mutation { updateProject(input: { id: "{{Id("Project", id)}}", expectedVersion: 1, status: STARTED }) { project { id } } }
            """, actor: "李主任");
        await using (var c = await api.OpenAsync())
        {
            await using var psql = new NpgsqlCommand($"UPDATE projects SET developer = 'psql 写入' WHERE id = {id}", c);
            await psql.ExecuteNonQueryAsync();
            await using var same = new NpgsqlCommand($"UPDATE projects SET developer = 'psql 写入' WHERE id = {id}", c); // no change: no revision
            await same.ExecuteNonQueryAsync();
        }
        await using var db = await api.OpenAsync();
        await using var read = new NpgsqlCommand(
            "SELECT version, operation, changed_by, correlation_id IS NOT NULL, changes::text FROM revisions "
            + $"WHERE entity = 'Project' AND entity_id = {id} ORDER BY id", db);
        var rows = new List<(int Version, string Operation, string By, bool Correlated, string Changes)>();
        await using (var r = await read.ExecuteReaderAsync())
            while (await r.ReadAsync()) rows.Add((r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetBoolean(3), r.GetString(4)));
        Assert.Equal([(1, "INSERT", "测试员"), (2, "UPDATE", "李主任"), (3, "UPDATE", "postgres")], rows.Select(x => (x.Version, x.Operation, x.By)));
        Assert.True(rows[0].Correlated && rows[1].Correlated && !rows[2].Correlated);
        Assert.Contains("\"field\": \"status\"", rows[1].Changes);
        Assert.Contains("\"new\": \"Started\"", rows[1].Changes);

        await using var tamper = new NpgsqlCommand("DELETE FROM revisions", db);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => tamper.ExecuteNonQueryAsync());
        Assert.Contains("append-only", refused.MessageText);
    }

    [Fact]
    public async Task AWriteRefreshesTheMapAtOnce()
    {
        using var client = api.CreateClient();
        var before = (await client.GetAsync("/geojson/projects?limit=1")).Headers.ETag!.Tag;
        await CreateAsync("T-FRESH");
        var after = (await client.GetAsync("/geojson/projects?limit=1")).Headers.ETag!.Tag;
        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task HistoryShowsWhoChangedWhatNewestFirst()
    {
        var id = (await CreateAsync("T-HIST")).GetProperty("project").GetProperty("id").GetString();
        await MutateAsync($$"""mutation { updateProject(input: { id: "{{id}}", expectedVersion: 1, status: STARTED }) { project { id } } }""",
            actor: "甲");
        await MutateAsync($$"""mutation { updateProject(input: { id: "{{id}}", expectedVersion: 2, totalInvestment: 30 }) { project { id } } }""",
            actor: "乙");
        var history = (await MutateAsync($$"""
            { project(id: "{{id}}") { history(first: 10) { totalCount nodes { version operation changedBy changes { field oldValue newValue } } } } }
            """)).GetProperty("project").GetProperty("history");
        Assert.Equal(3, history.GetProperty("totalCount").GetInt32());
        var nodes = history.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal([(3, "UPDATE", "乙"), (2, "UPDATE", "甲"), (1, "INSERT", "测试员")],
            nodes.Select(n => (n.GetProperty("version").GetInt32(), n.GetProperty("operation").GetString(), n.GetProperty("changedBy").GetString())));
        var status = Assert.Single(nodes[1].GetProperty("changes").EnumerateArray());
        Assert.Equal(("status", "SIGNED", "STARTED"),
            (status.GetProperty("field").GetString(), status.GetProperty("oldValue").GetString(), status.GetProperty("newValue").GetString()));
        Assert.DoesNotContain(nodes[2].GetProperty("changes").EnumerateArray(), c => c.GetProperty("newValue").ValueKind == JsonValueKind.Null);

        var audit = (await MutateAsync("""
            { revisions(where: { changedBy: { eq: "乙" }, operation: { eq: UPDATE } }, first: 5) { nodes { entity version project { code
              totalInvestment } } } }
            """)).GetProperty("revisions").GetProperty("nodes");
        var only = Assert.Single(audit.EnumerateArray());
        Assert.Equal(("T-HIST", 30m), (only.GetProperty("project").GetProperty("code").GetString(),
            only.GetProperty("project").GetProperty("totalInvestment").GetDecimal()));
    }

    [Fact]
    public async Task TimeTravelAnswersAsTheRegistryStoodThen()
    {
        var created = (await CreateAsync("T-TIME")).GetProperty("project");
        var id = created.GetProperty("id").GetString();
        var key = Key(created.GetProperty("id"));
        async Task<DateTime> NowAsync()
        {
            await using var c = await api.OpenAsync();
            await using var now = new NpgsqlCommand("SELECT clock_timestamp()", c);
            await Task.Delay(20);
            return ((DateTime)(await now.ExecuteScalarAsync())!).ToUniversalTime();
        }
        var createdAt = await RevisionTimeAsync(key);
        var afterCreation = await NowAsync();
        await MutateAsync($$"""
            mutation { updateProject(input: { id: "{{id}}", expectedVersion: 1, totalInvestment: 99, name: "[示例] 改名" }) { project { id } } }
            """);
        var afterUpdate = await NowAsync();
        await MutateAsync($$"""mutation { deleteProject(input: { id: "{{id}}", expectedVersion: 2 }) { project { id } } }""");

        async Task<JsonElement> AtAsync(DateTime t) => (await MutateAsync($$"""
            { project(id: "{{id}}", asOf: "{{t:yyyy-MM-ddTHH:mm:ss.ffffffZ}}") { code name totalInvestment version location { coordinates } } }
            """)).GetProperty("project");
        Assert.Equal(JsonValueKind.Null, (await AtAsync(createdAt.AddMilliseconds(-1))).ValueKind);
        var first = await AtAsync(afterCreation);
        Assert.Equal((12.5m, 1), (first.GetProperty("totalInvestment").GetDecimal(), first.GetProperty("version").GetInt32()));
        var second = await AtAsync(afterUpdate);
        Assert.Equal(("[示例] 改名", 99m), (second.GetProperty("name").GetString(), second.GetProperty("totalInvestment").GetDecimal()));
        Assert.Equal(120.1, second.GetProperty("location").GetProperty("coordinates")[0].GetDouble(), 6);
        Assert.Equal(JsonValueKind.Null, (await AtAsync(DateTime.UtcNow.AddSeconds(1))).ValueKind); // deleted by then
        var now = await MutateAsync($$"""{ project(id: "{{id}}") { code } }""");
        Assert.Equal(JsonValueKind.Null, now.GetProperty("project").ValueKind);
    }

    private async Task<DateTime> RevisionTimeAsync(int key)
    {
        await using var c = await api.OpenAsync();
        await using var read = new NpgsqlCommand($"SELECT min(changed_at) FROM revisions WHERE entity = 'Project' AND entity_id = {key}", c);
        return ((DateTime)(await read.ExecuteScalarAsync())!).ToUniversalTime();
    }

    [Fact]
    public async Task ImportsNameTheirActorAndAnUnchangedRowLeavesNoRevision()
    {
        var file = Path.Combine(Path.GetTempPath(), $"import-{Guid.NewGuid():N}.csv");
        try
        {
            await File.WriteAllTextAsync(file, "code,name,sector,status,totalInvestment,lon,lat,dataSource,sourceNote\n"
                + "T-IMPORT,[示例] 导入,MARINE_ECONOMY,SIGNED,3,120.1,35.9,ILLUSTRATIVE,ILLUSTRATIVE import test\n");
            async Task<long> RevisionsAsync()
            {
                await using var c = await api.OpenAsync();
                await using var count = new NpgsqlCommand("SELECT count(*) FROM revisions WHERE changed_by = 'import:规划办'", c);
                return (long)(await count.ExecuteScalarAsync())!;
            }
            foreach (var expected in new long[] { 1, 1 }) // the second import changes nothing, so it records nothing
            {
                await using var scope = api.Services.CreateAsyncScope();
                using var asOperator = ApiFixture.AsOperator("import:规划办"); // as `import --actor 规划办` runs
                var result = await scope.ServiceProvider.GetRequiredService<GeoProjects.Api.Import.ProjectImporter>()
                    .ImportAsync(file, new GeoProjects.Api.Import.ImportOptions());
                Assert.True(result.Succeeded, string.Join("\n", result.Errors));
                Assert.Equal(expected, await RevisionsAsync());
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The declared errors the other tests do not reach, each leaving the data as it was.</summary>
    [Fact]
    public async Task EveryOtherDeclaredErrorIsTypedAndChangesNothing()
    {
        var project = (await CreateAsync("T-ERRORS")).GetProperty("project").GetProperty("id").GetString();
        var before = await api.DataFingerprintAsync();
        async Task<string> FirstErrorAsync(string mutation, string field)
        {
            var data = await MutateAsync($$"""mutation { {{mutation}} { {{field}} { __typename } errors { __typename } } }""");
            var payload = data.EnumerateObject().Single().Value;
            Assert.Equal(JsonValueKind.Null, payload.GetProperty(field).ValueKind);
            return payload.GetProperty("errors")[0].GetProperty("__typename").GetString()!;
        }
        var zone9999 = Id("Zone", 9999);
        var box = "boundary: { type: \"Polygon\", coordinates: [[[119.5, 35.5], [119.52, 35.5], [119.52, 35.52], [119.5, 35.5]]] }";
        string NewZone(string name, string extra) => $"createZone(input: {{ code: \"TZ9\", name: \"{name}\", nameEn: \"x\", kind: SCENIC_AREA, "
            + $"approximate: true, confidence: LOW, sourceNote: \"x\", {extra} {box} }})";
        var cases = new (string Mutation, string Field, string Error)[]
        {
            ($$"""updateProject(input: { id: "{{project}}", expectedVersion: 1, code: "XHA-2023-D01" })""", "project", "ProjectCodeTakenError"),
            ($$"""updateProject(input: { id: "{{project}}", expectedVersion: 1, zoneId: "{{zone9999}}" })""", "project", "ZoneNotFoundError"),
            ($$"""updateProject(input: { id: "{{project}}", expectedVersion: 1, batchId: "{{Id("ProjectBatch", 9999)}}" })""", "project", "BatchNotFoundError"),
            ($$"""updateProject(input: { id: "{{project}}", expectedVersion: 1, name: null })""", "project", "ValidationError"),
            (NewZone("x", $"parentId: \"{zone9999}\","), "zone", "ZoneNotFoundError"),
            (NewZone("", ""), "zone", "ValidationError"),
            ($$"""updateZone(input: { id: "{{Id("Zone", 2)}}", expectedVersion: 99, name: "x" })""", "zone", "ConcurrencyConflictError"),
            ($$"""deleteZone(input: { id: "{{Id("Zone", 2)}}", expectedVersion: 99 })""", "zone", "ConcurrencyConflictError"),
            ($$"""deleteZone(input: { id: "{{zone9999}}", expectedVersion: 1 })""", "zone", "ZoneNotFoundError"),
            ("""createBatch(input: { code: "T-EMPTY", name: "", date: "2024-01-01", level: CITY, kind: SIGNING, sourceNote: "x" })""", "batch", "ValidationError"),
            ($$"""updateBatch(input: { id: "{{Id("ProjectBatch", 9999)}}", expectedVersion: 1, name: "x" })""", "batch", "BatchNotFoundError"),
            ($$"""assignProjectsToBatch(input: { batchId: "{{Id("ProjectBatch", 1)}}", projectIds: ["not an id"] })""", "batch", "ValidationError"),
        };
        foreach (var (mutation, field, error) in cases)
            Assert.True(await FirstErrorAsync(mutation, field) == error, $"{mutation} should answer {error}");
        Assert.Equal(before, await api.DataFingerprintAsync());
    }
}
