using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace GeoProjects.Tests.Browser;

/// <summary>
/// A MapLibre GL page (npm maplibre-gl) served from another origin renders our tiles by TileJSON, with the server's
/// default settings (no CORS configured), and reads a project's `id` from a rendered feature.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MapLibreBrowserTests(ApiFixture api)
{
    [Fact]
    public async Task APageOnAnotherOriginRendersOurTilesAndReadsProjectIds()
    {
        await using var browser = await BrowserSession.StartAsync(api, BrowserSession.WebGlArgs);
        await using var page = await OtherOriginAsync(browser.Url("/tiles/projects.json"));
        var errors = new List<string>();
        browser.Page.PageError += (_, e) => errors.Add(e);
        browser.Page.Console += (_, m) => { if (m.Type == "error") errors.Add($"{m.Text} {m.Location}"); };

        await browser.Page.GotoAsync(page.Urls.First() + "/");
        try
        {
            await browser.Page.WaitForFunctionAsync("() => window.rendered && window.rendered.length > 0", null, new() { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            await browser.ScreenshotAsync("maplibre-other-origin-failed.png");
            Assert.Fail($"nothing rendered; page errors: {string.Join(" | ", errors)}; requests: {string.Join(" ", browser.Requests.Take(20))}");
        }
        var rendered = System.Text.Json.JsonSerializer.Deserialize<RenderedFeature[]>(await browser.Page.EvaluateAsync<string>("() => JSON.stringify(window.rendered)"),
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        await browser.ScreenshotAsync("maplibre-other-origin.png");

        var zhizhen = Assert.Single(rendered, f => f.Code == "XHA-2023-D01");
        Assert.Equal(1, zhizhen.Id);
        Assert.Equal(1, zhizhen.FeatureId);
        Assert.NotEqual(new Uri(page.Urls.First()).Port, browser.Origin.Port);
        Assert.True(errors.Count == 0, string.Join(" | ", errors));
    }

    public sealed record RenderedFeature(int Id, int FeatureId, string Code);

    /// <summary>A second web server, on its own port (another origin), serving the page and MapLibre's npm build.</summary>
    private static async Task<WebApplication> OtherOriginAsync(string tileJson)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var dist = Path.Combine(Seed.RepoRoot, "tests", "clients", "node_modules", "maplibre-gl", "dist");
        var types = new FileExtensionContentTypeProvider { Mappings = { [".mjs"] = "text/javascript" } };
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(dist), RequestPath = "/maplibre", ContentTypeProvider = types });
        app.MapGet("/", () => Results.Content(Page(tileJson), "text/html; charset=utf-8"));
        app.MapGet("/favicon.ico", () => Results.NoContent());
        await app.StartAsync();
        return app;
    }

    private static string Page(string tileJson) => $$"""
        <!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/maplibre/maplibre-gl.css">
        <style>body { margin: 0 } #map { width: 900px; height: 600px }</style></head>
        <body><div id="map"></div>
        <script type="module">
          import * as maplibregl from '/maplibre/maplibre-gl.mjs';
          const map = new maplibregl.Map({
            container: 'map', center: [119.9612, 35.7921], zoom: 14, fadeDuration: 0,
            style: { version: 8,
              sources: { geoprojects: { type: 'vector', url: '{{tileJson}}' } },
              layers: [
                { id: 'background', type: 'background', paint: { 'background-color': '#eef3f7' } },
                { id: 'projects', type: 'circle', source: 'geoprojects', 'source-layer': 'projects',
                  paint: { 'circle-radius': 7, 'circle-color': '#1f77b4', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } } ] } });
          map.on('idle', () => {
            window.rendered = map.queryRenderedFeatures({ layers: ['projects'] })
              .map(f => ({ id: f.properties.id, featureId: f.id, code: f.properties.code }));
          });
        </script></body></html>
        """;
}
