using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using GeoProjects.Tests.Infrastructure;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// Property-based differential test: random GraphQL queries (filters on the filterable fields with and/or and every
/// comparison, orders, first/after/last/before paging, nesting project → zone → parent, project → batch and
/// zone → projects → zone/batch) against the seeded database, each answer compared with LINQ to objects over the same
/// rows read by plain SQL. Reproducible by seed (GEOPROJECTS_PROPERTY_SEED); a failure prints the smallest query.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DifferentialQueryTests(ApiFixture api)
{
    private const int Cases = 1_000;

    [Fact]
    public async Task RandomQueriesAnswerWhatTheOracleComputes()
    {
        var rows = await Rows.LoadAsync(api);
        var seed = PropertyRuns.Seed;
        var config = PropertyRuns.Config(Cases);
        var arbitrary = Arb.From(QueryCase.Generator(rows), QueryCase.Shrink);
        var checkedCases = 0;
        await Task.Run(() => Prop.ForAll(arbitrary, (QueryCase c) =>
        {
            checkedCases++;
            var response = api.QueryAsync(c.Graphql).GetAwaiter().GetResult();
            Assert.False(response.HasErrors, $"seed {seed}: {c}\n{response.Text}");
            Assert.Equal(c.Expected(rows), c.Actual(response.Data));
        }).Check(config));
        Assert.True(checkedCases >= Cases, $"{checkedCases} cases");
    }

    /// <summary>
    /// projectStats against a GROUP BY computed here over the same rows: random filters, 0–3 dimensions, every total
    /// (the plans and completed figures as the oracle's own SQL reads them) or counts and investment only (then answered from
    /// the summary when the filter reads its dimensions), compared group by group, exactly.
    /// </summary>
    [Fact]
    public async Task RandomStatisticsEqualTheOraclesGroupBy()
    {
        var rows = await Rows.LoadAsync(api);
        var seed = PropertyRuns.Seed;
        var dimensions = new (string Name, Func<ProjectRow, string> Key, string Selection)[]
        {
            ("SECTOR", p => EnumName(p.Sector), "sector"), ("ZONE", p => p.ZoneId?.ToString() ?? "", "zone { id }"),
            ("STATUS", p => EnumName(p.Status), "status"), ("BATCH", p => p.BatchId?.ToString() ?? "", "batch { id }"),
            ("INDUSTRY_CHAIN", p => p.IndustryChain ?? "", "industryChain"), ("START_YEAR", p => p.StartDate?.Year.ToString() ?? "", "startYear"),
        };
        // Without the plan and completed totals, a filter on the summary's dimensions is answered from project_summary.
        var cases = Filters(rows, 1).SelectMany(filter => Gen.SubListOf(Enumerable.Range(0, dimensions.Length).ToArray())
            .Where(d => d.Count <= 3).SelectMany(d => Gen.Elements(true, false)
                .Select(progress => (Filter: filter, Dimensions: d.Select(i => dimensions[i]).ToList(), Progress: progress))));
        var checkedCases = 0;
        await Task.Run(() => Prop.ForAll(Arb.From(cases), c =>
        {
            checkedCases++;
            var query = $$"""
                { projectStats(where: {{c.Filter.Graphql}}, groupBy: [{{string.Join(", ", c.Dimensions.Select(d => d.Name))}}]) {
                  {{string.Join(" ", c.Dimensions.Select(d => d.Selection))}} count totalInvestment
                  {{(c.Progress ? "annualPlannedInvestment completedInvestment" : "")}} } }
                """;
            var response = api.QueryAsync(query).GetAwaiter().GetResult();
            Assert.False(response.HasErrors, $"seed {seed}: {query}\n{response.Text}");
            string Key(JsonElement g) => string.Join("|", c.Dimensions.Select(d => g.GetProperty(d.Selection.Split(' ')[0]) switch
            {
                { ValueKind: JsonValueKind.Null } => "",
                { ValueKind: JsonValueKind.Object } o => GeoProjects.Api.GraphQL.NodeId.Parse(o.GetProperty("id").GetString()!).Key.ToString(),
                var v => v.ToString(),
            }));
            var actual = response.Data.GetProperty("projectStats").EnumerateArray()
                .Select(g => (Key(g), g.GetProperty("count").GetInt32(), g.GetProperty("totalInvestment").GetDecimal(),
                    c.Progress ? g.GetProperty("annualPlannedInvestment").GetDecimal() : 0, c.Progress ? g.GetProperty("completedInvestment").GetDecimal() : 0))
                .OrderBy(g => g.Item1, StringComparer.Ordinal).ToList();
            var matching = rows.Projects.Where(p => c.Filter.Holds(p, rows)).ToList();
            var expected = matching.GroupBy(p => string.Join("|", c.Dimensions.Select(d => d.Key(p))))
                .Select(g => (g.Key, g.Count(), g.Sum(p => p.TotalInvestment), c.Progress ? g.Sum(p => p.AnnualPlannedInvestment ?? 0) : 0,
                    c.Progress ? g.Sum(p => p.CompletedInvestment ?? 0) : 0))
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            // Without groupBy the answer is one total, zeros when nothing matches.
            if (c.Dimensions.Count == 0 && expected.Count == 0) expected.Add(("", 0, 0m, 0m, 0m));
            Assert.True(expected.SequenceEqual(actual), $"seed {seed}: {query}\nexpected {string.Join("; ", expected)}\nactual {string.Join("; ", actual)}");
        }).Check(PropertyRuns.Config(200)));
        Assert.True(checkedCases >= 200, $"{checkedCases} cases");
    }

    /// <summary>
    /// Keyset cursors walk a whole random order (numbers, text, dates with nulls and ties, an enum by its stored name)
    /// forwards by endCursor and backwards by startCursor, page after page, and both walks give the oracle's sorted list.
    /// </summary>
    [Fact]
    public async Task CursorsWalkEveryOrderForwardsAndBackwards()
    {
        var rows = await Rows.LoadAsync(api);
        var seed = PropertyRuns.Seed;
        var cases = from filter in Filters(rows, 1)
                    from hasWhere in Gen.Elements(true, false)
                    from order in Gen.SubListOf(OrderFields).Where(f => f.Count <= 3).SelectMany(fields => Gen.Elements(true, false)
                        .ListOf(fields.Count).Select(desc => fields.Zip(desc, (f, d) => new Order(f, d)).ToList()))
                    from size in Gen.Choose(4, 15)
                    select (Where: hasWhere ? filter : null, Order: order, Size: size);
        var walked = 0;
        await Task.Run(() => Prop.ForAll(Arb.From(cases), c =>
        {
            var expected = Sort(rows.Projects.Where(p => c.Where?.Holds(p, rows) ?? true), c.Order).Select(p => p.Code).ToList();
            var where = c.Where is null ? "" : $"where: {c.Where.Graphql}, ";
            var order = c.Order.Count == 0 ? "" : $"order: [{string.Join(", ", c.Order.Select(o => o.Graphql))}], ";
            List<string> Walk(bool forward)
            {
                var codes = new List<string>();
                string? cursor = null;
                for (var pages = 0; pages <= expected.Count / c.Size + 1; pages++)
                {
                    var paging = forward ? $"first: {c.Size}" + (cursor is null ? "" : $", after: \"{cursor}\"")
                        : $"last: {c.Size}" + (cursor is null ? "" : $", before: \"{cursor}\"");
                    var query = $"{{ projects({where}{order}{paging}) {{ edges {{ cursor node {{ code }} }} "
                        + "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
                    var response = api.QueryAsync(query).GetAwaiter().GetResult();
                    Assert.False(response.HasErrors, $"seed {seed}: {query}\n{response.Text}");
                    var connection = response.Data.GetProperty("projects");
                    var page = connection.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("code").GetString()!).ToList();
                    codes.InsertRange(forward ? codes.Count : 0, page);
                    var info = connection.GetProperty("pageInfo");
                    Assert.Equal(cursor is not null, info.GetProperty(forward ? "hasPreviousPage" : "hasNextPage").GetBoolean());
                    if (!info.GetProperty(forward ? "hasNextPage" : "hasPreviousPage").GetBoolean()) return codes;
                    cursor = info.GetProperty(forward ? "endCursor" : "startCursor").GetString();
                    // Orders of numbers, text, dates and enums (by their stored names) page by keyset.
                    var keyset = Encoding.UTF8.GetString(Convert.FromBase64String(cursor!)).StartsWith('k');
                    Assert.True(keyset, $"seed {seed}: cursor {cursor} for {order}");
                }
                throw new Xunit.Sdk.XunitException($"seed {seed}: {where}{order} did not end");
            }
            Assert.Equal(expected, Walk(forward: true));
            Assert.Equal(expected, Walk(forward: false));
            walked++;
        }).Check(PropertyRuns.Config(40)));
        Assert.True(walked >= 40, $"{walked} walks");
    }

    // ---- The oracle's copy of the data, read with plain SQL (not through the API's model) ----

    public sealed record ZoneRow(int Id, string Code, string Name, string Kind, double AreaKm2, int? ParentId);
    public sealed record BatchRow(int Id, string Name, DateOnly Date, string Level);
    public sealed record ProjectRow(int Id, string Code, string Name, string? NameEn, string Sector, string? IndustryChain, string Status,
        decimal TotalInvestment, decimal? AnnualPlannedInvestment, decimal? CompletedInvestment, decimal? LandAreaMu, string? Developer,
        DateOnly? StartDate, string DataSource, int? ZoneId, int? BatchId, double Lon, double Lat, double MetresFromCentre);

    /// <summary>The point distances are measured from (PostGIS computes them for the oracle, on the spheroid).</summary>
    public const string Centre = "{ type: \"Point\", coordinates: [120.05, 35.88] }";

    public sealed class Rows
    {
        public required IReadOnlyList<ProjectRow> Projects { get; init; }
        public required IReadOnlyDictionary<int, ZoneRow> Zones { get; init; }
        public required IReadOnlyDictionary<int, BatchRow> Batches { get; init; }

        public ZoneRow? Zone(int? id) => id is { } z ? Zones[z] : null;
        public BatchRow? Batch(int? id) => id is { } b ? Batches[b] : null;

        public static async Task<Rows> LoadAsync(ApiFixture api)
        {
            await using var c = await api.OpenAsync();
            var zones = new Dictionary<int, ZoneRow>();
            await foreach (var r in Read(c, "SELECT id, code, name, kind, ST_Area(geography(boundary)) / 1e6, parent_id FROM zones"))
                zones[r.GetInt32(0)] = new ZoneRow(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.IsDBNull(5) ? null : r.GetInt32(5));
            var batches = new Dictionary<int, BatchRow>();
            await foreach (var r in Read(c, "SELECT id, name, date, level FROM project_batches"))
                batches[r.GetInt32(0)] = new BatchRow(r.GetInt32(0), r.GetString(1), r.GetFieldValue<DateOnly>(2), r.GetString(3));
            var projects = new List<ProjectRow>();
            // The plan and completed figure the progress fields see today (China): the plan of this year, and the latest report
            // of this year whose month has ended; written here in SQL, independently of the API's LINQ.
            var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
            var lastMonth = new DateOnly(today.AddDays(1).Year, today.AddDays(1).Month, 1).AddMonths(-1);
            var sql = "SELECT id, code, name, name_en, sector, industry_chain, status, total_investment, "
                + $"(SELECT planned_investment FROM annual_plans a WHERE a.project_id = projects.id AND a.year = {today.Year}), "
                + "(SELECT completed_investment_ytd FROM progress_reports r WHERE r.project_id = projects.id "
                + $"AND r.period BETWEEN '{today.Year}-01-01' AND '{lastMonth:yyyy-MM-dd}' ORDER BY r.period DESC LIMIT 1), "
                + "land_area_mu, developer, start_date, data_source, zone_id, batch_id, ST_X(location), ST_Y(location), "
                + "ST_Distance(geography(location), geography(ST_SetSRID(ST_MakePoint(120.05, 35.88), 4326))) FROM projects";
            await foreach (var r in Read(c, sql))
                projects.Add(new ProjectRow(r.GetInt32(0), r.GetString(1), r.GetString(2), Text(r, 3), r.GetString(4), Text(r, 5), r.GetString(6),
                    r.GetDecimal(7), Amount(r, 8), Amount(r, 9), Amount(r, 10), Text(r, 11), r.IsDBNull(12) ? null : r.GetFieldValue<DateOnly>(12),
                    r.GetString(13), r.IsDBNull(14) ? null : r.GetInt32(14), r.IsDBNull(15) ? null : r.GetInt32(15), r.GetDouble(16), r.GetDouble(17), r.GetDouble(18)));
            return new Rows { Projects = projects, Zones = zones, Batches = batches };
        }

        private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

        private static decimal? Amount(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDecimal(i);

        private static async IAsyncEnumerable<NpgsqlDataReader> Read(NpgsqlConnection c, string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, c);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) yield return reader;
        }
    }

    /// <summary>PascalCase as stored → the GraphQL enum value (AdvancedManufacturing → ADVANCED_MANUFACTURING).</summary>
    private static string EnumName(string stored) =>
        string.Concat(stored.Select((ch, i) => i > 0 && char.IsUpper(ch) ? "_" + ch : char.ToUpperInvariant(ch).ToString()));

    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Literal(string s) => JsonSerializer.Serialize(s, Readable);

    private static string Key(string entry) => entry[..entry.IndexOf(':')];

    // ---- Filters: GraphQL text and the oracle's predicate, built together ----

    /// <summary>A filter object; a leaf also knows its one entry (`code: { eq: "X" }`), so two leaves can share an object.</summary>
    public sealed record Filter(string Graphql, Func<ProjectRow, Rows, bool> Holds, IReadOnlyList<Filter> Parts, string? Entry = null)
    {
        public override string ToString() => Graphql;
    }

    private static Filter Leaf(string graphql, Func<ProjectRow, Rows, bool> holds) => new(graphql, holds, [], graphql[2..^2]);

    private static readonly (string Op, Func<int, bool> Holds)[] Comparisons =
    [
        ("eq", c => c == 0), ("neq", c => c != 0), ("gt", c => c > 0), ("gte", c => c >= 0), ("lt", c => c < 0), ("lte", c => c <= 0),
        ("ngt", c => !(c > 0)), ("ngte", c => !(c >= 0)), ("nlt", c => !(c < 0)), ("nlte", c => !(c <= 0)),
    ];

    /// <summary>
    /// Every operation of a comparable field (eq … nlte, in, nin, eq/neq null) with the API's documented C# semantics:
    /// a null value satisfies neq and the negations, nothing else (HotChocolate over EF Core does the same).
    /// </summary>
    private static Gen<Filter> Comparable<T>(string field, Func<ProjectRow, T?> get, IReadOnlyList<T> values, Func<T, string> literal)
        where T : struct, IComparable<T>
    {
        var pick = Gen.Elements(values.ToArray());
        return Gen.OneOf(
            Gen.Elements(Comparisons).SelectMany(op => pick.Select(v => Leaf($"{{ {field}: {{ {op.Op}: {literal(v)} }} }}",
                (p, _) => get(p) is { } x ? op.Holds(x.CompareTo(v)) : op.Op is "neq" or "ngt" or "ngte" or "nlt" or "nlte"))),
            pick.Two().SelectMany(t => Gen.Elements(true, false).Select(negate => Leaf(
                $"{{ {field}: {{ {(negate ? "nin" : "in")}: [{literal(t.Item1)}, {literal(t.Item2)}] }} }}",
                (p, _) => (get(p) is { } x && (x.Equals(t.Item1) || x.Equals(t.Item2))) != negate))),
            Gen.Elements(true, false).Select(isNull => Leaf($"{{ {field}: {{ {(isNull ? "eq" : "neq")}: null }} }}", (p, _) => (get(p) is null) == isNull)));
    }

    /// <summary>Every string operation; a null string contains, starts and ends with nothing (HotChocolate's null check).</summary>
    private static Gen<Filter> Text(string field, Func<ProjectRow, string?> get, IReadOnlyList<string> values)
    {
        var whole = Gen.Elements(values.ToArray());
        var part = whole.SelectMany(v => Gen.Choose(0, Math.Max(0, v.Length - 1)).SelectMany(i => Gen.Choose(1, 3).Select(n => v.Substring(i, Math.Min(n, v.Length - i)))));
        var calls = new (string Op, Func<string, string, bool> Holds)[]
        {
            ("contains", (x, v) => x.Contains(v, StringComparison.Ordinal)), ("startsWith", (x, v) => x.StartsWith(v, StringComparison.Ordinal)),
            ("endsWith", (x, v) => x.EndsWith(v, StringComparison.Ordinal)),
        };
        return Gen.OneOf(
            whole.SelectMany(v => Gen.Elements(true, false).Select(negate => Leaf($"{{ {field}: {{ {(negate ? "neq" : "eq")}: {Literal(v)} }} }}",
                (p, _) => (get(p) == v) != negate))),
            Gen.Elements(calls).SelectMany(call => part.SelectMany(v => Gen.Elements(true, false).Select(negate => Leaf(
                $"{{ {field}: {{ {(negate ? "n" + call.Op : call.Op)}: {Literal(v)} }} }}",
                (p, _) => (get(p) is { } x && call.Holds(x, v)) != negate)))),
            whole.Two().SelectMany(t => Gen.Elements(true, false).Select(negate => Leaf(
                $"{{ {field}: {{ {(negate ? "nin" : "in")}: [{Literal(t.Item1)}, {Literal(t.Item2)}] }} }}",
                (p, _) => (get(p) == t.Item1 || get(p) == t.Item2) != negate))),
            Gen.Elements(true, false).Select(isNull => Leaf($"{{ {field}: {{ {(isNull ? "eq" : "neq")}: null }} }}", (p, _) => (get(p) is null) == isNull)));
    }

    /// <summary>An enum's eq/neq/in/nin, with values as stored (PascalCase) and written as GraphQL names.</summary>
    private static Gen<Filter> Enum(string field, Func<ProjectRow, Rows, string?> get, IReadOnlyList<string> values) => Gen.OneOf(
        Gen.Elements(values.ToArray()).SelectMany(v => Gen.Elements(true, false).Select(negate =>
            Leaf($"{{ {field}: {{ {(negate ? "neq" : "eq")}: {EnumName(v)} }} }}", (p, r) => (get(p, r) == v) != negate))),
        Gen.SubListOf(values.ToArray()).SelectMany(l => Gen.Elements(true, false).Select(negate =>
            Leaf($"{{ {field}: {{ {(negate ? "nin" : "in")}: [{string.Join(", ", l.Select(EnumName))}] }} }}", (p, r) => l.Contains(get(p, r)!) != negate))));

    private static Gen<Filter> Leaves(Rows rows)
    {
        IReadOnlyList<T> Distinct<T>(Func<ProjectRow, T?> get) where T : struct => rows.Projects.Select(get).OfType<T>().Distinct().ToList();
        IReadOnlyList<string> Texts(Func<ProjectRow, string?> get) => rows.Projects.Select(get).OfType<string>().Distinct().ToList();
        static string D(DateOnly d) => $"\"{d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}\"";
        static string M(decimal m) => m.ToString(CultureInfo.InvariantCulture);
        static string I(int i) => i.ToString(CultureInfo.InvariantCulture);
        IReadOnlyList<decimal> Amounts(Func<ProjectRow, decimal?> get) => Distinct(get).Append(0m).Append(12.5m).ToList();
        var zones = rows.Zones.Values.ToArray();
        var batches = rows.Batches.Values.ToArray();
        var metres = new[] { 500.0, 3_000, 8_000, 15_000, 40_000 };
        var boxes = new[] { (119.9, 35.7, 120.1, 35.95), (120.0, 35.8, 120.3, 36.1), (119.6, 35.5, 119.95, 35.8) };
        static string Id(string type, int id) => Literal(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{type}:{id}")));

        return Gen.OneOf(
            Gen.Elements(rows.Projects.ToArray()).Two().Select(t => Leaf($"{{ id: {{ in: [{Id("Project", t.Item1.Id)}, {Id("Project", t.Item2.Id)}] }} }}",
                (p, _) => p.Id == t.Item1.Id || p.Id == t.Item2.Id)),
            Text("code", p => p.Code, Texts(p => p.Code)),
            Text("name", p => p.Name, Texts(p => p.Name)),
            Text("nameEn", p => p.NameEn, Texts(p => p.NameEn)),
            Text("industryChain", p => p.IndustryChain, Texts(p => p.IndustryChain)),
            Text("developer", p => p.Developer, Texts(p => p.Developer)),
            Enum("sector", (p, _) => p.Sector, Texts(p => p.Sector)),
            Enum("status", (p, _) => p.Status, Texts(p => p.Status)),
            Enum("dataSource", (p, _) => p.DataSource, Texts(p => p.DataSource)),
            Comparable("totalInvestment", p => p.TotalInvestment, Amounts(p => p.TotalInvestment), M),
            Comparable("annualPlannedInvestment", p => p.AnnualPlannedInvestment, Amounts(p => p.AnnualPlannedInvestment), M),
            Comparable("completedInvestment", p => p.CompletedInvestment, Amounts(p => p.CompletedInvestment), M),
            Comparable("landAreaMu", p => p.LandAreaMu, Amounts(p => p.LandAreaMu), M),
            Comparable("startDate", p => p.StartDate, Distinct(p => p.StartDate), D),
            Comparable("startYear", p => p.StartDate?.Year, Distinct(p => p.StartDate?.Year).Append(2020).ToList(), I),
            Gen.Elements(boxes).SelectMany(b => Gen.Elements(true, false).Select(negate => Leaf(
                $"{{ location: {{ {(negate ? "nwithin" : "within")}: {{ geometry: {{ type: \"Polygon\", coordinates: [[[{b.Item1}, {b.Item2}], [{b.Item3}, {b.Item2}], [{b.Item3}, {b.Item4}], [{b.Item1}, {b.Item4}], [{b.Item1}, {b.Item2}]]] }} }} }} }}",
                (p, _) => (p.Lon > b.Item1 && p.Lon < b.Item3 && p.Lat > b.Item2 && p.Lat < b.Item4) != negate))),
            Gen.Elements(metres).SelectMany(m => Gen.Elements(true, false).Select(closer => Leaf(
                $"{{ location: {{ distance: {{ geometry: {Centre}, {(closer ? "lte" : "gt")}: {m} }} }} }}",
                (p, _) => closer ? p.MetresFromCentre <= m : p.MetresFromCentre > m))),
            Gen.Elements(metres).Select(m => Leaf($"{{ location: {{ intersects: {{ geometry: {Centre}, buffer: {m} }} }} }}", (p, _) => p.MetresFromCentre <= m)),
            Gen.Elements(zones).Select(z => Leaf($"{{ zone: {{ code: {{ eq: {Literal(z.Code)} }} }} }}", (p, r) => r.Zone(p.ZoneId)?.Code == z.Code)),
            Gen.Elements(zones).Select(z => Leaf($"{{ zone: {{ name: {{ neq: {Literal(z.Name)} }} }} }}", (p, r) => r.Zone(p.ZoneId) is { } pz && pz.Name != z.Name)),
            Enum("zone: { kind", (p, r) => r.Zone(p.ZoneId)?.Kind, zones.Select(z => z.Kind).Distinct().ToList()).Select(CloseRelation),
            Gen.Elements(zones).Select(z => Leaf($"{{ zone: {{ parent: {{ code: {{ eq: {Literal(z.Code)} }} }} }} }}",
                (p, r) => r.Zone(r.Zone(p.ZoneId)?.ParentId)?.Code == z.Code)),
            Enum("batch: { level", (p, r) => r.Batch(p.BatchId)?.Level, batches.Select(b => b.Level).Distinct().ToList()).Select(CloseRelation),
            Gen.Elements(batches).Select(b => Leaf($"{{ batch: {{ name: {{ eq: {Literal(b.Name)} }} }} }}", (p, r) => r.Batch(p.BatchId)?.Name == b.Name)),
            Gen.Elements(batches.Select(b => b.Date).Distinct().ToArray()).Select(d => Leaf($"{{ batch: {{ date: {{ lt: {D(d)} }} }} }}",
                (p, r) => r.Batch(p.BatchId) is { } b && b.Date < d)));
    }

    /// <summary>`{ zone: { kind: { eq: X } }` as generated by <see cref="Enum"/> gets its relation's closing brace; no related row, no match.</summary>
    private static Filter CloseRelation(Filter f) =>
        Leaf(f.Graphql[..^1] + "} }", (p, r) => (f.Graphql.Contains("zone:") ? r.Zone(p.ZoneId) is not null : r.Batch(p.BatchId) is not null) && f.Holds(p, r));

    private static Gen<Filter> Filters(Rows rows, int depth)
    {
        var leaf = Leaves(rows);
        if (depth == 0) return leaf;
        var inner = Filters(rows, depth - 1);
        return Gen.Frequency(
            (3, leaf),
            (1, Gen.ListOf(inner, 2).Select(l => Combine("and", l.ToList()))),
            (1, Gen.ListOf(inner, 2).Select(l => Combine("or", l.ToList()))),
            (1, inner.Two().Select(t => Combine("", [t.Item1, t.Item2]))));
    }

    /// <summary>"and"/"or" lists, or "" for two filters merged into one object (fields of one input are AND-ed).</summary>
    private static Filter Combine(string op, IReadOnlyList<Filter> parts)
    {
        if (op == "")
        {
            // Fields of one input object are AND-ed; an object cannot name a field twice, so then it is an `and`.
            if (parts[0].Entry is not { } a || parts[1].Entry is not { } b || Key(a) == Key(b)) return Combine("and", parts);
            return new Filter($"{{ {a}, {b} }}", (p, r) => parts[0].Holds(p, r) && parts[1].Holds(p, r), parts);
        }
        var text = $"{{ {op}: [{string.Join(", ", parts.Select(x => x.Graphql))}] }}";
        return op == "and"
            ? new Filter(text, (p, r) => parts.All(x => x.Holds(p, r)), parts)
            : new Filter(text, (p, r) => parts.Count == 0 || parts.Any(x => x.Holds(p, r)), parts); // an empty list adds no condition
    }

    // ---- Orders and paging ----

    public sealed record Order(string Field, bool Descending)
    {
        public string Graphql => $"{{ {Field}: {(Descending ? "DESC" : "ASC")} }}";
    }

    // startYear: a computed key with nulls (on an expression index); scheduleRate: the same for every row, so only the key orders.
    private static readonly string[] OrderFields =
        ["totalInvestment", "code", "name", "sector", "landAreaMu", "startDate", "startYear", "scheduleRate"];

    private static IOrderedEnumerable<ProjectRow> Sort(IEnumerable<ProjectRow> rows, IReadOnlyList<Order> order)
    {
        IOrderedEnumerable<ProjectRow>? sorted = null;
        foreach (var o in order)
        {
            Func<ProjectRow, IComparable?> key = o.Field switch
            {
                "totalInvestment" => p => p.TotalInvestment,
                "code" => p => p.Code,
                "name" => p => p.Name,
                "landAreaMu" => p => p.LandAreaMu,
                "startDate" => p => p.StartDate,
                "startYear" => p => p.StartDate?.Year,
                "scheduleRate" => _ => 0,
                _ => p => EnumName(p.Sector), // enums are stored and ordered as their names
            };
            // PostgreSQL puts nulls last ascending, first descending: null is the greatest value.
            var comparer = Comparer<IComparable?>.Create((a, b) => (a, b) switch
            {
                (null, null) => 0, (null, _) => 1, (_, null) => -1,
                (string sa, string sb) => string.CompareOrdinal(sa, sb),
                _ => a.CompareTo(b),
            });
            sorted = sorted is null
                ? o.Descending ? rows.OrderByDescending(key, comparer) : rows.OrderBy(key, comparer)
                : o.Descending ? sorted.ThenByDescending(key, comparer) : sorted.ThenBy(key, comparer);
        }
        // The key breaks ties, in the last item's direction, as the API documents.
        return order.Count > 0 && order[^1].Descending
            ? sorted!.ThenByDescending(p => p.Id)
            : (sorted ?? rows.OrderBy(p => p.Id)).ThenBy(p => p.Id);
    }

    public sealed record Page(int? First, int? After, int? Last, int? Before)
    {
        public string Arguments => string.Join(", ", new[]
        {
            First is { } f ? $"first: {f}" : null, After is { } a ? $"after: \"{Cursor(a)}\"" : null,
            Last is { } l ? $"last: {l}" : null, Before is { } b ? $"before: \"{Cursor(b)}\"" : null,
        }.Where(x => x is not null));

        private static string Cursor(int index) => Convert.ToBase64String(Encoding.UTF8.GetBytes(index.ToString(CultureInfo.InvariantCulture)));

        /// <summary>Relay cursor paging over an ordered list: after/before narrow, then first/last take from either end (default 10).</summary>
        public List<T> Apply<T>(IReadOnlyList<T> all)
        {
            var start = After is { } a ? a + 1 : 0;
            var end = Before is { } b ? b : all.Count;
            if (First is { } f || Last is null) end = Math.Min(end, start + (First ?? 10));
            if (Last is { } l) start = Math.Max(start, end - l);
            start = Math.Min(start, all.Count);
            end = Math.Min(end, all.Count);
            return start >= end ? [] : all.Skip(start).Take(end - start).ToList();
        }
    }

    private static readonly Gen<Page> Pages = Gen.OneOf(
        Gen.Choose(0, 15).Select(f => new Page(f, null, null, null)),
        Gen.Choose(1, 12).SelectMany(f => Gen.Choose(0, 95).Select(a => new Page(f, a, null, null))),
        Gen.Choose(1, 12).Select(l => new Page(null, null, l, null)),
        Gen.Choose(1, 12).SelectMany(l => Gen.Choose(0, 95).Select(b => new Page(null, null, l, b))),
        Gen.Choose(0, 40).SelectMany(a => Gen.Choose(0, 95).Select(b => new Page(null, a, null, b))),
        Gen.Constant(new Page(null, null, null, null)));

    // ---- One case: a root query with its nesting ----

    public sealed record QueryCase(bool ZoneRoot, Filter? Where, IReadOnlyList<Order> Order, Page Page, int Nesting)
    {
        private const string ProjectFields = "code zone { code name kind parent { code areaKm2 kind } } batch { name level }";

        public string Graphql => ZoneRoot
            ? $"{{ zones(order: [{{ code: ASC }}]) {{ code projects({Args(withPaging: false)}) {{ totalCount nodes {{ code zone {{ code }} batch {{ name }} }} }} }} }}"
            : $"{{ projects({Args(withPaging: true)}) {{ totalCount nodes {{ {(Nesting == 0 ? "code" : ProjectFields)} }} }} }}";

        private string Args(bool withPaging) => string.Join(", ", new[]
        {
            Where is null ? null : $"where: {Where.Graphql}",
            Order.Count == 0 ? null : $"order: [{string.Join(", ", Order.Select(o => o.Graphql))}]",
            withPaging ? Page.Arguments : Page.First is { } f ? $"first: {f}" : null,
        }.Where(x => !string.IsNullOrEmpty(x)).DefaultIfEmpty("first: 10"));

        public override string ToString() => Graphql;

        public string Expected(Rows rows)
        {
            var matching = Sort(rows.Projects.Where(p => Where?.Holds(p, rows) ?? true), Order).ToList();
            if (!ZoneRoot)
                return $"{matching.Count}|" + string.Join(";", Page.Apply(matching).Select(p => Describe(p, rows)));
            var zonePage = Page with { After = null, Last = null, Before = null };
            return string.Join("\n", rows.Zones.Values.OrderBy(z => z.Code, StringComparer.Ordinal).Select(z =>
            {
                var inZone = matching.Where(p => p.ZoneId == z.Id).ToList();
                return $"{z.Code}:{inZone.Count}|" + string.Join(";", zonePage.Apply(inZone).Select(p => $"{p.Code},{z.Code},{rows.Batch(p.BatchId)?.Name}"));
            }));
        }

        private string Describe(ProjectRow p, Rows rows)
        {
            if (Nesting == 0) return p.Code;
            var zone = rows.Zone(p.ZoneId);
            var parent = rows.Zone(zone?.ParentId);
            var batch = rows.Batch(p.BatchId);
            return $"{p.Code},{zone?.Code},{zone?.Name},{(zone is null ? null : EnumName(zone.Kind))},{parent?.Code},"
                + $"{parent?.AreaKm2.ToString("F3", CultureInfo.InvariantCulture)},{(parent is null ? null : EnumName(parent.Kind))},{batch?.Name},{(batch is null ? null : EnumName(batch.Level))}";
        }

        public string Actual(JsonElement data)
        {
            static string? S(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.GetProperty(name) is { ValueKind: not JsonValueKind.Null } v
                ? v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString("F3", CultureInfo.InvariantCulture) : v.GetString() : null;
            static JsonElement P(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object ? e.GetProperty(name) : default;
            if (!ZoneRoot)
            {
                var connection = data.GetProperty("projects");
                var nodes = connection.GetProperty("nodes").EnumerateArray().Select(n => Nesting == 0 ? S(n, "code")
                    : $"{S(n, "code")},{S(P(n, "zone"), "code")},{S(P(n, "zone"), "name")},{S(P(n, "zone"), "kind")},{S(P(P(n, "zone"), "parent"), "code")},"
                      + $"{S(P(P(n, "zone"), "parent"), "areaKm2")},{S(P(P(n, "zone"), "parent"), "kind")},{S(P(n, "batch"), "name")},{S(P(n, "batch"), "level")}");
                return $"{connection.GetProperty("totalCount").GetInt32()}|" + string.Join(";", nodes);
            }
            return string.Join("\n", data.GetProperty("zones").EnumerateArray().Select(z =>
            {
                var c = z.GetProperty("projects");
                return $"{S(z, "code")}:{c.GetProperty("totalCount").GetInt32()}|"
                    + string.Join(";", c.GetProperty("nodes").EnumerateArray().Select(n => $"{S(n, "code")},{S(P(n, "zone"), "code")},{S(P(n, "batch"), "name")}"));
            }));
        }

        public static Gen<QueryCase> Generator(Rows rows) =>
            from zoneRoot in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
            from hasWhere in Gen.Frequency((1, Gen.Constant(false)), (4, Gen.Constant(true)))
            from filter in Filters(rows, 2)
            from order in Gen.SubListOf(OrderFields).SelectMany(fields => Gen.Elements(true, false).ListOf(fields.Count)
                .Select(desc => fields.Zip(desc, (f, d) => new Order(f, d)).ToList()))
            from page in Pages
            from nesting in Gen.Choose(0, 1)
            select new QueryCase(zoneRoot, hasWhere ? filter : null, order, page, nesting);

        /// <summary>Smaller cases first: no filter, one part of an and/or, no order, default paging, no nesting.</summary>
        public static IEnumerable<QueryCase> Shrink(QueryCase c)
        {
            if (c.Where is not null)
            {
                yield return c with { Where = null };
                foreach (var part in c.Where.Parts) yield return c with { Where = part };
            }
            if (c.Order.Count > 0) yield return c with { Order = [] };
            if (c.Page != new Page(null, null, null, null)) yield return c with { Page = new Page(null, null, null, null) };
            if (c.Nesting > 0) yield return c with { Nesting = 0 };
            if (c.ZoneRoot) yield return c with { ZoneRoot = false };
        }
    }
}
