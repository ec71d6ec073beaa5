using GeoProjects.Api.Hosting;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Tiles;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Ogc;

/// <summary>
/// OGC API – Features at /ogc: Part 1 (core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (CRS) and Part 3 (queryables,
/// CQL2 text/JSON filters), over the same filter model as GraphQL; features are built by PostGIS (ST_AsGeoJSON).
/// </summary>
public static class OgcEndpoints
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 10_000;
    private const string GeoJsonType = "application/geo+json";

    public static readonly string[] ConformanceClasses =
    [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    ];

    private static readonly string[] ItemParameters =
        ["f", "limit", "offset", "bbox", "bbox-crs", "datetime", "properties", "sortby", "crs", "filter", "filter-lang", "filter-crs", "asOf"];

    public static IEndpointRouteBuilder MapGeoProjectsOgc(this IEndpointRouteBuilder app)
    {
        var ogc = app.MapGroup("/ogc").RequireCors(CorsSetup.PublicRead);
        ogc.MapGet("", Landing).AllowParameters("f");
        ogc.MapGet("/conformance", (HttpContext http) =>
                Respond(http, "conformance", new JsonObject { ["conformsTo"] = Array([.. ConformanceClasses, .. OgcWrites.ConformanceClasses]) }))
            .AllowParameters("f");
        ogc.MapGet("/api", (HttpContext http) => OgcOpenApi.Respond(http)).AllowParameters("f");
        ogc.MapGet("/api/ui/{file}", (string file) => OgcOpenApi.UiFile(file)).AllowParameters();
        ogc.MapGet("/collections", async (HttpContext http, GeoProjectsDb db) =>
        {
            var extent = await TileEndpoints.ExtentAsync(db, http.RequestAborted);
            return Respond(http, "collections", new JsonObject
            {
                ["links"] = new JsonArray(Link(http, "/ogc/collections", "self", "application/json", "集合 · Collections"), Link(http, "/ogc/collections?f=html", "alternate", "text/html", "HTML")),
                ["collections"] = new JsonArray(OgcCollection.Every.Select(c => (JsonNode)Collection(http, c, extent)).ToArray()),
            });
        }).AllowParameters("f");
        ogc.MapGet("/collections/{id}", async (HttpContext http, GeoProjectsDb db, string id) =>
            Find(id) is { } c ? Respond(http, "collection", Collection(http, c, await TileEndpoints.ExtentAsync(db, http.RequestAborted))) : NotFound($"no collection '{id}'; see /ogc/collections"))
            .AllowParameters("f");
        ogc.MapGet("/collections/{id}/queryables", (HttpContext http, string id) =>
            Find(id) is { } c ? Respond(http, "queryables", Queryables(http, c), "application/schema+json") : NotFound($"no collection '{id}'"))
            .AllowParameters("f");
        ogc.MapGet("/collections/{id}/items", ItemsAsync);
        ogc.MapGet("/collections/{id}/items/{featureId}", ItemAsync).AllowParameters("f", "crs", "asOf");
        ogc.MapOgcWrites();
        // Unknown paths (404) and other methods (405) get OGC exceptions from UseCodedErrorBodies, as every door does.
        return app;
    }

    /// <summary>Query parameters a resource does not define are an error (/req/core/query-param-unknown).</summary>
    private static RouteHandlerBuilder AllowParameters(this RouteHandlerBuilder endpoint, params string[] allowed) =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var unknown = context.HttpContext.Request.Query.Keys.Where(k => !allowed.Contains(k)).ToList();
            return unknown.Count == 0 ? await next(context)
                : Exception("InvalidParameterValue", $"unknown parameter(s) {string.Join(", ", unknown)}; accepted here: {string.Join(", ", allowed)}", 400);
        });

    private static OgcCollection? Find(string id) => OgcCollection.Every.FirstOrDefault(c => c.Id == id);

    private static IResult Landing(HttpContext http) => Respond(http, "landing", new JsonObject
    {
        ["title"] = "GeoProjects · 西海岸新区重大项目 OGC API – Features",
        ["description"] = "重大项目与功能区 · Major projects and zones of 青岛西海岸新区; filters share GraphQL's model (CQL2 text/JSON).",
        ["links"] = new JsonArray(
            Link(http, "/ogc", "self", "application/json", "本页 · This document"),
            Link(http, "/ogc?f=html", "alternate", "text/html", "HTML"),
            Link(http, "/ogc/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "OpenAPI 3.0"),
            Link(http, "/ogc/api?f=html", "service-doc", "text/html", "API 文档 · API documentation (Swagger UI)"),
            Link(http, "/ogc/conformance", "conformance", "application/json", "一致性类 · Conformance classes"),
            Link(http, "/ogc/collections", "data", "application/json", "集合 · Collections")),
    });

    private static JsonObject Collection(HttpContext http, OgcCollection c, NetTopologySuite.Geometries.Envelope extent) => new()
    {
        ["id"] = c.Id,
        ["title"] = c.Title,
        ["description"] = c.Description,
        ["itemType"] = "feature",
        ["extent"] = new JsonObject { ["spatial"] = new JsonObject { ["bbox"] = new JsonArray(new JsonArray(extent.MinX, extent.MinY, extent.MaxX, extent.MaxY)), ["crs"] = OgcCrs.Crs84Uri } },
        ["crs"] = Array([.. OgcCrs.Supported]),
        ["storageCrs"] = OgcCrs.Crs84Uri,
        ["links"] = new JsonArray(
            Link(http, $"/ogc/collections/{c.Id}", "self", "application/json", c.Title),
            Link(http, $"/ogc/collections/{c.Id}?f=html", "alternate", "text/html", "HTML"),
            Link(http, $"/ogc/collections/{c.Id}/items", "items", GeoJsonType, "要素 · Features"),
            Link(http, $"/ogc/collections/{c.Id}/items?f=html", "items", "text/html", "要素 (HTML) · Features as HTML"),
            Link(http, $"/ogc/collections/{c.Id}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "可查询属性 · Queryables")),
    };

    private static JsonObject Queryables(HttpContext http, OgcCollection c) => new()
    {
        ["$schema"] = "https://json-schema.org/draft/2019-09/schema",
        ["$id"] = Url(http, $"/ogc/collections/{c.Id}/queryables"),
        ["type"] = "object",
        ["title"] = c.Title,
        ["properties"] = new JsonObject(c.Queryables.Select(q => KeyValuePair.Create(q.Name, (JsonNode?)QueryableSchema(q, c)))),
        ["additionalProperties"] = false,
    };

    private static JsonObject QueryableSchema(Queryable q, OgcCollection c)
    {
        var schema = q.IsGeometry
            ? new JsonObject { ["title"] = q.Description, ["format"] = c.GeometryType == "Point" ? "geometry-point" : "geometry-multipolygon" }
            : new JsonObject { ["title"] = q.Description, ["type"] = q.Type };
        if (q.Format is { } f) schema["format"] = f;
        if (q.Enum is { } e) schema["enum"] = Array(e);
        return schema;
    }

    private static async Task<IResult> ItemsAsync(HttpContext http, GeoProjectsDb db, string id)
    {
        if (Find(id) is not { } c) return NotFound($"no collection '{id}'; see /ogc/collections");
        try
        {
            var q = http.Request.Query;
            var byProperty = c.Queryables.Where(p => !p.IsGeometry).Select(p => p.Name).ToList();
            var unknown = q.Keys.Where(k => !ItemParameters.Contains(k) && !byProperty.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw new QueryInputException("InvalidParameterValue", $"unknown parameter(s) {string.Join(", ", unknown)}; accepted: {string.Join(", ", ItemParameters.Concat(byProperty))}");
            // Above the maximum the page is capped, as the standard intends (ogcapi-features#640); `next` links carry on.
            var limit = Math.Min(MaxLimit, Int(q["limit"].FirstOrDefault(), "limit", DefaultLimit, 1, int.MaxValue));
            var offset = Int(q["offset"].FirstOrDefault(), "offset", 0, 0, int.MaxValue);
            var crs = OgcCrs.Normalize(q["crs"].FirstOrDefault(), "crs");
            var properties = Properties(q["properties"].FirstOrDefault(), c);
            var context = Progress.Context(http);
            var where = ParseWhere(c, OgcFilter.Build(http.Request, c, out _));
            var order = SortBy(q["sortby"].FirstOrDefault(), c);

            var matched = await c.CountAsync(db, where, context, http.RequestAborted);
            var features = await FeaturesAsync(http, db, c, c.Rows(db, where, context, order, offset, limit), crs, properties, context);
            var returned = features.Count;

            var links = new JsonArray(
                Link(http, PageUrl(http, offset, limit, null), "self", GeoJsonType, "本页 · This page"),
                Link(http, PageUrl(http, offset, limit, "html"), "alternate", "text/html", "HTML"),
                Link(http, $"/ogc/collections/{c.Id}", "collection", "application/json", c.Title));
            if (offset + returned < matched) links.Add(Link(http, PageUrl(http, offset + limit, limit, null), "next", GeoJsonType, "下一页 · Next page"));
            if (offset > 0) links.Add(Link(http, PageUrl(http, Math.Max(0, offset - limit), limit, null), "prev", GeoJsonType, "上一页 · Previous page"));
            var body = new JsonObject
            {
                ["type"] = "FeatureCollection",
                ["timeStamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["numberMatched"] = matched,
                ["numberReturned"] = returned,
                ["features"] = features,
                ["links"] = links,
            };
            http.Response.Headers["Content-Crs"] = OgcCrs.ContentCrs(crs);
            return Respond(http, "items", body, GeoJsonType, c);
        }
        catch (QueryInputException e)
        {
            return Exception(e.Code is "InvalidParameterValue" ? e.Code : "InvalidParameterValue", e.Message, 400);
        }
    }

    private static async Task<IResult> ItemAsync(HttpContext http, GeoProjectsDb db, string id, string featureId)
    {
        if (Find(id) is not { } c) return NotFound($"no collection '{id}'");
        if (!int.TryParse(featureId, NumberStyles.None, CultureInfo.InvariantCulture, out var key)) return NotFound($"no feature '{featureId}' in {id}");
        try
        {
            var crs = OgcCrs.Normalize(http.Request.Query["crs"].FirstOrDefault(), "crs");
            var where = ParseWhere(c, new JsonObject { ["id"] = new JsonObject { ["eq"] = NodeId.Encode(c.Entity.TypeName, key) } });
            var context = Progress.Context(http);
            var features = await FeaturesAsync(http, db, c, c.Rows(db, where, context, null, null, 1), crs, null, context);
            if (features.Count == 0) return NotFound($"no feature '{featureId}' in {id}");
            var feature = features[0]!.AsObject();
            feature.Remove("links");
            feature["links"] = new JsonArray(
                Link(http, $"/ogc/collections/{c.Id}/items/{key}", "self", GeoJsonType, "本要素 · This feature"),
                Link(http, $"/ogc/collections/{c.Id}/items/{key}?f=html", "alternate", "text/html", "HTML"),
                Link(http, $"/ogc/collections/{c.Id}", "collection", "application/json", c.Title));
            http.Response.Headers["Content-Crs"] = OgcCrs.ContentCrs(crs);
            // The version as a strong ETag: what Part 4's If-Match names (Allow tells editors what they may do).
            if (await OgcWrites.VersionAsync(db, c.Entity.TypeName, key, http.RequestAborted) is { } version)
                http.Response.Headers.ETag = OgcWrites.ETag(version);
            return Respond(http, "item", feature.DeepClone().AsObject(), GeoJsonType, c);
        }
        catch (QueryInputException e)
        {
            return Exception("InvalidParameterValue", e.Message, 400);
        }
    }

    private static IDictionary<string, object?>? ParseWhere(OgcCollection c, JsonObject? where)
    {
        try
        {
            return where is null ? null : WhereReader.Read(c.Entity.Filter, where.ToJsonString());
        }
        catch (QueryInputException e)
        {
            throw new QueryInputException("InvalidParameterValue", $"filter: {e.Message}");
        }
    }

    /// <summary>The page's features as GeoJSON, built by PostGIS around the EF-translated query.</summary>
    private static async Task<JsonArray> FeaturesAsync(
        HttpContext http, GeoProjectsDb db, OgcCollection c, IQueryable rows, string crs, IReadOnlyList<Queryable>? properties, QueryContext context)
    {
        var (geometry, digits) = OgcCrs.Output(crs, c.GeometryProperty.Sql);
        var props = string.Join(", ", (properties ?? c.Properties.ToList()).Select(p => $"'{p.Name}', {p.Sql}"));
        // The page keeps the order EF Core gave it: rows are numbered as they come out of `q`, and aggregated in that order.
        var sql = $$"""
            SELECT coalesce(json_agg(json_build_object(
              'type', 'Feature', 'id', q.{{FlatSql.Quote(c.Entity.KeyColumn)}},
              'geometry', ST_AsGeoJSON({{geometry}}, {{digits}}, 0)::json,
              'properties', json_build_object({{props}})) ORDER BY q.page_row), '[]'::json)::text
            FROM (SELECT *, row_number() OVER () AS page_row FROM q) q
            """;
        // The as-of parameters of the progress figures (a project's plan and completed figure at `asOf`).
        var json = (string?)await FlatSql.ScalarAroundAsync(db, rows, sql, ProgressFigures.Parameters(context), http.RequestAborted);
        return JsonNode.Parse(json ?? "[]")!.AsArray();
    }

    private static int Int(string? text, string name, int fallback, int min, int max)
    {
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw OgcFilter.Invalid(name, $"must be an integer from {min} to {max}");
        return value;
    }

    private static IReadOnlyList<Queryable>? Properties(string? text, OgcCollection c)
    {
        if (text is null) return null;
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => c.Find(name) is { IsGeometry: false } q ? q : throw OgcFilter.Invalid("properties", $"'{name}' is not a property of {c.Id}"))
            .ToList();
    }

    /// <summary>`sortby=-startDate,+name` → GraphQL's order input ([{ startDate: DESC }, { name: ASC }]).</summary>
    private static List<object?>? SortBy(string? text, OgcCollection c)
    {
        if (text is null) return null;
        var order = new List<object?>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var descending = item.StartsWith('-');
            var name = item.TrimStart('+', '-');
            var direction = descending ? "DESC" : "ASC";
            if (c.Find(name) is not { Sortable: true } property) throw OgcFilter.Invalid("sortby", $"'{name}' is not a sortable property of {c.Id}");
            order.Add(property.Order(direction));
        }
        return order;
    }

    private static string PageUrl(HttpContext http, int offset, int limit, string? format)
    {
        var query = http.Request.Query.Where(kv => kv.Key is not ("offset" or "limit" or "f"))
            .SelectMany(kv => kv.Value.Select(v => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(v ?? "")}"))
            .Append($"offset={offset}").Append($"limit={limit}");
        if (format is not null) query = query.Append($"f={format}");
        return http.Request.Path + "?" + string.Join("&", query);
    }

    public static string Url(HttpContext http, string pathAndQuery) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{pathAndQuery}";

    public static JsonObject Link(HttpContext http, string pathAndQuery, string rel, string type, string title) =>
        new() { ["href"] = Url(http, pathAndQuery), ["rel"] = rel, ["type"] = type, ["title"] = title };

    private static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    /// <summary>JSON (GeoJSON for features) by default; HTML when `f=html` or a browser asks for text/html.</summary>
    private static IResult Respond(HttpContext http, string kind, JsonObject body, string jsonType = "application/json", OgcCollection? collection = null)
    {
        var f = http.Request.Query["f"].FirstOrDefault();
        if (f is not (null or "json" or "html")) return Exception("InvalidParameterValue", $"f: '{f}' is not json or html", 400);
        var html = f == "html" || (f is null && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase));
        return html
            ? Results.Content(OgcHtml.Render(kind, body, collection), "text/html; charset=utf-8")
            : Results.Text(body.ToJsonString(JsonOptions), jsonType + "; charset=utf-8");
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IResult NotFound(string message) => Exception("NotFound", message, 404);

    /// <summary>OGC API exceptions: JSON with `code` and `description`.</summary>
    public static IResult Exception(string code, string description, int status) =>
        Results.Json(new { code, description }, statusCode: status, contentType: "application/json; charset=utf-8");
}

/// <summary>Plain HTML views of the same documents, for people browsing the API.</summary>
public static class OgcHtml
{
    public static string Render(string kind, JsonObject body, OgcCollection? collection)
    {
        static string E(object? s) => WebUtility.HtmlEncode(s?.ToString() ?? "");
        var html = new StringBuilder("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>GeoProjects OGC API</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}</style></head><body>");
        html.Append($"<h1>{E(body["title"] ?? collection?.Title ?? "GeoProjects OGC API")}</h1>");
        if (body["description"] is { } d) html.Append($"<p>{E(d)}</p>");
        if (body["links"] is JsonArray links)
            html.Append("<ul>").AppendJoin("", links.Select(l => $"<li><a href=\"{E(l!["href"])}\">{E(l["title"])}</a> <small>({E(l["rel"])}, {E(l["type"])})</small></li>")).Append("</ul>");
        if (body["collections"] is JsonArray collections)
            html.Append("<ul>").AppendJoin("", collections.Select(c => $"<li><a href=\"{E(c!["id"])}?f=html\">{E(c["title"])}</a> — <a href=\"{E(c["id"])}/items?f=html\">items</a></li>")).Append("</ul>");
        if (body["conformsTo"] is JsonArray classes)
            html.Append("<ul>").AppendJoin("", classes.Select(c => $"<li>{E(c)}</li>")).Append("</ul>");
        if (kind is "items" or "item")
        {
            var features = kind == "items" ? body["features"]!.AsArray().ToList() : [body];
            if (kind == "items") html.Append($"<p>numberMatched {E(body["numberMatched"])}, numberReturned {E(body["numberReturned"])}</p>");
            var names = features.SelectMany(f => f!["properties"]!.AsObject().Select(p => p.Key)).Distinct().ToList();
            html.Append("<table><tr><th>id</th>").AppendJoin("", names.Select(n => $"<th>{E(n)}</th>")).Append("<th>geometry</th></tr>");
            foreach (var f in features)
                html.Append($"<tr><td>{E(f!["id"])}</td>").AppendJoin("", names.Select(n => $"<td>{E(f["properties"]![n])}</td>")).Append($"<td>{E(f["geometry"]?.ToJsonString())}</td></tr>");
            html.Append("</table>");
        }
        if (kind == "queryables")
            html.Append("<pre>").Append(E(body.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))).Append("</pre>");
        return html.Append("</body></html>").ToString();
    }
}
