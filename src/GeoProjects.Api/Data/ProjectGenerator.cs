using System.Diagnostics;
using GeoProjects.Api.GraphQL;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using Npgsql;
using NpgsqlTypes;

namespace GeoProjects.Api.Data;

/// <summary>
/// Fills the registry with N ILLUSTRATIVE projects for benchmarks (`GeoProjects.Api generate --count N --seed S`):
/// 70 % inside the district's zones, 30 % elsewhere in Shandong, with skewed sector, status and investment
/// distributions; deterministic for a seed; loaded with binary COPY. Zones are assigned here (smallest
/// containing zone, as the trigger would) so COPY does not run a spatial lookup per row.
/// </summary>
public sealed class ProjectGenerator(GeoProjectsDb db, DatabaseConnection database)
{
    /// <summary>The columns COPY fills, in the order each row is written (the measure: a project's total, the others drawn from it).</summary>
    private static readonly string Columns = $"code, name, sector, industry_chain, status, {Projects.ProjectFields.Registry.Measure.Column}, "
        + "annual_planned_investment, completed_investment, land_area_mu, start_date, batch_id, zone_id, location, data_source, source_note";

    // Shandong province, roughly (lon 114.8–122.7, lat 34.4–38.4).
    private static readonly Envelope Shandong = new(114.8, 122.7, 34.4, 38.4);

    private static readonly (string Sector, int Weight)[] Sectors =
        [("AdvancedManufacturing", 34), ("HighEndChemicals", 12), ("MarineEconomy", 16), ("CultureTourism", 12), ("NewEnergyMaterials", 8),
         ("ModernServices", 7), ("Infrastructure", 6), ("PublicServices", 3), ("DigitalEconomy", 2)];
    private static readonly (string Status, int Weight)[] Statuses =
        [("Reserve", 8), ("Signed", 10), ("Started", 12), ("UnderConstruction", 45), ("Completed", 15), ("InOperation", 10)];

