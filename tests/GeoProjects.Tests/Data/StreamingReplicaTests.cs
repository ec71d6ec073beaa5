using System.Net.Http.Headers;
using GeoProjects.Api.Data;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// The scale-out of README and bench/scale.sh on a cluster of the test's own: a streaming replica made with pg_basebackup -R,
/// given to the API with the owner's login (as the script once did). Reads run on the replica as geoprojects_api (the role
/// streamed with the data), so the public sees exactly what it sees against one database.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(ServerLifecycleCollection.Name)]
public sealed class StreamingReplicaTests : IAsyncLifetime
{
    private readonly ScratchCluster _primary = new("fast");
    private readonly int _replicaPort = LoopbackPorts.Free();
    private string ReplicaData => _primary.PgData + "-replica";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AsPostgresAsync($"{ScratchCluster.PgBin}/pg_ctl -D '{ReplicaData}' stop -m immediate; rm -rf '{ReplicaData}'");
        _primary.Dispose();
    }

    private Task<(int Exit, string Output)> AsPostgresAsync(string script) =>
        _primary.ShellAsync($"as=(); [ \"$(id -u)\" = 0 ] && as=(runuser -u postgres --); cd / && \"${{as[@]}}\" bash -c \"{script}\"");

    private static WebApplicationFactory<Program> Api(params (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production").UseSetting("Auth:SigningKey", ApiFixture.SigningKey).UseSetting("WarmUp:Rounds", "0");
            foreach (var (key, value) in settings) b.UseSetting(key, value);
        });

    [Fact]
    public async Task AReplicaGivenWithTheOwnersLoginIsReadAsTheApisLogin()
    {
        var primary = new NpgsqlConnectionStringBuilder(await _primary.StartAsync()) { Database = "geoprojects" }.ConnectionString;
        await using (var migrate = Api(("ConnectionStrings:GeoProjects", primary))) await DatabaseSeeder.MigrateAndSeedAsync(migrate.Services);

        var (exit, output) = await AsPostgresAsync(
            $"{ScratchCluster.PgBin}/pg_basebackup -D '{ReplicaData}' -h 127.0.0.1 -p {_primary.Port} -U postgres -X stream -R --checkpoint=fast && " +
            $"{ScratchCluster.PgBin}/pg_ctl -D '{ReplicaData}' -l '{ReplicaData}/server.log' -w -o " +
            $"'-p {_replicaPort} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300' start"); // a standby needs the primary's max_connections
        Assert.True(exit == 0, output);
        var replicaAsOwner = new NpgsqlConnectionStringBuilder(primary) { Port = _replicaPort }.ConnectionString;

        await using var api = Api(("ConnectionStrings:GeoProjects", primary), ($"ConnectionStrings:{DataSetup.ReadConnectionName}", replicaAsOwner));
        using var anonymous = api.CreateClient();
        using var viewer = api.CreateClient();
        var token = Identity.Issue(api.Services.GetRequiredService<AuthOptions>(), "replica-viewer", Role.Viewer, [], TimeSpan.FromHours(1));
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await ServingLoginTests.AssertVisibilityAsync(anonymous, viewer);

        // The answers came from the standby, through the API's own login and no other.
        await using var replica = new NpgsqlConnection(replicaAsOwner);
        await replica.OpenAsync();
        await using var who = new NpgsqlCommand("""
            SELECT pg_is_in_recovery(), array_agg(DISTINCT usename::text ORDER BY usename::text)
            FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            """, replica);
        await using var reader = await who.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.True(reader.GetBoolean(0));
        Assert.Equal([DataSetup.ApiRole], reader.GetFieldValue<string[]>(1));
    }
}
