using GeoProjects.Api;
using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Hosting;
using GeoProjects.Api.Ide;
using GeoProjects.Api.Map;
using GeoProjects.Api.Ogc;
using GeoProjects.Api.Tiles;

// Commands: `migrate` (apply migrations, seed an empty database), `schema [file]` (print the SDL); otherwise serve.
var (command, rest) = Commands.Split(args);
// Content root = the app's folder, so appsettings.json is found wherever the app is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest, ContentRootPath = AppContext.BaseDirectory });
// The API's per-statement limit guards requests; a command's bulk work (a COPY of a million rows) must not hit it.
if (command is not null) builder.Configuration["Database:StatementTimeoutMs"] = "0";
builder.AddGeoProjectsHttp();
builder.AddGeoProjectsData();
builder.AddGeoProjectsGraphQL();
builder.AddGeoProjectsIde();
builder.AddGeoProjectsTiles();
builder.AddGeoProjectsWebMap();

var app = builder.Build();
if (command is not null)
{
    return await Commands.RunAsync(app, command, rest);
}
// Middleware, in order (host filtering runs first, from AllowedHosts): proxies' forwarded headers, compression,
// HEAD as GET, the IDE for browsers on GET /graphql, routing, then CORS for the endpoints that require it.
app.UseForwardedHeaders();
app.UseResponseCompression();
app.UseHeadAsGet();
app.MapGeoProjectsIde();
app.UseRouting();
app.UseCors();
app.MapGeoProjectsGraphQL();
app.MapGeoProjectsTiles();
app.MapGeoProjectsWebMap();
app.MapGeoProjectsOgc();
await app.RunAsync();
return 0;
