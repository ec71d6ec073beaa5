using System.Security.Cryptography;
using System.Text;

namespace GeoProjects.Api.Security;

/// <summary>
/// What browsers are told about our pages (the web map, OGC's HTML, the OpenAPI page, Banana Cake Pop): every response is
/// `X-Content-Type-Options: nosniff`; an HTML page gets a Content-Security-Policy that allows our own scripts only (an
/// inline one only by its hash), our own origin for data, and no framing by other sites.
/// </summary>
public static class BrowserHeaders
{
    /// <summary>
    /// The pages' policy. Styles may be inline: OpenLayers, Swagger UI and Banana Cake Pop set them from script, and a
    /// style cannot run code. Workers and images may be blob:/data: (map tiles, the IDE's editor workers).
    /// </summary>
    public static string Policy(params string[] inlineScripts) => Policy(inlineScripts, evaluates: false);

    /// <summary>The policy with <paramref name="evaluates"/>: the IDE's bundled GraphQL engine compiles code at run time.</summary>
    public static string Policy(IEnumerable<string> inlineScripts, bool evaluates) => string.Join("; ",
        "default-src 'self'",
        $"script-src 'self'{(evaluates ? " 'unsafe-eval' 'wasm-unsafe-eval'" : "")}"
            + string.Concat(inlineScripts.Select(s => $" 'sha256-{Hash(s)}'")),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'");

    private static string Hash(string script) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)));

    private static readonly string Default = Policy();

    public static IApplicationBuilder UseBrowserHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                // A page with an inline script sets its own policy (with the script's hash); the rest get the default.
                if (string.IsNullOrEmpty(headers.ContentSecurityPolicy)) headers.ContentSecurityPolicy = Default;
                headers.XFrameOptions = "DENY"; // frame-ancestors for browsers that predate it
                headers["Referrer-Policy"] = "same-origin";
            }
            return Task.CompletedTask;
        });
        await next(http);
    });
}
