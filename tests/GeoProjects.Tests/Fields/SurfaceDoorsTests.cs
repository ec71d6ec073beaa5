using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Import;
using GeoProjects.Api.Live;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// The surface at the doors the flat-door test leaves out: the progress figures at past dates (GraphQL, OGC, GeoJSON),
/// every export format, and the subscription payloads — each value against the database, for every caller a door serves.
/// </summary>
public sealed partial class SurfaceTests
{
    private async Task ReportAsync(string note)
    {
        output.WriteLine(note);
        if (Environment.GetEnvironmentVariable("GEOPROJECTS_SURFACE_REPORT") is { Length: > 0 } file)
            await File.AppendAllTextAsync(file, note + "\n");
    }

    private static HttpClient As(ApiFixture api, string? token) => api.ClientAs(token);

    /// <summary>
    /// The oracle of the progress figures, written apart from the API's: the plan of the date's year, and the latest report
    /// of that year whose month had ended by the date (its last day on or before it), per project.
    /// </summary>
    private async Task<Dictionary<long, (string? Planned, string? Completed)>> FiguresAsync(string date)
    {
        await using var c = await api.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT p.id,
              (SELECT a.planned_investment::text FROM annual_plans a WHERE a.project_id = p.id AND a.year = extract(year FROM $1::date)),
              (SELECT r.completed_investment_ytd::text FROM progress_reports r
                WHERE r.project_id = p.id AND extract(year FROM r.period) = extract(year FROM $1::date)
                  AND (date_trunc('month', r.period) + interval '1 month' - interval '1 day')::date <= $1::date
                ORDER BY r.period DESC LIMIT 1)
            FROM projects p
            """, c);
        command.Parameters.Add(new() { Value = date });
        await using var reader = await command.ExecuteReaderAsync();
        var figures = new Dictionary<long, (string?, string?)>();
        while (await reader.ReadAsync())
            figures[reader.GetInt32(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return figures;
    }

    /// <summary>
    /// annualPlannedInvestment and completedInvestment at past dates (a year's end, the next January, mid-year) at every door
    /// that shows them, for every caller: staff see the oracle's figures, the public sees neither, at every door alike.
    /// </summary>
    [Fact]
    public async Task ProgressFiguresAtPastDatesEqualTheDatabaseAtEveryDoorForEveryCaller()
    {
        var project = ProjectFields.Registry;
        var figures = new[] { project.Find("annualPlannedInvestment"), project.Find("completedInvestment") };
        var failures = new List<string>();
        var combinations = 0;
        foreach (var date in new[] { "2023-12-31", "2024-01-15", PastDate })
        {
            var truth = await FiguresAsync(date);
            foreach (var caller in Callers)
            {
                using var client = As(api, TokenOf(caller));
                var role = caller.Role ?? Role.Anonymous;
                var doors = new List<(string Door, Door Flag, Dictionary<long, JsonElement> Rows)>
                {
                    ("ogc", Door.OgcApi, await FeaturesAsync(client, $"/ogc/collections/projects/items?limit=10000&asOf={date}")),
                    ("geojson", Door.GeoJsonLayer, await FeaturesAsync(client, $"/geojson/projects?limit=10000&asOf={date}")),
                };
                if (role >= Role.Viewer)
                {
                    var r = await api.QueryAsync($$"""
                        { projects(first: 100) { nodes { id annualPlannedInvestment(asOf: "{{date}}") completedInvestment(asOf: "{{date}}") } } }
                        """, token: TokenOf(caller));
                    r.AssertNoErrors();
                    doors.Add(("graphql", Door.Output, r.Data.GetProperty("projects").GetProperty("nodes").EnumerateArray()
                        .ToDictionary(n => NodeId.Parse(n.GetProperty("id").GetString()!).Key, n => n.Clone())));
                }
                else
                {
                    var r = await api.QueryAsync($$"""{ projects(first: 1) { nodes { completedInvestment(asOf: "{{date}}") } } }""",
                        token: TokenOf(caller));
                    if (!r.Text.Contains("AUTH_NOT_AUTHENTICATED", StringComparison.Ordinal))
                        failures.Add($"{caller.Name} · graphql completedInvestment at {date}: not refused ({r.Text})");
                }
                foreach (var (door, flag, rows) in doors)
                    foreach (var f in figures.Where(f => f.In(flag)))
                    {
                        combinations++;
                        foreach (var (key, row) in rows)
                        {
                            var shown = row.TryGetProperty(f.Name, out var v) ? v : default;
                            if (role < f.Access.Read)
                            {
                                if (shown.ValueKind != JsonValueKind.Undefined)
                                    failures.Add($"{caller.Name} · {door} {f.Name} at {date}: shown to a caller who may not read it");
                                continue;
                            }
                            var expected = f.Name == "completedInvestment" ? truth[key].Completed : truth[key].Planned;
                            var (want, got) = (Canonical(f, expected), Canonical(f, Text(shown)));
                            if (want != got) failures.Add($"{caller.Name} · {door} {f.Name} of {key} at {date}: '{got}', the database '{want}'");
                        }
                    }
            }
        }
        await ReportAsync($"Progress figures at past dates: {combinations} (field, door, caller, date) combinations compared with an "
            + "oracle in SQL (tiles and files carry no progress figures: the registry gives them neither door)");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)) + $"\n({failures.Count} failures)");
    }

    private static readonly string[] FileFormats = [".csv", ".geojson", ".xlsx", ".gpkg", ".shp"];

    /// <summary>
    /// Every export format (the operator's door: `export` on the command line, as an admin), read back by GDAL: every
    /// project, and each stored field the registry gives files equal to the database. A Shapefile's DBF holds 254 bytes
    /// a text: there a longer value must be the database's, cut at a character boundary. GDAL is the reader QGIS uses:
    /// a workbook it cannot read (it once found no rows in ours) fails here.
    /// </summary>
    [Fact]
    public async Task EveryStoredFieldOfEveryExportFormatEqualsTheDatabase()
    {
        var entity = ProjectFields.Registry;
        var truth = await TruthAsync(entity, Callers.Single(c => c.Role == Role.Admin));
        var keyOfCode = truth.ToDictionary(t => t.Value["code"]!, t => t.Key);
        var fields = entity.Fields.Where(f => f.In(Door.Files) && Compared(f)).ToList();
        var failures = new List<string>();
        var combinations = 0;
        foreach (var extension in FileFormats)
        {
            var file = Path.Combine(Path.GetTempPath(), $"geoprojects-surface-{Guid.NewGuid():N}{extension}");
            try
            {
                await using (var scope = api.Services.CreateAsyncScope())
                using (ApiFixture.AsOperator())
                    await scope.ServiceProvider.GetRequiredService<ProjectExporter>().ExportAsync(file, null, CoordinateSystem.Wgs84,
                        Progress.Context(scope.ServiceProvider, null));
                var (code, said) = await LiveServer.RunAsync("ogr2ogr", "-f", "GeoJSON", file + ".json", file);
                Assert.True(code == 0, said);
                var rows = JsonDocument.Parse(await File.ReadAllTextAsync(file + ".json")).RootElement.GetProperty("features").EnumerateArray()
                    .Select(f => f.GetProperty("properties").Clone()).ToList();
                if (rows.Count != truth.Count) failures.Add($"{extension}: {rows.Count} rows, {truth.Count} in the database");
                foreach (var f in fields)
                {
                    combinations++;
                    var name = extension switch { ".xlsx" => f.Header ?? f.Name, ".shp" => ProjectExporter.DbfName(f), _ => f.Name };
                    foreach (var row in rows)
                    {
                        var key = keyOfCode[Text(row.GetProperty(extension == ".xlsx" ? entity.Find("code").Header! : "code"))!];
                        // A file writes no value as an empty cell: empty is null, as the importer reads it.
                        var cell = Text(row.TryGetProperty(name, out var v) ? v : default) is { Length: > 0 } text ? text : null;
                        var (want, got) = (Canonical(f, truth[key][TruthKey(f)]), Canonical(f, cell));
                        var cutByDbf = extension == ".shp" && got is { } cut && Encoding.UTF8.GetByteCount(want ?? "") > 254
                            && want!.StartsWith(cut, StringComparison.Ordinal);
                        if (want != got && !cutByDbf)
                            failures.Add($"{extension} {f.Name} of {key}: '{got}', the database '{want}'");
                    }
                }
            }
            finally
            {
                var sidecars = new[] { ".dbf", ".shx", ".prj", ".cpg" }.Select(e => Path.ChangeExtension(file, e));
                foreach (var f in new[] { file, file + ".json" }.Concat(sidecars))
                    File.Delete(f);
            }
        }
        await ReportAsync($"Export formats ({string.Join(", ", FileFormats)}; .zip is the .shp zipped): {combinations} (field, format) "
            + "combinations compared with the database, as the operator (the only caller of this door)");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)) + $"\n({failures.Count} failures)");
    }

    /// <summary>
    /// The subscription door: every caller (on both transports, in turn) subscribes to projectUpdated with every stored field
    /// the registry gives GraphQL; one edit of a published project reaches each with the database's values for that
    /// caller, and each field the caller may not read null with its AUTH_* error, as in a query.
    /// </summary>
    [Fact]
    public async Task SubscriptionPayloadsEqualTheDatabaseForEveryCaller()
    {
        var entity = ProjectFields.Registry;
        var fields = entity.Fields.Where(f => f.In(Door.Output) && Stored(f)).ToList();
        await using var server = new LiveServer(api);
        await server.Services.GetRequiredService<ChangeFeed>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        await using var c = await api.OpenAsync();
        await using var find = new NpgsqlCommand(
            "SELECT id FROM projects WHERE status = ANY (ARRAY(SELECT status FROM access_public_statuses)) ORDER BY id DESC LIMIT 1", c);
        var key = (int)(await find.ExecuteScalarAsync())!;
        var selection = string.Join(' ', fields.Select(f => f.Name));
        var query = $$"""subscription { projectUpdated(id: "{{NodeId.Encode("Project", key)}}") { id {{selection}} } }""";
        var clients = Callers.Select((caller, i) => (caller, client: new LiveClient(i % 2 == 0 ? "ws" : "sse", server.Url("/graphql"),
            TokenOf(caller) ?? "", query, "{}", "1", "30000"))).ToList();
        var failures = new List<string>();
        var combinations = 0;
        try
        {
            await LiveClient.SubscribedAsync(server, clients.Count);
            await using (var touch = new NpgsqlCommand($"UPDATE projects SET total_investment = total_investment + 1 WHERE id = {key}", c))
                await touch.ExecuteNonQueryAsync();
            foreach (var (caller, client) in clients)
            {
                var role = caller.Role ?? Role.Anonymous;
                var truth = (await TruthAsync(entity, caller))[key];
                var next = (await client.LinesAsync()).Where(l => l.TryGetProperty("next", out _)).Select(l => l.GetProperty("next")).ToList();
                if (next.Count != 1)
                {
                    failures.Add($"{caller.Name}: {next.Count} events");
                    continue;
                }
                var payload = next[0].GetProperty("data").GetProperty("projectUpdated");
                var denied = next[0].TryGetProperty("errors", out var errors)
                    ? errors.EnumerateArray().Where(e => e.GetProperty("extensions").GetProperty("code").GetString() is "AUTH_NOT_AUTHENTICATED"
                        or "AUTH_NOT_AUTHORIZED").Select(e => e.GetProperty("path")[1].GetString()).ToHashSet()
                    : [];
                foreach (var f in fields)
                {
                    combinations++;
                    var shown = payload.GetProperty(f.Name);
                    if (role < f.Access.Read)
                    {
                        if (shown.ValueKind != JsonValueKind.Null || !denied.Contains(f.Name))
                            failures.Add($"{caller.Name} · subscription {f.Name}: not hidden with an AUTH_* error");
                        continue;
                    }
                    var (want, got) = (Canonical(f, truth[f.Name]), Canonical(f, Text(shown)));
                    if (want != got) failures.Add($"{caller.Name} · subscription {f.Name}: '{got}', the database '{want}'");
                }
            }
        }
        finally
        {
            foreach (var (_, client) in clients) await client.DisposeAsync();
            await using var back = new NpgsqlCommand($"UPDATE projects SET total_investment = total_investment - 1 WHERE id = {key}", c);
            await back.ExecuteNonQueryAsync();
        }
        await ReportAsync($"Subscription payloads (graphql-ws and graphql-sse in turn): {combinations} (field, caller) combinations "
            + "compared with the database");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)) + $"\n({failures.Count} failures)");
    }
}
