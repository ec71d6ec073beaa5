namespace GeoProjects.SeedGenerator;

/// <summary>
/// Regenerates db/seed/*.{geojson,json}. Deterministic: the same code writes the same bytes.
/// Usage: dotnet run --project src/GeoProjects.SeedGenerator -- "$PWD/db/seed"
/// </summary>
public static class SeedProgram
{
    public static void Main(string[] args)
    {
        var dir = args.Length > 0 ? args[0] : Path.Combine("db", "seed");
        Directory.CreateDirectory(dir);
        foreach (var (name, content) in SeedFiles.Generate())
        {
            File.WriteAllText(Path.Combine(dir, name), content);
            Console.WriteLine($"wrote {Path.Combine(dir, name)}");
        }
    }
}
