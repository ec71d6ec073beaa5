using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Security;
using GraphQL;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Ogc;

/// <summary>
/// OGC API – Features Part 4 (create, replace, update, delete) as QGIS 3.32+ uses it: POST …/items (201 + Location),
/// PUT and PATCH (application/merge-patch+json) and DELETE …/items/{id}, OPTIONS with `Allow` on both (an unknown id too,
/// as QGIS probes /items/unknown_id). A write runs the GraphQL mutation of the collection with the feature as its input,
/// so the validator, the permissions (and row-level security), versions and revisions are the mutations' own. `ETag` is
/// the record's version; `If-Match` is optional (QGIS sends none) and a mismatch is 412. `Content-Crs` is honoured.
/// </summary>
public static class OgcWrites
{
    public static readonly string[] ConformanceClasses =
    [
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/req/optimistic-locking-etags",
    ];

    private sealed record Writer(string Create, string Update, string Delete, string Payload, string Type, string Geometry);

    private static readonly Dictionary<string, Writer> Writers = new()
    {
        ["projects"] = new("createProject", "updateProject", "deleteProject", "project", "Project", "location"),
        ["zones"] = new("createZone", "updateZone", "deleteZone", "zone", "Zone", "boundary"),
    };

    public static void MapOgcWrites(this RouteGroupBuilder ogc)
    {
        ogc.MapPost("/collections/{id}/items", CreateAsync);
        ogc.MapPut("/collections/{id}/items/{featureId}", (HttpContext http, PrimaryDb db, string id, string featureId) =>
            ChangeAsync(http, db, id, featureId, replace: true));
        ogc.MapPatch("/collections/{id}/items/{featureId}", (HttpContext http, PrimaryDb db, string id, string featureId) =>
            ChangeAsync(http, db, id, featureId, replace: false));
        ogc.MapDelete("/collections/{id}/items/{featureId}", DeleteAsync);
        ogc.MapMethods("/collections/{id}/items", ["OPTIONS"], (HttpContext http, string id) => Options(http, id, item: false));
        ogc.MapMethods("/collections/{id}/items/{featureId}", ["OPTIONS"], (HttpContext http, string id) => Options(http, id, item: true));
    }

    /// <summary>What this caller may do here: QGIS turns editing on when `Allow` lists POST (and PUT, PATCH, DELETE on an item).</summary>
    private static IResult Options(HttpContext http, string id, bool item)
    {
        if (!Writers.TryGetValue(id, out var writer)) return OgcEndpoints.Exception("NotFound", $"no collection '{id}'", 404);
        var methods = new List<string> { "GET", "HEAD", "OPTIONS" };
        if (!item && May(writer.Create)) methods.Add("POST");
        if (item && May(writer.Update)) methods.AddRange(["PUT", "PATCH"]);
        if (item && May(writer.Delete)) methods.Add("DELETE");
        http.Response.Headers.Allow = string.Join(", ", methods);
        http.Response.Headers.Vary = "Authorization";
        return Results.NoContent();
    }

    private static bool May(string mutation) => Caller.Current.Is(AccessPolicy.MutationRole(mutation));

