using System.Diagnostics;

namespace GeoProjects.Tests.Infrastructure;

/// <summary>
/// A private PostgreSQL cluster of its own, made by the project's db/cluster.sh in a scratch checkout on a free port,
/// for tests that stop, restart or convert a server: the shared test cluster is never touched.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // a PostgreSQL cluster from Debian packages
public sealed class ScratchCluster : IDisposable
{
    public const string PgBin = "/usr/lib/postgresql/15/bin";
    public string Checkout { get; } = Directory.CreateTempSubdirectory("checkout").FullName;
    public int Port { get; } = LoopbackPorts.Free();
    private readonly string _kind;

    public ScratchCluster(string kind)
    {
        _kind = kind;
        Directory.CreateDirectory(Path.Combine(Checkout, "db"));
        File.Copy(Path.Combine(Seed.RepoRoot, "db", "cluster.sh"), Path.Combine(Checkout, "db", "cluster.sh"));
    }


    public string DataLink => Path.Combine(Checkout, ".data", _kind == "fast" ? "pg-test" : "pg");

    public string PgData => new DirectoryInfo(DataLink).ResolveLinkTarget(true)?.FullName ?? DataLink;

    public async Task<(int Exit, string Output)> ShellAsync(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", script]) { WorkingDirectory = Checkout, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("ConnectionStrings__GeoProjects");
        start.Environment["GEOPROJECTS_CLUSTER"] = _kind;
        start.Environment["GEOPROJECTS_PG_PORT"] = Port.ToString();
        start.Environment["GEOPROJECTS_TEST_PG_PORT"] = Port.ToString();
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await output + await error);
    }

    /// <summary>Starts (or creates) the cluster with db/cluster.sh; returns its connection string without a database.</summary>
    public async Task<string> StartAsync()
    {
        var (exit, output) = await ShellAsync("source db/cluster.sh >&2 && echo \"$GEOPROJECTS_SERVER\"");
        Assert.True(exit == 0, output);
        return output.Split('\n').Single(l => l.StartsWith("Host="));
    }

    /// <summary>pg_ctl as the cluster's owner: "stop -m fast", "start", …</summary>
    public async Task PgCtlAsync(string arguments)
    {
        var (exit, output) = await ShellAsync(
            $"as=(); [ \"$(id -u)\" = 0 ] && as=(runuser -u postgres --); cd / && \"${{as[@]}}\" {PgBin}/pg_ctl -D '{PgData}' -w {arguments} " +
            $"{(arguments.StartsWith("start") ? $"-l '{PgData}/server.log' -o \"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''\"" : "")}");
        Assert.True(exit == 0, output);
    }

    public void Dispose()
    {
        if (Directory.Exists(PgData))
        {
            var stop = Process.Start(new ProcessStartInfo("bash", ["-c", $"as=(); [ \"$(id -u)\" = 0 ] && as=(runuser -u postgres --); cd / && \"${{as[@]}}\" {PgBin}/pg_ctl -D '{PgData}' stop -m immediate"])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            stop.WaitForExit();
            try { Directory.Delete(PgData, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        try { Directory.Delete(Checkout, true); } catch (IOException) { }
    }
}

/// <summary>
/// Tests that start, stop or restart PostgreSQL servers of their own: they run alone, after the others, so their CPU
/// and I/O do not disturb the tests that measure time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerLifecycleCollection
{
    public const string Name = "server lifecycle";
}
