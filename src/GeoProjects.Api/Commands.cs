using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Import;
using GeoProjects.Api.Querying;
using GraphQL.Types;

namespace GeoProjects.Api;

/// <summary>The maintenance commands run.sh and developers use; kept out of the serving path.</summary>
public static class Commands
{
    private static readonly string[] Known = ["migrate", "schema", "import", "export", "generate"];

    public static (string? Command, string[] Arguments) Split(string[] args) =>
        args.Length > 0 && Known.Contains(args[0]) ? (args[0], args[1..]) : (null, args);

    public static async Task<int> RunAsync(WebApplication app, string command, string[] args)
    {
        switch (command)
        {
            case "migrate":
                await DatabaseSeeder.MigrateAndSeedAsync(app.Services);
                return 0;
            case "schema":
                var sdl = SchemaFile.Print(app.Services.GetRequiredService<ISchema>());
                var target = args.FirstOrDefault(a => !a.StartsWith('-'));
                if (target is null) Console.Out.Write(sdl);
                else await File.WriteAllTextAsync(target, sdl);
                return 0;
            case "import":
                return await ImportAsync(app, args);
            case "export":
                return await ExportAsync(app, args);
            case "generate":
                await using (var scope = app.Services.CreateAsyncScope())
                {
                    var count = int.Parse(Option(args, "--count") ?? "100000", System.Globalization.CultureInfo.InvariantCulture);
                    var seed = ulong.Parse(Option(args, "--seed") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
                    await scope.ServiceProvider.GetRequiredService<ProjectGenerator>().GenerateAsync(count, seed, Console.Error);
                }
                return 0;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command, null);
        }
    }

    /// <summary>`import <file.geojson|file.csv> [--crs WGS84|CGCS2000|GCJ02|BD09] [--mapping file.json]`: exit 0, or 2 with a report and nothing written.</summary>
    private static async Task<int> ImportAsync(WebApplication app, string[] args)
    {
        var file = args.FirstOrDefault(a => !a.StartsWith("--"));
        if (file is null) return Usage("import <file.geojson|file.csv> [--crs WGS84|CGCS2000|GCJ02|BD09] [--mapping file.json]");
        await using var scope = app.Services.CreateAsyncScope();
        try
        {
            var result = await scope.ServiceProvider.GetRequiredService<ProjectImporter>()
                .ImportAsync(file, new ImportOptions(Option(args, "--crs"), Option(args, "--mapping"), Console.Error));
            if (!result.Succeeded)
            {
                Console.Error.WriteLine($"{result.Errors.Select(e => e.Row).Distinct().Count()} bad rows in {file}; nothing was written:");
                foreach (var e in result.Errors) Console.Error.WriteLine($"  row {e.Row}: {e.Reason}");
                return 2;
            }
            Console.WriteLine($"imported {result.Rows} rows from {file}: {result.Inserted} new, {result.Updated} updated");
            return 0;
        }
        catch (ImportException e)
        {
            Console.Error.WriteLine($"import: {e.Message}");
            return 2;
        }
    }

    /// <summary>`export <file.geojson|file.csv> [--where '{"sector":{"eq":"MARINE_ECONOMY"}}'] [--crs WGS84|GCJ02|BD09]`.</summary>
    private static async Task<int> ExportAsync(WebApplication app, string[] args)
    {
        var file = args.FirstOrDefault(a => !a.StartsWith("--") && args.ElementAtOrDefault(Array.IndexOf(args, a) - 1) is not ("--where" or "--crs"));
        if (file is null) return Usage("export <file.geojson|file.csv> [--where <ProjectFilterInput JSON>] [--crs WGS84|GCJ02|BD09]");
        await using var scope = app.Services.CreateAsyncScope();
        try
        {
            var where = await scope.ServiceProvider.GetRequiredService<InputParser>().ParseAsync("ProjectFilterInput", Option(args, "--where"), scope.ServiceProvider, default);
            var crs = ProjectImporter.ParseCrs(Option(args, "--crs"));
            var count = await scope.ServiceProvider.GetRequiredService<ProjectExporter>().ExportAsync(file, where, crs);
            Console.WriteLine($"exported {count} projects to {file}");
            return 0;
        }
        catch (Exception e) when (e is ImportException or QueryInputException)
        {
            Console.Error.WriteLine($"export: {e.Message}");
            return 2;
        }
    }

    private static string? Option(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    private static int Usage(string usage)
    {
        Console.Error.WriteLine("usage: GeoProjects.Api " + usage);
        return 2;
    }
}
