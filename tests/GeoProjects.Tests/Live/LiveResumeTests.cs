using System.Text.Json;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Live;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// Live clients lose nothing and keep nothing they may no longer see, through the reference clients on both transports:
/// a project withdrawn from the public reaches it as a deletion and a published one as a creation; every event carries a
/// cursor; a client that resumes after its last cursor gets what it missed, once, in order; and neither a killed
/// listener connection (pg_terminate_backend) nor a severed client connection loses or repeats an edit.
/// </summary>
[Collection(EditingCollection.Name)]
public sealed class LiveResumeTests(ApiFixture api)
{
    private const string Watch = """
        subscription Watch($after: String) { projectUpdated(after: $after, where: { zone: { code: { eq: "GZK" } } }) { id totalInvestment } }
        """;

    private static List<JsonElement> Nexts(IEnumerable<JsonElement> lines) =>
        lines.Where(l => l.TryGetProperty("next", out _)).Select(l => l.GetProperty("next")).ToList();

    private static long CursorOf(JsonElement next) => long.Parse(next.GetProperty("extensions").GetProperty("cursor").GetString()!);

    private static async Task<LiveServer> ListeningAsync(LiveServer server)
    {
        await server.Services.GetRequiredService<ChangeFeed>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>A published project of 古镇口 (GZK), its status, and the last cursor of the change log now.</summary>
    private async Task<(int Key, string Status, long Cursor)> PublishedProjectAsync(NpgsqlConnection c)
    {
        await using var find = new NpgsqlCommand("""
            SELECT p.id, p.status, (SELECT max(id) FROM revisions) FROM projects p JOIN zones z ON z.id = p.zone_id
            WHERE z.code = 'GZK' AND p.status = ANY (ARRAY(SELECT status FROM access_public_statuses)) ORDER BY p.id DESC LIMIT 1
            """, c);
        await using var r = await find.ExecuteReaderAsync();
        await r.ReadAsync();
        return (r.GetInt32(0), r.GetString(1), r.GetInt64(2));
    }

    private static async Task<(int Key, string Status)> ReadAsync(NpgsqlCommand command)
    {
        await using var r = await command.ExecuteReaderAsync();
        await r.ReadAsync();
        return (r.GetInt32(0), r.GetString(1));
    }

    private static async Task ExecuteAsync(NpgsqlConnection c, string sql)
    {
        await using var command = new NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<long>> RevisionsAsync(NpgsqlConnection c, int key, long after)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT id FROM revisions WHERE entity = 'Project' AND entity_id = {key} AND id > {after} ORDER BY id", c);
        await using var r = await command.ExecuteReaderAsync();
        var ids = new List<long>();
        while (await r.ReadAsync()) ids.Add(r.GetInt64(0));
        return ids;
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("sse")]
    public async Task APublishedProjectWithdrawnReachesThePublicAsADeletionAndRepublishedAsACreation(string transport)
    {
        await using var server = await ListeningAsync(new LiveServer(api));
        await using var c = await api.OpenAsync();
        var (key, status, cursor) = await PublishedProjectAsync(c);
        var id = NodeId.Encode("Project", key);
        var url = server.Url("/graphql");
        await using var deleted = new LiveClient(transport, url, "", "subscription { projectDeleted }", "{}", "1", "30000");
        await using var created = new LiveClient(transport, url, "", "subscription { projectCreated { id status } }", "{}", "1", "30000");
        await using var updated = new LiveClient(transport, url, "", "subscription { projectUpdated { id } }", "{}", "1", "8000");
        await using var staff = new LiveClient(transport, url, api.Token("看板", Role.Viewer),
            "subscription { projectUpdated { id status } }", "{}", "2", "30000");
        await using var staffDeleted = new LiveClient(transport, url, api.Token("看板", Role.Viewer),
            "subscription { projectDeleted }", "{}", "1", "8000");
        await LiveClient.SubscribedAsync(server, 5);
        try
        {
            await ExecuteAsync(c, $"UPDATE projects SET status = 'Reserve' WHERE id = {key}");
            await ExecuteAsync(c, $"UPDATE projects SET status = '{status}' WHERE id = {key}");

            Assert.Equal(id, Nexts(await deleted.LinesAsync()).Single().GetProperty("data").GetProperty("projectDeleted").GetString());
            var back = Nexts(await created.LinesAsync()).Single();
            Assert.Equal(id, back.GetProperty("data").GetProperty("projectCreated").GetProperty("id").GetString());
            // Staff saw two updates (each event carries the project as it is when answered, so both may say its status now).
            var staffSaw = Nexts(await staff.LinesAsync());
            Assert.Equal(await RevisionsAsync(c, key, cursor), staffSaw.Select(CursorOf).ToList());
            Assert.Equal(CursorOf(staffSaw[1]), CursorOf(back));
            Assert.Empty(Nexts(await updated.LinesAsync())); // neither change is an update of a project the public saw throughout
            Assert.Empty(Nexts(await staffDeleted.LinesAsync())); // staff saw it all along: nothing was deleted from their view
        }
        finally
        {
            await ExecuteAsync(c, $"UPDATE projects SET status = '{status}' WHERE id = {key}");
        }
    }

    /// <summary>Resuming after a cursor: what was missed (and only what the caller may see now), in order, then live events.</summary>
    [Theory]
    [InlineData("ws")]
    [InlineData("sse")]
    public async Task ASubscriberResumingAfterACursorGetsWhatItMissedInOrderThenLiveEvents(string transport)
    {
        await using var server = await ListeningAsync(new LiveServer(api));
        await using var c = await api.OpenAsync();
        // Two published projects of GZK; the second withdrawn to the reserve list (hidden from the public) before the cursor.
        await using var find = new NpgsqlCommand("""
            SELECT p.id, p.status FROM projects p JOIN zones z ON z.id = p.zone_id
            WHERE z.code = 'GZK' AND p.status = ANY (ARRAY(SELECT status FROM access_public_statuses)) ORDER BY p.id DESC OFFSET 1 LIMIT 1
            """, c);
        var (reserve, status) = await ReadAsync(find);
        await ExecuteAsync(c, $"UPDATE projects SET status = 'Reserve' WHERE id = {reserve}");
        var (key, _, cursor) = await PublishedProjectAsync(c);
        for (var i = 0; i < 3; i++)
        {
            await ExecuteAsync(c, $"UPDATE projects SET total_investment = total_investment + 1 WHERE id = {key}");
            await ExecuteAsync(c, $"UPDATE projects SET total_investment = total_investment + 1 WHERE id = {reserve}"); // hidden from the public
        }
        try
        {
            await using var client = new LiveClient(transport, server.Url("/graphql"), "", Watch,
                JsonSerializer.Serialize(new { after = cursor.ToString() }), "4", "30000");
            await LiveClient.SubscribedAsync(server);
            await ExecuteAsync(c, $"UPDATE projects SET total_investment = total_investment + 1 WHERE id = {key}");
            var nexts = Nexts(await client.LinesAsync());
            Assert.Equal(await RevisionsAsync(c, key, cursor), nexts.Select(CursorOf).ToList());
            Assert.All(nexts, n => Assert.Equal(NodeId.Encode("Project", key),
                n.GetProperty("data").GetProperty("projectUpdated").GetProperty("id").GetString()));
        }
        finally
        {
            await ExecuteAsync(c, $"UPDATE projects SET total_investment = total_investment - 4 WHERE id = {key}");
            await ExecuteAsync(c, $"UPDATE projects SET total_investment = total_investment - 3, status = '{status}' WHERE id = {reserve}");
        }
    }

    /// <summary>
    /// Edits go on while the service's LISTEN connection is killed and one client's connection is severed twice: every edit
    /// reaches both subscribers exactly once, in commit order (their cursors are exactly the edits' revisions).
    /// </summary>
    [Theory]
    [InlineData("ws")]
    [InlineData("sse")]
    public async Task NeitherAKilledListenerNorASeveredClientLosesOrRepeatsAnEdit(string transport)
    {
        const int edits = 12;
        await using var server = await ListeningAsync(new LiveServer(api));
        await using var c = await api.OpenAsync();
        var (key, _, cursor) = await PublishedProjectAsync(c);
        var url = server.Url("/graphql");
        await using var severed = new LiveClient(transport, url, api.Token("看板", Role.Viewer), Watch, "{}", $"{edits}", "60000",
            """{"resume": true, "dropAfter": [3, 8]}""");
        await using var steady = new LiveClient(transport, url, "", Watch, "{}", $"{edits}", "60000", """{"resume": true}""");
        await LiveClient.SubscribedAsync(server, 2);
        try
        {
            for (var i = 1; i <= edits; i++)
            {
                await ExecuteAsync(c, $"UPDATE projects SET total_investment = total_investment + 1 WHERE id = {key}");
                if (i == 5)
                {
                    await using var kill = new NpgsqlCommand("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                        + $"WHERE application_name = '{ChangeFeed.ApplicationName}' AND datname = current_database()", c);
                    Assert.True((long)(await kill.ExecuteScalarAsync())! >= 1, "no change feed connection to kill");
                }
                await Task.Delay(150);
            }
            var revisions = await RevisionsAsync(c, key, cursor);
            Assert.Equal(edits, revisions.Count);
            foreach (var client in new[] { severed, steady })
            {
                var lines = await client.LinesAsync();
                Assert.Equal(revisions, Nexts(lines).Select(CursorOf).ToList());
                Assert.DoesNotContain(lines, l => l.TryGetProperty("error", out _) || l.TryGetProperty("timeout", out _));
            }
            Assert.Equal(2, (await severed.LinesAsync()).Count(l => l.TryGetProperty("dropped", out _)));
        }
        finally
        {
            await ExecuteAsync(c, $"UPDATE projects SET total_investment = total_investment - {edits} WHERE id = {key}");
        }
    }

    [Theory]
    [InlineData("ws", "abc", "CURSOR_INVALID")]
    [InlineData("sse", "-1", "CURSOR_INVALID")]
    [InlineData("ws", "9000000000000", "CURSOR_INVALID")]
    [InlineData("sse", "0", "REPLAY_TOO_LONG")]
    public async Task ACursorThatCannotResumeIsRefusedWithACode(string transport, string cursor, string code)
    {
        await using var factory = api.WithWebHostBuilder(b => b.UseSetting("Live:MaxReplay", "2"));
        await using var server = new LiveServer(factory);
        await using var client = new LiveClient(transport, server.Url("/graphql"), "", Watch,
            JsonSerializer.Serialize(new { after = cursor }), "1", "20000");
        var lines = await client.LinesAsync();
        Assert.Empty(Nexts(lines));
        Assert.Contains(code, string.Join("\n", lines.Select(l => l.GetRawText())));
    }
}
