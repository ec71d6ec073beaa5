using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GeoProjects.Tests.Infrastructure;

/// <summary>The app on a real Kestrel port (same database as the fixture), for out-of-process clients: a browser, GDAL.</summary>
public sealed class LiveServer : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    public Uri Origin { get; }

    public LiveServer(WebApplicationFactory<Program> app)
    {
        _factory = app.WithWebHostBuilder(_ => { });
        _factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        Origin = new Uri(_factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public string Url(string path) => new Uri(Origin, path).ToString();

    /// <summary>The server's own services (its live subscribers, say).</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>Runs a command-line client (ogrinfo, ogr2ogr) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
