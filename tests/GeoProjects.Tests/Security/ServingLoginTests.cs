using System.Net;
using System.Text.Json;
using GeoProjects.Api.Data;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// Row-level security on every connection the API serves from: a read connection given with the owner's login is turned
/// into the API's login, and a login that would skip the policies (a superuser, BYPASSRLS, an owner of a table whose
/// policies are not forced) is refused at start-up, as a physical connection opens, and at /health/ready, on the primary
/// and on the read connection alike.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ServingLoginTests(ApiFixture api)
{
    private const string Count = "{ projects { totalCount } }";
    private const string Reserve = "{ projects(where: { status: { eq: RESERVE } }) { totalCount nodes { code } } }";

    private WebApplicationFactory<Program> With(params (string Key, string Value)[] settings) =>
        api.WithWebHostBuilder(b => { foreach (var (key, value) in settings) b.UseSetting(key, value); });

    private string Login(string user) => new NpgsqlConnectionStringBuilder(api.ConnectionString) { Username = user }.ConnectionString;

    private async Task ExecuteAsync(string sql, string? connectionString = null)
    {
        await using var c = new NpgsqlConnection(connectionString ?? api.ConnectionString);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A login role of the cluster made for one test (roles are cluster-wide), with the API's grants, dropped afterwards.</summary>
    private async Task<string> RoleAsync(string attributes)
    {
        var role = $"gp_serving_{Guid.NewGuid():N}"[..24];
        await ExecuteAsync($"CREATE ROLE {role} LOGIN {attributes} IN ROLE {DataSetup.ApiRole}");
        return role;
    }

    private Task DropRoleAsync(string role) => ExecuteAsync($"DROP OWNED BY {role}; DROP ROLE IF EXISTS {role}");

    /// <summary>
    /// Starts the service as its own process with <paramref name="settings"/> and expects the refusal: exit 2 and one line
    /// (no stack trace), which is returned.
    /// </summary>
    private async Task<string> RefusedAtStartAsync(params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__GeoProjects"] = api.ConnectionString, ["Auth__SigningKey"] = ApiFixture.SigningKey,
        };
        foreach (var (key, value) in settings) environment[key.Replace(":", "__")] = value;
        var (exit, output) = await ServerProcess.CommandAsync(Path.GetTempPath(), environment, "--urls", $"http://127.0.0.1:{LoopbackPorts.Free()}");
        Assert.True(exit == 2, output);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("GeoProjects.Api: serving connection ", line);
        return line;
    }

    private static async Task<int> TotalAsync(HttpClient client, string query)
    {
        using var response = await client.PostAsync("/graphql", JsonContent(query));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        return body.GetProperty("data").GetProperty("projects").GetProperty("totalCount").GetInt32();
    }

    private static StringContent JsonContent(string query) =>
        new(JsonSerializer.Serialize(new { query }), System.Text.Encoding.UTF8, "application/json");

    private static async Task<int> OgcMatchedAsync(HttpClient client, string query = "")
    {
        var page = JsonDocument.Parse(await client.GetStringAsync($"/ogc/collections/projects/items?limit=1{query}")).RootElement;
        return page.GetProperty("numberMatched").GetInt32();
    }

    /// <summary>What the public and a viewer see through GraphQL and OGC: the published projects, and all of them.</summary>
    internal static async Task AssertVisibilityAsync(HttpClient anonymous, HttpClient viewer)
    {
        Assert.Equal(Seed.Published.Count, await TotalAsync(anonymous, Count));
        Assert.Equal(0, await TotalAsync(anonymous, Reserve));
        Assert.Equal(Seed.Published.Count, await OgcMatchedAsync(anonymous));
        Assert.Equal(0, await OgcMatchedAsync(anonymous, "&status=RESERVE"));
        var reserve = Seed.Projects.Count - Seed.Published.Count;
        Assert.True(reserve > 0);
        Assert.Equal(Seed.Projects.Count, await TotalAsync(viewer, Count));
        Assert.Equal(reserve, await TotalAsync(viewer, Reserve));
        Assert.Equal(Seed.Projects.Count, await OgcMatchedAsync(viewer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // an Npgsql multi-host string, as README suggests for several replicas
    public async Task AReadConnectionGivenWithTheOwnersLoginServesAsTheApisLogin(bool multiHost)
    {
        var owner = new NpgsqlConnectionStringBuilder(api.ConnectionString);
        if (multiHost)
        {
            owner.Host = $"{owner.Host}:{owner.Port},{owner.Host}:{owner.Port}";
            owner.TargetSessionAttributes = "prefer-standby";
        }
        Assert.Equal("postgres", owner.Username); // the tests' server: a superuser, as bench/scale.sh once gave its replicas
        await using var replicaConfigured = With(($"ConnectionStrings:{DataSetup.ReadConnectionName}", owner.ConnectionString));
        var read = replicaConfigured.Services.GetRequiredService<DatabaseConnection>().Read!;
        Assert.Equal(DataSetup.ApiRole, new NpgsqlConnectionStringBuilder(read.ConnectionString).Username);
        using var anonymous = replicaConfigured.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = null;
        using var viewer = replicaConfigured.CreateClient();
        await AssertVisibilityAsync(anonymous, viewer);
        var ready = await anonymous.GetStringAsync("/health/ready");
        Assert.Contains("every serving login keeps row-level security", ready);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "SUPERUSER", "is a superuser" },
        { "BYPASSRLS", "has BYPASSRLS" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task ALoginThatBypassesThePoliciesIsRefusedOnThePrimaryAndOnTheReadConnection(string attribute, string reason)
    {
        var role = await RoleAsync(attribute);
        try
        {
            var primary = await RefusedAtStartAsync(($"ConnectionStrings:{DataSetup.ApiConnectionName}", Login(role)));
            Assert.Contains($"serving connection ConnectionStrings:{DataSetup.ApiConnectionName} (", primary);
            Assert.Contains($"the login '{role}' {reason}", primary);
            var read = await RefusedAtStartAsync(($"ConnectionStrings:{DataSetup.ReadConnectionName}", api.ConnectionString),
                ("Database:ReadUsername", role));
            Assert.Contains($"serving connection ConnectionStrings:{DataSetup.ReadConnectionName} as Database:ReadUsername (", read);
            Assert.Contains($"the login '{role}' {reason}", read);
        }
        finally
        {
            await DropRoleAsync(role);
        }
    }

    /// <summary>An owner is exempt from its tables' policies unless they are forced: refused until every such table is.</summary>
    [Fact]
    public async Task AnOwnerOfATableWithPoliciesButWithoutForceIsRefusedUntilItIsForced()
    {
        var role = await RoleAsync("");
        var scratch = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = api.Database + "_owner" }.ConnectionString;
        var asRole = new NpgsqlConnectionStringBuilder(scratch) { Username = role }.ConnectionString;
        await ExecuteAsync($"CREATE DATABASE \"{api.Database}_owner\"");
        try
        {
            await ExecuteAsync($"""
                CREATE TABLE ledger (id int, secret boolean);
                ALTER TABLE ledger OWNER TO {role};
                ALTER TABLE ledger ENABLE ROW LEVEL SECURITY;
                CREATE POLICY ledger_read ON ledger FOR SELECT USING (NOT secret);
                """, scratch);
            var primary = await RefusedAtStartAsync(("ConnectionStrings:GeoProjects", scratch),
                ($"ConnectionStrings:{DataSetup.ApiConnectionName}", asRole));
            Assert.Contains($"the login '{role}' owns tables with policies but without FORCE ROW LEVEL SECURITY (ledger)", primary);
            var read = await RefusedAtStartAsync(("ConnectionStrings:GeoProjects", scratch),
                ($"ConnectionStrings:{DataSetup.ReadConnectionName}", scratch), ("Database:ReadUsername", role));
            Assert.Contains($"serving connection ConnectionStrings:{DataSetup.ReadConnectionName} as Database:ReadUsername (", read);
            Assert.Contains("(ledger)", read);

            await ExecuteAsync("ALTER TABLE ledger FORCE ROW LEVEL SECURITY", scratch);
            await using var forced = new NpgsqlConnection(asRole);
            await forced.OpenAsync();
            Assert.Null(await ServingLogins.ProblemAsync(forced));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync($"DROP DATABASE IF EXISTS \"{api.Database}_owner\" WITH (FORCE)");
            await DropRoleAsync(role);
        }
    }

    /// <summary>
    /// A login that turns unsafe while the service runs (as after a failover to a server with other roles) serves nothing:
    /// new physical connections are refused (503 DATABASE_UNAVAILABLE at every door), /health/ready names the reason, and the
    /// service recovers by itself when the login is safe again.
    /// </summary>
    [Fact]
    public async Task ALoginThatTurnsUnsafeWhileRunningServesNothingAndReadinessSaysWhy()
    {
        var role = await RoleAsync("");
        try
        {
            await using var server = With(($"ConnectionStrings:{DataSetup.ApiConnectionName}", Login(role)));
            using var anonymous = server.CreateClient();
            anonymous.DefaultRequestHeaders.Authorization = null;
            Assert.Equal(Seed.Published.Count, await TotalAsync(anonymous, Count));

            await ExecuteAsync($"ALTER ROLE {role} BYPASSRLS");
            await ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'");
            using var ready = await anonymous.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var why = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("serving-logins");
            Assert.Contains($"the login '{role}' has BYPASSRLS", why.GetProperty("description").GetString());
            // The first request may meet a connection the termination broke; every one after it meets the guard.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                using var refused = await anonymous.PostAsync("/graphql", JsonContent(Count));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Contains("DATABASE_UNAVAILABLE", await refused.Content.ReadAsStringAsync());
                using var ogc = await anonymous.GetAsync("/ogc/collections/projects/items?limit=1");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ogc.StatusCode);
            }

            await ExecuteAsync($"ALTER ROLE {role} NOBYPASSRLS");
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
            Assert.Equal(Seed.Published.Count, await TotalAsync(anonymous, Count));
        }
        finally
        {
            await DropRoleAsync(role);
        }
    }

    [Fact]
    public void EveryHostOfAMultiHostStringIsCheckedOnItsOwn()
    {
        var hosts = ServingLogins.PerHost("Host=replica1,replica2:5433;Port=5432;Username=u;Database=d;Target Session Attributes=prefer-standby")
            .ToList();
        Assert.Equal(["replica1:5432", "replica2:5433"], hosts.Select(h => h.Host));
        var second = new NpgsqlConnectionStringBuilder(hosts[1].ConnectionString);
        Assert.Equal("replica2:5433", second.Host);
        Assert.Null(second.TargetSessionAttributes);
        Assert.Equal("d", second.Database);
    }
}
