using System.Text.Json;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using Npgsql;

namespace GeoProjects.Api.Data;

/// <summary>Applies the EF Core migrations and loads db/seed into an empty database (`GeoProjects.Api migrate`).</summary>
public static class DatabaseSeeder
{
    public static async Task MigrateAndSeedAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var connection = services.GetRequiredService<DatabaseConnection>();
        await MigrateAsOwnerAsync(connection, ct);
        await CheckApiLoginAsync(connection.Primary, ct);

        // The seed goes in through the API's login as an admin, so row-level security and the triggers see it as any write.
        using var operatorScope = Security.CallerScope.Use(Security.Caller.Operator("seed"));
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GeoProjectsDb>();
        var log = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseSeeder));
        if (await db.Zones.AnyAsync(ct) || await db.Projects.AnyAsync(ct))
        {
            log.LogInformation("Database already holds data; seed not loaded");
            return;
        }
        var dir = SeedDirectory(scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value, scope.ServiceProvider.GetRequiredService<IHostEnvironment>());
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var zones = LoadZones(Path.Combine(dir, "zones.geojson"));
        db.Zones.AddRange(zones.Values);
        var batches = LoadBatches(Path.Combine(dir, "batches.json"));
        db.Batches.AddRange(batches.Values);
        await db.SaveChangesAsync(ct);
        // Projects without a zone get one from the database trigger (smallest containing zone).
        db.Projects.AddRange(LoadProjects(Path.Combine(dir, "projects.geojson"), zones, batches));
        await db.SaveChangesAsync(ct);
        await db.Database.ExecuteSqlRawAsync(GeoProjects.Api.Projects.ProgressFigures.CarryOver2023("seed"), ct);
        await LoadProgressAsync(db, Path.Combine(dir, "progress.json"), ct);
        await tx.CommitAsync(ct);
        log.LogInformation("Seeded {Zones} zones, {Batches} batches and {Projects} projects from {Dir}", zones.Count, batches.Count, await db.Projects.CountAsync(ct), dir);
    }

    /// <summary>
    /// `migrate` is one transaction, as the tables' owner: the migrations, then the programmable design in db/ (functions,
    /// triggers, policies: each file again when its content changed), the configured access policy and the API login's
    /// password. Whatever fails, nothing is changed; two migrates at once take turns.
    /// </summary>
    private static async Task MigrateAsOwnerAsync(DatabaseConnection connection, CancellationToken ct)
    {
        var options = DataSetup.Configure(new DbContextOptionsBuilder<GeoProjectsDb>(), connection.Value, statementTimeoutMs: 0)
            // EF Core runs the migrations in the transaction it is given, instead of one of its own per migration.
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.MigrationsUserTransactionWarning));
        await using var owner = new GeoProjectsDb((DbContextOptions<GeoProjectsDb>)options.Options);
        // A migration may rewrite or summarize every row (a million projects take minutes): no client-side timeout either.
        owner.Database.SetCommandTimeout(TimeSpan.Zero);
        var creator = owner.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(ct)) await creator.CreateAsync(ct);
        await using var tx = await owner.Database.BeginTransactionAsync(ct);
        await owner.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({MigrateLock})", ct);
        // A database the squashed migrations made is marked as at the baseline; one they left halfway stops here.
        await PreviousMigrations.UpgradeHistoryAsync((NpgsqlTransaction)tx.GetDbTransaction(), ct);
        // EF Core reads its history by trying (an error would end the transaction): the table is made first, in the transaction.
        await owner.Database.ExecuteSqlRawAsync(owner.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), ct);
        await owner.Database.MigrateAsync(ct);
        await DatabaseScripts.ApplyAsync((NpgsqlTransaction)tx.GetDbTransaction(), ct);
        await WriteAccessPolicyAsync(owner, ct);
        if (connection.ApiPassword is { } password)
        {
            // ALTER ROLE takes no parameters: the password travels as one into a setting, and format(%L) quotes it.
            await owner.Database.ExecuteSqlRawAsync("SELECT set_config('geoprojects.api_password', {0}, true)", [password], ct);
            await owner.Database.ExecuteSqlRawAsync($"""
                DO $$ BEGIN EXECUTE format('ALTER ROLE {DataSetup.ApiRole} PASSWORD %L', current_setting('geoprojects.api_password')); END $$
                """, ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>The advisory lock a migrate holds to its end ("GeoMigr" in ASCII): a second one waits, then finds nothing to do.</summary>
    private const long MigrateLock = 0x47656F4D696772;

    /// <summary>
    /// The configured access policy's parts that the database enforces (Security/AccessPolicy.cs): which statuses the public
    /// reads, and each field's least role to write. Replaced whole at every `migrate`.
    /// </summary>
    private static async Task WriteAccessPolicyAsync(DbContext owner, CancellationToken ct)
    {
        var writes = Security.AccessPolicy.FieldWrites().ToList();
        await owner.Database.ExecuteSqlRawAsync("""
            DELETE FROM access_public_statuses;
            INSERT INTO access_public_statuses SELECT unnest({0}::text[]);
            DELETE FROM access_field_writes;
            INSERT INTO access_field_writes SELECT * FROM unnest({1}::text[], {2}::text[], {3}::text[]);
            """,
            [Security.AccessPolicy.PublicStatuses.Select(s => s.ToString()).ToArray(), writes.Select(w => w.Table).ToArray(),
                writes.Select(w => w.Column).ToArray(), writes.Select(w => w.Role).ToArray()], ct);
    }

    /// <summary>Refuses an API login that would skip row-level security (ServingLogins: the rule every serving connection is held to).</summary>
    private static async Task CheckApiLoginAsync(ServingConnection api, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(api.ConnectionString);
        await c.OpenAsync(ct);
        await c.ReloadTypesAsync(ct); // the migration may just have created the postgis extension
        if (await ServingLogins.ProblemAsync(c, ct) is { } problem)
            throw new ConfigurationProblem(ServingLogins.Refusal(api.Name, $"{c.Host}:{c.Port}", problem));
    }

    public static string SeedDirectory(DatabaseOptions options, IHostEnvironment env)
    {
        if (options.SeedDirectory is { } configured) return configured;
        for (var dir = new DirectoryInfo(env.ContentRootPath); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "db", "seed");
            if (File.Exists(Path.Combine(candidate, "projects.geojson"))) return candidate;
        }
        throw new InvalidOperationException("db/seed not found above the content root; set Database__SeedDirectory");
    }

    private static Dictionary<string, Zone> LoadZones(string path)
    {
        var zones = new Dictionary<string, Zone>();
        foreach (var f in Features(path))
        {
            var p = f.GetProperty("properties");
            var geometry = GeoJson.Parse(f.GetProperty("geometry"));
            var zone = new Zone
            {
                Code = Str(p, "code")!,
                Name = Str(p, "name")!,
                NameEn = Str(p, "nameEn")!,
                Kind = Enum<ZoneKind>(p, "kind"),
                Boundary = geometry as MultiPolygon ?? GeoJson.Factory.CreateMultiPolygon([(Polygon)geometry]),
                IsApproximate = p.GetProperty("approximate").GetBoolean(),
                Confidence = Enum<BoundaryConfidence>(p, "confidence"),
                SourceNote = Str(p, "sourceNote")!,
            };
            if (Str(p, "parent") is { } parent) zone.Parent = zones[parent];
            zones[zone.Code] = zone;
        }
        return zones;
    }

    private static Dictionary<string, ProjectBatch> LoadBatches(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("batches").EnumerateArray().Select(b => new ProjectBatch
        {
            Code = Str(b, "code")!,
            Name = Str(b, "name")!,
            Date = DateOnly.Parse(Str(b, "date")!, System.Globalization.CultureInfo.InvariantCulture),
            Level = Enum<BatchLevel>(b, "level"),
            Kind = Enum<BatchKind>(b, "kind"),
            SourceNote = Str(b, "sourceNote")!,
        }).ToDictionary(b => b.Name);
    }

    /// <summary>
    /// Projects as the seed writes them: each stored field of the registry read from the property of its name (the
    /// location from the feature's geometry), and relations from the values files name them by (a zone's code).
    /// </summary>
    private static IEnumerable<Project> LoadProjects(string path, Dictionary<string, Zone> zones, Dictionary<string, ProjectBatch> batches)
    {
        var registry = ProjectFields.Registry;
        var location = FlatSql.Geometry(registry, Door.Files);
        var stored = registry.Fields.Where(f => f.Property is { CanWrite: true } && !f.Generated && f.Kind != ValueKind.Relation).ToList();
        var related = new Dictionary<string, Func<string, object>> { ["zone"] = code => zones[code], ["batch"] = name => batches[name] };
        foreach (var f in Features(path))
        {
            var p = f.GetProperty("properties");
            var project = new Project { Code = null!, Name = null!, Location = null!, SourceNote = null! };
            foreach (var field in stored)
            {
                var json = field == location ? f.GetProperty("geometry") : p.TryGetProperty(field.Name, out var v) ? v : default;
                if (json.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) continue;
                field.Property!.SetValue(project, Read(field, json));
            }
            // The 2023 figures, which the carry-over turns into 2023 plans and December 2023 reports.
            project.AnnualPlannedInvestment = Dec(p, "annualPlannedInvestment");
            project.CompletedInvestment = Dec(p, "completedInvestment");
            foreach (var view in registry.In(Door.Files).Where(v => v.Via is not null))
                if (Str(p, view.Name) is { } value)
                    registry.Find(view.Via!.Relation).Property!.SetValue(project, related[view.Via.Relation](value));
            yield return project;
        }
    }

    /// <summary>A seed value by the field's kind; enums in GraphQL's spelling (ADVANCED_MANUFACTURING).</summary>
    private static object? Read(RegistryField field, JsonElement json) => field.Kind switch
    {
        ValueKind.Geometry => GeoJson.Parse(json),
        ValueKind.Decimal => json.GetDecimal(),
        ValueKind.Integer => json.GetInt32(),
        ValueKind.Boolean => json.GetBoolean(),
        ValueKind.Date => DateOnly.Parse(json.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        ValueKind.Enum => System.Enum.Parse(field.ValueType, json.GetString()!.Replace("_", ""), ignoreCase: true),
        _ => json.GetString(),
    };

    /// <summary>The seed's ILLUSTRATIVE plans and monthly reports (progress.json), by project code, in two statements.</summary>
    private static async Task LoadProgressAsync(GeoProjectsDb db, string path, CancellationToken ct)
    {
        if (!File.Exists(path)) return;
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path, ct));
        var plans = new NpgsqlParameter("plans", NpgsqlTypes.NpgsqlDbType.Jsonb) { Value = doc.RootElement.GetProperty("plans").GetRawText() };
        var reports = new NpgsqlParameter("reports", NpgsqlTypes.NpgsqlDbType.Jsonb) { Value = doc.RootElement.GetProperty("reports").GetRawText() };
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO annual_plans (project_id, year, planned_investment, data_source)
            SELECT p.id, x.year, x."plannedInvestment", 'Illustrative'
            FROM jsonb_to_recordset(@plans) AS x(code text, year int, "plannedInvestment" numeric) JOIN projects p ON p.code = x.code
            """, [plans], ct);
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO progress_reports (project_id, period, completed_investment_ytd, status, note, correction, reported_by, data_source)
            SELECT p.id, to_date(x.period || '-01', 'YYYY-MM-DD'), x."completedInvestmentYtd", replace(initcap(lower(x.status)), '_', ''),
                   'ILLUSTRATIVE: made up by the seed generator', false, 'seed', 'Illustrative'
            FROM jsonb_to_recordset(@reports) AS x(code text, period text, "completedInvestmentYtd" numeric, status text)
            JOIN projects p ON p.code = x.code
            """, [reports], ct);
    }

    private static decimal? Dec(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;

    private static List<JsonElement> Features(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("features").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Seed files use the GraphQL spelling (ADVANCED_MANUFACTURING); the enums are PascalCase.</summary>
    private static T Enum<T>(JsonElement e, string name) where T : struct, Enum =>
        System.Enum.Parse<T>(Str(e, name)!.Replace("_", ""), ignoreCase: true);
}
