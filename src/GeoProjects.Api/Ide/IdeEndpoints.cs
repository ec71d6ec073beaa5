using System.Text;
using GraphQLParser.AST;
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
        var text = new StringBuilder(WithDefaultsInPlace(files[0])).Append("\n\n");
        text.Append("# ---- 更多示例: 复制到新标签页后运行 · More examples (docs/operations): copy one into a new tab and run it ----\n");
        foreach (var operation in files.Skip(1))
        {
            text.Append("#\n");
            foreach (var line in operation.TrimEnd().Split('\n')) text.Append("# ").Append(line).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// The operation with its variables' default values written where they are used, and its leading comments kept.
    /// Banana Cake Pop 18's operation builder cannot place a default value of a variable definition ("Ancestor for kind …
    /// not found"), after which switching a tab (HTTP Headers, where a token is pasted) blanks the whole IDE.
    /// </summary>
    public static string WithDefaultsInPlace(string operation)
    {
        var document = GraphQLParser.Parser.Parse(operation);
        foreach (var definition in document.Definitions.OfType<GraphQLOperationDefinition>())
        {
            var defaults = definition.Variables?.Items.Where(v => v.DefaultValue is not null)
                .ToDictionary(v => v.Variable.Name.StringValue, v => (GraphQLValue)v.DefaultValue!) ?? [];
            if (defaults.Count == 0) continue;
            definition.Variables!.Items.RemoveAll(v => defaults.ContainsKey(v.Variable.Name.StringValue));
            if (definition.Variables.Items.Count == 0) definition.Variables = null;
            InPlace(definition.SelectionSet, defaults);
        }
        var comments = operation.Split('\n').TakeWhile(line => line.TrimStart().StartsWith('#'));
        using var printed = new StringWriter();
        new GraphQLParser.Visitors.SDLPrinter().PrintAsync(document, printed).AsTask().GetAwaiter().GetResult(); // a StringWriter: synchronous
        return string.Join("\n", comments.Append(printed.ToString().TrimEnd()));
    }

    private static void InPlace(GraphQLSelectionSet? selections, Dictionary<string, GraphQLValue> defaults)
    {
        foreach (var selection in selections?.Selections ?? [])
        {
            if (selection is GraphQLField field)
            {
                foreach (var argument in field.Arguments?.Items ?? []) argument.Value = InPlace(argument.Value, defaults);
                InPlace(field.SelectionSet, defaults);
            }
            else if (selection is GraphQLInlineFragment fragment) InPlace(fragment.SelectionSet, defaults);
        }
    }

    private static GraphQLValue InPlace(GraphQLValue value, Dictionary<string, GraphQLValue> defaults)
    {
        switch (value)
        {
            case GraphQLVariable variable when defaults.TryGetValue(variable.Name.StringValue, out var given):
                return given;
            case GraphQLObjectValue o:
                foreach (var f in o.Fields ?? []) f.Value = InPlace(f.Value, defaults);
                return o;
            case GraphQLListValue list:
                for (var i = 0; i < (list.Values?.Count ?? 0); i++) list.Values![i] = InPlace(list.Values[i], defaults);
                return list;
            default:
                return value;
        }
    }
}
