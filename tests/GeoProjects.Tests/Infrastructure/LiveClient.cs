using System.Diagnostics;
using System.Text.Json;
using GeoProjects.Api.Live;
using Microsoft.Extensions.DependencyInjection;

namespace GeoProjects.Tests.Infrastructure;

/// <summary>
/// A subscriber through the reference clients (tests/clients/live.mjs: graphql-ws over WebSocket, graphql-sse over SSE),
/// run as a node process; what it printed is read once it exited.
/// </summary>
public sealed class LiveClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;

    private static readonly string Client = Path.Combine(Seed.RepoRoot, "tests", "clients", "live.mjs");

    public LiveClient(params string[] arguments)
    {
        _process = Process.Start(new ProcessStartInfo("node", [Client, .. arguments])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        _output = Task.WhenAll(_process.StandardOutput.ReadToEndAsync(), _process.StandardError.ReadToEndAsync())
            .ContinueWith(t => string.Concat(t.Result));
    }

    /// <summary>What the client printed, one JSON object per line, once it exited.</summary>
    public async Task<List<JsonElement>> LinesAsync()
    {
        var text = await _output.WaitAsync(TimeSpan.FromSeconds(60));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            try
            {
                return JsonDocument.Parse(l).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new Xunit.Sdk.XunitException($"the client printed: {text}");
            }
        }).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>Waits until the server holds <paramref name="count"/> subscribers (the client's subscribe has arrived).</summary>
    public static async Task SubscribedAsync(LiveServer server, int count = 1)
    {
        var live = server.Services.GetRequiredService<LiveGroups>();
        for (var clock = Stopwatch.StartNew(); live.Subscribers < count; await Task.Delay(20))
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException($"{live.Subscribers} of {count} subscribers arrived");
    }
}