    /// <summary>A caller below the mutation's role is refused before its body is read: 401 without a token, 403 with one.</summary>
    private static IResult? Refused(HttpContext http, string mutation)
    {
        if (May(mutation)) return null;
        if (Caller.Current.IsAuthenticated) return OgcEndpoints.Exception("Forbidden", Authorization.Message, 403);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return OgcEndpoints.Exception("Unauthorized", Authorization.Message, 401);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, string id)
    {
        if (!Writers.TryGetValue(id, out var writer)) return OgcEndpoints.Exception("NotFound", $"no collection '{id}'", 404);
        if (Refused(http, writer.Create) is { } refused) return refused;
        var (input, problem) = await InputAsync(http, writer, replace: false);
        if (problem is not null) return problem;
        var (payload, error) = await RunAsync(http, writer.Create, $"Create{writer.Type}Input", writer, input!);
        if (error is not null) return error;
        var key = NodeId.Decode(writer.Type, payload!["id"]!.GetValue<string>());
        http.Response.Headers.ETag = ETag(payload["version"]!.GetValue<int>());
        return Results.Created(OgcEndpoints.Url(http, $"/ogc/collections/{id}/items/{key}"), null);
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, PrimaryDb db, string id, string featureId, bool replace)
    {
        if (!Writers.TryGetValue(id, out var writer)) return OgcEndpoints.Exception("NotFound", $"no collection '{id}'", 404);
        if (Refused(http, writer.Update) is { } refused) return refused;
        if (await VersionAsync(http, db, writer, featureId) is not { } current) return NotFound(id, featureId);
        if (Precondition(http, current) is { } failed) return failed;
        var (input, problem) = await InputAsync(http, writer, replace);
        if (problem is not null) return problem;
        input!["id"] = NodeId.Encode(writer.Type, int.Parse(featureId, CultureInfo.InvariantCulture));
        input["expectedVersion"] = current;
        var (payload, error) = await RunAsync(http, writer.Update, $"Update{writer.Type}Input", writer, input);
        if (error is not null) return error;
        http.Response.Headers.ETag = ETag(payload!["version"]!.GetValue<int>());
        return Results.NoContent();
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, PrimaryDb db, string id, string featureId)
    {
        if (!Writers.TryGetValue(id, out var writer)) return OgcEndpoints.Exception("NotFound", $"no collection '{id}'", 404);
        if (Refused(http, writer.Delete) is { } refused) return refused;
        if (await VersionAsync(http, db, writer, featureId) is not { } current) return NotFound(id, featureId);
        if (Precondition(http, current) is { } failed) return failed;
        var input = new JsonObject
        {
            ["id"] = NodeId.Encode(writer.Type, int.Parse(featureId, CultureInfo.InvariantCulture)), ["expectedVersion"] = current,
        };
        var (_, error) = await RunAsync(http, writer.Delete, $"Delete{writer.Type}Input", writer, input);
        return error ?? Results.NoContent();
    }

    private static IResult NotFound(string id, string featureId) => OgcEndpoints.Exception("NotFound", $"no feature '{featureId}' in {id}", 404);

    public static string ETag(int version) => $"\"{version}\"";

