using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using GeoProjects.Api.Live;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// Subscriptions as their reference clients see them: graphql-ws 6.4.2 over WebSocket and graphql-sse 2.6.1 over SSE,
/// events caused by a mutation and by psql, filtered by `where` and by the subscriber's permissions, and every close code
/// of graphql-transport-ws from a raw socket.
/// </summary>
[Collection(EditingCollection.Name)]
public sealed class SubscriptionTests(ApiFixture api)
{
    private async Task<(string Id, int Version, decimal Total)> ProjectInAsync(string zone)
    {
        var r = await api.QueryAsync($$"""{ projects(first: 1, where: { zone: { code: { eq: "{{zone}}" } }, status: { neq: RESERVE } }) { nodes { id version totalInvestment } } }""");
        var p = r.Data.GetProperty("projects").GetProperty("nodes")[0];
        return (p.GetProperty("id").GetString()!, p.GetProperty("version").GetInt32(), p.GetProperty("totalInvestment").GetDecimal());
    }

    private async Task UpdateAsync(string id, int version, decimal total)
    {
        var r = await api.QueryAsync($$"""
            mutation { updateProject(input: { id: "{{id}}", expectedVersion: {{version}}, totalInvestment: {{total}} }) { project { version } } }
            """, token: api.Token("订阅测试", Role.Admin));
        r.AssertNoErrors();
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("sse")]
    public async Task AMutationReachesASubscriberOfTheReferenceClient(string transport)
    {
        await using var server = new LiveServer(api);
        var (id, version, total) = await ProjectInAsync("GZK");
        const string query = """subscription Moved($zone: String!) { projectUpdated(where: { zone: { code: { eq: $zone } } }) { id totalInvestment zone { code } } }""";
        await using var client = new LiveClient(transport, server.Url("/graphql"), api.Token("看板", Role.Viewer), query, """{"zone":"GZK"}""");
        await LiveClient.SubscribedAsync(server);
        await UpdateAsync(id, version, total + 1);
        try
        {
            var lines = await client.LinesAsync();
            var next = lines.Single(l => l.TryGetProperty("next", out _)).GetProperty("next");
            var project = next.GetProperty("data").GetProperty("projectUpdated");
            Assert.Equal(id, project.GetProperty("id").GetString());
            Assert.Equal(total + 1, project.GetProperty("totalInvestment").GetDecimal());
            Assert.Equal("GZK", project.GetProperty("zone").GetProperty("code").GetString());
        }
        finally
        {
            await UpdateAsync(id, version + 1, total);
        }
    }

