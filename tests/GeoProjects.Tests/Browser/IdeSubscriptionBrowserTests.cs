using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GeoProjects.Tests.Browser;

/// <summary>Banana Cake Pop runs a subscription at /graphql and shows the event a mutation causes.</summary>
[Collection(EditingCollection.Name)]
public sealed class IdeSubscriptionBrowserTests(ApiFixture api)
{
    [Fact]
    public async Task BananaCakePopShowsAnEventCausedByAMutation()
    {
        await using var browser = await BrowserSession.StartAsync(api);
        var page = browser.Page;
        await IdeBrowserTests.OpenAsync(browser);
        await page.GetByText("Schema available").WaitForAsync(new() { Timeout = 30_000 });
        await page.GetByText("HeadlineProjects").First.WaitForAsync();

        // Replace the starter document with a subscription, as a user types it.
        await page.Locator(".monaco-editor .view-lines").First.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("subscription Watch { projectUpdated { code totalInvestment } }");
        await page.GetByText("Watch: Subscription").WaitForAsync(new() { Timeout = 15_000 }); // the IDE took the new document
        await page.GetByText("Run", new() { Exact = true }).ClickAsync();
        var live = browser.Services.GetRequiredService<GeoProjects.Api.Live.LiveGroups>();
        // Waits for the server to hold the subscription (bounded: under the whole suite's load the IDE's socket has taken
        // longer than 15 s to open on a 2-core machine).
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); live.Subscribers < 1; await Task.Delay(50))
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("Banana Cake Pop did not subscribe within 60 s");

        var r = await api.QueryAsync("""{ project(id: "UHJvamVjdDox") { version totalInvestment } }""");
        var (version, total) = (r.Data.GetProperty("project").GetProperty("version").GetInt32(), r.Data.GetProperty("project").GetProperty("totalInvestment").GetDecimal());
        var admin = api.Token("IDE 测试", Role.Admin);
        (await api.QueryAsync($$"""mutation { updateProject(input: { id: "UHJvamVjdDox", expectedVersion: {{version}}, totalInvestment: {{total + 0.5m}} }) { project { version } } }""", token: admin)).AssertNoErrors();
        try
        {
            var shown = (total + 0.5m).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture); // as JSON prints it
            await page.GetByText(shown, new() { Exact = true }).First.WaitForAsync(new() { Timeout = 15_000 });
            await page.GetByText("XHA-2023-D01").First.WaitForAsync();
            await browser.ScreenshotAsync("banana-cake-pop.subscription.png");
            Assert.Empty(browser.ForeignRequests);
        }
        finally
        {
            (await api.QueryAsync($$"""mutation { updateProject(input: { id: "UHJvamVjdDox", expectedVersion: {{version + 1}}, totalInvestment: {{total}} }) { project { version } } }""", token: admin)).AssertNoErrors();
        }
    }
}
