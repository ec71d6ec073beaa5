using GeoProjects.Api.Batches;
using GeoProjects.Api.Fields;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Zones;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Data;

public class GeoProjectsDb : DbContext
{
    public GeoProjectsDb(DbContextOptions<GeoProjectsDb> options) : base(options) { }

    protected GeoProjectsDb(DbContextOptions options) : base(options) { }

    public DbSet<Project> Projects => Set<Project>();
    public DbSet<Zone> Zones => Set<Zone>();
    public DbSet<ProjectBatch> Batches => Set<ProjectBatch>();
    public DbSet<Revision> Revisions => Set<Revision>();
    public DbSet<AnnualPlan> AnnualPlans => Set<AnnualPlan>();
    public DbSet<ProgressReport> ProgressReports => Set<ProgressReport>();
    public DbSet<ProjectSummary> ProjectSummaries => Set<ProjectSummary>();
    public DbSet<ProjectCluster> ProjectClusters => Set<ProjectCluster>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.HasPostgresExtension("postgis");
        b.ApplyConfigurationsFromAssembly(typeof(GeoProjectsDb).Assembly);
        GeoSql.Register(b);
    }
}

/// <summary>
/// The same model on the primary database, for writes: requests read from GeoProjectsDb, which is the read replica
/// when one is configured; a mutation must write where writes go, and read back what it wrote.
/// </summary>
public sealed class PrimaryDb(DbContextOptions<PrimaryDb> options) : GeoProjectsDb(options)
{
    /// <summary>Names the request behind a write for the revision triggers, for the current transaction only (who writes is app.user).</summary>
    public Task SetCorrelationIdAsync(string? correlationId, CancellationToken ct) =>
        Database.ExecuteSqlRawAsync("SELECT set_config('app.correlation_id', {0}, true)", [correlationId ?? ""], ct);
}

internal sealed class ZoneConfiguration : IEntityTypeConfiguration<Zone>
{
    public void Configure(EntityTypeBuilder<Zone> e)
    {
        e.ToTable(ZoneFields.Registry.Table, t => t.HasComment("功能区 · functional areas and the district, boundaries approximate"));
        e.MapRegistry(ZoneFields.Registry);
        e.HasIndex(z => z.Code).IsUnique();
        e.HasIndex(z => z.Name);
        e.Property(z => z.Kind).HasConversion<string>().HasMaxLength(32);
        e.Property(z => z.Confidence).HasConversion<string>().HasMaxLength(32);
        e.Property(z => z.Boundary).HasColumnType("geometry(MultiPolygon,4326)");
        e.HasIndex(z => z.Boundary).HasMethod("gist");
        // Area on the spheroid, so it is in real km² whatever the latitude.
        e.Property(z => z.AreaKm2)
            .HasComputedColumnSql("ST_Area(geography(boundary)) / 1000000.0", stored: true)
            .HasComment("面积 (km²), computed on the geography");
        e.HasOne(z => z.Parent).WithMany().HasForeignKey(z => z.ParentId).OnDelete(DeleteBehavior.Restrict);
        e.Property(z => z.Version).HasDefaultValue(1).ValueGeneratedOnAddOrUpdate().IsConcurrencyToken();
    }
}

internal sealed class ProjectBatchConfiguration : IEntityTypeConfiguration<ProjectBatch>
{
    public void Configure(EntityTypeBuilder<ProjectBatch> e)
    {
        e.ToTable(BatchFields.Registry.Table, t => t.HasComment("集中开工 / 集中签约 events"));
        e.MapRegistry(BatchFields.Registry);
        e.Property(x => x.Level).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        e.HasIndex(x => x.Date);
        e.HasIndex(x => x.Code).IsUnique();
        e.Property(x => x.Version).HasDefaultValue(1).ValueGeneratedOnAddOrUpdate().IsConcurrencyToken();
    }
}

