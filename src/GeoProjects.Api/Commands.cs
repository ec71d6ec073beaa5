using System.CommandLine;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Hosting;
using GeoProjects.Api.Import;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Security;
using GraphQL.Types;

namespace GeoProjects.Api;

/// <summary>
/// The maintenance commands run.sh and developers use, kept out of the serving path. Parsed by System.CommandLine:
/// options go anywhere (`import --crs GCJ02 file.csv` and `import file.csv --crs GCJ02` are the same), `--help` works,
/// and a mistake is a one-line message with the usage, exit code 1.
/// </summary>
public static class Commands
{
    private static readonly string[] Known =
        ["migrate", "schema", "fields", "token", "import-progress", "import", "export", "generate", "backup", "restore"];

    public static (string? Command, string[] Arguments) Split(string[] args) =>
        args.Length > 0 && (Known.Contains(args[0]) || args[0] is "-h" or "--help" or "-?") ? (args[0], args[1..]) : (null, args);

    /// <summary>Runs a command; its exceptions reach Program, which tells the operator's problems in one line.</summary>
    public static Task<int> RunAsync(WebApplication app, string command, string[] args) =>
        Root(app.Services).Parse([command, .. args]).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

    private static RootCommand Root(IServiceProvider services)
    {
        var root = new RootCommand("GeoProjects: 重大项目 registry. Without a command, serves the API (--urls http://127.0.0.1:5080).");
        root.Subcommands.Add(Migrate(services));
        root.Subcommands.Add(Schema(services));
        root.Subcommands.Add(FieldsCommand());
        root.Subcommands.Add(TokenCommand(services));
        root.Subcommands.Add(ImportCommand(services));
        root.Subcommands.Add(ImportProgressCommand(services));
        root.Subcommands.Add(ExportCommand(services));
        root.Subcommands.Add(Generate(services));
        root.Subcommands.Add(BackupCommand(services));
        root.Subcommands.Add(RestoreCommand(services));
        return root;
    }

    /// <summary>
    /// A command on the server acts as an admin through the API's login (row-level security holds for it too), named in
    /// the revisions as `command:who` (--actor, else the operating system's user).
    /// </summary>
    private static IDisposable As(string command, string? actor) =>
        CallerScope.Use(Caller.Operator($"{command}:{(string.IsNullOrWhiteSpace(actor) ? Environment.UserName : actor.Trim())}"));

    private static Command Migrate(IServiceProvider services)
    {
        var command = new Command("migrate", "Create the database and PostGIS, apply migrations, load db/seed into an empty database.");
        command.SetAction(async (_, _) =>
        {
            await DatabaseSeeder.MigrateAndSeedAsync(services);
            return 0;
        });
        return command;
    }

    private static Command Schema(IServiceProvider services)
    {
        var file = new Argument<string?>("file") { Description = "Where to write the SDL; standard output when left out.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("schema", "Print the GraphQL schema (SDL), as committed in schema.graphql.") { file };
        command.SetAction(async (result, ct) =>
        {
            var sdl = SchemaFile.Print(services.GetRequiredService<ISchema>());
            if (result.GetValue(file) is { } target) await File.WriteAllTextAsync(target, sdl, ct);
            else Console.Out.Write(sdl);
            return 0;
        });
        return command;
    }

    private static Command TokenCommand(IServiceProvider services)
    {
        var subject = new Option<string>("--sub") { Description = "Who the token names (the revisions record it).", Required = true };
        var role = new Option<Role>("--role") { Description = "anonymous, viewer, editor or admin.", Required = true };
        var zones = new Option<string?>("--zones") { Description = "An editor's zone codes, comma-separated (GZK,DJK)." };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime: 30m, 8h, 7d …", DefaultValueFactory = _ => "8h" };
        var command = new Command("token", "Print a bearer token signed with the local key (.data/jwt-signing-key), for local use and tests.")
        {
            subject, role, zones, ttl,
        };
        command.SetAction(result =>
        {
            if (Lifetime(result.GetValue(ttl)!) is not { } lifetime)
            {
                Console.Error.WriteLine("token: --ttl is a number with s, m, h or d (30m, 8h, 7d)");
                return 2;
            }
            var options = services.GetRequiredService<AuthOptions>();
            var codes = (result.GetValue(zones) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Console.WriteLine(Identity.Issue(options, result.GetValue(subject)!, result.GetValue(role), codes, lifetime));
            return 0;
        });
        return command;
    }

    private static TimeSpan? Lifetime(string text) =>
        text.Length > 1 && int.TryParse(text[..^1], out var n) && n > 0 ? text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), 'd' => TimeSpan.FromDays(n), _ => null,
        } : null;

