using Spectre.Console;

namespace GeoProjects.Api.Hosting;

/// <summary>How far a long piece of work (an import, an export, a backup, the generator) has come.</summary>
public interface IWorkProgress
{
    /// <summary><paramref name="done"/> of <paramref name="total"/> (unknown: null) units of <paramref name="stage"/>.</summary>
    void Report(string stage, long done, long? total = null);
}

/// <summary>
/// Progress of the commands on a terminal: a Spectre.Console bar per stage with the rows done, the rate and the time
/// left; nothing at all when standard error is not a terminal (a pipe, a log file, CI), so logs stay clean.
/// </summary>
public sealed class TerminalProgress : IWorkProgress
{
    private readonly ProgressContext _context;
    private readonly Dictionary<string, (ProgressTask Task, System.Diagnostics.Stopwatch Clock)> _stages = [];

    private TerminalProgress(ProgressContext context) => _context = context;

    public static bool IsTerminal => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");

    /// <summary>Runs <paramref name="work"/> with a progress reporter on a terminal, and with none elsewhere.</summary>
    public static async Task<T> RunAsync<T>(Func<IWorkProgress?, Task<T>> work)
    {
        if (!IsTerminal) return await work(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context => await work(new TerminalProgress(context)));
    }

    public void Report(string stage, long done, long? total = null)
    {
        lock (_stages)
        {
            if (!_stages.TryGetValue(stage, out var s))
            {
                s = (_context.AddTask(stage, maxValue: Math.Max(1, total ?? 1)), System.Diagnostics.Stopwatch.StartNew());
                s.Task.IsIndeterminate = total is null;
                _stages[stage] = s;
            }
            if (total is { } max) s.Task.MaxValue = Math.Max(1, max);
            s.Task.Value = total is null ? 0 : done;
            var rate = done / Math.Max(0.001, s.Clock.Elapsed.TotalSeconds);
            s.Task.Description = $"{stage}: {done:N0}{(total is { } t ? $" / {t:N0}" : "")} ({rate:N0}/s)";
            if (total is { } end && done >= end) s.Task.StopTask();
        }
    }
}
