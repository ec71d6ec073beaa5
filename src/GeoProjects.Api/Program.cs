using GeoProjects.Api;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Hosting;
using GeoProjects.Api.Ide;
using GeoProjects.Api.Live;
using GeoProjects.Api.Map;
using GeoProjects.Api.Ogc;
using GeoProjects.Api.Security;
using GeoProjects.Api.Tiles;

// Commands: `migrate`, `schema`, `import`, `export`, `generate` (see --help); otherwise serve.
var (command, rest) = Commands.Split(args);
try
{
    // Content root = the app's folder, so appsettings.json is found wherever the app is started from. A command's
    // arguments are its own, not configuration.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = command is null ? rest : [], ContentRootPath = AppContext.BaseDirectory });
    // The API's per-statement limit guards requests; a command's bulk work (a COPY of a million rows) must not hit it.
    if (command is not null)
    {
        builder.Configuration["Database:StatementTimeoutMs"] = "0";
        builder.Configuration[$"ConnectionStrings:{DataSetup.ReadConnectionName}"] = ""; // commands write: the primary
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None); // a command reports its own failure, in one line
    }
    builder.AddGeoProjectsHttp();
    builder.AddGeoProjectsObservability();
    builder.AddGeoProjectsData();
    builder.AddGeoProjectsIdentity();
    builder.AddGeoProjectsAccessPolicy();
    builder.AddGeoProjectsRateLimits();
    builder.AddGeoProjectsGraphQL();
    builder.AddGeoProjectsLive();
    builder.AddGeoProjectsIde();
    builder.AddGeoProjectsTiles();
    builder.AddGeoProjectsWebMap();
    builder.AddGeoProjectsWarmUp(); // ready once the first questions have run: a load balancer sends traffic to a warm instance

    var app = builder.Build();
    if (command is not null) return await Commands.RunAsync(app, command, rest);
    await app.RefuseUnsafeServingLoginsAsync(); // no connection that would skip row-level security serves a request

    // Middleware, in order: URL and header size limits (414, 431), proxies' forwarded headers, browser security headers (CSP
    // on pages, nosniff on all), the slow-request log, compression, bodies for bare error statuses (503 when the database is
    // down), host filtering (AllowedHosts: 400), HEAD as GET, the IDE for browsers on GET /graphql, WebSocket upgrades
    // (subscriptions), routing, CORS for the endpoints that require it, bearer tokens (a bad one is a 401), then rate limits per
    // client (when on: 429).
    app.UseRequestSizeLimits();
    app.UseForwardedHeaders();
    app.UseBrowserHeaders();
    app.UseSlowRequestLog();
    app.UseResponseCompression();
    app.UseCodedErrorBodies();
    app.UseHostFiltering();
    app.UseHeadAsGet();
    app.UseGeoProjectsIde();
    app.UseGeoProjectsWebSockets();
    app.UseRouting();
    app.UseCors();
    app.UseBearerTokens();
    app.UseGeoProjectsRateLimits();
    app.MapGeoProjectsGraphQL();
    app.MapGeoProjectsTiles();
    app.MapGeoProjectsWebMap();
    app.MapGeoProjectsOgc();
    app.MapGeoProjectsObservability();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (PrivateCluster.Describe(e) is { } problem)
{
    Console.Error.WriteLine($"GeoProjects.Api: {problem}");
    return 2;
}
