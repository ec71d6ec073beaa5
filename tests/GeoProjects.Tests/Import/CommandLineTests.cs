using System.Diagnostics;
using System.Text.Json;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace GeoProjects.Tests;

/// <summary>The commands as an operator runs them: the real executable, its exit codes and what it prints.</summary>
[Collection(ApiCollection.Name)]
public sealed class CommandLineTests(ApiFixture api)
{
    private static Task<(int Exit, string Output)> RunAsync(string workingDirectory, IDictionary<string, string?> environment, params string[] arguments) =>
        ServerProcess.CommandAsync(workingDirectory, environment, arguments);

    [Fact]
    public async Task OptionsGoAnywhereAndProgressUsesTheConfiguredThresholds()
    {
        var folder = Directory.CreateTempSubdirectory("export").FullName;
        var db = new Dictionary<string, string?> { ["ConnectionStrings__GeoProjects"] = api.ConnectionString, ["Progress__RedBehindPoints"] = "12" };
        var where = """{"warningLevel":{"eq":"RED"}}""";

        var before = await RunAsync(folder, db, "export", "--crs", "GCJ02", "--where", where, "--as-of", "2024-06-30", "red.geojson");
        var after = await RunAsync(folder, db, "export", "red.csv", "--as-of", "2024-06-30", "--where", where);

        Assert.True(before.Exit == 0, before.Output);
        Assert.True(after.Exit == 0, after.Output);
        Assert.Equal("exported", before.Output.Split(' ')[0]); // one line, no progress bar: not a terminal
        // The oracle: the same question through GraphQL, on a server with the same threshold.
        await using var strict = api.WithWebHostBuilder(b => b.UseSetting("Progress:RedBehindPoints", "12"));
        using var client = strict.CreateClient();
        var response = await client.PostAsync("/graphql", new StringContent(
            JsonSerializer.Serialize(new { query = "{ projects(asOf: \"2024-06-30\", where: { warningLevel: { eq: RED } }) { totalCount } }" }),
            System.Text.Encoding.UTF8, "application/json"));
        var expected = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("projects").GetProperty("totalCount").GetInt32();
        Assert.Contains($"exported {expected} projects", before.Output);
        Assert.Contains($"exported {expected} projects", after.Output);
        var features = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "red.geojson"))).RootElement.GetProperty("features").GetArrayLength();
        Assert.Equal(expected, features);
        Assert.NotEqual(0, expected);
    }

    [Theory]
    [InlineData("no database configured")]
    public async Task WithNothingConfiguredTheProblemIsOneLine(string expected)
    {
        var (exit, output) = await RunAsync(Path.GetTempPath(), new Dictionary<string, string?>(), "export", "x.geojson");
        Assert.Equal(2, exit);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public async Task FromTheCheckoutTheCommandsFindThePrivateCluster()
    {
        // A checkout whose .data/pg is the cluster the tests run on (its postmaster.pid says the port).
        var server = new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString);
        var cluster = Path.Combine(Seed.RepoRoot, ".data", "pg-test");
        if (!Directory.Exists(cluster)) return; // the tests run on an external PostGIS: no private cluster to find
        var checkout = Directory.CreateTempSubdirectory("checkout").FullName;
        Directory.CreateDirectory(Path.Combine(checkout, ".data"));
        Directory.CreateSymbolicLink(Path.Combine(checkout, ".data", "pg"), Path.GetFullPath(new DirectoryInfo(cluster).ResolveLinkTarget(true)?.FullName ?? cluster));
        var file = Path.Combine(checkout, "all.csv");
        var (exit, output) = await RunAsync(Path.Combine(checkout), new Dictionary<string, string?> { ["GEOPROJECTS_DB_NAME"] = api.Database }, "export", file);
        Assert.True(exit == 0, output);
        Assert.Contains("exported 94 projects", output);
        Assert.Equal(server.Port.ToString(), File.ReadLines(Path.Combine(cluster, "postmaster.pid")).ElementAt(3));
    }

    [Fact]
    public async Task AnUnreachableDatabaseIsOneLine()
    {
        var (exit, output) = await RunAsync(Path.GetTempPath(), new Dictionary<string, string?> { ["ConnectionStrings__GeoProjects"] = "Host=127.0.0.1;Port=1;Database=x" },
            "export", "x.geojson");
        Assert.Equal(2, exit);
        Assert.Contains("cannot reach the database", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task AMissingArgumentNamesItAndShowsTheUsage()
    {
        var (exit, output) = await RunAsync(Path.GetTempPath(), new Dictionary<string, string?> { ["ConnectionStrings__GeoProjects"] = api.ConnectionString }, "import");
        Assert.NotEqual(0, exit);
        Assert.Contains("Required argument 'file' missing", output);
        Assert.Contains("--crs", output);
    }

    [Fact]
    public async Task AFreshCloneBuildsBeforeTheNpmPackagesAreInstalled()
    {
        // MSBuild's view of the project without node_modules: no item may name a file that is not there (MSB3030).
        var copy = Directory.CreateTempSubdirectory("fresh-clone").FullName;
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
            File.Copy(Path.Combine(Seed.RepoRoot, file), Path.Combine(copy, file));
        var project = Path.Combine(copy, "src", "GeoProjects.Api");
        Directory.CreateDirectory(project);
        File.Copy(Path.Combine(Seed.RepoRoot, "src", "GeoProjects.Api", "GeoProjects.Api.csproj"), Path.Combine(project, "GeoProjects.Api.csproj"));
        var (exit, json) = await LiveServer.RunAsync("dotnet", "msbuild", Path.Combine(project, "GeoProjects.Api.csproj"), "-getItem:None", "-nologo");
        Assert.True(exit == 0, json);
        var items = JsonDocument.Parse(json[json.IndexOf('{')..]).RootElement.GetProperty("Items").GetProperty("None").EnumerateArray();
        var missing = items.Select(i => i.GetProperty("FullPath").GetString()!).Where(p => !File.Exists(p)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task BackupAndRestoreRoundTripEveryRowAndGeometry()
    {
        var folder = Directory.CreateTempSubdirectory("backup").FullName;
        var file = Path.Combine(folder, "registry.dump");
        var source = new Dictionary<string, string?> { ["ConnectionStrings__GeoProjects"] = api.ConnectionString };
        var (backedUp, log) = await RunAsync(folder, source, "backup", file);
        Assert.True(backedUp == 0, log);
        Assert.DoesNotContain("backing up", log); // progress is for terminals; redirected output stays quiet
        Assert.False(File.Exists(file + ".partial"));

        // Restore into another database, then compare every table's rows (geometries included) with the original.
        var copy = new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = api.Database + "_copy" };
        try
        {
            var (restored, restoreLog) = await RunAsync(folder, new Dictionary<string, string?> { ["ConnectionStrings__GeoProjects"] = copy.ConnectionString }, "restore", file);
            Assert.True(restored == 0, restoreLog);
            Assert.Equal(await api.DataFingerprintAsync(), await ApiFixture.DataFingerprintAsync(copy.ConnectionString));

            // A file that is not a backup changes nothing.
            var junk = Path.Combine(folder, "junk.dump");
            await File.WriteAllTextAsync(junk, "not a dump");
            var (refused, refusal) = await RunAsync(folder, new Dictionary<string, string?> { ["ConnectionStrings__GeoProjects"] = copy.ConnectionString }, "restore", junk);
            Assert.Equal(2, refused);
            Assert.Contains("pg_restore failed", refusal);
            Assert.Equal(await api.DataFingerprintAsync(), await ApiFixture.DataFingerprintAsync(copy.ConnectionString));
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var admin = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = "postgres" }.ConnectionString);
            await admin.OpenAsync();
            await new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{copy.Database}\" WITH (FORCE)", admin).ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task AFailedBackupLeavesNoFileThatLooksComplete()
    {
        var folder = Directory.CreateTempSubdirectory("backup").FullName;
        var file = Path.Combine(folder, "registry.dump");
        var missing = new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = "no_such_database" };
        var (exit, output) = await RunAsync(folder, new Dictionary<string, string?> { ["ConnectionStrings__GeoProjects"] = missing.ConnectionString }, "backup", file);

        Assert.Equal(2, exit);
        Assert.Contains("pg_dump failed", output);
        Assert.Empty(Directory.EnumerateFiles(folder));
    }
}
