using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace GeoProjects.Tests.Infrastructure;

/// <summary>FsCheck runs reproducible by seed: GEOPROJECTS_PROPERTY_SEED, 20231125 by default.</summary>
public static class PropertyRuns
{
    public static ulong Seed => ulong.Parse(Environment.GetEnvironmentVariable("GEOPROJECTS_PROPERTY_SEED") ?? "20231125", CultureInfo.InvariantCulture);

    public static Config Config(int cases) => FsCheck.Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true)
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed, 1442695040888963407UL), FSharpOption<int>.None)));
}
