using System.Text.Json;
using GeoProjects.Tests.Infrastructure;

namespace GeoProjects.Tests.Browser;

/// <summary>The web map at / in headless Chromium: offline, filtered like GraphQL, with stats and popups.</summary>
[Collection(ApiCollection.Name)]
public sealed class WebMapBrowserTests(ApiFixture api)
{
    internal const string RenderedCount = "() => window.geoprojects.renderedProjects().reduce((n, f) => n + f.count, 0)";

    [Fact]
    public async Task MapShowsFiltersAndExplainsTheProjects()
    {
        await using var browser = await BrowserSession.StartAsync(api);
        var page = browser.Page;
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        // The published projects (the map is anonymous), as clusters at the start zoom.
        await page.GotoAsync(browser.Url("/"));
        await page.WaitForFunctionAsync("() => window.geoprojects && window.geoprojects.ready", null, new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync($"() => ({RenderedCount})() === {Seed.Published.Count}", null, new() { Timeout = 30_000 });
        Assert.Equal(Seed.Published.Count.ToString(), await page.InnerTextAsync("#total-count"));
        await browser.ScreenshotAsync("map-all.png");

        // 古镇口核心区 + 先进制造: fewer features and the stats panel follow the same filter.
        var expected = Seed.Published.Count(p => Seed.AssignedZone(p) == "GZK" && p.Sector == "ADVANCED_MANUFACTURING");
        await page.SelectOptionAsync("#zone", "GZK");
        await page.CheckAsync("input[name=sector][value=ADVANCED_MANUFACTURING]");
        await page.ClickAsync("#apply");
        await page.WaitForFunctionAsync($"() => document.querySelector('#total-count')?.textContent === '{expected}'", null, new() { Timeout = 15_000 });
        await page.WaitForFunctionAsync($"() => ({RenderedCount})() === {expected}", null, new() { Timeout = 15_000 });
        Assert.Single(await page.QuerySelectorAllAsync("#stats tbody tr"));
        Assert.Contains("zone=GZK", page.Url);
        Assert.Contains("sectors=ADVANCED_MANUFACTURING", page.Url);
        await browser.ScreenshotAsync("map-guzhenkou-manufacturing.png");

        // Click 致真's symbol (unclustered from zoom 11): its popup.
        var zhizhen = Seed.Projects.Single(p => p.Code == "XHA-2023-D01").Location;
        await page.EvaluateAsync($"() => {{ const v = window.geoprojects.map.getView(); v.setZoom(14); v.setCenter(ol.proj.fromLonLat([{zhizhen.X}, {zhizhen.Y}])); }}");
        await page.WaitForFunctionAsync("() => window.geoprojects.renderedProjects().some(f => f.layer === 'projects' && f.id === 1)", null, new() { Timeout = 15_000 });
        await page.WaitForTimeoutAsync(300); // one frame for the symbols to be drawn
        var pixel = await page.EvaluateAsync<double[]>($"() => window.geoprojects.pixelOf({zhizhen.X}, {zhizhen.Y})");
        await page.Mouse.ClickAsync((float)pixel[0], (float)pixel[1]);
        await page.Locator("#popup.open").GetByText("致真存储芯片制造项目").WaitForAsync(new() { Timeout = 15_000 });
        Assert.Contains("30", await page.InnerTextAsync("#popup-content"));
        await browser.ScreenshotAsync("map-popup-zhizhen.png");

        // A shared URL restores the filter.
        await page.GotoAsync(page.Url);
        await page.WaitForFunctionAsync($"() => document.querySelector('#total-count')?.textContent === '{expected}'", null, new() { Timeout = 15_000 });
        Assert.True(await page.IsCheckedAsync("input[name=sector][value=ADVANCED_MANUFACTURING]"));

        Assert.Empty(errors);
        Assert.Empty(browser.ForeignRequests);
        Assert.Contains(browser.Requests, u => u.Contains("/tiles/projects/") && u.Contains("where="));
    }
}

/// <summary>The papercuts a first hour with the web map finds: popups off-screen, a wide zone list, hidden labels, fractional zooms.</summary>
[Collection(ApiCollection.Name)]
public sealed class WebMapDetailBrowserTests(ApiFixture api)
{
    [Fact]
    public async Task PopupsStayOnScreenLabelsStayOnTopAndFractionalZoomsReport()
    {
        await using var browser = await BrowserSession.StartAsync(api);
        var page = browser.Page;
        await page.GotoAsync(browser.Url("/"));
        await page.WaitForFunctionAsync("() => window.geoprojects && window.geoprojects.ready", null, new() { Timeout = 30_000 });

        // The zone list fits the panel, whatever the longest name.
        Assert.True(await page.EvaluateAsync<bool>(
            "() => document.getElementById('zone').getBoundingClientRect().right <= document.getElementById('panel').getBoundingClientRect().right"));

        // Zone names are drawn above the project clusters.
        Assert.True(await page.EvaluateAsync<bool>("""
            () => { const layers = window.geoprojects.map.getLayers().getArray();
                    const labels = layers.findIndex(l => l.get('name') === 'zone-labels');
                    const projects = layers.findIndex(l => l.getSource && l.getSource() instanceof ol.source.VectorTile);
                    return labels > projects && projects >= 0; }
            """));

        // A fractional zoom still reports what is drawn.
        var zhizhen = Seed.Projects.Single(p => p.Code == "XHA-2023-D01").Location;
        await page.EvaluateAsync($"() => {{ const v = window.geoprojects.map.getView(); v.setZoom(12.5); v.setCenter(ol.proj.fromLonLat([{zhizhen.X}, {zhizhen.Y}])); }}");
        await page.WaitForFunctionAsync("() => window.geoprojects.renderedProjects().some(f => f.layer === 'projects' && f.id === 1)", null, new() { Timeout = 15_000 });

        // The first popup of the page, for a project right at the top edge, is moved fully into view.
        await page.EvaluateAsync($$"""
            () => { const map = window.geoprojects.map, view = map.getView();
                    view.setZoom(14);
                    view.setCenter(ol.proj.fromLonLat([{{zhizhen.X}}, {{zhizhen.Y}}]));
                    const [w, h] = map.getSize();
                    view.centerOn(ol.proj.fromLonLat([{{zhizhen.X}}, {{zhizhen.Y}}]), map.getSize(), [w / 2, 25]); }
            """);
        await page.WaitForFunctionAsync("() => window.geoprojects.renderedProjects().some(f => f.layer === 'projects' && f.id === 1)", null, new() { Timeout = 15_000 });
        await page.WaitForTimeoutAsync(300);
        var pixel = await page.EvaluateAsync<double[]>($"() => window.geoprojects.pixelOf({zhizhen.X}, {zhizhen.Y})");
        Assert.True(pixel[1] < 40, $"the project should start at the top edge, at y {pixel[1]}");
        await page.Mouse.ClickAsync((float)pixel[0], (float)pixel[1]);
        await page.Locator("#popup.open").GetByText("致真存储芯片制造项目").WaitForAsync(new() { Timeout = 15_000 });
        await page.WaitForTimeoutAsync(300);
        var inView = await page.EvaluateAsync<bool>("""
            () => { const p = document.getElementById('popup').getBoundingClientRect(), m = document.getElementById('map').getBoundingClientRect();
                    return p.top >= m.top && p.left >= m.left && p.right <= m.right && p.bottom <= m.bottom; }
            """);
        await browser.ScreenshotAsync("map-popup-at-the-edge.png");
        Assert.True(inView, "the popup is cut off");
    }

