using System.Text.RegularExpressions;
using GeoProjects.Tests.Infrastructure;
using Xunit.Abstractions;

namespace GeoProjects.Tests;

/// <summary>
/// One declaration per field: a field's name is written where it is declared and where a rule genuinely differs, and
/// every door derives it from the registry. `totalInvestment` (any spelling: TotalInvestment, total_investment) stands
/// for the rest; it may appear in at most five of the product's source files. Generated migrations are history, not
/// source; tests, bench/ (the hand-written reference SQL) and data files (the seed, office aliases) are not counted.
/// </summary>
public sealed class FieldSpellingTests(ITestOutputHelper output)
{
    private static readonly string[] SourceExtensions = [".cs", ".js", ".mjs", ".sql", ".html", ".css", ".sh"];
    private static readonly string[] NotSource = ["bin", "obj", "node_modules", "vendor", "Migrations"];

    public static IEnumerable<string> SourceFiles() =>
        new[] { "src", "db" }.SelectMany(top => Directory.EnumerateFiles(Path.Combine(Seed.RepoRoot, top), "*", SearchOption.AllDirectories))
            .Where(f => SourceExtensions.Contains(Path.GetExtension(f)))
            .Where(f => !Path.GetRelativePath(Seed.RepoRoot, f).Split(Path.DirectorySeparatorChar).Any(NotSource.Contains));

    [Fact]
    public void TotalInvestmentIsSpelledInAtMostFiveSourceFiles()
    {
        var spelling = new Regex("total_?investment", RegexOptions.IgnoreCase);
        var files = SourceFiles().Where(f => spelling.IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(Seed.RepoRoot, f)).Order().ToList();
        Assert.True(SourceFiles().Count() > 100, "the walk found the source tree");
        output.WriteLine($"totalInvestment is spelled in {files.Count} source files: {string.Join(", ", files)}");
        Assert.True(files.Count <= 5, $"totalInvestment is spelled in {files.Count} source files:\n{string.Join("\n", files)}");
    }
}
