using System.Globalization;
using System.Text;
using System.Text.Json;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace GeoProjects.Tests;

/// <summary>
/// The whole GraphQL surface, generated from the served schema so that a new field or type is covered with no new test
/// code: every object type reachable from Query, every field with its arguments' defaults plus a sample of each (crs,
/// asOf, paging, where), nested relations and connections, as every kind of caller. Each value must come without an
/// error and have its declared type (GeoJSON valid, rings closed, lon/lat order); a field the caller may not read must be
/// hidden (null with AUTH_NOT_AUTHENTICATED / AUTH_NOT_AUTHORIZED) and no other. It prints what it covered and what it
/// skipped, with the reason.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class SurfaceTests(ApiFixture api, ITestOutputHelper output)
{
    /// <summary>How deep the generated selections nest object types below a root field.</summary>
    private const int Depth = 3;
    private const string PastDate = "2024-06-30";

    private sealed record Caller(string Name, Role? Role, string[] Zones);

    private static HashSet<(string, string)> ReachableFromQuery(ISchema schema)
    {
        var fields = new HashSet<(string, string)>();
        var seen = new HashSet<string>();
        var queue = new Queue<IComplexGraphType>([schema.Query]);
        while (queue.TryDequeue(out var type))
        {
            if (!seen.Add(type.Name)) continue;
            IEnumerable<IComplexGraphType> concrete =
                type is IInterfaceGraphType i ? i.PossibleTypes : type is UnionGraphType u ? u.PossibleTypes : [type];
            foreach (var t in concrete)
            {
                if (t != type) { queue.Enqueue(t); continue; }
                foreach (var f in t.Fields.Where(f => !f.Name.StartsWith("__", StringComparison.Ordinal)))
                {
                    fields.Add((t.Name, f.Name));
                    if (Unwrapped(f.ResolvedType!) is IComplexGraphType next) queue.Enqueue(next);
                }
            }
        }
        return fields;
    }

    private static IGraphType Unwrapped(IGraphType type) => type switch
    {
        NonNullGraphType n => Unwrapped(n.ResolvedType!),
        ListGraphType l => Unwrapped(l.ResolvedType!),
        _ => type,
    };

    /// <summary>The least role of `@authorize(roles:)` on the field (none: anyone).</summary>
    private static Role Least(FieldType field)
    {
        var applied = field.FindAppliedDirective("authorize");
        if (applied?.FindArgument("roles")?.Value is not IEnumerable<string> roles) return Role.Anonymous;
        return roles.Select(r => Enum.Parse<Role>(r, ignoreCase: true)).Min();
    }

    /// <summary>A document limit (Request limits in README): the generated document was too big, not the surface wrong.</summary>
    private static bool OverALimit(string? code) =>
        code is "COMPLEXITY" or "REQUEST_TOO_LARGE" || code?.StartsWith("MAX_", StringComparison.Ordinal) == true && code != "MAX_ERRORS_EXCEEDED";

    private static int DepthOf(string operation) => int.Parse(operation.AsSpan("# depth ".Length, 1), CultureInfo.InvariantCulture);

    private static readonly Caller[] Callers =
    [
        new("anonymous", null, []), new("viewer", Role.Viewer, []), new("zone viewer", Role.Viewer, ["GZK"]),
        new("zone editor", Role.Editor, ["GZK"]), new("admin", Role.Admin, []),
    ];

    private string? TokenOf(Caller caller) => caller.Role is { } role ? api.Token($"surface-{caller.Name}", role, caller.Zones) : "";

    private ISchema Schema
    {
        get
        {
            var schema = api.Services.GetRequiredService<ISchema>();
            schema.Initialize();
            return schema;
        }
    }

    /// <summary>One ID of each node type, read from the database (internal records included: staff may fetch them).</summary>
    private async Task<Dictionary<string, string>> SampleIdsAsync()
    {
        await using var c = await api.OpenAsync();
        var ids = new Dictionary<string, string>();
        foreach (var (type, sql) in new[]
                 {
                     ("Project", "SELECT min(id) FROM projects WHERE status <> 'Reserve'"), ("Zone", "SELECT min(id) FROM zones"),
                     ("ProjectBatch", "SELECT min(id) FROM project_batches"), ("ProgressReport", "SELECT min(id) FROM progress_reports"),
                     ("Revision", "SELECT min(id) FROM revisions"),
                 })
        {
            await using var command = new NpgsqlCommand(sql, c);
            ids[type] = NodeId.Encode(type, Convert.ToInt64(await command.ExecuteScalarAsync()));
        }
        return ids;
    }

    [Fact]
    public async Task EveryFieldOfTheGraphQLSurfaceAnswersWithItsTypeForEveryCaller()
    {
        var schema = Schema;
        var samples = await SampleIdsAsync();
        var roots = schema.Query.Fields.Where(f => !f.Name.StartsWith("__", StringComparison.Ordinal)).ToList();
        var covered = new HashSet<(string Type, string Field, string Caller)>();
        var failures = new List<string>();
        var skipped = new List<(string Field, string Reason)>();
        foreach (var caller in Callers)
        {
            var generator = new SelectionGenerator(samples, caller.Role ?? Role.Anonymous);
            foreach (var root in roots)
            {
                // The deepest selection the document limits take (lists without paging multiply the complexity by 5 a level).
                GraphQLResponse? response = null;
                string? operation = null;
                for (var depth = Depth; depth >= 0; depth--)
                {
                    operation = generator.Operation(root, depth, record: false);
                    if (operation is null) break;
                    response = await api.QueryAsync(operation, token: TokenOf(caller));
                    if (depth == 0 || !response.HasErrors || !OverALimit(response.FirstErrorCode)) break;
                }
                if (operation is null || response is null) continue;
                generator.Operation(root, DepthOf(operation), record: true);
                var checker = new ValueChecker(schema, caller.Role ?? Role.Anonymous, response, covered, caller.Name);
                checker.Check(root, operation);
                failures.AddRange(checker.Failures.Select(f => $"{caller.Name} · {root.Name}: {f}"));
            }
            // Each field the caller may not read, asked on its own along the path that reaches it: denied with the caller's
            // code (401's for the public, 403's for staff), never answered, never a 500.
            foreach (var (field, probe) in generator.Probes)
            {
                var denied = await api.QueryAsync(probe, token: TokenOf(caller));
                var expected = caller.Role is null ? "AUTH_NOT_AUTHENTICATED" : "AUTH_NOT_AUTHORIZED";
                if (denied.Status is not (200 or 401 or 403) || !denied.HasErrors || denied.FirstErrorCode != expected)
                    failures.Add($"{caller.Name} · hidden {field}: HTTP {denied.Status} {denied.Text[..Math.Min(200, denied.Text.Length)]}");
                covered.Add((field.Split('.')[0], field.Split('.')[1], caller.Name));
            }
            if (caller == Callers[^1]) skipped = generator.Skipped;
        }
        var fields = schema.AllTypes.OfType<IObjectGraphType>().Where(t => !t.Name.StartsWith("__", StringComparison.Ordinal))
            .SelectMany(t => t.Fields.Select(f => (t.Name, f.Name))).ToHashSet();
        var reached = covered.Select(c => (c.Type, c.Field)).ToHashSet();
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"GraphQL surface: {covered.Count} (type, field, caller) combinations covered, {reached.Count} of {fields.Count} object fields reached");
        foreach (var (reason, names) in skipped.GroupBy(s => s.Reason).Select(g => (g.Key, g.Select(s => s.Field).Distinct())))
            report.AppendLine(CultureInfo.InvariantCulture,
                $"  cut where nested {reason} (each reached at a shallower path): {string.Join(", ", names.Order())}");
        var unreachable = fields.Except(ReachableFromQuery(schema)).Select(f => f.Item1).Distinct().Order().ToList();
        report.AppendLine("  not reachable from Query (mutation payloads and their errors, the Mutation and Subscription roots): "
            + string.Join(", ", unreachable));
        output.WriteLine(report.ToString());
        // ./test.sh prints it after the run (xunit shows a passing test's output only when asked).
        if (Environment.GetEnvironmentVariable("GEOPROJECTS_SURFACE_REPORT") is { Length: > 0 } file)
            await File.AppendAllTextAsync(file, report.ToString());
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)) + $"\n({failures.Count} failures)\n{report}");
        // Every field reachable from Query (walked through the schema, at any depth) was asked for: a new type or field
        // is covered, or fails here, never skipped unseen. Mutation payloads and errors are not reachable from Query.
        var missing = ReachableFromQuery(schema).Except(reached).Select(f => $"{f.Item1}.{f.Item2}").ToList();
        Assert.True(missing.Count == 0, $"reachable from Query but not covered: {string.Join(", ", missing)}");
        Assert.Contains(reached, f => f.Item1 == "ProgressReport"); // reached through Project.progress (staff) and node
    }

    private static readonly IEntityFields[] Mapped =
        [GeoProjects.Api.Projects.ProjectFields.Registry, GeoProjects.Api.Zones.ZoneFields.Registry];

    private static bool Stored(RegistryField f) =>
        f.Column is not null && f.Via is null && f.Property is not null
        && f.Kind is not (ValueKind.Geometry or ValueKind.Relation or ValueKind.Key);

    /// <summary>A stored field, or one shown through a relation (a zone's name, a batch's code): what the oracle reads.</summary>
    private static bool Compared(RegistryField f) => Stored(f) || f.Via is not null;

    /// <summary>The oracle's name for a field: shown fields of one name (zone: a name here, a code there) differ by their source.</summary>
    private static string TruthKey(RegistryField f) => f.Via is { } via ? $"{f.Name}={via.Relation}.{via.Field}" : f.Name;

    /// <summary>
    /// The oracle: each visible row's stored fields as PostgreSQL itself reads them as the API's login with the caller's
    /// settings (role, zones), in a transaction rolled back: keyed by the row's key, values as text.
    /// </summary>
    private async Task<Dictionary<long, Dictionary<string, string?>>> TruthAsync(IEntityFields entity, Caller caller)
    {
        var login = api.Services.GetRequiredService<GeoProjects.Api.Data.DatabaseConnection>().Api;
        await using var c = new NpgsqlConnection(login);
        await c.OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand("SELECT set_config('app.role', $1, true), set_config('app.zones', $2, true)", c, tx))
        {
            set.Parameters.Add(new() { Value = caller.Role?.ToString().ToLowerInvariant() ?? "" });
            set.Parameters.Add(new() { Value = string.Join(',', caller.Zones) });
            await set.ExecuteNonQueryAsync();
        }
        var fields = entity.Fields.Where(Compared).DistinctBy(TruthKey).ToList();
        string Value(RegistryField f)
        {
            if (f.Via is not { } via) return $"t.{f.Column}::text";
            var (relation, related) = (entity.Find(via.Relation), entity.Find(via.Relation).Related!());
            return $"(SELECT r.{related.Find(via.Field).Column}::text FROM {related.Table} r WHERE r.{related.KeyColumn} = t.{relation.Column})";
        }
        var sql = $"SELECT t.{entity.KeyColumn}::bigint, {string.Join(", ", fields.Select(Value))} FROM {entity.Table} t";
        await using var command = new NpgsqlCommand(sql, c, tx);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<long, Dictionary<string, string?>>();
        while (await reader.ReadAsync())
            rows[reader.GetInt64(0)] = fields.Select((f, i) => (Key: TruthKey(f), Value: reader.IsDBNull(i + 1) ? null : reader.GetString(i + 1)))
                .ToDictionary(x => x.Key, x => x.Value);
        return rows;
    }

    /// <summary>A value as every door and the database agree to write it: enums without case or underscores, decimals by value.</summary>
    private static string? Canonical(RegistryField f, string? text)
    {
        if (text is null) return null;
        return f.Kind switch
        {
            ValueKind.Enum => text.Replace("_", "").ToLowerInvariant(),
            ValueKind.Decimal => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("0.##########",
                CultureInfo.InvariantCulture),
            ValueKind.Boolean => text.ToLowerInvariant() is "t" or "true" ? "true" : "false",
            ValueKind.DateTime => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fff",
                CultureInfo.InvariantCulture),
            _ => text,
        };
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => value.GetString(),
        _ => value.GetRawText(),
    };

    /// <summary>
    /// Every stored field the registry gives GraphQL, OGC API – Features and /geojson, for every caller: each door shows
    /// exactly the rows the database shows that caller and, per field, the database's value; a field the caller may not
    /// read is left out, at every door alike. Vector tiles here too; files, subscriptions and the progress figures at past
    /// dates in SurfaceDoorsTests.cs.
    /// </summary>
    [Fact]
    public async Task EveryStoredFieldEqualsTheDatabaseAtEveryDoorForEveryCaller()
    {
        var failures = new List<string>();
        var combinations = 0;
        foreach (var caller in Callers)
        {
            using var client = api.ClientAs(TokenOf(caller));
            var readerRole = caller.Role ?? Role.Anonymous;
            foreach (var entity in Mapped)
            {
                var truth = await TruthAsync(entity, caller);
                var collection = entity.TypeName == "Project" ? "projects" : "zones";
                var doors = new List<(string Door, Door Flag, Dictionary<long, JsonElement> Rows)>
                {
                    ("graphql", Door.Output, await GraphQLRowsAsync(entity, caller, readerRole)),
                    ("ogc", Door.OgcApi, await FeaturesAsync(client, $"/ogc/collections/{collection}/items?limit=10000")),
                    ("geojson", Door.GeoJsonLayer, await FeaturesAsync(client, $"/geojson/{collection}?limit=10000")),
                    ("tiles", Door.VectorTiles, await TileRowsAsync(client, entity, collection)),
                };
                // OGC queryables: the filterable properties this caller may read, no more, no fewer.
                using (var queryables = JsonDocument.Parse(await client.GetStringAsync($"/ogc/collections/{collection}/queryables")))
                {
                    var expected = entity.Fields.Where(f => f.In(Door.OgcApi) && (f.In(Door.Filter) || f.Via is not null)
                        && readerRole >= f.Access.Read).Select(f => f.Name).ToHashSet();
                    var listed = queryables.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
                    combinations += expected.Count;
                    if (!expected.SetEquals(listed))
                        failures.Add($"{caller.Name} · OGC {collection} queryables: [{string.Join(", ", listed.Order())}], "
                            + $"readable filterable fields [{string.Join(", ", expected.Order())}]");
                }
                foreach (var (door, flag, rows) in doors)
                {
                    if (!rows.Keys.ToHashSet().SetEquals(truth.Keys))
                        failures.Add($"{caller.Name} · {door} {collection}: rows {rows.Count} shown, {truth.Count} in the database for this caller");
                    foreach (var f in entity.Fields.Where(f => f.In(flag) && Compared(f)))
                    {
                        combinations++;
                        var readable = readerRole >= f.Access.Read;
                        foreach (var (key, row) in rows.Where(r => truth.ContainsKey(r.Key)))
                        {
                            var name = door == "tiles" ? f.TileAttribute! : f.Name; // tiles name attributes as MVT styles write them
                            var shown = row.TryGetProperty(name, out var v) ? v : default;
                            if (!readable)
                            {
                                if (shown.ValueKind is not JsonValueKind.Undefined)
                                    failures.Add($"{caller.Name} · {door} {entity.TypeName}.{f.Name}: shown to a caller who may not read it");
                                continue;
                            }
                            var (expected, actual) = (Canonical(f, truth[key][TruthKey(f)]), Canonical(f, Text(shown)));
                            if (expected != actual)
                                failures.Add($"{caller.Name} · {door} {entity.TypeName}.{f.Name} of {key}: '{actual}', the database '{expected}'");
                        }
                    }
                }
            }
        }
        var note = $"Stored and related fields at GraphQL, OGC (items and queryables), GeoJSON and vector tiles: {combinations} (field, door, "
            + "caller) combinations compared with the database and the registry\n  not compared by value there: geometries (checked as "
            + "RFC 7946 GeoJSON in the GraphQL part), keys (they are how rows are matched), computed progress figures (past dates, below)";
        output.WriteLine(note);
        if (Environment.GetEnvironmentVariable("GEOPROJECTS_SURFACE_REPORT") is { Length: > 0 } file)
            await File.AppendAllTextAsync(file, note + "\n");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)) + $"\n({failures.Count} failures)");
    }

    /// <summary>
    /// Round trips at the write doors, for each role that may write the project (a zone's editor, an admin): what a GraphQL
    /// read gives, sent back as updateProject's input (every Input field the registry declares, relations by their IDs),
    /// and what OGC's GET gives, sent back by PATCH and by PUT, change nothing: no version, no revision, the same row. The
    /// project is in a batch, a field only admins may write. (Files round-trip in ImportExportTests.)
    /// </summary>
    [Theory]
    [InlineData(Role.Editor)]
    [InlineData(Role.Admin)]
    public async Task WhatADoorOutputsSentBackToItChangesNothing(Role role)
    {
        var project = GeoProjects.Api.Projects.ProjectFields.Registry;
        var token = api.Token($"round-trip-{role}", role, role == Role.Editor ? ["GZK"] : []);
        var inputs = project.Fields.Where(f => f.In(Door.Input)).ToList();
        string Selected(RegistryField f) => f.Kind switch
        {
            ValueKind.Relation => $"{f.Name} {{ id }}",
            ValueKind.Geometry => $"{f.Name} {{ type coordinates }}",
            _ => f.Name,
        };
        var read = await api.QueryAsync($$"""
            { projects(first: 1, where: { zone: { code: { eq: "GZK" } }, batch: { code: { eq: "XHA-2023-D" } } }) {
                nodes { id version {{string.Join(' ', inputs.Select(Selected))}} } } }
            """, token: token);
        read.AssertNoErrors();
        var node = read.Data.GetProperty("projects").GetProperty("nodes")[0];
        var id = node.GetProperty("id").GetString()!;
        var key = NodeId.Parse(id).Key;
        var input = new Dictionary<string, object?> { ["id"] = id, ["expectedVersion"] = node.GetProperty("version").GetInt32() };
        foreach (var f in inputs)
        {
            var value = node.GetProperty(f.Name);
            input[MutationConventions.InputName(f)] = f.Kind == ValueKind.Relation
                ? (value.ValueKind == JsonValueKind.Null ? null : value.GetProperty("id").GetString())
                : value;
        }
        var before = (await api.DataFingerprintAsync(), await RevisionsAsync());

        var update = await api.QueryAsync("""
            mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { version }
              errors { __typename ... on Error { message } } } }
            """, new { input }, token: token);
        update.AssertNoErrors();
        Assert.Equal(JsonValueKind.Null, update.Data.GetProperty("updateProject").GetProperty("errors").ValueKind);
        Assert.Equal(before, (await api.DataFingerprintAsync(), await RevisionsAsync()));

        using var client = api.ClientAs(token);
        var item = $"/ogc/collections/projects/items/{key}";
        var feature = await client.GetStringAsync(item);
        foreach (var method in new[] { HttpMethod.Patch, HttpMethod.Put })
        {
            using var sent = await client.SendAsync(new HttpRequestMessage(method, item)
            {
                Content = new StringContent(feature, Encoding.UTF8, method == HttpMethod.Patch
                    ? "application/merge-patch+json" : "application/geo+json"),
            });
            Assert.True(sent.IsSuccessStatusCode, $"{method}: {sent.StatusCode} {await sent.Content.ReadAsStringAsync()}");
            Assert.Equal(before, (await api.DataFingerprintAsync(), await RevisionsAsync()));
        }
    }

    private async Task<long> RevisionsAsync()
    {
        await using var c = await api.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM revisions", c);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The features of the tiles that hold every row, decoded from the MVT, by key (the id attribute), attributes as JSON:
    /// projects at zoom 14 (points, one tile per project's place), zones at zoom 7 (the district in one tile).
    /// </summary>
    private async Task<Dictionary<long, JsonElement>> TileRowsAsync(HttpClient client, IEntityFields entity, string layer)
    {
        await using var c = await api.OpenAsync();
        var sql = layer == "projects" ? "SELECT DISTINCT ST_X(location), ST_Y(location), 14 FROM projects" : "SELECT 120.0, 35.9, 7";
        var tiles = new HashSet<(int X, int Y, int Z)>();
        await using (var command = new NpgsqlCommand(sql, c))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                var z = reader.GetInt32(2);
                var (x, y) = VectorTileTests.TileOf(Convert.ToDouble(reader.GetValue(0)), Convert.ToDouble(reader.GetValue(1)), z);
                tiles.Add((x, y, z));
            }
        var rows = new Dictionary<long, JsonElement>();
        foreach (var (x, y, z) in tiles)
        {
            using var response = await client.GetAsync($"/tiles/{layer}/{z}/{x}/{y}.mvt");
            if (response.StatusCode == System.Net.HttpStatusCode.NoContent) continue; // nothing this caller may see there
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var tile = new NetTopologySuite.IO.VectorTiles.Mapbox.MapboxTileReader()
                .Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, z));
            foreach (var feature in tile.Layers.Where(l => l.Name == layer).SelectMany(l => l.Features))
            {
                var attributes = feature.Attributes.GetNames().ToDictionary(n => n, n => feature.Attributes[n]);
                rows[Convert.ToInt64(attributes["id"], CultureInfo.InvariantCulture)] = JsonSerializer.SerializeToElement(
                    attributes.ToDictionary(a => a.Key, a => a.Value is IFormattable number && a.Value is not string
                        ? (object?)Convert.ToString(number, CultureInfo.InvariantCulture) : a.Value));
            }
        }
        return rows;
    }

    /// <summary>A FeatureCollection's features by key (the feature id), as property objects.</summary>
    private static async Task<Dictionary<long, JsonElement>> FeaturesAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return body.GetProperty("features").EnumerateArray()
            .ToDictionary(f => long.Parse(Text(f.GetProperty("id"))!, CultureInfo.InvariantCulture), f => f.GetProperty("properties").Clone());
    }

    /// <summary>Every row through GraphQL (a page holds them all: the seed has fewer than 100), with the fields the caller may read.</summary>
    private async Task<Dictionary<long, JsonElement>> GraphQLRowsAsync(IEntityFields entity, Caller caller, Role role)
    {
        var fields = string.Join(' ', entity.Fields.Where(f => f.In(Door.Output) && Stored(f) && role >= f.Access.Read)
            .Select(f => f.Name));
        var query = entity.TypeName == "Project"
            ? $"{{ rows: projects(first: 100) {{ totalCount nodes {{ id {fields} }} }} }}" : $"{{ rows: zones {{ id {fields} }} }}";
        var response = await api.QueryAsync(query, token: TokenOf(caller));
        response.AssertNoErrors();
        var rows = response.Data.GetProperty("rows");
        var nodes = rows.ValueKind == JsonValueKind.Array ? rows : rows.GetProperty("nodes");
        Assert.True(nodes.GetArrayLength() < 100, "the seed outgrew one page: page through it");
        return nodes.EnumerateArray().ToDictionary(n => NodeId.Parse(n.GetProperty("id").GetString()!).Key, n => n.Clone());
    }

    /// <summary>Builds one operation per root field from the schema: every field, arguments by default plus samples.</summary>
    private sealed class SelectionGenerator(IReadOnlyDictionary<string, string> ids, Role role)
    {
        public List<(string Field, string Reason)> Skipped { get; } = [];
        /// <summary>Per field the caller may not read (Type.field): an operation asking for it alone, along the path that reached it.</summary>
        public Dictionary<string, string> Probes { get; } = [];

        /// <summary>The operation for a root field, its selections <paramref name="depth"/> levels deep; what it leaves out is recorded.</summary>
        public string? Operation(FieldType root, int depth, bool record)
        {
            var skipped = Skipped.Count;
            var arguments = Arguments(root, "Query");
            var type = Unwrap(root.ResolvedType!);
            if (arguments is not null && role < Least(root))
            {
                var leaf = type is IComplexGraphType ? " { __typename }" : "";
                Probes.TryAdd($"Query.{root.Name}", $"query Probe_{root.Name} {{ {root.Name}{arguments}{leaf} }}");
                return null;
            }
            string Wrap(string s) => $"query Probe_{root.Name} {{ {root.Name}{arguments} {{ {s} }} }}";
            var body = type is IComplexGraphType complex ? $" {{ {Selection(complex, depth, Wrap)} }}" : "";
            if (!record) Skipped.RemoveRange(skipped, Skipped.Count - skipped);
            return arguments is null ? null : $"# depth {depth}\nquery Surface_{root.Name} {{ {root.Name}{arguments}{body} }}";
        }

        /// <summary>Connections, edges, page info and geometries are shapes around a value, not a level of the graph.</summary>
        private static bool Wrapper(IGraphType type) =>
            type.Name.EndsWith("Connection", StringComparison.Ordinal) || type.Name.EndsWith("Edge", StringComparison.Ordinal)
            || type.Name is "PageInfo" || type.Name.StartsWith("GeoJSON", StringComparison.Ordinal);

        private string Selection(IComplexGraphType type, int depth, Func<string, string> wrap)
        {
            var parts = new List<string> { "__typename" };
            if (type is IInterfaceGraphType or UnionGraphType)
            {
                var possible = type is IInterfaceGraphType i ? i.PossibleTypes : ((UnionGraphType)type).PossibleTypes;
                // Aliased by type: implementations may give one name different types (Zone.kind, ProjectBatch.kind).
                foreach (var implementation in possible)
                {
                    string Within(string s) => wrap($"... on {implementation.Name} {{ {s} }}");
                    parts.Add($"... on {implementation.Name} {{ {Fields(implementation, depth, Within, $"__{implementation.Name}")} }}");
                }
                return string.Join(' ', parts);
            }
            parts.Add(Fields(type, depth, wrap));
            return string.Join(' ', parts);
        }

        private string Fields(IComplexGraphType type, int depth, Func<string, string> wrap, string alias = "")
        {
            var parts = new List<string>();
            foreach (var field in type.Fields.Where(f => !f.Name.StartsWith("__", StringComparison.Ordinal)))
            {
                var fieldType = Unwrap(field.ResolvedType!);
                if (fieldType is IComplexGraphType && depth == 0 && !Wrapper(fieldType))
                {
                    Skipped.Add(($"{type.Name}.{field.Name}", $"below depth {Depth}"));
                    continue;
                }
                var arguments = Arguments(field, type.Name);
                if (arguments is null) continue;
                if (role < Least(field))
                {
                    var leaf = fieldType is IComplexGraphType ? " { __typename }" : "";
                    Probes.TryAdd($"{type.Name}.{field.Name}", wrap($"{field.Name}{arguments}{leaf}"));
                    continue;
                }
                string Inner(string s) => wrap($"{field.Name}{arguments} {{ {s} }}");
                var sub = fieldType is IComplexGraphType complex ? $" {{ {Selection(complex, Wrapper(fieldType) ? depth : depth - 1, Inner)} }}" : "";
                parts.Add(alias.Length > 0 ? $"{field.Name}{alias}: {field.Name}{arguments}{sub}" : $"{field.Name}{arguments}{sub}");
                // One sample of each optional argument that changes what the field answers, under an alias.
                foreach (var (name, value) in Samples(field))
                    parts.Add($"{field.Name}__{name}{alias}: {field.Name}({Join(Required(field).Append((name, value)))}){sub}");
            }
            return string.Join(' ', parts);
        }

        /// <summary>The required arguments with sample values, as "(a: 1)", "" without any; null when one has no sample.</summary>
        private string? Arguments(FieldType field, string owner)
        {
            var required = Required(field).ToList();
            if (required.Any(a => a.Value is null))
            {
                Skipped.Add(($"{owner}.{field.Name}", "a required argument with no sample"));
                return null;
            }
            var paging = field.Arguments?.Any(a => a.Name == "first") == true ? new[] { ("first", (string?)"2") } : [];
            var all = required.Concat(paging).ToList();
            return all.Count == 0 ? "" : $"({Join(all)})";
        }

        private static string Join(IEnumerable<(string Name, string? Value)> arguments) =>
            string.Join(", ", arguments.Select(a => $"{a.Name}: {a.Value}"));

        private IEnumerable<(string Name, string? Value)> Required(FieldType field) =>
            (field.Arguments ?? []).Where(a => a.ResolvedType is NonNullGraphType && a.DefaultValue is null).Select(a => (a.Name, Sample(field, a)));

        private string? Sample(FieldType field, QueryArgument argument) => (field.Name, argument.Name) switch
        {
            ("project", "id") => Quote(ids["Project"]),
            ("zone", "id") => Quote(ids["Zone"]),
            ("node", "id") => Quote(ids["Project"]),
            ("nodes", "ids") => $"[{string.Join(", ", ids.Values.Select(Quote))}]",
            (_, "from") => "{ type: Point, coordinates: [120.0, 35.9] }",
            _ => null,
        };

        private static string Quote(string s) => JsonSerializer.Serialize(s);

        private static IEnumerable<(string Name, string Value)> Samples(FieldType field)
        {
            foreach (var argument in field.Arguments ?? [])
            {
                var value = argument.Name switch
                {
                    "crs" => "GCJ02",
                    "asOf" => Quote(PastDate),
                    "from" when argument.ResolvedType is not NonNullGraphType => Quote("2024-01"),
                    "where" => "{ }",
                    _ => null,
                };
                if (value is not null) yield return (argument.Name, value);
            }
        }

        private static IGraphType Unwrap(IGraphType type) => type switch
        {
            NonNullGraphType n => Unwrap(n.ResolvedType!),
            ListGraphType l => Unwrap(l.ResolvedType!),
            _ => type,
        };
    }

    /// <summary>Walks a response along the schema: declared types, hidden fields, GeoJSON.</summary>
    private sealed class ValueChecker(
        ISchema schema, Role role, GraphQLResponse response, HashSet<(string, string, string)> covered, string caller)
    {
        public List<string> Failures { get; } = [];
        private readonly HashSet<string> _deniedPaths = [];
        private bool _capped; // at most 5 errors are reported: past that, a hidden field's own error may be left out

        public void Check(FieldType root, string operation)
        {
            if (response.Body.TryGetProperty("errors", out var errors))
                foreach (var error in errors.EnumerateArray())
                {
                    var code = error.TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var c) ? c.GetString() : null;
                    var at = error.TryGetProperty("path", out var p) ? string.Join('/', p.EnumerateArray().Select(s => s.ToString())) : "";
                    if (code is "AUTH_NOT_AUTHENTICATED" or "AUTH_NOT_AUTHORIZED") _deniedPaths.Add(at);
                    else if (code is "MAX_ERRORS_EXCEEDED") _capped = true;
                    else Failures.Add($"error {code} at {at}: {error.GetProperty("message").GetString()}");
                }
            if (response.Status is not (200 or 401 or 403))
                Failures.Add($"HTTP {response.Status}: {response.Text[..Math.Min(300, response.Text.Length)]}");
            if (!response.Body.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) return;
            foreach (var property in data.EnumerateObject())
                Value(schema.Query, FieldOf(schema.Query, property.Name), property.Value, property.Name);
        }

        private static FieldType FieldOf(IComplexGraphType type, string responseName) =>
            type.GetField(responseName.Split("__")[0]) ?? throw new InvalidOperationException($"{type.Name} has no field {responseName}");

        private void Value(IComplexGraphType parent, FieldType field, JsonElement value, string path)
        {
            var least = Least(field);
            var hidden = !Allowed(least);
            if (hidden)
            {
                if (value.ValueKind != JsonValueKind.Null) Failures.Add($"{path}: {parent.Name}.{field.Name} needs {least} but answered a value");
                else if (!_capped && !_deniedPaths.Contains(path)) Failures.Add($"{path}: hidden without an AUTH_* error at its path");
                covered.Add((parent.Name, field.Name, caller));
                return;
            }
            if (_deniedPaths.Contains(path)) Failures.Add($"{path}: denied although {caller} may read {parent.Name}.{field.Name}");
            covered.Add((parent.Name, field.Name, caller));
            Typed(field.ResolvedType!, value, path);
        }

        private void Typed(IGraphType type, JsonElement value, string path)
        {
            if (type is NonNullGraphType nonNull)
            {
                if (value.ValueKind == JsonValueKind.Null) Failures.Add($"{path}: null for a non-null {nonNull}");
                else Typed(nonNull.ResolvedType!, value, path);
                return;
            }
            if (value.ValueKind == JsonValueKind.Null) return;
            switch (type)
            {
                case ListGraphType list:
                    if (value.ValueKind != JsonValueKind.Array) { Failures.Add($"{path}: not a list"); return; }
                    var i = 0;
                    foreach (var item in value.EnumerateArray()) Typed(list.ResolvedType!, item, $"{path}/{i++}");
                    return;
                case EnumerationGraphType e:
                    if (value.ValueKind != JsonValueKind.String || e.Values.FindByName(value.GetString()!) is null)
                        Failures.Add($"{path}: {value} is not a value of {e.Name}");
                    return;
                case ScalarGraphType scalar:
                    if (Scalar(scalar.Name, value) is { } problem) Failures.Add($"{path}: {problem}");
                    return;
                case IComplexGraphType complex:
                    if (value.ValueKind != JsonValueKind.Object) { Failures.Add($"{path}: not an object"); return; }
                    var concrete = value.TryGetProperty("__typename", out var t)
                        ? schema.AllTypes[t.GetString()!] as IComplexGraphType ?? complex : complex;
                    if (concrete.Name.StartsWith("GeoJSON", StringComparison.Ordinal)
                        && GeoJsonProblem(value) is { } geo) Failures.Add($"{path}: {geo}");
                    foreach (var property in value.EnumerateObject().Where(p => p.Name != "__typename"))
                        Value(concrete, FieldOf(concrete, property.Name), property.Value, $"{path}/{property.Name}");
                    return;
            }
        }

        private static string? Scalar(string name, JsonElement value) => name switch
        {
            "String" or "ID" => value.ValueKind == JsonValueKind.String ? null : $"{value} is not a string",
            "Int" or "Long" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _) ? null : $"{value} is not an integer",
            "Float" or "Decimal" => value.ValueKind == JsonValueKind.Number ? null : $"{value} is not a number",
            "Boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"{value} is not a boolean",
            "Date" => value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", out _)
                ? null : $"{value} is not a Date",
            "DateTime" => value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, out _)
                ? null : $"{value} is not a DateTime",
            _ => null, // Any, Coordinates, Position, Geometry: checked as GeoJSON where they appear
        };

        /// <summary>RFC 7946: the type's coordinate nesting, finite lon/lat inside China, closed rings of four or more positions.</summary>
        private static string? GeoJsonProblem(JsonElement geometry)
        {
            if (!geometry.TryGetProperty("type", out var type) || !geometry.TryGetProperty("coordinates", out var coordinates)) return null;
            var depth = type.GetString() switch
            {
                "Point" => 0, "LineString" or "MultiPoint" => 1, "Polygon" or "MultiLineString" => 2, "MultiPolygon" => 3, _ => -1,
            };
            if (depth < 0) return $"GeoJSON type {type}";
            IEnumerable<JsonElement> Positions(JsonElement e, int d) => d == 0 ? [e] : e.EnumerateArray().SelectMany(x => Positions(x, d - 1));
            foreach (var p in Positions(coordinates, depth))
            {
                if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() < 2) return $"position {p}";
                var (lon, lat) = (p[0].GetDouble(), p[1].GetDouble());
                if (!(lon is > 73 and < 136 && lat is > 3 and < 54)) return $"({lon}, {lat}) is not lon/lat in China";
            }
            var rings = type.GetString() switch
            {
                "Polygon" => coordinates.EnumerateArray(),
                "MultiPolygon" => coordinates.EnumerateArray().SelectMany(p => p.EnumerateArray()),
                _ => [],
            };
            foreach (var ring in rings)
            {
                if (ring.GetArrayLength() < 4) return "a ring of fewer than 4 positions";
                if (ring[0].GetRawText() != ring[ring.GetArrayLength() - 1].GetRawText()) return "a ring that is not closed";
            }
            return null;
        }


        private bool Allowed(Role least) => role >= least;
    }
}