    public async Task<int> GenerateAsync(int count, ulong seed, Hosting.IWorkProgress? progress, CancellationToken ct = default)
    {
        var zones = (await db.Zones.AsNoTracking().Select(z => new { z.Id, z.Boundary, z.AreaKm2, z.Kind }).ToListAsync(ct))
            .OrderBy(z => z.AreaKm2).Select(z => (z.Id, Prepared: PreparedGeometryFactory.Prepare(z.Boundary), z.Boundary, z.AreaKm2, z.Kind)).ToList();
        var targets = zones.Where(z => z.Kind != ZoneKind.District).ToList();
        if (targets.Count == 0) throw new InvalidOperationException("no zones: run `migrate` first");
        var batches = await db.Batches.AsNoTracking().Select(b => b.Id).ToListAsync(ct);
        var rng = new Random((int)(seed % int.MaxValue));
        var watch = Stopwatch.StartNew();

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var tx = await connection.BeginTransactionAsync(ct);
            // As the command's operator (an admin, named in the revisions). Row-level security refuses COPY into projects, so
            // COPY fills a scratch table and one INSERT … SELECT moves the rows (checked by the policies, revisions written set-based).
            await Security.CallerSettings.ApplyAsync(connection, tx, Security.Caller.Current, ct);
            var create = $"CREATE TEMP TABLE generated ON COMMIT DROP AS SELECT {Columns} FROM projects WITH NO DATA";
            await using (var scratch = new NpgsqlCommand(create, connection, tx))
                await scratch.ExecuteNonQueryAsync(ct);
            await using var copy = await connection.BeginBinaryImportAsync($"COPY generated ({Columns}) FROM STDIN (FORMAT BINARY)", ct);
            for (var i = 0; i < count; i++)
            {
                Point point;
                int? zoneId;
                if (rng.NextDouble() < 0.7)
                {
                    // Inside a functional area, chosen in proportion to its area.
                    var zone = Pick(rng, targets.Select(z => (z, (int)Math.Max(1, z.AreaKm2))).ToArray());
                    var env = zone.Boundary.EnvelopeInternal;
                    do point = GeoJson.Factory.CreatePoint(new Coordinate(Round(env.MinX + rng.NextDouble() * env.Width), Round(env.MinY + rng.NextDouble() * env.Height)));
                    while (!zone.Prepared.Contains(point));
                }
                else
                {
                    point = GeoJson.Factory.CreatePoint(new Coordinate(Round(Shandong.MinX + rng.NextDouble() * Shandong.Width), Round(Shandong.MinY + rng.NextDouble() * Shandong.Height)));
                }
                zoneId = zones.FirstOrDefault(z => z.Prepared.Contains(point)).Id is var id and > 0 ? id : null;

                var total = Math.Round((decimal)Math.Exp(rng.NextDouble() * 5.3 - 0.7), 2); // 0.5 to 100 亿元, skewed low
                var annual = Math.Round(total * (decimal)(0.1 + 0.4 * rng.NextDouble()), 2);
                var status = Pick(rng, Statuses);
                await copy.StartRowAsync(ct);
                await copy.WriteAsync($"GEN-{seed}-{i:D7}", NpgsqlDbType.Text, ct);
                await copy.WriteAsync($"[示例] 生成项目 {i}", NpgsqlDbType.Text, ct);
                await copy.WriteAsync(Pick(rng, Sectors), NpgsqlDbType.Text, ct);
                await copy.WriteNullAsync(ct);
                await copy.WriteAsync(status, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(total, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(annual, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(Math.Round(annual * (decimal)(0.2 + 1.1 * rng.NextDouble()), 2), NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(Math.Round((decimal)(10 + 490 * rng.NextDouble())), NpgsqlDbType.Numeric, ct);
                if (status is "Reserve" or "Signed") await copy.WriteNullAsync(ct);
                else await copy.WriteAsync(new DateOnly(2018, 1, 1).AddDays(rng.Next(3000)), NpgsqlDbType.Date, ct);
                if (batches.Count > 0 && rng.Next(20) == 0) await copy.WriteAsync(batches[rng.Next(batches.Count)], NpgsqlDbType.Integer, ct);
                else await copy.WriteNullAsync(ct);
                if (zoneId is { } z) await copy.WriteAsync(z, NpgsqlDbType.Integer, ct);
                else await copy.WriteNullAsync(ct);
                await copy.WriteAsync(point, NpgsqlDbType.Geometry, ct);
                await copy.WriteAsync("Illustrative", NpgsqlDbType.Text, ct);
                await copy.WriteAsync($"ILLUSTRATIVE: generated for benchmarks (seed {seed}); not a real project.", NpgsqlDbType.Text, ct);
                if ((i + 1) % 10_000 == 0 || i + 1 == count) progress?.Report("generating", i + 1, count);
            }
            await copy.CompleteAsync(ct);
            await copy.DisposeAsync(); // ends the COPY on the connection before the INSERT (disposing again later is harmless)
            progress?.Report("inserting", count, count);
            var move = $"INSERT INTO projects ({Columns}) SELECT {Columns} FROM generated";
            await using (var insert = new NpgsqlCommand(move, connection, tx) { CommandTimeout = 0 })
                await insert.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        // Only the owner may ANALYZE; the planner needs the new statistics before the first benchmark query.
        await using var owner = new NpgsqlConnection(database.Value);
        await owner.OpenAsync(ct);
        await using (var analyze = new NpgsqlCommand("ANALYZE projects", owner)) await analyze.ExecuteNonQueryAsync(ct);

        return count;
    }

    private static double Round(double v) => Math.Round(v, 6);

    private static T Pick<T>(Random rng, (T Value, int Weight)[] options)
    {
        var r = rng.Next(options.Sum(o => o.Weight));
        foreach (var (value, weight) in options)
        {
            if (r < weight) return value;
            r -= weight;
        }
        return options[^1].Value;
    }
}
