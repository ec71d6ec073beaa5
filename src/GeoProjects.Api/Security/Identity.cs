using System.Security.Claims;
using System.Text.Json;
using GeoProjects.Api.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GeoProjects.Api.Security;

/// <summary>Section "Auth" of the configuration: who issues the tokens the API accepts, and how their claims map to roles.</summary>
public sealed class AuthOptions
{
    /// <summary>An OIDC authority (e.g. a Keycloak realm): its discovery document and JWKS give the issuer and the keys.</summary>
    public string? Authority { get; set; }
    /// <summary>The issuer of locally signed tokens (`GeoProjects.Api token`), when there is no authority.</summary>
    public string Issuer { get; set; } = "geoprojects-local";
    public string Audience { get; set; } = "geoprojects";
    /// <summary>The local HMAC key (base64); default: .data/jwt-signing-key, which ./run.sh generates (0600).</summary>
    public string? SigningKey { get; set; }
    /// <summary>The claim holding the role; a dotted path reads into a JSON claim (Keycloak: realm_access.roles).</summary>
    public string RoleClaim { get; set; } = "role";
    /// <summary>The claim holding an editor's zone codes (a list, or comma-separated).</summary>
    public string ZonesClaim { get; set; } = "zones";
    /// <summary>Names a provider uses for our roles (e.g. "geoprojects-editor" → "editor").</summary>
    public Dictionary<string, string> RoleNames { get; set; } = [];
    /// <summary>How often the authority's keys may be re-read when a token names a key not seen yet (key rotation).</summary>
    public int KeyRefreshSeconds { get; set; } = 300;
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>The roles, least to most.</summary>
public enum Role { Anonymous, Viewer, Editor, Admin }

/// <summary>Who calls: the token's subject, its role, and (for editors) the zones it may change.</summary>
public sealed record Caller(string? Subject, Role Role, IReadOnlySet<string> Zones)
{
    public static Caller Anonymous { get; } = new(null, Role.Anonymous, new HashSet<string>());
    public bool IsAuthenticated => Subject is not null;
    /// <summary>Who the revisions name: the subject, or "anonymous".</summary>
    public string Name => Subject ?? "anonymous";
    /// <summary>Who runs a command on the server (import, generate, seed): an admin, named for the revisions.</summary>
    public static Caller Operator(string name) => new(name, Role.Admin, new HashSet<string>());
    // HttpContextAccessor keeps the request in an AsyncLocal: any instance sees the current one.
    private static readonly HttpContextAccessor Request = new();

    /// <summary>
    /// Who the current work is for: the command line's operator (<see cref="CallerScope"/>), else the request's token.
    /// Outside both (a background task) it is anonymous, so a forgotten path fails closed.
    /// </summary>
    public static Caller Current => CallerScope.Current ?? Identity.CallerOf(Request.HttpContext);

    public const string PublicView = "public";

    /// <summary>
    /// What the caller may read, as far as responses differ: staff (viewers, editors, admins) read everything, the public
    /// the published rows and public fields. Cache keys and ETags include it.
    /// </summary>
    public string View => Is(Role.Viewer) ? "staff" : PublicView;

    /// <summary>At least <paramref name="role"/> (anonymous &lt; viewer &lt; editor &lt; admin).</summary>
    public bool Is(Role role) => Role >= role;
}

public static class Identity
{
    public const string KeyFile = "jwt-signing-key";

