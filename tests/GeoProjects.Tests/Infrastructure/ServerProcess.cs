using System.Diagnostics;

namespace GeoProjects.Tests.Infrastructure;

/// <summary>The API as its own process (the build output the tests reference), on a free loopback port.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;
    public Uri Origin { get; }

    /// <summary>What the server wrote to standard output and error so far, line by line.</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    private ServerProcess(Process process, Uri origin, System.Collections.Concurrent.ConcurrentQueue<string> output) =>
        (_process, Origin, _output) = (process, origin, output);

    public static async Task<ServerProcess> StartAsync(string connectionString, IDictionary<string, string>? settings = null)
    {
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "GeoProjects.Api.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__GeoProjects"] = connectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning";
        start.Environment["WarmUp__Rounds"] = "0"; // ready at once; WarmUpTests turns it on
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var origin = new Uri($"http://127.0.0.1:{port}");
        using var client = new HttpClient();
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(100))
        {
            try
            {
                if ((await client.GetAsync(new Uri(origin, "/health/live"))).IsSuccessStatusCode) return new ServerProcess(process, origin, output);
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }
        process.Kill();
        throw new InvalidOperationException("the API process did not start within 30 s");
    }

    /// <summary>
    /// Runs one of the app's commands (migrate, export …) as a process in <paramref name="workingDirectory"/>, with the
    /// environment given (a null value removes a variable; ConnectionStrings__GeoProjects is never inherited).
    /// </summary>
    /// <summary>`GeoProjects.Api migrate` on a database (created when missing), with extra settings when given.</summary>
    public static Task<(int Exit, string Output)> MigrateAsync(string connectionString, IDictionary<string, string>? settings = null) =>
        CommandAsync(Path.GetTempPath(), (settings ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, kv => (string?)kv.Value)
            .Append(new("ConnectionStrings__GeoProjects", connectionString)).ToDictionary(), "migrate");

    public static async Task<(int Exit, string Output)> CommandAsync(
        string workingDirectory, IDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "GeoProjects.Api.dll"), .. arguments])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory,
        };
        start.Environment.Remove("ConnectionStrings__GeoProjects");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Bounded: a command that should have failed at once (a refused start, say) must not hang the suite.
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, $"(still running after 3 minutes: killed)\n{await output}{await error}");
        }
        return (process.ExitCode, await output + await error);
    }

    /// <summary>The process's peak resident memory (VmHWM), in MB.</summary>
    public long PeakMemoryMegabytes() =>
        File.ReadLines($"/proc/{_process.Id}/status").Where(l => l.StartsWith("VmHWM:")).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024).Single();

    /// <summary>Sends SIGTERM, as an orchestrator does, and waits up to <paramref name="limit"/>; the exit code, or null if it did not exit.</summary>
    public async Task<int?> TerminateAsync(TimeSpan limit)
    {
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        using var wait = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

public static class LoopbackPorts
{
    /// <summary>A loopback port nothing listens on now.</summary>
    public static int Free()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