    /// <summary>If-Match: optional; when sent it must name the current version (or be *), else 412.</summary>
    private static IResult? Precondition(HttpContext http, int current)
    {
        var match = http.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(match) || match.Trim() == "*") return null;
        var tags = match.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (tags.Contains(ETag(current))) return null;
        http.Response.Headers.ETag = ETag(current);
        return OgcEndpoints.Exception("PreconditionFailed", $"the feature is at version {current}; If-Match named {match}", 412);
    }

    private static Task<int?> VersionAsync(HttpContext http, PrimaryDb db, Writer writer, string featureId) =>
        int.TryParse(featureId, NumberStyles.None, CultureInfo.InvariantCulture, out var key)
            ? VersionAsync(db, writer.Type, key, http.RequestAborted) : Task.FromResult<int?>(null);

    /// <summary>A record's version (its ETag), as the caller can see it (row-level security); null when there is none to see.</summary>
    public static async Task<int?> VersionAsync(GeoProjectsDb db, string type, int key, CancellationToken ct) => type == "Zone"
        ? await db.Zones.AsNoTracking().Where(z => z.Id == key).Select(z => (int?)z.Version).SingleOrDefaultAsync(ct)
        : await db.Projects.AsNoTracking().Where(p => p.Id == key).Select(p => (int?)p.Version).SingleOrDefaultAsync(ct);

    /// <summary>
    /// The mutation's input from a GeoJSON feature: its geometry (in Content-Crs) and the properties the mutation takes,
    /// a relation by its code as the OGC properties show it (zoneCode, batchCode). Properties that are only read (computed
    /// figures, names of related records) are ignored, as QGIS sends every attribute back; a property the collection does not
    /// have is refused. PUT replaces: a field the caller may write that the body leaves out is cleared.
    /// </summary>
    private static async Task<(JsonObject? Input, IResult? Problem)> InputAsync(HttpContext http, Writer writer, bool replace)
    {
        JsonObject? feature;
        try
        {
            feature = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject;
        }
        catch (JsonException e)
        {
            return (null, OgcEndpoints.Exception("InvalidParameterValue", $"the body is not JSON: {e.Message}", 400));
        }
        // A merge patch may leave `type` out; a created or replaced feature is a whole one.
        var patch = http.Request.Method == HttpMethods.Patch;
        if (feature is null || (!patch || feature["type"] is not null) && feature["type"]?.ToString() != "Feature")
            return (null, OgcEndpoints.Exception("InvalidParameterValue", "the body must be a GeoJSON Feature", 400));
        var collection = OgcCollection.Every.Single(c => Writers[c.Id] == writer);
        var fields = collection.Entity.Fields.Where(f => f.In(Door.Input)).ToDictionary(MutationConventions.InputName);
        var input = new JsonObject();
        // Replace clears what the body leaves out, of the fields the caller may write; the others stay as they are.
        if (replace)
            foreach (var (name, f) in fields)
                if (f.Nullable && f.Kind != ValueKind.Geometry && f.WritableBy(Security.Caller.Current)) input[name] = null;
        foreach (var (name, value) in feature["properties"] as JsonObject ?? [])
        {
            if (fields.ContainsKey(name)) input[name] = value?.DeepClone();
            else if (collection.All.FirstOrDefault(q => q.Name == name) is { Field.Via: { } via } && via.Field == "code")
                input[via.Relation + "Id"] = value is null ? null : await RelatedIdAsync(http, collection.Entity, via.Relation, value.ToString());
            else if (collection.All.All(q => q.Name != name))
                return (null, OgcEndpoints.Exception("InvalidParameterValue", $"{collection.Id} have no property '{name}'", 400));
        }
        if (feature["geometry"] is JsonObject geometry)
        {
            try
            {
                var crs = OgcCrs.Normalize(http.Request.Headers["Content-Crs"].FirstOrDefault(), "Content-Crs");
                input[writer.Geometry] = OgcCrs.ToCrs84(geometry, crs);
            }
            catch (Querying.QueryInputException e)
            {
                return (null, OgcEndpoints.Exception("InvalidParameterValue", e.Message, 400));
            }
        }
        return (input, null);
    }

    /// <summary>A related record's global ID by its code (a zone, a batch); an unknown code stays one, for the mutation to report.</summary>
    private static async Task<string> RelatedIdAsync(HttpContext http, IEntityFields entity, string relation, string code)
    {
        var related = entity.Fields.First(f => f.Name == relation && f.Related is not null).Related!();
        var db = http.RequestServices.GetRequiredService<PrimaryDb>();
        var sql = $"SELECT {FlatSql.Quote(related.KeyColumn)} AS \"Value\" FROM {FlatSql.Quote(related.Table)} WHERE code = @code";
        var key = await db.Database.SqlQueryRaw<int?>(sql, new Npgsql.NpgsqlParameter("code", code)).SingleOrDefaultAsync(http.RequestAborted);
        return NodeId.Encode(related.TypeName, key ?? 0);
    }

    /// <summary>Runs the mutation as the request's caller; its errors become OGC exceptions with the status a client expects.</summary>
    private static async Task<(JsonObject? Record, IResult? Error)> RunAsync(
        HttpContext http, string mutation, string inputType, Writer writer, JsonObject input)
    {
        var query = $$"""
            mutation Write($input: {{inputType}}!) { write: {{mutation}}(input: $input) { record: {{writer.Payload}} { id version }
              errors { __typename ... on Error { message } ... on ValidationError { problems { path code message } } } } }
            """;
        var serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        var variables = serializer.Deserialize<Inputs>(new JsonObject { ["input"] = input }.ToJsonString());
        var json = await new CallerOperation(query, variables).RunAsync(http.RequestServices, Caller.Current, http.RequestAborted);
        var answer = JsonNode.Parse(json)!.AsObject();
        if (answer["errors"]?[0] is JsonObject failure)
        {
            var code = failure["extensions"]?["code"]?.ToString();
            var status = code switch { "AUTH_NOT_AUTHENTICATED" => 401, "AUTH_NOT_AUTHORIZED" => 403, _ => 400 };
            if (status == 401) http.Response.Headers.WWWAuthenticate = "Bearer";
            var kind = status == 400 ? "InvalidParameterValue" : "Forbidden";
            return (null, OgcEndpoints.Exception(kind, failure["message"]?.ToString() ?? "refused", status));
        }
        var write = answer["data"]!["write"]!;
        if (write["errors"] is JsonArray { Count: > 0 } errors)
        {
            var first = errors[0]!;
            var status = first["__typename"]?.ToString() switch
            {
                "ConcurrencyConflictError" => 412,
                "ProjectNotFoundError" => 404,
                "ProjectCodeTakenError" or "ZoneCodeTakenError" => 409,
                _ => 400,
            };
            var detail = first["problems"] is JsonArray problems
                ? string.Join("; ", problems.Select(p => $"{string.Join('.', p!["path"]!.AsArray().Skip(1))}: {p["message"]}"))
                : first["message"]?.ToString();
            return (null, OgcEndpoints.Exception(first["__typename"]!.ToString(), detail ?? "refused", status));
        }
        return (write["record"] as JsonObject, null);
    }
}