    public static IHostApplicationBuilder AddGeoProjectsIdentity(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddSingleton(options);
        // Without a key (a bare checkout, before ./run.sh), requests stay anonymous and no token is accepted.
        var key = options.Authority is null
            ? TryLocalKey(options) ?? new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64))
            : null;
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false; // keep `sub`, `role` and the provider's own names
            jwt.RefreshInterval = TimeSpan.FromSeconds(options.KeyRefreshSeconds);
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = true, ValidateAudience = true, ValidateLifetime = true, ValidateIssuerSigningKey = true,
                ValidAudience = options.Audience, ClockSkew = TimeSpan.FromSeconds(30), NameClaimType = "sub",
            };
            if (options.Authority is { } authority)
            {
                jwt.Authority = authority;
                jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
            }
            else
            {
                jwt.TokenValidationParameters.ValidIssuer = options.Issuer;
                jwt.TokenValidationParameters.IssuerSigningKey = key;
            }
        });
        return builder;
    }

    /// <summary>
    /// Authenticates a bearer token when one is sent: an invalid or expired one is a 401 with
    /// `WWW-Authenticate: Bearer error="invalid_token"`, never a silent downgrade to anonymous. No token: anonymous.
    /// </summary>
    public static IApplicationBuilder UseBearerTokens(this IApplicationBuilder app) => app.UseAuthentication().Use(async (http, next) =>
    {
        var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (result.Failure is not null)
        {
            http.Items[Hosting.HttpSetup.ErrorItem] = ("INVALID_TOKEN", "the bearer token is invalid or expired: " + result.Failure.Message);
            await http.ChallengeAsync(JwtBearerDefaults.AuthenticationScheme);
            return;
        }
        await next(http);
    });

    /// <summary>
    /// A token that arrived outside the Authorization header (a WebSocket's connection_init), validated exactly as a header's:
    /// by the same JwtBearer handler, in a scope of its own. Null when it is invalid or expired.
    /// </summary>
    public static async Task<(Caller Caller, DateTimeOffset? Expires)?> AuthenticateAsync(IServiceProvider services, string token)
    {
        await using var scope = services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Headers.Authorization = token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? token : $"Bearer {token}";
        var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!result.Succeeded) return null;
        return (Map(result.Principal, services.GetRequiredService<AuthOptions>()), ExpiryOf(result.Principal));
    }

    /// <summary>When a signed-in caller's token expires (its `exp`); null for anonymous.</summary>
    public static DateTimeOffset? ExpiryOf(ClaimsPrincipal? user) =>
        user?.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    /// <summary>The caller of a request, from its token's claims (role and zones mapped as configured).</summary>
    public static Caller CallerOf(HttpContext? http)
    {
        if (http?.User is not { Identity.IsAuthenticated: true } user) return Caller.Anonymous;
        if (http.Items[typeof(Caller)] is Caller known) return known;
        var caller = Map(user, http.RequestServices.GetRequiredService<AuthOptions>());
        http.Items[typeof(Caller)] = caller;
        return caller;
    }

    // By name only: Enum.TryParse would take "3" for admin.
    private static readonly Dictionary<string, Role> RoleNamed =
        Enum.GetValues<Role>().ToDictionary(r => r.ToString(), StringComparer.OrdinalIgnoreCase);

    /// <summary>A role by its name (anonymous, viewer, editor, admin; any case), never by number.</summary>
    public static bool TryRole(string? name, out Role role) => RoleNamed.TryGetValue(name?.Trim() ?? "", out role);

    public static Caller Map(ClaimsPrincipal user, AuthOptions options)
    {
        var role = Values(user, options.RoleClaim).Select(r => options.RoleNames.GetValueOrDefault(r, r))
            .Select(r => RoleNamed.GetValueOrDefault(r, Role.Anonymous)).DefaultIfEmpty(Role.Anonymous).Max();
        var zones = Values(user, options.ZonesClaim)
            .SelectMany(z => z.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
        return new Caller(user.FindFirst("sub")?.Value ?? user.Identity?.Name ?? "unknown", role, zones);
    }

    /// <summary>A claim's values; `a.b` reads b inside the JSON of claim a (Keycloak's realm_access.roles).</summary>
    private static IEnumerable<string> Values(ClaimsPrincipal user, string claim)
    {
        var dot = claim.IndexOf('.');
        if (dot < 0) return user.FindAll(claim).SelectMany(c => c.Value.StartsWith('[') ? Strings(c.Value, null) : [c.Value]);
        return user.FindAll(claim[..dot]).SelectMany(c => Strings(c.Value, claim[(dot + 1)..]));
    }

    /// <summary>The strings of a JSON array (or of an object's array property); none when the claim is not shaped so.</summary>
    private static List<string> Strings(string json, string? property)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var array = document.RootElement;
            if (property is not null)
                array = array.ValueKind == JsonValueKind.Object && array.TryGetProperty(property, out var inner) ? inner : default;
            return array.ValueKind != JsonValueKind.Array ? []
                : array.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList();
        }
        catch (JsonException)
        {
            return []; // a malformed claim grants nothing (the token's signature was valid, its shape is not ours)
        }
    }

    /// <summary>The local signing key: configured, else .data/jwt-signing-key (found from the working directory up).</summary>
    public static SymmetricSecurityKey LocalKey(AuthOptions options) => TryLocalKey(options)
        ?? throw new ConfigurationProblem(
            $"no token signing key: run ./run.sh (it generates .data/{KeyFile}), set Auth__SigningKey, or set Auth__Authority");

    private static SymmetricSecurityKey? TryLocalKey(AuthOptions options)
    {
        var text = options.SigningKey ?? (FindKeyFile() is { } file ? File.ReadAllText(file).Trim() : null);
        if (text is null) return null;
        try
        {
            var bytes = Convert.FromBase64String(text);
            return bytes.Length >= 32 ? new SymmetricSecurityKey(bytes)
                : throw new ConfigurationProblem("the token signing key must be at least 32 bytes");
        }
        catch (FormatException)
        {
            throw new ConfigurationProblem("the token signing key is not base64");
        }
    }

    private static string? FindKeyFile()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, ".data", KeyFile);
            if (File.Exists(file)) return file;
        }
        return null;
    }

    /// <summary>A locally signed token (HS256) for `GeoProjects.Api token` and the tests.</summary>
    public static string Issue(AuthOptions options, string subject, Role role, IReadOnlyCollection<string> zones, TimeSpan lifetime)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject, [options.RoleClaim] = role.ToString().ToLowerInvariant() };
        if (zones.Count > 0) claims[options.ZonesClaim] = string.Join(",", zones);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer, Audience = options.Audience, Claims = claims, IssuedAt = DateTime.UtcNow, NotBefore = DateTime.UtcNow,
            Expires = DateTime.UtcNow.Add(lifetime), SigningCredentials = new SigningCredentials(LocalKey(options), SecurityAlgorithms.HmacSha256),
        });
    }
}
