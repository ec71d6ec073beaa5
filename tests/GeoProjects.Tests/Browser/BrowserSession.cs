using GeoProjects.Tests.Infrastructure;
using Microsoft.Playwright;

namespace GeoProjects.Tests.Browser;

/// <summary>
/// The app on a real Kestrel port (same database as the other tests) and headless Debian Chromium through
/// Playwright, recording every page and service-worker request so a test can prove nothing left the server.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    // The flags this workplace's Chromium needs headless as root, and that keep its own housekeeping traffic off.
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private readonly LiveServer _server;
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _requests = [];

    public Uri Origin { get; }
    public IPage Page { get; }

    private BrowserSession(LiveServer server, IPlaywright playwright, IBrowser browser, IPage page)
    {
        (_server, Origin, _playwright, _browser, Page) = (server, server.Origin, playwright, browser, page);
        page.Context.Request += (_, r) => { lock (_requests) _requests.Add(r.Url); };
    }

    /// <summary>WebGL in headless Chromium without a GPU (MapLibre needs it): ANGLE over SwiftShader.</summary>
    public static readonly string[] WebGlArgs = ["--enable-unsafe-swiftshader", "--use-angle=swiftshader"];

    public static async Task<BrowserSession> StartAsync(ApiFixture api, params string[] extraArgs)
    {
        var server = new LiveServer(api);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = [.. ChromiumArgs, .. extraArgs] });
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        return new BrowserSession(server, playwright, browser, await context.NewPageAsync());
    }

    public string Url(string path) => new Uri(Origin, path).ToString();

    /// <summary>Another tab of the same browser: its own sessionStorage (so its own token), requests recorded too.</summary>
    public Task<IPage> NewPageAsync() => Page.Context.NewPageAsync();

    /// <summary>The server's own services (its live subscribers, say).</summary>
    public IServiceProvider Services => _server.Services;

    public IReadOnlyList<string> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    /// <summary>Requests that went anywhere but the app's own origin.</summary>
    public IReadOnlyList<string> ForeignRequests => Requests
        .Select(u => new Uri(u))
        .Where(u => u.Scheme is "http" or "https" or "ws" or "wss" && (u.Host != Origin.Host || u.Port != Origin.Port))
        .Select(u => u.ToString()).ToList();

    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new() { Path = path });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }
}
