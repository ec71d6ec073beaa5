using System.Globalization;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace GeoProjects.Tests.Browser;

/// <summary>
/// The web map, live and editable: two tabs open, an admin edits a project in one (its fields in the popup, its point
/// dragged), the other (anonymous) redraws and recounts without a reload; a conflict shows both versions; charts follow.
/// </summary>
[Collection(EditingCollection.Name)]
public sealed class LiveMapBrowserTests(ApiFixture api)
{
    private static readonly NetTopologySuite.Geometries.Point Zhizhen = Seed.Projects.Single(p => p.Code == "XHA-2023-D01").Location;
    private const string ZhizhenId = "UHJvamVjdDox"; // Project:1

    private static async Task OpenAsync(IPage page, BrowserSession browser, string? token = null)
    {
        await page.GotoAsync(browser.Url("/"));
        await page.WaitForFunctionAsync("() => window.geoprojects && window.geoprojects.ready", null, new() { Timeout = 30_000 });
        if (token is null) return;
        await page.FillAsync("#token", token);
        await page.ClickAsync("#sign-in button[type=submit]");
        await page.WaitForFunctionAsync("() => window.geoprojects && window.geoprojects.ready", null, new() { Timeout = 30_000 });
    }

    private static Task<string> TotalAsync(IPage page) => page.InnerTextAsync("#total-investment");

    private async Task<(int Version, decimal Total)> ZhizhenAsync()
    {
        var r = await api.QueryAsync($$"""{ project(id: "{{ZhizhenId}}") { version totalInvestment } }""");
        var p = r.Data.GetProperty("project");
        return (p.GetProperty("version").GetInt32(), p.GetProperty("totalInvestment").GetDecimal());
    }

    private async Task SetAsync(int version, decimal total, double? lon = null, double? lat = null)
    {
        var location = lon is null ? "" : $", location: {{ type: \"Point\", coordinates: [{lon.Value.ToString(CultureInfo.InvariantCulture)}, {lat!.Value.ToString(CultureInfo.InvariantCulture)}] }}";
        var r = await api.QueryAsync($$"""
            mutation { updateProject(input: { id: "{{ZhizhenId}}", expectedVersion: {{version}}, totalInvestment: {{total}}{{location}} }) { project { version } } }
            """, token: api.Token("地图测试", Role.Admin));
        r.AssertNoErrors();
    }

