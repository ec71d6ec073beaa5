using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using GeoProjects.Api.Security;
using GeoProjects.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GeoProjects.Tests;

/// <summary>Bearer tokens: validated at every door, a bad one is a 401 with `invalid_token`, none is anonymous; OIDC keys rotate.</summary>
[Collection(ApiCollection.Name)]
public sealed class IdentityTests(ApiFixture api)
{
    private static readonly string[] Doors = ["/graphql?query=%7B__typename%7D", "/tiles/projects.json", "/geojson/zones?limit=1", "/ogc/collections"];

    private static string Signed(string issuer, string audience, SecurityKey key, string algorithm, DateTime expires, string subject = "tester") =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer, Audience = audience, Expires = expires, NotBefore = expires.AddHours(-2), IssuedAt = expires.AddHours(-2),
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = "viewer" }, SigningCredentials = new SigningCredentials(key, algorithm),
        });

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    public static TheoryData<string> BadTokens()
    {
        var key = new SymmetricSecurityKey(Convert.FromBase64String(ApiFixture.SigningKey));
        var other = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(64));
        var later = DateTime.UtcNow.AddHours(1);
        return new TheoryData<string>
        {
            "not.a.token",
            Signed("geoprojects-local", "geoprojects", key, SecurityAlgorithms.HmacSha256, DateTime.UtcNow.AddMinutes(-5)), // expired
            Signed("someone-else", "geoprojects", key, SecurityAlgorithms.HmacSha256, later),                               // another issuer
            Signed("geoprojects-local", "another-api", key, SecurityAlgorithms.HmacSha256, later),                          // another audience
            Signed("geoprojects-local", "geoprojects", other, SecurityAlgorithms.HmacSha256, later),                        // another key
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task ABadTokenIs401AtEveryDoor(string token)
    {
        using var client = api.CreateClient();
        foreach (var door in Doors)
        {
            using var response = await GetAsync(client, door, token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer" && h.Parameter!.Contains("error=\"invalid_token\""));
            Assert.Contains(door.StartsWith("/ogc") ? "\"Unauthorized\"" : "INVALID_TOKEN", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task NoTokenIsAnonymousAndAGoodOneIsAccepted()
    {
        using var client = api.CreateAnonymousClient();
        foreach (var door in Doors)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, door, null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, door, api.Token("王工", Role.Viewer))).StatusCode);
        }
    }

    /// <summary>An OIDC provider (discovery and JWKS served here): its tokens are accepted, a rotated key is picked up.</summary>
    [Fact]
    public async Task TokensOfAnOidcAuthorityAreAcceptedAndItsKeysRotate()
    {
        var port = LoopbackPorts.Free();
        var authority = $"http://127.0.0.1:{port}/realms/planning";
        var (first, second) = (new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k1" }, new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k2" });
        var published = new List<RsaSecurityKey> { first };
        var provider = WebApplication.CreateBuilder();
        provider.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var oidc = provider.Build();
        oidc.MapGet("/realms/planning/.well-known/openid-configuration", () => Results.Json(new { issuer = authority, jwks_uri = $"{authority}/certs" }));
        oidc.MapGet("/realms/planning/certs", () => Results.Json(new
        {
            keys = published.ToList().Select(k => JsonWebKeyConverter.ConvertFromRSASecurityKey(k))
                .Select(j => new { kty = j.Kty, kid = j.Kid, use = "sig", alg = "RS256", n = j.N, e = j.E }),
        }));
        await oidc.StartAsync();
        try
        {
            await using var app = api.WithWebHostBuilder(b => b.UseSetting("Auth:Authority", authority).UseSetting("Auth:RequireHttpsMetadata", "false")
                .UseSetting("Auth:KeyRefreshSeconds", "1"));
            using var client = app.CreateClient();
            var later = DateTime.UtcNow.AddHours(1);
            async Task<HttpStatusCode> AskAsync(string token)
            {
                using var response = await GetAsync(client, Doors[0], token);
                return response.StatusCode;
            }

            Assert.Equal(HttpStatusCode.OK, await AskAsync(Signed(authority, "geoprojects", first, SecurityAlgorithms.RsaSha256, later)));
            published.Clear();
            published.Add(second); // the provider rotates its key
            // A token naming an unknown key makes the API re-read the JWKS (at most once per KeyRefreshSeconds); a client retrying
            // after a 401 gets through within that interval.
            var rotated = Signed(authority, "geoprojects", second, SecurityAlgorithms.RsaSha256, later);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await AskAsync(rotated) != HttpStatusCode.OK && DateTime.UtcNow < deadline) await Task.Delay(250);
            Assert.Equal(HttpStatusCode.OK, await AskAsync(rotated));
            Assert.Equal(HttpStatusCode.Unauthorized, await AskAsync(Signed("http://127.0.0.1:1/realms/other", "geoprojects", second, SecurityAlgorithms.RsaSha256, later)));
            Assert.Equal(HttpStatusCode.Unauthorized, await AskAsync(Signed(authority, "another-api", second, SecurityAlgorithms.RsaSha256, later)));
            // A locally signed token means nothing once an authority is configured.
            Assert.Equal(HttpStatusCode.Unauthorized, await AskAsync(api.Token("王工", Role.Admin)));
        }
        finally
        {
            await oidc.StopAsync();
        }
    }

    [Fact]
    public void RolesAndZonesComeFromTheConfiguredClaims()
    {
        var options = new AuthOptions { RoleClaim = "realm_access.roles", ZonesClaim = "zones", RoleNames = { ["geoprojects-editor"] = "editor" } };
        var user = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
        [
            new("sub", "keycloak-user"), new("realm_access", JsonSerializer.Serialize(new { roles = new[] { "offline_access", "geoprojects-editor" } })),
            new("zones", "GZK,DJK"),
        ], "Bearer"));
        var services = new ServiceCollection().AddSingleton(options).BuildServiceProvider();
        var caller = Identity.CallerOf(new DefaultHttpContext { User = user, RequestServices = services });
        Assert.Equal(("keycloak-user", Role.Editor), (caller.Subject, caller.Role));
        Assert.Equal(["DJK", "GZK"], caller.Zones.Order());
    }

    /// <summary>A signed token whose role claim is not shaped as configured grants nothing, and fails nothing.</summary>
    [Theory]
    [InlineData("realm_access", "{not json")]
    [InlineData("realm_access", "[\"admin\"]")]
    [InlineData("realm_access", "{\"roles\": [3, {\"x\": 1}, \"3\"]}")]
    [InlineData("role", "[\"admin\"")]
    public void AMisshapenRoleClaimIsAnonymous(string claim, string value)
    {
        var options = new AuthOptions { RoleClaim = claim == "role" ? "role" : "realm_access.roles" };
        var user = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new("sub", "odd"), new(claim, value)], "Bearer"));
        Assert.Equal(Role.Anonymous, Identity.Map(user, options).Role);
    }
}

/// <summary>Rate limits, on as README shows: a token bucket per anonymous client, a separate one per signed-in caller.</summary>
[Collection(ApiCollection.Name)]
public sealed class RateLimitTests(ApiFixture api)
{
    [Fact]
    public async Task AnAnonymousClientOverItsBucketGets429WithRetryAfterWhileASignedInCallerGoesOn()
    {
        await using var limited = api.WithWebHostBuilder(b => b.UseSetting("RateLimits:Enabled", "true")
            .UseSetting("RateLimits:AnonymousBurst", "3").UseSetting("RateLimits:AnonymousPerSecond", "1"));
        using var anonymous = limited.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = null;
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++) statuses.Add(await anonymous.GetAsync("/geojson/zones?limit=1"));
        var refused = statuses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Contains("RATE_LIMITED", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, statuses[0].StatusCode);

        using var viewer = limited.CreateClient(); // the fixture's viewer token: its own, larger bucket
        for (var i = 0; i < 6; i++) Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/geojson/zones?limit=1")).StatusCode);
        foreach (var r in statuses) r.Dispose();
    }
}
