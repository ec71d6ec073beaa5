using GeoProjects.Api.GraphQL;
using GeoProjects.SeedGenerator;
using GeoProjects.Tests.Infrastructure;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

public sealed class SchemaFileTests
{
    [Fact]
    public void SchemaGraphqlIsCurrent()
    {
        // Same registration as Program.cs; regenerate with: dotnet run --project src/GeoProjects.Api -- schema "$PWD/schema.graphql"
        using var services = new ServiceCollection().AddLogging().AddGeoProjectsSchema(new GraphQLOptions(), development: false).BuildServiceProvider();
        var sdl = SchemaFile.Print(services.GetRequiredService<ISchema>());

        Assert.Equal(File.ReadAllText(Path.Combine(Seed.RepoRoot, "schema.graphql")), sdl);
    }

    [Fact]
    public void EveryTypeFieldArgumentAndEnumValueIsDescribedInChineseAndEnglish()
    {
        using var services = new ServiceCollection().AddLogging().AddGeoProjectsSchema(new GraphQLOptions(), development: false).BuildServiceProvider();
        var schema = services.GetRequiredService<ISchema>();
        schema.Initialize();
        var missing = new List<string>();
        void Check(string what, string? description)
        {
            if (string.IsNullOrWhiteSpace(description) || !description.Any(c => c >= 0x4E00 && c <= 0x9FFF) || !description.Any(char.IsAsciiLetter))
                missing.Add(what);
        }
        var builtIn = new[] { "String", "Int", "Float", "Boolean", "ID" };
        foreach (var type in schema.AllTypes.Where(t => !t.Name.StartsWith("__") && !builtIn.Contains(t.Name)))
        {
            Check(type.Name, type.Description);
            if (type is IComplexGraphType complex)
                foreach (var field in complex.Fields)
                {
                    Check($"{type.Name}.{field.Name}", field.Description);
                    foreach (var arg in field.Arguments ?? []) Check($"{type.Name}.{field.Name}({arg.Name})", arg.Description);
                }
            if (type is EnumerationGraphType e)
                foreach (var value in e.Values) Check($"{type.Name}.{value.Name}", value.Description);
        }
        Assert.Empty(missing);
    }
}

public sealed class SeedFileTests
{
    [Fact]
    public void SeedFilesAreWhatTheCommittedGeneratorWrites()
    {
        foreach (var (name, content) in SeedFiles.Generate())
            Assert.True(File.ReadAllText(Path.Combine(Seed.Directory, name)) == content,
                $"db/seed/{name} differs from the generator's output: dotnet run --project src/GeoProjects.SeedGenerator -- \"$PWD/db/seed\"");
    }

    [Fact]
    public void OnlyZhizhenIsPublishedAndEveryOtherRecordSaysItIsIllustrative()
    {
        var published = Assert.Single(Seed.Projects, p => p.DataSource == "PUBLISHED");
        Assert.Equal("致真存储芯片制造项目", published.Name);
        Assert.All(Seed.Projects.Where(p => p.DataSource != "PUBLISHED"), p =>
        {
            Assert.Equal("ILLUSTRATIVE", p.DataSource);
            Assert.StartsWith("ILLUSTRATIVE", p.SourceNote);
            Assert.StartsWith("[示例]", p.Name);
        });
    }

    [Fact]
    public void ZonesNestAndOverlapInsideTheDistrict()
    {
        // Clipped boundaries are rounded to 1e-5° (about 1 m), so containment is checked within 2 m.
        bool Covers(string outer, string inner) => Seed.Zone(outer).Boundary.Buffer(2e-5).Covers(Seed.Zone(inner).Boundary);
        Assert.All(Seed.Zones.Where(z => z.Code != "XHA"), z => Assert.True(Covers("XHA", z.Code), z.Code));
        Assert.True(Covers("FTZ", "QBPZ"));
        Assert.True(Covers("DJK", "LYT"));
        Assert.True(Seed.Zone("FTZ").Boundary.Overlaps(Seed.Zone("SGEP").Boundary));
        Assert.True(Seed.Zone("ETDZ").Boundary.Intersects(Seed.Zone("FTZ").Boundary)); // with these bboxes 自贸片区 lies inside 开发区
    }
}

[Collection(ApiCollection.Name)]
public sealed class ZoneAssignmentTests(ApiFixture api)
{
    [Fact]
    public async Task EveryProjectGetsTheSmallestZoneContainingIt()
    {
        var r = await api.QueryAsync("{ projects(first: 100) { nodes { code zone { code } } } }");
        r.AssertNoErrors();
        var actual = r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray()
            .ToDictionary(n => n.GetProperty("code").GetString()!, n => n.GetProperty("zone").GetProperty("code").GetString());

        Assert.Equal(Seed.Projects.ToDictionary(p => p.Code, Seed.AssignedZone), actual);
    }

    [Fact]
    public async Task TriggerAssignsNestedZoneOnInsertUnlessOneIsGiven()
    {
        await using var c = await api.OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        var lyt = Seed.Zone("LYT").Boundary.InteriorPoint;
        await using var insert = new NpgsqlCommand("""
            INSERT INTO projects (code, name, sector, status, total_investment, location, data_source, source_note)
            VALUES ('T-1', 't', 'MarineEconomy', 'Reserve', 1, ST_SetSRID(ST_MakePoint($1, $2), 4326), 'Illustrative', 'test'),
                   ('T-2', 't', 'MarineEconomy', 'Reserve', 1, ST_SetSRID(ST_MakePoint($1, $2), 4326), 'Illustrative', 'test')
            """, c, tx);
        insert.Parameters.Add(new() { Value = lyt.X });
        insert.Parameters.Add(new() { Value = lyt.Y });
        await insert.ExecuteNonQueryAsync();
        await using var given = new NpgsqlCommand("UPDATE projects SET zone_id = (SELECT id FROM zones WHERE code = 'DJK') WHERE code = 'T-2'", c, tx);
        await given.ExecuteNonQueryAsync();
        await using var read = new NpgsqlCommand("SELECT p.code, z.code FROM projects p JOIN zones z ON z.id = p.zone_id WHERE p.code LIKE 'T-%' ORDER BY 1", c, tx);
        var zones = new List<string>();
        await using (var reader = await read.ExecuteReaderAsync())
            while (await reader.ReadAsync()) zones.Add(reader.GetString(1));
        await tx.RollbackAsync();

        Assert.Equal(["LYT", "DJK"], zones); // 琅琊台 lies inside 董家口: the smaller one wins unless set
    }
}
