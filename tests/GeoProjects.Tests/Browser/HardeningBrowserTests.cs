using System.Net;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests.Browser;

/// <summary>
/// The pages a browser opens send a Content-Security-Policy that fits them, nosniff and no framing; whatever a URL
/// carries is shown as text, never run.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class HardeningBrowserTests(ApiFixture api)
{
    private const string Payload = "\"><img src=x onerror=\"window.__xss=1\"><script>window.__xss=1</script>";

    [Theory]
    [InlineData("/", false)]
    [InlineData("/ogc?f=html", false)]
    [InlineData("/ogc/collections/projects/items?f=html&limit=2", false)]
    [InlineData("/ogc/api?f=html", true)]
    [InlineData("/graphql/", true)]
    public async Task PagesSendTheirSecurityHeaders(string page, bool ownPolicy)
    {
        using var client = api.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, page);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.DoesNotContain("'unsafe-inline'", csp.Split(';').Single(d => d.Trim().StartsWith("script-src")));
        Assert.Equal(ownPolicy, csp.Contains("sha256-") || csp.Contains("'unsafe-eval'"));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        using var data = await client.GetAsync("/geojson/zones?limit=1");
        Assert.Equal("nosniff", data.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task ScriptInUrlParametersIsShownAsTextNeverRun()
    {
        await using var browser = await BrowserSession.StartAsync(api);
        var page = browser.Page;
        var dialogs = 0;
        page.Dialog += async (_, d) => { dialogs++; await d.DismissAsync(); };
        var escaped = Uri.EscapeDataString(Payload);
        foreach (var url in new[]
                 {
                     $"/?zone={escaped}&sectors={escaped}&status={escaped}",
                     $"/ogc/collections/projects/items?f=html&sector={escaped}",
                     $"/ogc/collections/{escaped}?f=html",
                     $"/ogc/collections/projects/items?f=html&bbox={escaped}",
                 })
        {
            await page.GotoAsync(browser.Url(url));
            await page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);
            Assert.Null(await page.EvaluateAsync<int?>("() => window.__xss ?? null"));
            Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
        }
        Assert.Equal(0, dialogs);
    }
}
