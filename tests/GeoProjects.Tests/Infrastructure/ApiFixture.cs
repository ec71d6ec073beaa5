using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoProjects.Api.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests.Infrastructure;

/// <summary>
/// The real app over HTTP against a fresh database on the test server (the private PostGIS that ./test.sh
/// starts, or the server of ConnectionStrings__GeoProjects). Migrated and seeded by the app's own code;
/// dropped afterwards. Shared by every database test; tests never change its data outside a rolled-back transaction.
/// </summary>
public sealed class ApiFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string Database { get; } = $"geoprojects_test_{Guid.NewGuid():N}"[..26];
    public string ConnectionString { get; }

    public ApiFixture()
    {
        var server = Environment.GetEnvironmentVariable("GEOPROJECTS_TEST_SERVER")
            ?? Environment.GetEnvironmentVariable("ConnectionStrings__GeoProjects")
            ?? throw new InvalidOperationException("No PostGIS server for the tests: run ./test.sh, or set GEOPROJECTS_TEST_SERVER.");
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = Database }.ConnectionString;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production"); // errors must not leak details as they would in Development
        builder.UseSetting("ConnectionStrings:GeoProjects", ConnectionString);
        builder.UseSetting("Auth:SigningKey", SigningKey);
        builder.UseSetting("WarmUp:Rounds", "0"); // ready at once; WarmUpTests turns it on
    }

    public async Task InitializeAsync() => await DatabaseSeeder.MigrateAndSeedAsync(Services);

    /// <summary>Clients read as a viewer (everything, as the tests before roles did); <see cref="CreateAnonymousClient"/> does not.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("tests", GeoProjects.Api.Security.Role.Viewer));
    }

    public HttpClient CreateAnonymousClient() => ClientAs("");

    /// <summary>A client that asks as the caller <paramref name="token"/> names; "" or null is anonymous (no Authorization header).</summary>
    public HttpClient ClientAs(string? token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = string.IsNullOrEmpty(token) ? null : new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Work done as the command line does it: an admin operator (for importers and exporters called directly).</summary>
    public static IDisposable AsOperator(string name = "tests") =>
        GeoProjects.Api.Security.CallerScope.Use(GeoProjects.Api.Security.Caller.Operator(name));

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres" }.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public SqlStatementCounter Statements => Services.GetRequiredService<SqlStatementCounter>();

    /// <summary>The tests' local token key (64 bytes), as .data/jwt-signing-key holds one for ./run.sh.</summary>
    public static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)(i * 7 + 3)).ToArray());

    /// <summary>A bearer token for <paramref name="subject"/> in <paramref name="role"/>, signed as the `token` command signs.</summary>
    public string Token(string subject, GeoProjects.Api.Security.Role role, params string[] zones) =>
        GeoProjects.Api.Security.Identity.Issue(Services.GetRequiredService<GeoProjects.Api.Security.AuthOptions>(), subject, role, zones, TimeSpan.FromHours(1));

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        return c;
    }

    /// <summary>Posts a GraphQL request (as a viewer, unless <paramref name="token"/> is given; "" is anonymous); returns the status and body.</summary>
    public async Task<GraphQLResponse> QueryAsync(string query, object? variables = null, string? accept = null, string? token = null)
    {
        using var client = token is null ? CreateClient() : ClientAs(token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json"),
        };
        if (accept is not null) request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        using var response = await client.SendAsync(request);
        return await GraphQLResponse.ReadAsync(response);
    }

    /// <summary>A fingerprint of every table, to prove a failed request changed nothing.</summary>
    public Task<string> DataFingerprintAsync() => DataFingerprintAsync(ConnectionString);

    /// <summary>The same fingerprint of any registry database (a restored copy, say).</summary>
    public static async Task<string> DataFingerprintAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT (SELECT md5(string_agg(p::text, '|' ORDER BY id)) FROM projects p) || (SELECT md5(string_agg(z::text, '|' ORDER BY id)) FROM zones z) || (SELECT md5(string_agg(b::text, '|' ORDER BY id)) FROM project_batches b)", c);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }
}

public sealed record GraphQLResponse(int Status, string ContentType, JsonElement Body, string Text)
{
    public JsonElement Data => Body.GetProperty("data");
    public bool HasErrors => Body.TryGetProperty("errors", out var e) && e.GetArrayLength() > 0;
    public JsonElement FirstError => Body.GetProperty("errors")[0];
    public string? FirstErrorCode => FirstError.TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var c) ? c.GetString() : null;

    public static async Task<GraphQLResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new GraphQLResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", body, text);
    }

    public void AssertNoErrors() => Assert.False(HasErrors, Text);
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