internal sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> e)
    {
        e.MapRegistry(ProjectFields.Registry);
        e.ToTable(ProjectFields.Registry.Table, t =>
        {
            t.HasComment("重大项目 · major investment projects");
            t.HasCheckConstraint("ck_projects_total_investment", "total_investment >= 0");
            t.HasCheckConstraint("ck_projects_location_valid", "ST_IsValid(location)");
        });
        e.HasIndex(p => p.Code).IsUnique();
        e.Property(p => p.Sector).HasConversion<string>().HasMaxLength(32);
        e.Property(p => p.Status).HasConversion<string>().HasMaxLength(32);
        e.Property(p => p.DataSource).HasConversion<string>().HasMaxLength(16);
        e.Property(p => p.TotalInvestment).HasPrecision(14, 2).HasComment("总投资 (亿元)");
        e.Property(p => p.AnnualPlannedInvestment).HasPrecision(14, 2).HasComment("年度计划投资 (亿元)");
        e.Property(p => p.CompletedInvestment).HasPrecision(14, 2).HasComment("完成投资 (亿元)");
        e.Property(p => p.LandAreaMu).HasPrecision(12, 2).HasComment("用地面积 (亩)");
        e.Property(p => p.Location).HasColumnType("geometry(Point,4326)");
        e.Property(p => p.Site).HasColumnType("geometry(Polygon,4326)");
        e.Property(p => p.CreatedAt).HasDefaultValueSql("now()").ValueGeneratedOnAdd();
        // Kept current by the trigger in the migration, so every writer (EF, psql, imports) agrees.
        e.Property(p => p.UpdatedAt).HasDefaultValueSql("now()").ValueGeneratedOnAddOrUpdate();
        e.Property(p => p.Version).HasDefaultValue(1).ValueGeneratedOnAddOrUpdate().IsConcurrencyToken();
        e.HasIndex(p => p.Location).HasMethod("gist");
        e.HasIndex(p => p.Site).HasMethod("gist");
        // Each order a list is commonly read in, then key (the keyset's tie-breaker): a page deep in it is an index range,
        // and the same indexes serve equality filters on their first column.
        e.HasIndex(p => new { p.Sector, p.Id });
        e.HasIndex(p => new { p.Status, p.Id }).IncludeProperties(p => new { p.Sector, p.ZoneId, p.TotalInvestment });
        e.HasIndex(p => new { p.Name, p.Id });
        // By investment, then key (scanned backwards for largest first): a page deep in it is an index range (keyset cursors).
        // It carries what statistics group by and the read policy checks, so statistics over an investment range are an
        // index-only scan (a million projects, investment ≥ 10: 390 → 170 ms, where the heap's parallel seq scan was the plan).
        e.HasIndex(p => new { p.TotalInvestment, p.Id }).IncludeProperties(p => new { p.Sector, p.ZoneId, p.Status });
        // The common map question's shape (a zone, a sector, an investment range): one index range for every caller. Without
        // it the planner's estimates under the row-level security policy pick a three-index BitmapAnd and a sort
        // (../docs/benchmark.md has the plans and figures). It carries the status the read policy checks, so statistics by zone
        // and sector are an index-only scan under the policy as they are for the tables' owner, not a read of every row.
        e.HasIndex(p => new { p.ZoneId, p.Sector, p.TotalInvestment }).IncludeProperties(p => new { p.Status });
        e.HasIndex(p => new { p.StartDate, p.Id }).IncludeProperties(p => new { p.Sector, p.ZoneId, p.Status, p.TotalInvestment });
        e.HasIndex(p => new { p.IndustryChain, p.Id });
        // The other orders the schema offers (ProjectSortInput), each with its index: a page deep in any of them is an index
        // range, not a sort of every row the caller may see (bench/probe.py orders; their price on writes is in docs/benchmark.md).
        e.HasIndex(p => new { p.NameEn, p.Id });
        e.HasIndex(p => new { p.LandAreaMu, p.Id });
        e.HasIndex(p => new { p.Developer, p.Id });
        e.HasIndex(p => new { p.PlannedCompletionDate, p.Id });
        e.HasIndex(p => new { p.DataSource, p.Id });
        e.HasIndex(p => new { p.CreatedAt, p.Id });
        e.HasIndex(p => new { p.UpdatedAt, p.Id });
        // A zone's projects in key order (Zone.projects, the nested query): an index range, not a scan of every id for a sparse zone.
        e.HasIndex(p => new { p.ZoneId, p.Id });
        e.HasOne(p => p.Zone).WithMany(z => z.Projects).HasForeignKey(p => p.ZoneId).OnDelete(DeleteBehavior.SetNull);
        e.HasOne(p => p.Batch).WithMany(x => x.Projects).HasForeignKey(p => p.BatchId).OnDelete(DeleteBehavior.SetNull);
    }
}

