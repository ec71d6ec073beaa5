using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.ResponseCompression;

namespace GeoProjects.Api.Hosting;

/// <summary>
/// Section "Cors": `AllowedOrigins` may call /graphql from a browser (none by default: same origin only);
/// `PublicReadOrigins` may read the public map and GIS endpoints (/tiles, /geojson, /ogc), any origin by default,
/// as tile servers (Martin, pg_tileserv) allow. "*" means any origin.
/// </summary>
public static class CorsSetup
{
    public const string Policy = "geoprojects";
    public const string PublicRead = "geoprojects-public-read";

    public static IHostApplicationBuilder AddGeoProjectsCors(this IHostApplicationBuilder builder)
    {
        var origins = builder.Configuration.GetSection("Cors:AllowedOrigins").Get<string[]>() ?? [];
        var readers = builder.Configuration.GetSection("Cors:PublicReadOrigins").Get<string[]>() ?? ["*"];
        builder.Services.AddCors(o =>
        {
            o.AddPolicy(Policy, p => Origins(p, origins).WithMethods("GET", "POST").AllowAnyHeader());
            o.AddPolicy(PublicRead, p => Origins(p, readers).WithMethods("GET", "HEAD").AllowAnyHeader());
        });
        return builder;
    }

    private static Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder Origins(
        Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder p, string[] origins) =>
        (origins.Contains("*") ? p.AllowAnyOrigin() : p.WithOrigins(origins))
        .WithExposedHeaders("ETag", "Content-Crs", "X-Cache", "Retry-After").SetPreflightMaxAge(TimeSpan.FromHours(1));
}

