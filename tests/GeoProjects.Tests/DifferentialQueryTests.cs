using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using GeoProjects.Tests.Infrastructure;
using Microsoft.FSharp.Core;
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
        var seed = ulong.Parse(Environment.GetEnvironmentVariable("GEOPROJECTS_PROPERTY_SEED") ?? "20231125", CultureInfo.InvariantCulture);
        var config = Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 1442695040888963407UL), FSharpOption<int>.None)));
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

    // ---- The oracle's copy of the data, read with plain SQL (not through the API's model) ----

    public sealed record ZoneRow(int Id, string Code, string Name, string Kind, double AreaKm2, int? ParentId);
    public sealed record BatchRow(int Id, string Name, DateOnly Date, string Level);
    public sealed record ProjectRow(int Id, string Code, string Name, string Sector, string Status, decimal TotalInvestment,
        string? Developer, DateOnly? StartDate, int? ZoneId, int? BatchId);

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
            await foreach (var r in Read(c, "SELECT id, code, name, sector, status, total_investment, developer, start_date, zone_id, batch_id FROM projects"))
                projects.Add(new ProjectRow(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetDecimal(5),
                    r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateOnly>(7),
                    r.IsDBNull(8) ? null : r.GetInt32(8), r.IsDBNull(9) ? null : r.GetInt32(9)));
            return new Rows { Projects = projects, Zones = zones, Batches = batches };
        }

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

    private static Gen<Filter> Leaves(Rows rows)
    {
        var codes = rows.Projects.Select(p => p.Code).ToArray();
        var names = rows.Projects.Select(p => p.Name).ToArray();
        var sectors = rows.Projects.Select(p => p.Sector).Distinct().ToArray();
        var statuses = rows.Projects.Select(p => p.Status).Distinct().ToArray();
        var amounts = rows.Projects.Select(p => p.TotalInvestment).Distinct().Append(0m).Append(12.5m).ToArray();
        var dates = rows.Projects.Where(p => p.StartDate is not null).Select(p => p.StartDate!.Value).Distinct().ToArray();
        var developers = rows.Projects.Where(p => p.Developer is not null).Select(p => p.Developer!).Distinct().ToArray();
        var zones = rows.Zones.Values.ToArray();
        var levels = rows.Batches.Values.Select(b => b.Level).Distinct().ToArray();
        var batchDates = rows.Batches.Values.Select(b => b.Date).Distinct().ToArray();
        static string D(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        static string M(decimal m) => m.ToString(CultureInfo.InvariantCulture);
        var compare = new (string Op, Func<int, bool> Holds)[]
        {
            ("eq", c => c == 0), ("neq", c => c != 0), ("gt", c => c > 0), ("gte", c => c >= 0), ("lt", c => c < 0), ("lte", c => c <= 0),
            ("ngt", c => !(c > 0)), ("ngte", c => !(c >= 0)), ("nlt", c => !(c < 0)), ("nlte", c => !(c <= 0)),
        };

        return Gen.OneOf(
            Gen.Elements(codes).Select(c => Leaf($"{{ code: {{ eq: {Literal(c)} }} }}", (p, _) => p.Code == c)),
            Gen.Elements(codes).Select(c => Leaf($"{{ code: {{ neq: {Literal(c)} }} }}", (p, _) => p.Code != c)),
            Gen.Elements(codes).Two().Select(t => Leaf($"{{ code: {{ in: [{Literal(t.Item1)}, {Literal(t.Item2)}] }} }}", (p, _) => p.Code == t.Item1 || p.Code == t.Item2)),
            Gen.Elements(codes).Select(c => c[..Math.Min(4, c.Length)]).Select(s => Leaf($"{{ code: {{ startsWith: {Literal(s)} }} }}", (p, _) => p.Code.StartsWith(s, StringComparison.Ordinal))),
            Gen.Elements(codes).Select(c => c[^2..]).Select(s => Leaf($"{{ code: {{ nendsWith: {Literal(s)} }} }}", (p, _) => !p.Code.EndsWith(s, StringComparison.Ordinal))),
            Gen.Elements(names).Select(n => n.Substring(n.Length / 2, Math.Min(2, n.Length - n.Length / 2)))
                .Select(s => Leaf($"{{ name: {{ contains: {Literal(s)} }} }}", (p, _) => p.Name.Contains(s, StringComparison.Ordinal))),
            Gen.Elements(sectors).Select(s => Leaf($"{{ sector: {{ eq: {EnumName(s)} }} }}", (p, _) => p.Sector == s)),
            Gen.SubListOf(sectors).Select(l => Leaf($"{{ sector: {{ nin: [{string.Join(", ", l.Select(EnumName))}] }} }}", (p, _) => !l.Contains(p.Sector))),
            Gen.SubListOf(statuses).Select(l => Leaf($"{{ status: {{ in: [{string.Join(", ", l.Select(EnumName))}] }} }}", (p, _) => l.Contains(p.Status))),
            Gen.Elements(compare).SelectMany(op => Gen.Elements(amounts).Select(a =>
                Leaf($"{{ totalInvestment: {{ {op.Op}: {M(a)} }} }}", (p, _) => op.Holds(p.TotalInvestment.CompareTo(a))))),
            Gen.Elements(compare).SelectMany(op => Gen.Elements(dates).Select(d =>
                // C# lifted semantics, as the API's EF translation keeps them: a null date satisfies only the negations.
                Leaf($"{{ startDate: {{ {op.Op}: \"{D(d)}\" }} }}", (p, _) => p.StartDate is { } s ? op.Holds(s.CompareTo(d)) : op.Op is "neq" or "ngt" or "ngte" or "nlt" or "nlte"))),
            Gen.Elements(true, false).Select(isNull => Leaf($"{{ startDate: {{ {(isNull ? "eq" : "neq")}: null }} }}", (p, _) => (p.StartDate is null) == isNull)),
            Gen.Elements(developers).Select(d => Leaf($"{{ developer: {{ neq: {Literal(d)} }} }}", (p, _) => p.Developer != d)),
            Gen.Elements(zones).Select(z => Leaf($"{{ zone: {{ code: {{ eq: {Literal(z.Code)} }} }} }}", (p, r) => r.Zone(p.ZoneId)?.Code == z.Code)),
            Gen.Elements(zones).Select(z => Leaf($"{{ zone: {{ name: {{ neq: {Literal(z.Name)} }} }} }}", (p, r) => r.Zone(p.ZoneId) is { } pz && pz.Name != z.Name)),
            Gen.Elements(zones).Select(z => Leaf($"{{ zone: {{ parent: {{ code: {{ eq: {Literal(z.Code)} }} }} }} }}",
                (p, r) => r.Zone(r.Zone(p.ZoneId)?.ParentId)?.Code == z.Code)),
            Gen.Elements(levels).Select(l => Leaf($"{{ batch: {{ level: {{ eq: {EnumName(l)} }} }} }}", (p, r) => r.Batch(p.BatchId)?.Level == l)),
            Gen.Elements(batchDates).Select(d => Leaf($"{{ batch: {{ date: {{ lt: \"{D(d)}\" }} }} }}", (p, r) => r.Batch(p.BatchId) is { } b && b.Date < d)));
    }

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

    private static readonly string[] OrderFields = ["totalInvestment", "code", "name", "sector"];

    private static IOrderedEnumerable<ProjectRow> Sort(IEnumerable<ProjectRow> rows, IReadOnlyList<Order> order)
    {
        IOrderedEnumerable<ProjectRow>? sorted = null;
        foreach (var o in order)
        {
            Func<ProjectRow, IComparable> key = o.Field switch
            {
                "totalInvestment" => p => p.TotalInvestment,
                "code" => p => p.Code,
                "name" => p => p.Name,
                _ => p => EnumName(p.Sector), // enums are stored and ordered as their names
            };
            var comparer = Comparer<IComparable>.Create((a, b) => a is string sa && b is string sb ? string.CompareOrdinal(sa, sb) : a.CompareTo(b));
            sorted = sorted is null
                ? o.Descending ? rows.OrderByDescending(key, comparer) : rows.OrderBy(key, comparer)
                : o.Descending ? sorted.ThenByDescending(key, comparer) : sorted.ThenBy(key, comparer);
        }
        return (sorted ?? rows.OrderBy(p => p.Id)).ThenBy(p => p.Id); // the key breaks ties, as the API documents
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