/// <summary>The summaries' tables, triggers and policies are the migration's (SQL); EF Core only reads them.</summary>
internal sealed class SummaryConfiguration : IEntityTypeConfiguration<ProjectSummary>, IEntityTypeConfiguration<ProjectCluster>
{
    public void Configure(EntityTypeBuilder<ProjectSummary> e)
    {
        e.ToTable("project_summary", t => t.ExcludeFromMigrations()).HasNoKey();
        e.Property(s => s.Sector).HasConversion<string>().HasMaxLength(32);
        e.Property(s => s.Status).HasConversion<string>().HasMaxLength(32);
        e.HasOne(s => s.Zone).WithMany().HasForeignKey(s => s.ZoneId);
        e.HasOne(s => s.Batch).WithMany().HasForeignKey(s => s.BatchId);
    }

    public void Configure(EntityTypeBuilder<ProjectCluster> e)
    {
        e.ToTable("project_clusters", t => t.ExcludeFromMigrations()).HasNoKey();
        e.Property(c => c.Sector).HasConversion<string>().HasMaxLength(32);
        e.Property(c => c.Status).HasConversion<string>().HasMaxLength(32);
    }
}

internal sealed class AnnualPlanConfiguration : IEntityTypeConfiguration<AnnualPlan>
{
    public void Configure(EntityTypeBuilder<AnnualPlan> e)
    {
        e.ToTable("annual_plans", t =>
        {
            t.HasComment("年度计划投资 · a project's planned investment per year");
            t.HasCheckConstraint("ck_annual_plans_planned_investment", "planned_investment >= 0");
            t.HasCheckConstraint("ck_annual_plans_year", "year BETWEEN 2000 AND 2100");
        });
        e.HasIndex(a => new { a.ProjectId, a.Year }).IsUnique();
        e.Property(a => a.PlannedInvestment).HasPrecision(14, 2);
        e.Property(a => a.DataSource).HasConversion<string>().HasMaxLength(16);
        e.Property(a => a.Version).HasDefaultValue(1).ValueGeneratedOnAddOrUpdate().IsConcurrencyToken();
        e.HasOne<Project>().WithMany(p => p.Plans).HasForeignKey(a => a.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ProgressReportConfiguration : IEntityTypeConfiguration<ProgressReport>
{
    public void Configure(EntityTypeBuilder<ProgressReport> e)
    {
        e.ToTable("progress_reports", t =>
        {
            t.HasComment("月度进度 · monthly progress reports: year-to-date completed investment, status");
            t.HasCheckConstraint("ck_progress_reports_completed", "completed_investment_ytd >= 0");
            t.HasCheckConstraint("ck_progress_reports_period", "extract(day FROM period) = 1");
            t.HasCheckConstraint("ck_progress_reports_correction_note", "NOT correction OR note IS NOT NULL");
        });
        e.HasIndex(r => new { r.ProjectId, r.Period }).IsUnique();
        e.Property(r => r.CompletedInvestmentYtd).HasPrecision(14, 2).HasComment("累计完成投资 (亿元), January to the end of the month");
        e.Property(r => r.Status).HasConversion<string>().HasMaxLength(32);
        e.Property(r => r.DataSource).HasConversion<string>().HasMaxLength(16);
        e.Property(r => r.Note).HasMaxLength(1000);
        e.Property(r => r.ReportedBy).HasMaxLength(200);
        e.Property(r => r.ReportedAt).HasDefaultValueSql("now()");
        e.Property(r => r.Version).HasDefaultValue(1).ValueGeneratedOnAddOrUpdate().IsConcurrencyToken();
        e.HasOne(r => r.Project).WithMany(p => p.Reports).HasForeignKey(r => r.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RevisionConfiguration : IEntityTypeConfiguration<Revision>
{
    public void Configure(EntityTypeBuilder<Revision> e)
    {
        e.ToTable("revisions", t => t.HasComment("修订记录 · every change to projects, zones, batches and progress reports, written by triggers"));
        e.Property(r => r.Id).UseIdentityAlwaysColumn();
        e.Property(r => r.Entity).HasMaxLength(32);
        // The triggers write TG_OP: INSERT, UPDATE, DELETE.
        e.Property(r => r.Operation).HasMaxLength(8)
            .HasConversion(v => v.ToString().ToUpperInvariant(), s => Enum.Parse<RevisionOperation>(s, true));
        e.Property(r => r.ChangedAt).HasDefaultValueSql("now()");
        e.Property(r => r.Changes).HasColumnType("jsonb");
        e.Property(r => r.Record).HasColumnType("jsonb");
        e.HasIndex(r => new { r.Entity, r.EntityId, r.Id });
        e.HasIndex(r => r.ChangedAt);
    }
}

/// <summary>
/// Spatial functions in metres. NTS's own Distance/Buffer work in the coordinates' units (degrees for
/// SRID 4326); users mean metres, so these cast to geography, which PostGIS measures on the spheroid.
/// <c>geography(x)</c> is PostGIS's cast function, so the functional GiST index on geography(location) applies.
/// </summary>
public static class GeoSql
{
    public static double DistanceMetres(Geometry a, Geometry b) => throw OnlyInSql();
    public static bool WithinMetres(Geometry a, Geometry b, double metres) => throw OnlyInSql();
    public static Geometry BufferMetres(Geometry g, double metres) => throw OnlyInSql();
    /// <summary>The geography of a geometry, e.g. for KNN ordering in metres: EF.Functions.DistanceKnn(Geography(a), Geography(b)).</summary>
    public static Geometry Geography(Geometry g) => throw OnlyInSql();

    private static InvalidOperationException OnlyInSql() => new("GeoSql functions run only inside PostgreSQL queries.");

    internal static void Register(ModelBuilder b)
    {
        b.HasDbFunction(typeof(GeoSql).GetMethod(nameof(DistanceMetres))!).HasTranslation(a =>
            Fn("st_distance", typeof(double), null, Geog(a[0]), Geog(a[1])));
        b.HasDbFunction(typeof(GeoSql).GetMethod(nameof(WithinMetres))!).HasTranslation(a =>
            Fn("st_dwithin", typeof(bool), null, Geog(a[0]), Geog(a[1]), a[2]));
        b.HasDbFunction(typeof(GeoSql).GetMethod(nameof(Geography))!).HasTranslation(a => Geog(a[0]));
        b.HasDbFunction(typeof(GeoSql).GetMethod(nameof(BufferMetres))!).HasTranslation(a =>
            Fn("geometry", typeof(Geometry), a[0].TypeMapping, Fn("st_buffer", typeof(Geometry), a[0].TypeMapping, Geog(a[0]), a[1])));
    }

    private static SqlExpression Geog(SqlExpression g) => Fn("geography", typeof(Geometry), g.TypeMapping, g);

    private static SqlFunctionExpression Fn(string name, Type type, Microsoft.EntityFrameworkCore.Storage.RelationalTypeMapping? mapping, params SqlExpression[] args) =>
        new(name, args, nullable: true, argumentsPropagateNullability: args.Select(_ => true).ToArray(), type, mapping);
}
