using System.Text.Json.Nodes;

namespace GeoProjects.Api.Ogc;

/// <summary>
/// The OpenAPI 3.0 document of /ogc, describing the parameters and limits we actually implement. GDAL reads it:
/// it sends an attribute filter (`-where "sector='…'"`) to the server only as a parameter declared here.
/// </summary>
public static class OgcOpenApi
{
    public const string MediaType = "application/vnd.oai.openapi+json;version=3.0";

    /// <summary>The document as JSON; `f=html` (or a browser) gets Swagger UI, served from its npm bundle, no CDN.</summary>
    public static IResult Respond(HttpContext http)
    {
        var f = http.Request.Query["f"].FirstOrDefault();
        var html = f == "html" || f is null && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (!html) return Results.Text(Document(http).ToJsonString(), MediaType + "; charset=utf-8");
        if (!File.Exists(Path.Combine(UiFolder, "swagger-ui-bundle.js")))
            return Results.Text("The API page is not installed: run src/GeoProjects.Api/install-web-assets.sh (./run.sh does).", statusCode: 503);
        // The path base comes from a proxy's header: encoded for the page, and the one inline script allowed by its hash.
        var root = System.Net.WebUtility.HtmlEncode(http.Request.PathBase.ToString());
        var document = System.Text.Json.JsonSerializer.Serialize(http.Request.PathBase + "/ogc/api?f=json");
        var start = $"SwaggerUIBundle({{ url: {document}, dom_id: \"#ui\" }});";
        http.Response.Headers.ContentSecurityPolicy = Security.BrowserHeaders.Policy(start);
        return Results.Content(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>GeoProjects OGC API - Features · OpenAPI</title>"
            + $"<link rel=\"stylesheet\" href=\"{root}/ogc/api/ui/swagger-ui.css\"></head><body><div id=\"ui\"></div>"
            + $"<script src=\"{root}/ogc/api/ui/swagger-ui-bundle.js\"></script>"
            + $"<script>{start}</script></body></html>",
            "text/html; charset=utf-8");
    }

    private static string UiFolder => Path.Combine(AppContext.BaseDirectory, "ogc-ui");

    /// <summary>Swagger UI's own files (bundle, stylesheet, licence), by name only.</summary>
    public static IResult UiFile(string file) =>
        file is "swagger-ui-bundle.js" or "swagger-ui.css" or "LICENSE" or "NOTICE" && File.Exists(Path.Combine(UiFolder, file))
            ? Results.File(Path.Combine(UiFolder, file), file.EndsWith(".css") ? "text/css" : file.EndsWith(".js") ? "text/javascript" : "text/plain")
            : Results.Json(new { code = "NotFound", description = $"no file '{file}'" }, statusCode: 404);

    public static JsonObject Document(HttpContext http)
    {
        var paths = new JsonObject
        {
            ["/"] = Get("Landing page", "landing"),
            ["/conformance"] = Get("Conformance classes", "conformance"),
            ["/api"] = Get("This OpenAPI document", "api"),
            ["/collections"] = Get("Feature collections", "collections"),
        };
        foreach (var c in OgcCollection.Every)
        {
            paths[$"/collections/{c.Id}"] = Get($"Collection {c.Id}", $"{c.Id}-collection");
            paths[$"/collections/{c.Id}/queryables"] = Get($"Queryables of {c.Id} (JSON Schema)", $"{c.Id}-queryables");
            var parameters = new JsonArray(
                Parameter("limit", "Page size.", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = OgcEndpoints.MaxLimit, ["default"] = OgcEndpoints.DefaultLimit }),
                Parameter("offset", "Index of the first feature; `next` links carry it.", new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["default"] = 0 }),
                Parameter("bbox", "minx,miny,maxx,maxy in bbox-crs (CRS84 by default).", new JsonObject { ["type"] = "array", ["minItems"] = 4, ["maxItems"] = 4, ["items"] = new JsonObject { ["type"] = "number" } }, explode: false),
                Parameter("bbox-crs", "CRS of bbox.", new JsonObject { ["type"] = "string", ["format"] = "uri", ["default"] = OgcCrs.Crs84Uri }),
                Parameter("crs", "Output CRS: " + string.Join(", ", OgcCrs.Supported) + "; or GCJ02 / BD09 for Chinese basemaps.", new JsonObject { ["type"] = "string", ["default"] = OgcCrs.Crs84Uri }),
                Parameter("properties", "Comma-separated properties to return.", new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } }, explode: false),
                Parameter("sortby", "Comma-separated properties, each prefixed + (ascending, default) or -.", new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } }, explode: false),
                Parameter("filter", "A CQL2 expression over the queryables.", new JsonObject { ["type"] = "string" }),
                Parameter("filter-lang", "cql2-text (default) or cql2-json.", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("cql2-text", "cql2-json"), ["default"] = "cql2-text" }),
                Parameter("filter-crs", "CRS of geometry literals in filter.", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(OgcCrs.Crs84Uri) }),
                Parameter("f", "Output format.", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("json", "html") }));
            if (c.TemporalProperty is { } temporal)
                parameters.Add(Parameter("datetime", $"An RFC 3339 date or interval (a/b, ../b, a/..) on {temporal.Name}.", new JsonObject { ["type"] = "string" }));
            foreach (var q in c.Queryables.Where(q => !q.IsGeometry))
            {
                var schema = new JsonObject { ["type"] = q.Type };
                if (q.Enum is { } e) schema["enum"] = new JsonArray(e.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
                parameters.Add(Parameter(q.Name, q.Description + " (equality).", schema));
            }
            paths[$"/collections/{c.Id}/items"] = new JsonObject
            {
                ["get"] = new JsonObject
                {
                    ["summary"] = $"Features of {c.Id}",
                    ["operationId"] = $"{c.Id}-items",
                    ["parameters"] = parameters,
                    ["responses"] = Responses("application/geo+json"),
                },
            };
            paths[$"/collections/{c.Id}/items/{{featureId}}"] = new JsonObject
            {
                ["get"] = new JsonObject
                {
                    ["summary"] = $"One feature of {c.Id}",
                    ["operationId"] = $"{c.Id}-item",
                    ["parameters"] = new JsonArray(
                        new JsonObject { ["name"] = "featureId", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "integer" } },
                        Parameter("crs", "Output CRS.", new JsonObject { ["type"] = "string" })),
                    ["responses"] = Responses("application/geo+json"),
                },
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject { ["title"] = "GeoProjects OGC API – Features", ["version"] = "1.0.0", ["description"] = "重大项目与功能区 · Major projects and zones of 青岛西海岸新区." },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = OgcEndpoints.Url(http, "/ogc") }),
            ["paths"] = paths,
        };
    }

    private static JsonObject Get(string summary, string id) => new()
    {
        ["get"] = new JsonObject { ["summary"] = summary, ["operationId"] = id, ["responses"] = Responses("application/json") },
    };

    private static JsonObject Responses(string type) => new()
    {
        ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { [type] = new JsonObject(), ["text/html"] = new JsonObject() } },
        ["400"] = new JsonObject { ["description"] = "Invalid parameter (OGC exception: code, description)" },
        ["404"] = new JsonObject { ["description"] = "Not found" },
    };

    private static JsonObject Parameter(string name, string description, JsonObject schema, bool explode = true) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["required"] = false,
        ["description"] = description,
        ["style"] = "form",
        ["explode"] = explode,
        ["schema"] = schema,
    };
}
