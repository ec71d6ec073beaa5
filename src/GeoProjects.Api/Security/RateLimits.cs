using System.Globalization;
using System.Threading.RateLimiting;

namespace GeoProjects.Api.Security;

/// <summary>
/// Section "RateLimits": a token bucket per client, ASP.NET Core's rate limiter. Anonymous clients share a bucket per IP
/// address; an authenticated caller has its own, larger one (per token subject). Off by default: the benchmark and local
/// tools hammer loopback on purpose.
/// </summary>
public sealed class RateLimitOptions
{
    public bool Enabled { get; set; }
    /// <summary>Requests an anonymous client may send at once, and per second after that.</summary>
    public int AnonymousBurst { get; set; } = 60;
    public int AnonymousPerSecond { get; set; } = 20;
    /// <summary>The same for a signed-in caller.</summary>
    public int AuthenticatedBurst { get; set; } = 300;
    public int AuthenticatedPerSecond { get; set; } = 100;
}

public static class RateLimits
{
    public static IHostApplicationBuilder AddGeoProjectsRateLimits(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.AddSingleton(options);
        if (!options.Enabled) return builder;
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Bucket(http, options));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                // The coded-error middleware writes the body: { "error": { "code": "RATE_LIMITED", … } }.
                context.HttpContext.Items[Hosting.HttpSetup.ErrorItem] =
                    ("RATE_LIMITED", $"too many requests from this client; retry in {seconds} s");
                return ValueTask.CompletedTask;
            };
        });
        return builder;
    }

    /// <summary>After bearer tokens, so a signed-in caller is limited by who it is, not where it comes from.</summary>
    public static IApplicationBuilder UseGeoProjectsRateLimits(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<RateLimitOptions>().Enabled ? app.UseRateLimiter() : app;

    private static RateLimitPartition<string> Bucket(HttpContext http, RateLimitOptions o)
    {
        var caller = Identity.CallerOf(http);
        var (key, burst, perSecond) = caller.IsAuthenticated
            ? ($"user:{caller.Subject}", o.AuthenticatedBurst, o.AuthenticatedPerSecond)
            : ($"ip:{http.Connection.RemoteIpAddress}", o.AnonymousBurst, o.AnonymousPerSecond);
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0, AutoReplenishment = true,
        });
    }
}
