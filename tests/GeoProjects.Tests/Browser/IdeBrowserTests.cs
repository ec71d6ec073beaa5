using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests.Browser;

/// <summary>Banana Cake Pop at /graphql in headless Chromium, with no request leaving the server.</summary>
[Collection(ApiCollection.Name)]
public sealed class IdeBrowserTests(ApiFixture api)
{
    [Fact]
    public async Task BananaCakePopRunsAQueryOfflineThroughItsUi()
    {
        // Arrange
        await using var browser = await BrowserSession.StartAsync(api);
        var page = browser.Page;

        // Act: open the IDE, create a document (it starts with our example), run it.
        await OpenAsync(browser);
        await page.GetByText("Schema available").WaitForAsync(new() { Timeout = 30_000 }); // introspection went through
        await page.GetByText("HeadlineProjects").First.WaitForAsync();
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByText("Run", new() { Exact = true }).ClickAsync(),
            r => r.Url == browser.Url("/graphql") && r.Request.Method == "POST");
        var body = await response.TextAsync();
        await page.GetByText("致真存储芯片制造项目").First.WaitForAsync(new() { Timeout = 15_000 });
        var screenshot = await browser.ScreenshotAsync("banana-cake-pop.png");
        await page.GetByText("Schema Reference").ClickAsync(); // the documented schema, from introspection
        await page.GetByText("Major projects with filtering", new() { Exact = false }).First.WaitForAsync(new() { Timeout = 15_000 });
        await browser.ScreenshotAsync("banana-cake-pop.schema.png");

        // Assert: the run answered from our server, and nothing went anywhere else.
        Assert.Equal(200, response.Status);
        Assert.Contains("HeadlineProjects", response.Request.PostData);
        Assert.Contains("致真存储芯片制造项目", body);
        Assert.True(File.Exists(screenshot));
        Assert.Empty(browser.ForeignRequests);
        Assert.Contains(browser.Requests, u => u.EndsWith("/graphql/bcp-config.json"));
    }

    /// <summary>
    /// Opens the IDE once its service worker controls the page (on its first visit it installs, and the page that was
    /// showing is replaced, which loses whatever a test typed), then creates a document.
    /// </summary>
    internal static async Task OpenAsync(BrowserSession browser)
    {
        await browser.Page.GotoAsync(browser.Url("/graphql"));
        await browser.Page.WaitForFunctionAsync("() => navigator.serviceWorker && navigator.serviceWorker.controller", null, new() { Timeout = 30_000 });
        await browser.Page.GetByText("Create Document").ClickAsync(new() { Timeout = 30_000 });
    }

    /// <summary>
    /// A token pasted into the document's HTTP Headers goes with the IDE's requests and the server takes it (a token it
    /// refused would be a 401: IdentityTests); README shows the same steps.
    /// </summary>
    [Fact]
    public async Task BananaCakePopSendsAPastedToken()
    {
        await using var browser = await BrowserSession.StartAsync(api);
        var page = browser.Page;
        await OpenAsync(browser);
        await page.GetByText("Schema available").WaitForAsync(new() { Timeout = 30_000 });
        await page.GetByText("HeadlineProjects").First.WaitForAsync();

        var token = api.Token("分析员", GeoProjects.Api.Security.Role.Viewer);
        await page.GetByText("HTTP Headers", new() { Exact = true }).ClickAsync();
        await page.GetByPlaceholder("Name").First.PressSequentiallyAsync("Authorization");
        await page.GetByPlaceholder("Value").First.FillAsync($"Bearer {token}");
        await page.GetByText("Request", new() { Exact = true }).ClickAsync(); // leave the row: the IDE takes it (and offers a new one)
        await page.GetByPlaceholder("Name").Nth(1).WaitForAsync();
        // The IDE stores the edited header a moment after the row is left, and nothing on the page says when: under load a
        // first Run has gone out without it. Run until a request carries it (a state, not a clock), a few times at most.
        Microsoft.Playwright.IResponse response = null!;
        Dictionary<string, string> sent = [];
        // A Run may also carry the header's name with the value not yet stored (an empty Authorization): run again then too.
        for (var attempt = 0; attempt < 5 && sent.GetValueOrDefault("authorization") != $"Bearer {token}"; attempt++)
        {
            response = await page.RunAndWaitForResponseAsync(
                () => page.GetByText("Run", new() { Exact = true }).ClickAsync(),
                r => r.Url == browser.Url("/graphql") && r.Request.Method == "POST" && (r.Request.PostData ?? "").Contains("HeadlineProjects"));
            sent = await response.Request.AllHeadersAsync(); // the IDE may send from a worker: ask the network, not the page
        }

        Assert.Equal($"Bearer {token}", sent["authorization"]);
        Assert.Equal(200, response.Status);
        Assert.Contains("致真存储芯片制造项目", await response.TextAsync());
        await browser.ScreenshotAsync("banana-cake-pop.token.png");
        Assert.Empty(browser.ForeignRequests);
    }
}