    [Fact]
    public async Task OneTabEditsAndTheOtherFollowsWithoutAReload()
    {
        await using var browser = await BrowserSession.StartAsync(api);
        var editor = browser.Page;
        var watcher = await browser.NewPageAsync();
        var (version, total) = await ZhizhenAsync();
        await OpenAsync(editor, browser, api.Token("规划办", Role.Admin));
        await OpenAsync(watcher, browser);
        await watcher.WaitForSelectorAsync("#chart-sector svg");
        Assert.True(await watcher.IsHiddenAsync("#chart-trend")); // progress is a staff figure
        await editor.WaitForSelectorAsync("#chart-trend svg", new() { Timeout = 15_000 });
        var before = decimal.Parse(await TotalAsync(watcher), CultureInfo.InvariantCulture);
        var live = browser.Services.GetRequiredService<GeoProjects.Api.Live.LiveGroups>();
        for (var i = 0; live.Subscribers < 6 && i < 200; i++) await Task.Delay(50); // both tabs subscribed (3 each)

        try
        {
            // Both look at 致真 where projects are points. The editor opens its popup, edits its investment and drags it 40 px east.
            var closeUp = "() => { const v = window.geoprojects.map.getView(); v.setZoom(14); "
                + $"v.setCenter(ol.proj.fromLonLat([{Zhizhen.X}, {Zhizhen.Y}])); }}";
            const string shown = "() => window.geoprojects.renderedProjects().some(f => f.layer === 'projects' && f.id === 1)";
            foreach (var page in new[] { editor, watcher })
            {
                await page.EvaluateAsync(closeUp);
                await page.WaitForFunctionAsync(shown, null, new() { Timeout = 15_000 });
            }
            await watcher.WaitForTimeoutAsync(500); // the close-up's tiles have all arrived
            var tilesFetched = 0;
            watcher.Request += (_, request) => { if (request.Url.Contains("/tiles/")) Interlocked.Increment(ref tilesFetched); };
            await editor.WaitForTimeoutAsync(300);
            var pixel = await editor.EvaluateAsync<double[]>($"() => window.geoprojects.pixelOf({Zhizhen.X}, {Zhizhen.Y})");
            await editor.Mouse.ClickAsync((float)pixel[0], (float)pixel[1]);
            await editor.ClickAsync("#edit-project");
            await editor.FillAsync("#edit-form input[name=totalInvestment]", (total + 1).ToString(CultureInfo.InvariantCulture));
            await editor.Mouse.MoveAsync((float)pixel[0], (float)pixel[1]);
            await editor.Mouse.DownAsync();
            await editor.Mouse.MoveAsync((float)pixel[0] + 20, (float)pixel[1], new() { Steps = 5 });
            await editor.Mouse.MoveAsync((float)pixel[0] + 40, (float)pixel[1], new() { Steps = 5 });
            await editor.Mouse.UpAsync();
            await editor.ClickAsync("#save-project");
            await editor.Locator("#edit-result").GetByText("已保存").WaitForAsync(new() { Timeout = 15_000 });
            await browser.ScreenshotAsync("map-edited.png");

            // The other tab hears of it and recounts, with no reload.
            var expected = (before + 1).ToString("0.00", CultureInfo.InvariantCulture);
            await watcher.WaitForFunctionAsync($"() => document.querySelector('#total-investment')?.textContent === '{expected}'", null,
                new() { Timeout = 15_000 });
            Assert.True(await watcher.EvaluateAsync<int>("() => window.geoprojects.changesSeen()") >= 1);
            var moved = await api.QueryAsync($$"""{ project(id: "{{ZhizhenId}}") { version location { coordinates } } }""");
            var lon = moved.Data.GetProperty("project").GetProperty("location").GetProperty("coordinates")[0].GetDouble();
            Assert.True(lon > Zhizhen.X + 0.0001, $"the point was not moved east: {lon}");
            // The watcher's map redrew only what the edit touched: the point is at its new place, and no tile was fetched.
            var east = (Zhizhen.X + 0.0001).ToString(CultureInfo.InvariantCulture);
            await watcher.WaitForFunctionAsync($"() => window.geoprojects.renderedProjects().some(f => f.id === 1 && f.center[0] > {east})",
                null, new() { Timeout = 15_000 });
            Assert.Equal(1, await watcher.EvaluateAsync<int>("() => window.geoprojects.renderedProjects().filter(f => f.id === 1).length"));
            Assert.Equal(0, Volatile.Read(ref tilesFetched));

            // A conflict: someone else saves first; the editor sees both versions.
            await editor.EvaluateAsync("() => window.geoprojects.editProject(1)");
            await editor.WaitForSelectorAsync("#edit-form");
            var now = moved.Data.GetProperty("project").GetProperty("version").GetInt32();
            await SetAsync(now, total + 5);
            await editor.ClickAsync("#save-project");
            await editor.WaitForSelectorAsync("#conflict", new() { Timeout = 15_000 });
            var conflict = await editor.InnerTextAsync("#conflict");
            Assert.Contains($"v{now + 1}", conflict);
            Assert.Contains((total + 5).ToString("0.##", CultureInfo.InvariantCulture), conflict);
            await browser.ScreenshotAsync("map-conflict.png");
            Assert.Empty(browser.ForeignRequests);
        }
        finally
        {
            var (current, _) = await ZhizhenAsync();
            await SetAsync(current, total, Zhizhen.X, Zhizhen.Y);
        }
    }
}
