namespace GeoProjects.Api.Live;

/// <summary>Live updates: the change feed (LISTEN), the subscriber groups, and the transports' limits (section "Live").</summary>
public static class LiveSetup
{
    public static IHostApplicationBuilder AddGeoProjectsLive(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<LiveOptions>(builder.Configuration.GetSection("Live"));
        builder.Services.AddSingleton<ChangeFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChangeFeed>());
        builder.Services.AddSingleton<LiveGroups>();
        builder.Services.AddSingleton<LiveConnections>();
        return builder;
    }

    /// <summary>WebSocket upgrades (graphql-transport-ws on /graphql); protocol pings keep idle connections known to be alive.</summary>
    public static IApplicationBuilder UseGeoProjectsWebSockets(this IApplicationBuilder app) =>
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
}
