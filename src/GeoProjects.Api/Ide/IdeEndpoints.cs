using System.Text;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.Ide;

/// <summary>Section "Ide" of the configuration.</summary>
public sealed class IdeOptions
{
    public bool Enabled { get; set; } = true;
    public string Title { get; set; } = "GeoProjects · 重大项目 GraphQL";
}

/// <summary>
/// Banana Cake Pop, served as HotChocolate serves its IDE: a browser GET on /graphql (Accept: text/html) gets
/// the IDE, from the npm package's files copied into the app's output (no CDN, telemetry off). The page reads
/// bcp-config.json beside itself: our endpoint and a starter document built from docs/operations.
/// </summary>
public static class IdeEndpoints
{
    public static IHostApplicationBuilder AddGeoProjectsIde(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<IdeOptions>(builder.Configuration.GetSection("Ide"));
        return builder;
    }

    /// <summary>The IDE's page policy: its bundled GraphQL engine and JSON-schema validator compile code at run time.</summary>
    private static readonly string Policy = Security.BrowserHeaders.Policy([], evaluates: true);

    public static WebApplication UseGeoProjectsIde(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<IdeOptions>>().Value;
        if (!options.Enabled) return app;
        var folder = Path.Combine(AppContext.BaseDirectory, "ide");
        var index = Path.Combine(folder, "index.html");
        var starter = StarterDocument(Path.Combine(AppContext.BaseDirectory, "operations"));

        app.Use(async (http, next) =>
        {
            var path = http.Request.Path.Value;
            if (!HttpMethods.IsGet(http.Request.Method) || path is not ("/graphql" or "/graphql/"))
            {
                await next(http);
                return;
            }
            var browser = http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
            var graphQLGet = http.Request.Query.ContainsKey("query") || http.Request.Query.ContainsKey("sdl");
            if (!browser || graphQLGet)
            {
                await next(http);
            }
            else if (path == "/graphql")
            {
                // The IDE's asset URLs are relative: it must live at /graphql/.
                http.Response.Redirect("/graphql/" + http.Request.QueryString, permanent: true);
            }
            else if (File.Exists(index))
            {
                http.Response.ContentType = "text/html; charset=utf-8";
                http.Response.Headers.CacheControl = "no-cache";
                http.Response.Headers.ContentSecurityPolicy = Policy;
                await http.Response.SendFileAsync(index);
            }
            else
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await http.Response.WriteAsync("The GraphQL IDE is not installed: run ./run.sh (it runs npm ci in src/GeoProjects.Api/Ide).");
            }
        });

        app.MapGet("/graphql/bcp-config.json", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(new
            {
                useBrowserUrlAsEndpoint = true, // the page at /graphql/ talks to /graphql
                title = options.Title,
                graphQLDocument = starter,
                disableTelemetry = true,
                includeCookies = false,
            });
        });

        if (Directory.Exists(folder))
        {
            var types = new FileExtensionContentTypeProvider();
            types.Mappings[".webmanifest"] = "application/manifest+json";
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(folder), RequestPath = "/graphql", ContentTypeProvider = types,
                // Its service worker serves /graphql/index.html from cache for navigations: the same policy as the page.
                OnPrepareResponse = file =>
                {
                    if (file.File.Name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
                        file.Context.Response.Headers.ContentSecurityPolicy = Policy;
                },
            });
        }
        return app;
    }

    /// <summary>
    /// The document a new IDE tab opens with: the first operation of docs/operations, ready to run, then the
    /// others as comments. Banana Cake Pop 18 sends a document without operationName, and a document of several
    /// operations needs one (GraphQL spec), so only one operation may be live.
    /// </summary>
    public static string StarterDocument(string folder)
    {
        if (!Directory.Exists(folder)) return "";
        var files = Directory.GetFiles(folder, "*.graphql").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        if (files.Count == 0) return "";
        var text = new StringBuilder(files[0].TrimEnd()).Append("\n\n");
        text.Append("# ---- 更多示例: 复制到新标签页后运行 · More examples (docs/operations): copy one into a new tab and run it ----\n");
        foreach (var operation in files.Skip(1))
        {
            text.Append("#\n");
            foreach (var line in operation.TrimEnd().Split('\n')) text.Append("# ").Append(line).Append('\n');
        }
        return text.ToString();
    }
}
