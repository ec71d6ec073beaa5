using System.Text.Json;
using System.Diagnostics;
using System.Text;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Import;
using GeoProjects.Api.Projects;
using GeoProjects.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoProjects.Tests;

/// <summary>
/// A database of its own for the file round trips: importing a Shapefile back cuts the long note of 致真 (project 1) and
/// the restore moves its version, where the read tests and the example operations expect the seed as it is.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FilesCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "files";
}

/// <summary>Import and export of every file format: round trips, validation before any write, one transaction.</summary>
[Collection(FilesCollection.Name)]
public sealed class ImportExportTests(ApiFixture api)
{
    private async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = api.Services.CreateAsyncScope();
        using var asOperator = ApiFixture.AsOperator();
        return await work(scope.ServiceProvider);
    }

    private Task<int> ExportAsync(string path, CoordinateSystem crs = CoordinateSystem.Wgs84) =>
        WithScopeAsync(s => s.GetRequiredService<ProjectExporter>().ExportAsync(path, null, crs, Progress.Context(s, null)));

    private Task<ImportResult> ImportAsync(string path, string? crs = null) =>
        WithScopeAsync(s => s.GetRequiredService<ProjectImporter>().ImportAsync(path, new ImportOptions(crs)));

    private static string Temp(string extension) => Path.Combine(Path.GetTempPath(), $"geoprojects-{Guid.NewGuid():N}{extension}");

    private async Task<long> CountAsync(string codePrefix)
    {
        await using var c = await api.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM projects WHERE code LIKE $1", c);
        count.Parameters.Add(new() { Value = codePrefix + "%" });
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private async Task DeleteAsync(string codePrefix)
    {
        await using var c = await api.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM projects WHERE code LIKE $1", c);
        delete.Parameters.Add(new() { Value = codePrefix + "%" });
        await delete.ExecuteNonQueryAsync();
    }

    [Theory]
    [InlineData(".geojson", CoordinateSystem.Wgs84)]
    [InlineData(".csv", CoordinateSystem.Wgs84)]
    [InlineData(".geojson", CoordinateSystem.Gcj02)]
    public async Task ExportImportExportGivesIdenticalRecords(string extension, CoordinateSystem crs)
    {
        var (first, second) = (Temp(extension), Temp(extension));
        try
        {
            Assert.Equal(Seed.Projects.Count, await ExportAsync(first, crs));
            var imported = await ImportAsync(first, extension == ".csv" && crs != CoordinateSystem.Wgs84 ? crs.ToString() : null);
            Assert.True(imported.Succeeded, string.Join("\n", imported.Errors));
            Assert.Equal((Seed.Projects.Count, 0, Seed.Projects.Count), (imported.Rows, imported.Inserted, imported.Updated));
            await ExportAsync(second, crs);
            Assert.Equal(await File.ReadAllTextAsync(first), await File.ReadAllTextAsync(second));
        }
        finally
        {
            File.Delete(first);
            File.Delete(second);
        }
    }

    /// <summary>
    /// The files rule (issue: what a door outputs, sent back, changes nothing): every export format imported back by the
    /// operator writes no revision and leaves every project, zone and batch as it was — batches travel by their code. A
    /// Shapefile's DBF holds 254 bytes a text, so there the one longer note comes back cut: its project's revision is the
    /// only one, and it changes that note alone.
    /// </summary>
    [Theory]
    [InlineData(".csv")]
    [InlineData(".geojson")]
    [InlineData(".xlsx")]
    [InlineData(".gpkg")]
    [InlineData(".shp")]
    [InlineData(".zip")]
    public async Task EveryExportFormatImportedBackChangesNothing(string extension)
    {
        var file = Temp(extension);
        var sidecars = new[] { ".dbf", ".shx", ".prj", ".cpg" }.Select(e => Path.ChangeExtension(file, e));
        try
        {
            Assert.Equal(Seed.Projects.Count, await ExportAsync(file));
            var (before, revisions) = (await api.DataFingerprintAsync(), await RevisionCountAsync());
            var imported = await ImportAsync(file);
            Assert.True(imported.Succeeded, string.Join("\n", imported.Errors));
            if (extension is ".csv" or ".geojson" or ".xlsx" or ".gpkg")
            {
                Assert.Equal((before, revisions), (await api.DataFingerprintAsync(), await RevisionCountAsync()));
                return;
            }
            await using var c = await api.OpenAsync();
            await using var written = new NpgsqlCommand(
                $"SELECT string_agg(entity || ':' || (SELECT string_agg(x ->> 'field', ',') FROM jsonb_array_elements(changes) x), ' ') "
                + $"FROM revisions WHERE id > (SELECT max(id) - {await RevisionCountAsync() - revisions} FROM revisions)", c);
            var longNotes = Seed.Projects.Count(p => System.Text.Encoding.UTF8.GetByteCount(p.SourceNote) > 254);
            Assert.Equal(string.Join(' ', Enumerable.Repeat("Project:source_note", longNotes)), (string?)await written.ExecuteScalarAsync() ?? "");
        }
        finally
        {
            foreach (var f in sidecars.Append(file)) File.Delete(f);
            if (extension is ".shp" or ".zip") await ImportAsync(Path.Combine(Seed.RepoRoot, "db", "seed", "projects.geojson"));
        }
    }

    /// <summary>An Excel round trip changes nothing: the same cells come back, and no revision is written.</summary>
    [Fact]
    public async Task AnExcelRoundTripChangesNothing()
    {
        var (first, second) = (Temp(".xlsx"), Temp(".xlsx"));
        try
        {
            Assert.Equal(Seed.Projects.Count, await ExportAsync(first));
            var headers = ((IDictionary<string, object?>)MiniExcelLibs.MiniExcel.Query(first, useHeaderRow: true).First()).Keys.ToList();
            Assert.Contains("项目编码", headers);
            Assert.Contains("计划竣工日期", headers);
            var revisions = await RevisionCountAsync();
            var imported = await ImportAsync(first);
            Assert.True(imported.Succeeded, string.Join("\n", imported.Errors));
            Assert.Equal((Seed.Projects.Count, 0, Seed.Projects.Count), (imported.Rows, imported.Inserted, imported.Updated));
            Assert.Equal(revisions, await RevisionCountAsync());
            await ExportAsync(second);
            static string Cells(string path) => JsonSerializer.Serialize(MiniExcelLibs.MiniExcel.Query(path, useHeaderRow: true));
            Assert.Equal(Cells(first), Cells(second));
        }
        finally
        {
            File.Delete(first);
            File.Delete(second);
        }
    }

    /// <summary>A bad row is reported by the sheet's own row number, and nothing is written.</summary>
    [Fact]
    public async Task BadExcelRowsAreReportedBySheetRow()
    {
        var file = Temp(".xlsx");
        try
        {
            MiniExcelLibs.MiniExcel.SaveAs(file, new[]
            {
                new Dictionary<string, object?> { ["项目编码"] = "X-OK", ["项目名称"] = "[示例] 好", ["行业领域"] = "海洋经济", ["项目状态"] = "在建",
                    ["总投资(亿元)"] = 3.5, ["经度"] = 120.1, ["纬度"] = 35.9, ["数据来源"] = "示例", ["来源说明"] = "ILLUSTRATIVE test" },
                new Dictionary<string, object?> { ["项目编码"] = "X-BAD", ["项目名称"] = "[示例] 坏", ["行业领域"] = "航天", ["项目状态"] = "在建",
                    ["总投资(亿元)"] = -1, ["经度"] = 120.1, ["纬度"] = 35.9, ["数据来源"] = "示例", ["来源说明"] = "ILLUSTRATIVE test" },
            });
            var before = await api.DataFingerprintAsync();
            var result = await ImportAsync(file);
            Assert.False(result.Succeeded);
            Assert.All(result.Errors, e => Assert.Equal(3, e.Row));
            Assert.Contains(result.Errors, e => e.Reason.Contains("sector '航天'"));
            Assert.Contains(result.Errors, e => e.Reason.Contains("must be ≥ 0"));
            Assert.Equal(before, await api.DataFingerprintAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<long> RevisionCountAsync()
    {
        await using var c = await api.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM revisions", c);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Theory]
    [InlineData(".shp")]
    [InlineData(".zip")]
    [InlineData(".gpkg")]
    public async Task ShapefileAndGeoPackageRoundTripTheRegistry(string extension)
    {
        var (file, before, after) = (Temp(extension), Temp(".geojson"), Temp(".geojson"));
        try
        {
            await ExportAsync(before);
            Assert.Equal(Seed.Projects.Count, await ExportAsync(file));
            var imported = await ImportAsync(file);
            Assert.True(imported.Succeeded, string.Join("\n", imported.Errors));
            Assert.Equal(Seed.Projects.Count, imported.Updated);
            await ExportAsync(after);
            // Identical records: the one note longer than a DBF field (254 bytes) is the only difference a Shapefile may make.
            var expected = await File.ReadAllTextAsync(before);
            var actual = await File.ReadAllTextAsync(after);
            if (extension == ".gpkg") Assert.Equal(expected, actual);
            else
            {
                var longNote = Seed.Projects.Single(p => p.DataSource == "PUBLISHED").SourceNote;
                Assert.Equal(expected.Replace(longNote, ""), System.Text.RegularExpressions.Regex.Replace(actual, "\"sourceNote\":\"《满弓紧弦[^\"]*\"", "\"sourceNote\":\"\""));
            }
            var (code, info) = await LiveServer.RunAsync("ogrinfo", "-ro", "-so", "-al", extension == ".zip" ? "/vsizip/" + file : file);
            Assert.True(code == 0, info);
            Assert.Contains($"Feature Count: {Seed.Projects.Count}", info);
        }
        finally
        {
            foreach (var f in new[] { file, before, after, Path.ChangeExtension(file, ".dbf"), Path.ChangeExtension(file, ".shx"), Path.ChangeExtension(file, ".prj"), Path.ChangeExtension(file, ".cpg") })
                File.Delete(f);
            await ImportAsync(Path.Combine(Seed.RepoRoot, "db", "seed", "projects.geojson")); // back to the seed's notes, whatever happened
        }
    }

    [Fact]
    public async Task ShapefileWithGbkChineseAttributesImports()
    {
        var shp = Temp(".shp");
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        var gbk = System.Text.Encoding.GetEncoding(936);
        var options = new NetTopologySuite.IO.Esri.Shapefiles.Writers.ShapefileWriterOptions(NetTopologySuite.IO.Esri.ShapeType.Point) { Encoding = gbk };
        foreach (var name in new[] { "code", "项目名称", "行业领域", "项目状态", "建设单位" }) options.AddCharacterField(name, 100);
        options.AddField<double>("total_inv");
        using (var writer = NetTopologySuite.IO.Esri.Shapefile.OpenWrite(shp, options))
        {
            writer.Geometry = new NetTopologySuite.Geometries.Point(120.10, 35.90);
            writer.Fields["code"].Value = "T-GBK-1";
            writer.Fields["项目名称"].Value = "灵山湾影视配套项目(测试)";
            writer.Fields["行业领域"].Value = "文化旅游";
            writer.Fields["项目状态"].Value = "签约";
            writer.Fields["建设单位"].Value = "测试单位";
            writer.Fields["total_inv"].Value = 8.5;
            writer.Write();
        }
        await File.WriteAllTextAsync(Path.ChangeExtension(shp, ".cpg"), "GBK");
        try
        {
            var result = await ImportAsync(shp);
            Assert.True(result.Succeeded, string.Join("\n", result.Errors));
            var r = await api.QueryAsync("""{ projects(where: { code: { eq: "T-GBK-1" } }) { nodes { name sector status developer totalInvestment } } }""");
            var p = r.Data.GetProperty("projects").GetProperty("nodes")[0];
            Assert.Equal("灵山湾影视配套项目(测试)", p.GetProperty("name").GetString());
            Assert.Equal("CULTURE_TOURISM", p.GetProperty("sector").GetString());
            Assert.Equal("SIGNED", p.GetProperty("status").GetString());
            Assert.Equal("测试单位", p.GetProperty("developer").GetString());
            Assert.Equal(8.5m, p.GetProperty("totalInvestment").GetDecimal());
        }
        finally
        {
            foreach (var ext in new[] { ".shp", ".shx", ".dbf", ".cpg", ".prj" }) File.Delete(Path.ChangeExtension(shp, ext));
            await DeleteAsync("T-GBK-");
        }
    }

    [Fact]
    public async Task ThreeBadRowsAmongAThousandWriteNothingAndAreAllReported()
    {
        var file = Temp(".csv");
        var lines = new StringBuilder("项目编码,项目名称,行业领域,项目状态,总投资(亿元),经度,纬度\n");
        for (var i = 1; i <= 1000; i++)
        {
            var (total, sector, lon, lat) = i switch
            {
                10 => ("-3", "先进制造", "119.97", "35.78"),   // negative investment
                500 => ("1.5", "航天", "119.97", "35.78"),      // unknown sector
                999 => ("1.5", "海洋经济", "2.35", "48.85"),   // outside China
                _ => ("1.5", "先进制造", "119.97", "35.78"),
            };
            lines.Append($"T-BAD-{i:0000},测试项目 {i},{sector},在建,{total},{lon},{lat}\n");
        }
        await File.WriteAllTextAsync(file, lines.ToString());
        try
        {
            var result = await ImportAsync(file);

            Assert.False(result.Succeeded);
            Assert.Equal([11, 501, 1000], result.Errors.Select(e => e.Row)); // file lines; the header is line 1
            Assert.Contains("must be ≥ 0", result.Errors[0].Reason);
            Assert.Contains("航天", result.Errors[1].Reason);
            Assert.Contains("outside China", result.Errors[2].Reason);
            Assert.Equal(0, await CountAsync("T-BAD-"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ChineseColumnsAndGcj02CoordinatesAreMappedAndZonesAssigned()
    {
        var file = Temp(".csv");
        var lyt = Seed.Zone("LYT").Boundary.InteriorPoint;
        var (gLon, gLat) = ChineseCrs.FromWgs84(CoordinateSystem.Gcj02, lyt.X, lyt.Y);
        await File.WriteAllTextAsync(file,
            "项目编码,项目名称,行业领域,项目状态,总投资(亿元),用地面积(亩),开工日期,经度,纬度,来源说明\n" +
            $"T-NEW-1,测试项目,文化旅游,在建,12.5,80,2024/3/1,{gLon},{gLat},ILLUSTRATIVE: test row\n");
        try
        {
            var result = await ImportAsync(file, "GCJ02");
            Assert.True(result.Succeeded, string.Join("\n", result.Errors));
            Assert.Equal(1, result.Inserted);

            var r = await api.QueryAsync("""{ projects(where: { code: { eq: "T-NEW-1" } }) { nodes { sector status totalInvestment landAreaMu startDate location { coordinates } zone { code } } } }""");
            var p = r.Data.GetProperty("projects").GetProperty("nodes")[0];
            Assert.Equal("CULTURE_TOURISM", p.GetProperty("sector").GetString());
            Assert.Equal("UNDER_CONSTRUCTION", p.GetProperty("status").GetString());
            Assert.Equal(12.5m, p.GetProperty("totalInvestment").GetDecimal());
            Assert.Equal("2024-03-01", p.GetProperty("startDate").GetString());
            Assert.Equal("LYT", p.GetProperty("zone").GetProperty("code").GetString()); // the spatial join, smallest zone
            var c = p.GetProperty("location").GetProperty("coordinates");
            Assert.True(Geodesic.Metres(lyt.X, lyt.Y, c[0].GetDouble(), c[1].GetDouble()) < 0.5);
        }
        finally
        {
            File.Delete(file);
            await DeleteAsync("T-NEW-");
        }
    }

    [Fact]
    public async Task AnImportStoppedHalfwayLeavesTheDatabaseAsItWas()
    {
        var file = Temp(".csv");
        var lines = new StringBuilder("code,name,sector,status,totalInvestment,lon,lat\n");
        for (var i = 1; i <= 5000; i++) lines.Append($"T-KILL-{i:0000},test {i},MARINE_ECONOMY,SIGNED,1,120.2,36.0\n");
        await File.WriteAllTextAsync(file, lines.ToString());
        using var stop = new CancellationTokenSource();
        // Stop as soon as the first batch of 1,000 rows has been written inside the transaction.
        var progress = new StopWhenWritten(stop);
        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                WithScopeAsync(s => s.GetRequiredService<ProjectImporter>().ImportAsync(file, new ImportOptions(Progress: progress), stop.Token)));
            Assert.True(progress.Stopped);
            Assert.Equal(0, await CountAsync("T-KILL-"));
        }
        finally
        {
            File.Delete(file);
            await DeleteAsync("T-KILL-");
        }
    }

    private sealed class StopWhenWritten(CancellationTokenSource stop) : GeoProjects.Api.Hosting.IWorkProgress
    {
        public bool Stopped { get; private set; }

        public void Report(string stage, long done, long? total = null)
        {
            if (stage == "writing" && done > 0 && done < total) { Stopped = true; stop.Cancel(); }
        }
    }

    [Fact]
    public async Task TheCommandLineExportsAndReportsBadInput()
    {
        var file = Temp(".geojson");
        var app = Path.Combine(AppContext.BaseDirectory, "GeoProjects.Api.dll");
        async Task<(int Code, string Output)> RunAsync(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet", [app, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["ConnectionStrings__GeoProjects"] = api.ConnectionString;
            var p = Process.Start(start)!;
            var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            return (p.ExitCode, output);
        }
        try
        {
            var (code, output) = await RunAsync("export", file, "--where", """{"sector":{"eq":"HIGH_END_CHEMICALS"}}""");
            Assert.True(code == 0, output);
            Assert.Contains($"exported {Seed.Projects.Count(p => p.Sector == "HIGH_END_CHEMICALS")} projects", output);

            var (bad, message) = await RunAsync("import", "/nonexistent/file.geojson");
            Assert.Equal(2, bad);
            Assert.Contains("no file", message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