    /// <summary>A change made in psql, past every API, reaches a subscriber: the database announces it.</summary>
    [Fact]
    public async Task APsqlUpdateReachesASubscriber()
    {
        await using var server = new LiveServer(api);
        var (id, _, total) = await ProjectInAsync("DJK");
        var key = GeoProjects.Api.GraphQL.NodeId.Decode("Project", id);
        await using var client = new LiveClient("ws", server.Url("/graphql"), api.Token("看板", Role.Viewer),
            $$"""subscription { projectUpdated(id: "{{id}}") { id totalInvestment } }""");
        await LiveClient.SubscribedAsync(server);
        await using (var psql = await api.OpenAsync())
        await using (var update = new NpgsqlCommand($"UPDATE projects SET total_investment = total_investment + 2 WHERE id = {key}", psql))
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        try
        {
            var next = (await client.LinesAsync()).Single(l => l.TryGetProperty("next", out _)).GetProperty("next");
            Assert.Equal(total + 2, next.GetProperty("data").GetProperty("projectUpdated").GetProperty("totalInvestment").GetDecimal());
        }
        finally
        {
            await using var psql = await api.OpenAsync();
            await using var back = new NpgsqlCommand($"UPDATE projects SET total_investment = total_investment - 2 WHERE id = {key}", psql);
            await back.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// The public hears of published projects only, and never reads a staff field through an event; a filter keeps
    /// other zones' changes away; a deletion of a reserve-list project is not announced to the public.
    /// </summary>
    [Fact]
    public async Task EventsAreFilteredByWhereAndByWhatTheSubscriberMaySee()
    {
        await using var server = new LiveServer(api);
        var (gzk, gzkVersion, gzkTotal) = await ProjectInAsync("GZK");
        var (djk, djkVersion, djkTotal) = await ProjectInAsync("DJK");
        const string inGzk = """subscription { projectUpdated(where: { zone: { code: { eq: "GZK" } } }) { id completedInvestment } }""";
        await using var anonymous = new LiveClient("sse", server.Url("/graphql"), "", inGzk, "{}", "1", "8000");
        await using var viewer = new LiveClient("ws", server.Url("/graphql"), api.Token("看板", Role.Viewer), inGzk, "{}", "1", "8000");
        await LiveClient.SubscribedAsync(server, 2);
        await UpdateAsync(djk, djkVersion, djkTotal + 1); // another zone: neither hears of it
        await UpdateAsync(gzk, gzkVersion, gzkTotal + 1);
        try
        {
            var forViewer = (await viewer.LinesAsync()).Single(l => l.TryGetProperty("next", out _)).GetProperty("next");
            Assert.Equal(gzk, forViewer.GetProperty("data").GetProperty("projectUpdated").GetProperty("id").GetString());
            Assert.False(forViewer.TryGetProperty("errors", out _));
            var forPublic = (await anonymous.LinesAsync()).Single(l => l.TryGetProperty("next", out _)).GetProperty("next");
            Assert.Equal(gzk, forPublic.GetProperty("data").GetProperty("projectUpdated").GetProperty("id").GetString());
            Assert.Equal(JsonValueKind.Null, forPublic.GetProperty("data").GetProperty("projectUpdated").GetProperty("completedInvestment").ValueKind);
            var error = forPublic.GetProperty("errors")[0];
            Assert.Equal("AUTH_NOT_AUTHENTICATED", error.GetProperty("extensions").GetProperty("code").GetString());
            Assert.Equal("projectUpdated", error.GetProperty("path")[0].GetString());
        }
        finally
        {
            await UpdateAsync(djk, djkVersion + 1, djkTotal);
            await UpdateAsync(gzk, gzkVersion + 1, gzkTotal);
        }
    }

    [Fact]
    public async Task AReserveProjectsChangesReachStaffButNotThePublic()
    {
        await using var server = new LiveServer(api);
        await using var c = await api.OpenAsync();
        await using var find = new NpgsqlCommand("SELECT id FROM projects WHERE status = 'Reserve' ORDER BY id LIMIT 1", c);
        var key = (int)(await find.ExecuteScalarAsync())!;
        const string any = "subscription { projectUpdated { id } }";
        await using var anonymous = new LiveClient("ws", server.Url("/graphql"), "", any, "{}", "1", "6000");
        await using var viewer = new LiveClient("sse", server.Url("/graphql"), api.Token("看板", Role.Viewer), any, "{}", "1", "15000");
        await LiveClient.SubscribedAsync(server, 2);
        await using (var touch = new NpgsqlCommand($"UPDATE projects SET total_investment = total_investment + 1 WHERE id = {key}", c))
            await touch.ExecuteNonQueryAsync();
        try
        {
            Assert.Contains(await viewer.LinesAsync(), l => l.TryGetProperty("next", out _));
            var lines = await anonymous.LinesAsync();
            Assert.DoesNotContain(lines, l => l.TryGetProperty("next", out _));
            Assert.Contains(lines, l => l.TryGetProperty("timeout", out _));
        }
        finally
        {
            await using var back = new NpgsqlCommand($"UPDATE projects SET total_investment = total_investment - 1 WHERE id = {key}", c);
            await back.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Documents a hostile client sends: each refused with a coded error, the connection kept.</summary>
    [Theory]
    [InlineData("subscription A { projectDeleted } subscription B { projectDeleted }", "OPERATION_NOT_FOUND")]
    [InlineData("fragment F on Subscription { projectDeleted }", null)]
    [InlineData("subscription { __typename }", null)]
    [InlineData("subscription { projectDeleted projectDeleted2: projectDeleted }", null)]
    public async Task AHostileSubscriptionDocumentIsRefused(string query, string? code)
    {
        await using var server = new LiveServer(api);
        using var socket = await OpenAsync(server);
        await SendAsync(socket, """{"type":"connection_init"}""");
        await ReceiveAsync(socket);
        await SendAsync(socket, JsonSerializer.Serialize(new { id = "x", type = "subscribe", payload = new { query } }));
        var refused = (await ReceiveAsync(socket)).Message!.Value;
        // A subscription is refused with `error`; a document with no operation runs as one result whose errors say so.
        var errors = refused.GetProperty("type").GetString() == "error" ? refused.GetProperty("payload") : refused.GetProperty("payload").GetProperty("errors");
        var given = errors[0].GetProperty("extensions").GetProperty("code").GetString();
        if (code is not null) Assert.Equal(code, given);
        else Assert.False(string.IsNullOrEmpty(given));
        await SendAsync(socket, """{"type":"ping"}""");
        var next = (await ReceiveAsync(socket)).Message!.Value.GetProperty("type").GetString();
        if (next == "complete") next = (await ReceiveAsync(socket)).Message!.Value.GetProperty("type").GetString(); // after a result
        Assert.Equal("pong", next); // still serving
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("sse")]
    public async Task ABadSubscriptionIsRefusedWithACodedError(string transport)
    {
        await using var server = new LiveServer(api);
        await using var client = new LiveClient(transport, server.Url("/graphql"), "",
            """subscription { projectUpdated(where: { completedInvestment: { gt: 1 } }) { id } }""");
        var lines = await client.LinesAsync();
        Assert.Contains("AUTH_NOT_AUTHENTICATED", string.Join("\n", lines.Select(l => l.GetRawText()))); // a hidden field in a filter
    }

    // ---------------- graphql-transport-ws, message by message ----------------

    private static async Task<ClientWebSocket> OpenAsync(LiveServer server, string protocol = WebSocketTransport.Protocol)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(protocol);
        await socket.ConnectAsync(new Uri(server.Url("/graphql").Replace("http", "ws")), CancellationToken.None);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next message's JSON, or the close code when the server closed.</summary>
    private static async Task<(JsonElement? Message, int? Closed)> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        if (result.MessageType == WebSocketMessageType.Close) return (null, (int?)socket.CloseStatus);
        return (JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, result.Count)).RootElement.Clone(), null);
    }

    private static async Task<int?> ClosedAsync(ClientWebSocket socket)
    {
        while (true)
        {
            var (_, closed) = await ReceiveAsync(socket);
            if (closed is not null) return closed;
        }
    }

    [Fact]
    public async Task EveryCloseCodeOfTheProtocol()
    {
        await using var server = new LiveServer(api);
        const string init = """{"type":"connection_init"}""";
        const string subscribe = """{"id":"1","type":"subscribe","payload":{"query":"subscription { projectDeleted }"}}""";

        using (var silent = await OpenAsync(server)) Assert.Equal(4408, await ClosedAsync(silent)); // no connection_init in time
        using (var early = await OpenAsync(server))
        {
            await SendAsync(early, subscribe);
            Assert.Equal(4401, await ClosedAsync(early)); // subscribe before the ack
        }
        using (var twice = await OpenAsync(server))
        {
            await SendAsync(twice, init);
            Assert.Equal("connection_ack", (await ReceiveAsync(twice)).Message!.Value.GetProperty("type").GetString());
            await SendAsync(twice, """{"type":"ping"}""");
            Assert.Equal("pong", (await ReceiveAsync(twice)).Message!.Value.GetProperty("type").GetString());
            await SendAsync(twice, subscribe);
            await SendAsync(twice, subscribe);
            Assert.Equal(4409, await ClosedAsync(twice)); // the same id twice
        }
        using (var reinit = await OpenAsync(server))
        {
            await SendAsync(reinit, init);
            await ReceiveAsync(reinit);
            await SendAsync(reinit, init);
            Assert.Equal(4429, await ClosedAsync(reinit));
        }
        using (var garbage = await OpenAsync(server))
        {
            await SendAsync(garbage, "{not json");
            Assert.Equal(4400, await ClosedAsync(garbage));
        }
        using (var forged = await OpenAsync(server))
        {
            await SendAsync(forged, """{"type":"connection_init","payload":{"Authorization":"Bearer not.a.token"}}""");
            Assert.Equal(4403, await ClosedAsync(forged));
        }
        using (var legacy = await OpenAsync(server, "graphql-ws"))
            Assert.Equal(4406, await ClosedAsync(legacy));
    }

    /// <summary>Over the same socket a query is answered once (next, complete), and a client's complete stops a subscription.</summary>
    [Fact]
    public async Task QueriesAnswerOnceAndCompleteStopsASubscription()
    {
        await using var server = new LiveServer(api);
        using var socket = await OpenAsync(server);
        await SendAsync(socket, """{"type":"connection_init"}""");
        await ReceiveAsync(socket);
        await SendAsync(socket, """{"id":"q","type":"subscribe","payload":{"query":"{ zones(where: { code: { eq: \"GZK\" } }) { name } }"}}""");
        var next = (await ReceiveAsync(socket)).Message!.Value;
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal("古镇口核心区", next.GetProperty("payload").GetProperty("data").GetProperty("zones")[0].GetProperty("name").GetString());
        Assert.Equal("complete", (await ReceiveAsync(socket)).Message!.Value.GetProperty("type").GetString());

        await SendAsync(socket, """{"id":"s","type":"subscribe","payload":{"query":"subscription { zoneUpdated { code } }"}}""");
        await LiveClient.SubscribedAsync(server);
        await SendAsync(socket, """{"id":"s","type":"complete"}""");
        var live = server.Services.GetRequiredService<LiveGroups>();
        for (var clock = Stopwatch.StartNew(); live.Subscribers > 0 && clock.Elapsed < TimeSpan.FromSeconds(10);) await Task.Delay(20);
        Assert.Equal(0, live.Subscribers);
    }

    /// <summary>A token that expires ends the subscription (4403): what it may see could change.</summary>
    [Fact]
    public async Task AnExpiringTokenEndsTheConnection()
    {
        await using var server = new LiveServer(api);
        var options = api.Services.GetRequiredService<AuthOptions>();
        // Long enough to be acknowledged on a busy machine (its expiry is whole seconds: 2 s left as little as 1 s, which a
        // clean-clone run spent before the ack, so the token was refused at connection_init instead).
        var brief = Identity.Issue(options, "短令牌", Role.Viewer, [], TimeSpan.FromSeconds(6));
        using var socket = await OpenAsync(server);
        await SendAsync(socket, $$$"""{"type":"connection_init","payload":{"Authorization":"Bearer {{{brief}}}"}}""");
        Assert.Equal("connection_ack", (await ReceiveAsync(socket)).Message!.Value.GetProperty("type").GetString());
        await SendAsync(socket, """{"id":"1","type":"subscribe","payload":{"query":"subscription { projectDeleted }"}}""");
        Assert.Equal(4403, await ClosedAsync(socket));
    }

    /// <summary>A connection runs at most Live:MaxSubscriptionsPerConnection operations; one more gets a coded error.</summary>
    [Fact]
    public async Task AConnectionsSubscriptionsAreLimited()
    {
        await using var server = new LiveServer(api.WithWebHostBuilder(b => b.UseSetting("Live:MaxSubscriptionsPerConnection", "2")));
        using var socket = await OpenAsync(server);
        await SendAsync(socket, """{"type":"connection_init"}""");
        await ReceiveAsync(socket);
        for (var i = 1; i <= 3; i++)
            await SendAsync(socket, $$$"""{"id":"{{{i}}}","type":"subscribe","payload":{"query":"subscription { projectDeleted }"}}""");
        var refused = (await ReceiveAsync(socket)).Message!.Value;
        Assert.Equal("error", refused.GetProperty("type").GetString());
        Assert.Equal("3", refused.GetProperty("id").GetString());
        Assert.Equal("TOO_MANY_SUBSCRIPTIONS", refused.GetProperty("payload")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    /// <summary>A subscriber that falls a whole queue behind is dropped (4413), never held in memory.</summary>
    [Fact]
    public async Task ASlowConsumerIsDropped()
    {
        await using var server = new LiveServer(api.WithWebHostBuilder(b => b.UseSetting("Live:QueueLength", "2")));
        using var socket = await OpenAsync(server);
        await SendAsync(socket, $$$"""{"type":"connection_init","payload":{"Authorization":"Bearer {{{api.Token("看板", Role.Viewer)}}}"}}""");
        await ReceiveAsync(socket);
        await SendAsync(socket, """{"id":"1","type":"subscribe","payload":{"query":"subscription { projectUpdated { id name nameEn sourceNote } }"}}""");
        await LiveClient.SubscribedAsync(server);
        // One statement changes 60 projects: 60 events at once for a queue of 2.
        const string sixty = "(SELECT id FROM projects ORDER BY id LIMIT 60)";
        await using var c = await api.OpenAsync();
        await using (var touch = new NpgsqlCommand($"UPDATE projects SET total_investment = total_investment + 1 WHERE id IN {sixty}", c))
            await touch.ExecuteNonQueryAsync();
        try
        {
            Assert.Equal(4413, await ClosedAsync(socket));
        }
        finally
        {
            await using var back = new NpgsqlCommand($"UPDATE projects SET total_investment = total_investment - 1 WHERE id IN {sixty}", c);
            await back.ExecuteNonQueryAsync();
        }
    }

    /// <summary>progressReported: a month reported for a project in the subscriber's filter arrives as the report itself.</summary>
    [Fact]
    public async Task AReportedMonthReachesItsSubscriber()
    {
        await using var server = new LiveServer(api);
        var admin = api.Token("订阅测试", Role.Admin);
        var created = await api.QueryAsync("""
            mutation { createProject(input: { code: "T-LIVE-PROGRESS", name: "[示例] 进度订阅", sector: MARINE_ECONOMY, status: STARTED,
              totalInvestment: 3, location: { type: "Point", coordinates: [119.962, 35.772] }, dataSource: ILLUSTRATIVE }) { project { id } } }
            """, token: admin);
        created.AssertNoErrors();
        var id = created.Data.GetProperty("createProject").GetProperty("project").GetProperty("id").GetString();
        try
        {
            await using var client = new LiveClient("sse", server.Url("/graphql"), api.Token("看板", Role.Viewer),
                """subscription { progressReported(where: { code: { eq: "T-LIVE-PROGRESS" } }) { period completedInvestmentYtd reportedBy } }""");
            await LiveClient.SubscribedAsync(server);
            (await api.QueryAsync($$"""
                mutation { reportProgress(input: { projectId: "{{id}}", period: "2024-03", completedInvestmentYtd: 1.25, status: UNDER_CONSTRUCTION }) {
                  progressReport { period } } }
                """, token: admin)).AssertNoErrors();
            var report = (await client.LinesAsync()).Single(l => l.TryGetProperty("next", out _)).GetProperty("next")
                .GetProperty("data").GetProperty("progressReported");
            Assert.Equal("2024-03", report.GetProperty("period").GetString());
            Assert.Equal(1.25m, report.GetProperty("completedInvestmentYtd").GetDecimal());
            Assert.Equal("订阅测试", report.GetProperty("reportedBy").GetString());
        }
        finally
        {
            await using var c = await api.OpenAsync();
            var key = GeoProjects.Api.GraphQL.NodeId.Decode("Project", id!);
            await using var clean = new NpgsqlCommand(
                $"DELETE FROM progress_reports WHERE project_id = {key}; DELETE FROM annual_plans WHERE project_id = {key}; DELETE FROM projects WHERE id = {key}", c);
            await clean.ExecuteNonQueryAsync();
        }
    }

    /// <summary>zoneUpdated: zones are everyone's, so an anonymous subscriber hears of a changed one.</summary>
    [Fact]
    public async Task AChangedZoneReachesEveryone()
    {
        await using var server = new LiveServer(api);
        await using var client = new LiveClient("ws", server.Url("/graphql"), "", "subscription { zoneUpdated { code nameEn } }");
        await LiveClient.SubscribedAsync(server);
        await using var c = await api.OpenAsync();
        await using (var touch = new NpgsqlCommand("UPDATE zones SET name_en = name_en || ' (live)' WHERE code = 'LYT'", c))
            Assert.Equal(1, await touch.ExecuteNonQueryAsync());
        try
        {
            var zone = (await client.LinesAsync()).Single(l => l.TryGetProperty("next", out _)).GetProperty("next").GetProperty("data").GetProperty("zoneUpdated");
            Assert.Equal("LYT", zone.GetProperty("code").GetString());
            Assert.EndsWith(" (live)", zone.GetProperty("nameEn").GetString());
        }
        finally
        {
            await using var back = new NpgsqlCommand("UPDATE zones SET name_en = replace(name_en, ' (live)', '') WHERE code = 'LYT'", c);
            await back.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A client holds at most Live:MaxConnectionsPerClient live connections; one more is a 429 before any upgrade.</summary>
    [Fact]
    public async Task AClientsConnectionsAreLimited()
    {
        await using var server = new LiveServer(api.WithWebHostBuilder(b => b.UseSetting("Live:MaxConnectionsPerClient", "1")));
        var token = api.Token("一个客户端", Role.Viewer);
        using var first = new ClientWebSocket();
        first.Options.AddSubProtocol(WebSocketTransport.Protocol);
        first.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await first.ConnectAsync(new Uri(server.Url("/graphql").Replace("http", "ws")), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.Origin };
        using var second = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent("""{"query":"subscription { projectDeleted }"}""", Encoding.UTF8, "application/json"),
        };
        second.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        second.Headers.Accept.ParseAdd("text/event-stream");
        using var refused = await http.SendAsync(second, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("TOO_MANY_CONNECTIONS", await refused.Content.ReadAsStringAsync());
    }
}