/// <summary>
/// What a service behind a proxy and in front of browsers needs: forwarded headers from trusted proxies only
/// (section "Proxy"), response compression (Brotli, gzip) for JSON, GeoJSON, tiles, HTML and scripts, and HEAD
/// answered wherever GET is (RFC 9110; GDAL's /vsicurl asks HEAD first).
/// </summary>
public static class HttpSetup
{
    public static IHostApplicationBuilder AddGeoProjectsHttp(this IHostApplicationBuilder builder)
    {
        builder.AddGeoProjectsCors();
        // Host filtering (AllowedHosts) would run first and refuse in HTML; it runs after UseCodedErrorBodies instead
        // (Program.cs), so a bad Host gets the same coded 400 as every other error.
        var hostFilter = builder.Services.FirstOrDefault(d => d.ServiceType == typeof(IStartupFilter)
            && d.ImplementationType?.Name == "HostFilteringStartupFilter");
        if (hostFilter is not null) builder.Services.Remove(hostFilter);
        builder.Services.Configure<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>(o => o.IncludeFailureMessage = false);
        var proxy = builder.Configuration.GetSection("Proxy");
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // Loopback is trusted by default (nginx on the same machine); others must be listed.
            foreach (var ip in proxy.GetSection("KnownProxies").Get<string[]>() ?? []) o.KnownProxies.Add(IPAddress.Parse(ip));
            foreach (var net in proxy.GetSection("KnownNetworks").Get<string[]>() ?? [])
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(net));
            // A forwarded host is as untrusted as a Host header: the same allow-list applies.
            o.AllowedHosts = (builder.Configuration["AllowedHosts"] ?? "*").Split(';', StringSplitOptions.RemoveEmptyEntries);
        });
        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true; // public data, no secrets in responses for BREACH to read
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(
            [
                "application/graphql-response+json", "application/geo+json", "application/schema+json", "application/vnd.oai.openapi+json",
                "application/vnd.mapbox-vector-tile", "application/graphql", "text/javascript", "image/svg+xml",
            ]);
        });
        // Kestrel answers a request over its own limits before any middleware runs. Its limits are set well above ours, so
        // ours (UseRequestSizeLimits) answer first, in the door's format; what Kestrel still refuses gets a coded body too.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o =>
        {
            o.Limits.MaxRequestLineSize = 8 * MaxUrlBytes;
            o.Limits.MaxRequestHeadersTotalSize = 2 * MaxHeaderBytes;
            o.UseCodedRejections();
        });
        builder.Services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        builder.Services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        return builder;
    }

    /// <summary>Kestrel's own defaults, enforced by us so that the answer has a coded body: the URL (path and query) and all headers.</summary>
    public const int MaxUrlBytes = 8 * 1024, MaxHeaderBytes = 32 * 1024;

    /// <summary>414 URI_TOO_LONG and 431 HEADERS_TOO_LARGE, in the door's error format, before anything reads the request.</summary>
    public static IApplicationBuilder UseRequestSizeLimits(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var request = http.Request;
        var url = request.Path.Value!.Length + request.PathBase.Value!.Length + request.QueryString.Value!.Length;
        var headers = 0;
        foreach (var (name, values) in request.Headers) headers += name.Length + values.Sum(v => v?.Length ?? 0) + 4;
        var (status, code, message) = url > MaxUrlBytes
            ? (StatusCodes.Status414UriTooLong, "URI_TOO_LONG",
                $"the URL is longer than {MaxUrlBytes} bytes; send a long filter in a POST body (GraphQL)")
            : headers > MaxHeaderBytes
                ? (StatusCodes.Status431RequestHeaderFieldsTooLarge, "HEADERS_TOO_LARGE", $"the request's headers exceed {MaxHeaderBytes} bytes")
                : (0, "", "");
        if (status == 0) return next(http);
        http.Response.StatusCode = status;
        return WriteAsync(http, code, message);
    });

    /// <summary>HEAD runs the GET endpoint; Kestrel sends its headers and drops the body.</summary>
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            await next(http);
            return;
        }
        http.Request.Method = HttpMethods.Get;
        var body = http.Response.Body;
        http.Response.Body = Stream.Null;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = body;
            http.Request.Method = HttpMethods.Head;
        }
    });

    /// <summary>
    /// A 4xx or 5xx that nothing wrote a body for (an unknown path, a method the route does not take, an exception
    /// nobody caught) gets one, in the door's own error format: OGC exceptions under /ogc, GraphQL errors under
    /// /graphql, `{error}` elsewhere. An exception's details stay in the log, under the request id the body names.
    /// </summary>
    public static IApplicationBuilder UseCodedErrorBodies(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // An outage is logged once (DatabaseAvailability), not as a stack trace per request.
            SuppressDiagnosticsCallback = c => DatabaseAvailability.IsUnavailable(c.Exception),
            ExceptionHandler = http =>
            {
                var error = http.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
                if (error is not null && DatabaseAvailability.IsUnavailable(error))
                {
                    DatabaseAvailability.ReportOutage(http.RequestServices, error);
                    http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    http.Response.Headers.RetryAfter = "5";
                    return WriteAsync(http, DatabaseAvailability.Code, "the database is unavailable; retry shortly");
                }
                // ASP.NET's exception handler has logged it once, with the trace id in the log's scope.
                Telemetry.Errors.Add(1, new("code", "INTERNAL_ERROR"), new("door", Door(http.Request.Path)));
                return WriteAsync(http, "INTERNAL_ERROR",
                    $"the server failed on this request; its log has the details under trace {Telemetry.TraceId(http)}");
            },
        });
        return app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var (code, message) = http.Items[ErrorItem] is ValueTuple<string, string> named ? named : http.Response.StatusCode switch
            {
                404 => ("NOT_FOUND", $"no resource at {http.Request.Path}"),
                405 => ("METHOD_NOT_ALLOWED", $"{http.Request.Method} is not allowed at {http.Request.Path}"),
                var status => ($"HTTP_{status}", Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)),
            };
            return WriteAsync(http, code, message);
        });
    }

    /// <summary>An endpoint that sets only a status names its error here: (code, message), written in the door's format.</summary>
    public const string ErrorItem = "geoprojects.error";

    /// <summary>The door a path belongs to, for metrics: its first segment (graphql, ogc, tiles, geojson …), never the client's whole path.</summary>
    private static string Door(PathString path) =>
        path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } first
            && first is "graphql" or "ogc" or "tiles" or "geojson" or "export" or "import" or "map" ? first : "other";

    private static Task WriteAsync(HttpContext http, string code, string message)
    {
        var path = http.Request.Path;
        object body = path.StartsWithSegments("/ogc") ? ErrorBodies.Ogc(http.Response.StatusCode, message)
            : path.StartsWithSegments("/graphql") ? ErrorBodies.GraphQL(code, message)
            : ErrorBodies.Map(code, message);
        return http.Response.WriteAsJsonAsync(body);
    }
}

/// <summary>An error's body in each door's shape: OGC's exception, GraphQL's errors, the map doors' (tiles, GeoJSON, files) error.</summary>
public static class ErrorBodies
{
    public static object Ogc(int status, string message) => new { code = OgcCode(status), description = message };

    public static object GraphQL(string code, string message) => new { errors = new[] { new { message, extensions = new { code } } } };

    public static object Map(string code, string message) => new { error = new { code, message } };

    /// <summary>
    /// Every door's shape at once, for an answer whose door is unknown (a request Kestrel could not read). OGC has no
    /// exception type for a timeout or an oversized request: those keep their own code there too.
    /// </summary>
    public static object Every(int status, string code, string message) => new
    {
        error = new { code, message }, errors = new[] { new { message, extensions = new { code } } },
        code = status is 408 or 413 ? code : OgcCode(status), description = message,
    };

    private static string OgcCode(int status) => status switch
    {
        401 => "Unauthorized", 404 => "NotFound", 405 => "MethodNotAllowed", 503 => "ServiceUnavailable", >= 500 => "ServerError",
        _ => "InvalidParameterValue",
    };
}
