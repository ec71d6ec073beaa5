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
        await page.GotoAsync(browser.Url("/graphql"));
        await page.GetByText("Create Document").ClickAsync(new() { Timeout = 30_000 });
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
}