    /// <summary>Anonymous, the map shows the published projects; signed in with a viewer's token, the reserve list too.</summary>
    [Fact]
    public async Task SigningInWithATokenShowsMore()
    {
        await using var browser = await BrowserSession.StartAsync(api);
        var page = browser.Page;
        await page.GotoAsync(browser.Url("/"));
        await page.WaitForFunctionAsync("() => window.geoprojects && window.geoprojects.ready", null, new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync($"() => document.querySelector('#total-count')?.textContent === '{Seed.Published.Count}'", null, new() { Timeout = 15_000 });

        await page.FillAsync("#token", api.Token("地图用户", GeoProjects.Api.Security.Role.Viewer));
        await page.ClickAsync("#sign-in button[type=submit]");
        await page.WaitForFunctionAsync("() => window.geoprojects && window.geoprojects.ready", null, new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync($"() => document.querySelector('#total-count')?.textContent === '{Seed.Projects.Count}'", null, new() { Timeout = 15_000 });
        await page.WaitForFunctionAsync($"() => ({WebMapBrowserTests.RenderedCount})() === {Seed.Projects.Count}", null, new() { Timeout = 30_000 });
        Assert.DoesNotContain("eyJ", page.Url); // the token never goes into the shareable URL
        Assert.Contains(browser.Requests, u => u.Contains("/tiles/projects/"));

        await page.ClickAsync("#sign-out");
        await page.WaitForFunctionAsync($"() => document.querySelector('#total-count')?.textContent === '{Seed.Published.Count}'", null, new() { Timeout = 15_000 });
    }
}
