using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests;

/// <summary>
/// Property-based differential test of the non-GraphQL `where` (WhereReader): random filters, valid and not (wrong
/// types, unknown fields and operations, nulls, single values for lists, bad enum names), are given to GraphQL as a
/// variable (GraphQL.NET's own coercion is the oracle) and to the GeoJSON door. Both must refuse the same filters,
/// and answer the same projects for the rest. Reproducible by seed (GEOPROJECTS_PROPERTY_SEED).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class WhereReaderDifferentialTests(ApiFixture api)
{
    private const int Cases = 400;

    [Fact]
    public async Task TheGeoJsonDoorAcceptsAndAnswersExactlyWhatGraphQLDoes()
    {
        var seed = PropertyRuns.Seed;
        var config = PropertyRuns.Config(Cases);
        var arbitrary = Arb.From(Gen.Choose(0, int.MaxValue).Select(s => new Case(s, Filter(new Random(s), ProjectSchema.Filter, depth: 0))));
        using var client = api.CreateClient();
        var accepted = 0;
        await Task.Run(() => Prop.ForAll(arbitrary, (Case c) =>
        {
            var graphql = api.QueryAsync("query($where: ProjectFilterInput) { projects(where: $where, first: 100) { totalCount nodes { id } } }",
                new { where = JsonNode.Parse(c.Where) }).GetAwaiter().GetResult();
            var response = client.GetAsync("/geojson/projects?limit=1000&where=" + Uri.EscapeDataString(c.Where)).GetAwaiter().GetResult();
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            var graphqlRefused = graphql.HasErrors;
            var geoJson = $"GeoJSON {(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}";
            Assert.True(graphqlRefused == !response.IsSuccessStatusCode,
                $"seed {seed}, case {c.Seed}: where {c.Where}\nGraphQL: {graphql.Text}\n{geoJson}");
            if (graphqlRefused) return;
            accepted++;
            var expected = graphql.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray()
                .Select(n => Encoding.UTF8.GetString(Convert.FromBase64String(n.GetProperty("id").GetString()!)).Split(':')[1])
                .Select(key => int.Parse(key, CultureInfo.InvariantCulture)).Order().ToList();
            var actual = JsonDocument.Parse(body).RootElement.GetProperty("features").EnumerateArray()
                .Select(f => f.GetProperty("id").GetInt32()).Order().ToList();
            Assert.True(expected.SequenceEqual(actual),
                $"seed {seed}, case {c.Seed}: where {c.Where}\nGraphQL {string.Join(",", expected)}\nGeoJSON {string.Join(",", actual)}");
        }).Check(config));
        Assert.InRange(accepted, Cases / 5, Cases * 4 / 5); // both kinds of case are exercised
    }

    public sealed record Case(int Seed, string Where)
    {
        public override string ToString() => $"case {Seed}: {Where}";
    }

    private static readonly string[] Enums =
        ["ADVANCED_MANUFACTURING", "UNDER_CONSTRUCTION", "STARTED", "PUBLISHED", "ILLUSTRATIVE", "RED", "GZK", "space"];
    private static readonly string[] Texts = ["XHA-2023-D01", "集成电路", "[示例]", "GZK", "古镇口核心区", "", "C0"];
    private const string Box = """{"type":"Polygon","coordinates":[[[119.9,35.7],[120.2,35.7],[120.2,35.95],[119.9,35.95],[119.9,35.7]]]}""";

    /// <summary>A random filter object over the model: mostly well-typed, sometimes wrong in one of the ways clients get it wrong.</summary>
    private static string Filter(Random r, IEntityFilter filter, int depth) => Entity(r, filter, depth).ToJsonString();

    private static JsonObject Entity(Random r, IEntityFilter filter, int depth)
    {
        var o = new JsonObject();
        for (var i = r.Next(1, 3); i > 0; i--)
        {
            if (depth < 2 && r.Next(8) == 0)
            {
                o[r.Next(2) == 0 ? "and" : "or"] = r.Next(6) == 0 ? Entity(r, filter, depth + 1) // a single object stands for a list of one
                    : new JsonArray(Enumerable.Range(0, r.Next(1, 3)).Select(_ => (JsonNode?)Entity(r, filter, depth + 1)).ToArray());
                continue;
            }
            if (r.Next(40) == 0) { o["noSuchField"] = new JsonObject { ["eq"] = 1 }; continue; }
            var field = filter.Fields[r.Next(filter.Fields.Count)];
            if (o.ContainsKey(field.Name)) continue;
            o[field.Name] = field.Operand switch
            {
                FilterOperand.Object => depth < 2 ? Entity(r, field.Related!, depth + 1) : null,
                FilterOperand.Geometry => Spatial(r),
                _ => Operation(r, field),
            };
        }
        return o;
    }

    private static JsonNode Spatial(Random r) => r.Next(4) switch
    {
        0 => new JsonObject { ["intersects"] = new JsonObject { ["geometry"] = JsonNode.Parse(Box) } },
        1 => new JsonObject { ["nwithin"] = new JsonObject { ["geometry"] = JsonNode.Parse(Box), ["buffer"] = r.Next(3) == 0 ? "far" : 500 } },
        2 => new JsonObject
        {
            ["distance"] = new JsonObject
            {
                ["geometry"] = JsonNode.Parse("""{"type":"Point","coordinates":[120.05,35.88]}"""), ["lte"] = r.Next(1000, 30000),
            },
        },
        _ => new JsonObject { ["intersects"] = new JsonObject { ["buffer"] = 10 } }, // no geometry
    };

    private static JsonNode Operation(Random r, FilterField field)
    {
        var ops = FilterOperations.Of(field.Operand).Where(o => o is not ("and" or "or")).ToArray();
        var op = r.Next(25) == 0 ? "like" : ops[r.Next(ops.Length)];
        JsonNode? value = op is "in" or "nin"
            ? r.Next(5) == 0 ? Value(r, field) : new JsonArray(Enumerable.Range(0, r.Next(0, 3)).Select(_ => Value(r, field)).ToArray())
            : Value(r, field);
        return new JsonObject { [op] = value };
    }

    /// <summary>A value of the field's type three times in four; otherwise null or a value of another type.</summary>
    private static JsonNode? Value(Random r, FilterField field)
    {
        if (r.Next(4) == 0)
            return r.Next(5) switch { 0 => null, 1 => "abc", 2 => 12.5, 3 => true, _ => new JsonObject { ["x"] = 1 } };
        var type = Nullable.GetUnderlyingType(field.ValueType) ?? field.ValueType;
        return field.Operand switch
        {
            FilterOperand.String => Texts[r.Next(Texts.Length)],
            FilterOperand.Enum => Enums[r.Next(Enums.Length)],
            FilterOperand.Boolean => r.Next(2) == 0,
            FilterOperand.Id => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{(r.Next(5) == 0 ? "Zone" : "Project")}:{r.Next(1, 100)}")),
            _ when type == typeof(DateOnly) => r.Next(6) == 0 ? "2024-13-01" : $"{r.Next(2018, 2029)}-{r.Next(1, 13):00}-{r.Next(1, 29):00}",
            _ when type == typeof(DateTime) => "2024-01-01T00:00:00Z",
            _ when type == typeof(int) => r.Next(6) == 0 ? 2023.5 : r.Next(2018, 2029),
            _ => Math.Round(r.NextDouble() * (r.Next(2) == 0 ? 2 : 60), 2),
        };
    }
}
