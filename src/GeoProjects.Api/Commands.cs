using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GraphQL.Types;

namespace GeoProjects.Api;

/// <summary>The maintenance commands run.sh and developers use; kept out of the serving path.</summary>
public static class Commands
{
    private static readonly string[] Known = ["migrate", "schema"];

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
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command, null);
        }
    }
}
