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
        var live = browser.Services.GetRequiredService<GeoProjects.Api.Live.LiveGroups>();
        // Runs it until the server holds the subscription: under the whole suite's load on 2 cores the IDE's socket has
        // taken longer than 15 s to open, and a Run clicked before the IDE settled was lost. At most three Runs, 25 s each.
        for (var attempt = 1; live.Subscribers < 1; attempt++)
        {
            if (attempt > 3) throw new TimeoutException("Banana Cake Pop did not subscribe after three Runs of 25 s");
            await page.GetByText("Run", new() { Exact = true }).ClickAsync();
            for (var clock = System.Diagnostics.Stopwatch.StartNew(); live.Subscribers < 1 && clock.Elapsed < TimeSpan.FromSeconds(25);)
                await Task.Delay(50);
        }

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
