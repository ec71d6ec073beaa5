using System.Net;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace GeoProjects.Tests.Browser;

/// <summary>Banana Cake Pop at /graphql in headless Chromium, on a real Kestrel port, with no request leaving the server.</summary>
[Collection(ApiCollection.Name)]
public sealed class IdeBrowserTests(ApiFixture api)
{
    // The flags this workplace's Chromium needs headless as root, and that keep its own housekeeping traffic off.
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    [Fact]
    public async Task BananaCakePopRunsAQueryOfflineThroughItsUi()
    {
        // Arrange: the app on a real port (same database as the other tests), a fresh browser profile.
        await using var server = api.WithWebHostBuilder(_ => { });
        server.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        server.StartServer();
        var origin = new Uri(server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var requests = new List<string>();
        context.Request += (_, r) => { lock (requests) requests.Add(r.Url); }; // page and service-worker requests
        var page = await context.NewPageAsync();

        // Act: open the IDE, create a document (it starts with our example), run it.
        await page.GotoAsync(new Uri(origin, "/graphql").ToString());
        await page.GetByText("Create Document").ClickAsync(new() { Timeout = 30_000 });
        await page.GetByText("Schema available").WaitForAsync(new() { Timeout = 30_000 }); // introspection went through
        await page.GetByText("HeadlineProjects").First.WaitForAsync();
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByText("Run", new() { Exact = true }).ClickAsync(),
            r => r.Url == new Uri(origin, "/graphql").ToString() && r.Request.Method == "POST");
        var body = await response.TextAsync();
        await page.GetByText("致真存储芯片制造项目").First.WaitForAsync(new() { Timeout = 15_000 });
        var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", "banana-cake-pop.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot });
        await page.GetByText("Schema Reference").ClickAsync(); // the documented schema, from introspection
        await page.GetByText("Major projects with filtering", new() { Exact = false }).First.WaitForAsync(new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new() { Path = Path.ChangeExtension(screenshot, ".schema.png") });

        // Assert: the run answered from our server, and nothing went anywhere else.
        Assert.Equal(200, response.Status);
        Assert.Contains("HeadlineProjects", response.Request.PostData);
        Assert.Contains("致真存储芯片制造项目", body);
        Assert.True(File.Exists(screenshot));
        string[] foreign;
        lock (requests) foreign = requests.Where(u => new Uri(u) is var uri && (uri.Host != origin.Host || uri.Port != origin.Port) && uri.Scheme is "http" or "https" or "ws" or "wss").ToArray();
        Assert.Empty(foreign);
        Assert.Contains(requests, u => u.EndsWith("/graphql/bcp-config.json"));
    }
}