    private static Command FieldsCommand()
    {
        var file = new Argument<string?>("file") { Description = "Where to write the field reference; standard output when left out.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("fields", "Print the field reference (Markdown) from the field registry, as committed in docs/fields.md.") { file };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(file) is { } target) await File.WriteAllTextAsync(target, Fields.FieldsDoc.Render(), ct);
            else Console.Out.Write(Fields.FieldsDoc.Render());
            return 0;
        });
        return command;
    }

    /// <summary>Every bad row with its number and reason, on standard error; exit code 2.</summary>
    private static int BadRows(ImportResult imported, string path)
    {
        Console.Error.WriteLine($"{imported.Errors.Select(e => e.Row).Distinct().Count()} bad rows in {path}; nothing was written:");
        foreach (var e in imported.Errors) Console.Error.WriteLine($"  row {e.Row}: {e.Reason}");
        return 2;
    }

    private static Command ImportProgressCommand(IServiceProvider services)
    {
        var file = new Argument<string>("file") { Description = "The monthly sheet (.xlsx or .csv): 项目编码, 月份, 累计完成投资, 状态, 备注." };
        var actor = new Option<string?>("--actor") { Description = "Who reports, as the revisions record it; default: the operating system's user." };
        var command = new Command("import-progress", "Import monthly progress reports; one bad row and nothing is written (exit 2).") { file, actor };
        command.SetAction(async (result, ct) =>
        {
            await using var scope = services.CreateAsyncScope();
            using var operatorScope = As("import", result.GetValue(actor));
            var path = result.GetValue(file)!;
            try
            {
                var imported = await TerminalProgress.RunAsync(progress => scope.ServiceProvider.GetRequiredService<ProgressImporter>()
                    .ImportAsync(path, new ImportOptions(Progress: progress, Actor: result.GetValue(actor)), ct));
                if (!imported.Succeeded) return BadRows(imported, path);
                Console.WriteLine($"reported {imported.Rows} months from {path}");
                return 0;
            }
            catch (ImportException e)
            {
                Console.Error.WriteLine($"import-progress: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static Command ImportCommand(IServiceProvider services)
    {
        var file = new Argument<string>("file") { Description = "GeoJSON, CSV, Shapefile (.shp or .zip) or GeoPackage." };
        var crs = new Option<string?>("--crs") { Description = "The file's CRS when it does not say: WGS84, CGCS2000, GCJ02 or BD09." };
        var mapping = new Option<string?>("--mapping") { Description = "Column mapping (JSON); default db/import-mapping.json." };
        var actor = new Option<string?>("--actor") { Description = "Who imports, as the revisions record it; default: the operating system's user." };
        var command = new Command("import", "Import projects: every row is validated first; one bad row and nothing is written (exit 2).")
        {
            file, crs, mapping, actor,
        };
        command.SetAction(async (result, ct) =>
        {
            await using var scope = services.CreateAsyncScope();
            using var operatorScope = As("import", result.GetValue(actor));
            var path = result.GetValue(file)!;
            try
            {
                var imported = await TerminalProgress.RunAsync(progress => scope.ServiceProvider.GetRequiredService<ProjectImporter>()
                    .ImportAsync(path, new ImportOptions(result.GetValue(crs), result.GetValue(mapping), progress, result.GetValue(actor))));
                if (!imported.Succeeded) return BadRows(imported, path);
                Console.WriteLine($"imported {imported.Rows} rows from {path}: {imported.Inserted} new, {imported.Updated} updated");
                return 0;
            }
            catch (ImportException e)
            {
                Console.Error.WriteLine($"import: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static Command ExportCommand(IServiceProvider services)
    {
        var file = new Argument<string>("file") { Description = "GeoJSON, CSV, Shapefile (.shp or .zip) or GeoPackage, by extension." };
        var where = new Option<string?>("--where") { Description = "A ProjectFilterInput as JSON, as GraphQL's `where`." };
        var crs = new Option<string?>("--crs") { Description = "WGS84 (default), GCJ02 or BD09." };
        var asOf = new Option<DateOnly?>("--as-of") { Description = "The day progress fields (warningLevel, scheduleGap) are computed for; default today." };
        var headers = new Option<string>("--headers") { Description = "CSV column headers: en (field names, default) or zh (中文表头 such as 项目编码)." };
        headers.AcceptOnlyFromAmong("en", "zh");
        var command = new Command("export", "Export projects, filtered by the same model as GraphQL.") { file, where, crs, asOf, headers };
        command.SetAction(async (result, ct) =>
        {
            await using var scope = services.CreateAsyncScope();
            using var operatorScope = As("export", null);
            var path = result.GetValue(file)!;
            try
            {
                var filter = WhereReader.Read(ProjectSchema.Filter, result.GetValue(where));
                var context = Progress.Context(scope.ServiceProvider, result.GetValue(asOf));
                var count = await TerminalProgress.RunAsync(progress => scope.ServiceProvider.GetRequiredService<ProjectExporter>()
                    .ExportAsync(path, filter, ProjectImporter.ParseCrs(result.GetValue(crs)), context, ct, result.GetValue(headers) == "zh", progress));
                Console.WriteLine($"exported {count} projects to {path}");
                return 0;
            }
            catch (Exception e) when (e is ImportException or QueryInputException)
            {
                Console.Error.WriteLine($"export: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static Command Generate(IServiceProvider services)
    {
        var count = new Option<int>("--count") { Description = "How many ILLUSTRATIVE projects.", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<ulong>("--seed") { Description = "The generator's seed: the same seed, the same projects.", DefaultValueFactory = _ => 1 };
        var actor = new Option<string?>("--actor") { Description = "Who generates, as the revisions record it; default: the operating system's user." };
        var command = new Command("generate", "Add generated ILLUSTRATIVE projects for benchmarks (binary COPY).") { count, seed, actor };
        command.SetAction(async (result, _) =>
        {
            await using var scope = services.CreateAsyncScope();
            using var operatorScope = As("generate", result.GetValue(actor));
            await TerminalProgress.RunAsync(progress => scope.ServiceProvider.GetRequiredService<ProjectGenerator>()
                .GenerateAsync(result.GetValue(count), result.GetValue(seed), progress));
            return 0;
        });
        return command;
    }

    private static Command BackupCommand(IServiceProvider services)
    {
        var file = new Argument<string>("file") { Description = "Where to write the backup (PostgreSQL custom format, pg_restore reads it)." };
        var command = new Command("backup", "Back up the registry database with pg_dump; written whole or not at all.") { file };
        command.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            await TerminalProgress.RunAsync(async progress =>
            {
                await services.GetRequiredService<Backup>().BackupAsync(path, ct, progress);
                return 0;
            });
            Console.WriteLine($"backed up to {path} ({new FileInfo(path).Length:N0} bytes)");
            return 0;
        });
        return command;
    }

    private static Command RestoreCommand(IServiceProvider services)
    {
        var file = new Argument<string>("file") { Description = "A backup written by `backup` (or pg_dump -Fc)." };
        var command = new Command("restore", "Replace the registry database with a backup; a bad file changes nothing.") { file };
        command.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            await services.GetRequiredService<Backup>().RestoreAsync(path, ct);
            Console.WriteLine($"restored {path}");
            return 0;
        });
        return command;
    }
}
