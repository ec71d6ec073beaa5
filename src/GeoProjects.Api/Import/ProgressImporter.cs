using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using GeoProjects.Api.Data;
using GeoProjects.Api.Projects;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Import;

/// <summary>
/// Imports monthly progress from the sheet offices fill in (项目编码, 月份, 累计完成投资, 状态, 备注; optionally 年度计划投资 and 更正),
/// as .xlsx or .csv: each row is one reportProgress, with the same rules, in one transaction; any bad row and nothing is
/// written, and every bad row is reported with its sheet row number.
/// </summary>
public sealed class ProgressImporter(PrimaryDb db)
{
    private static readonly Dictionary<string, string> Headers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["项目编码"] = "code", ["code"] = "code", ["月份"] = "period", ["period"] = "period", ["累计完成投资"] = "completedInvestmentYtd",
        ["累计完成投资(亿元)"] = "completedInvestmentYtd", ["completedInvestmentYtd"] = "completedInvestmentYtd", ["状态"] = "status",
        ["项目状态"] = "status", ["status"] = "status", ["备注"] = "note", ["note"] = "note", ["年度计划投资"] = "annualPlannedInvestment",
        ["年度计划投资(亿元)"] = "annualPlannedInvestment", ["annualPlannedInvestment"] = "annualPlannedInvestment", ["更正"] = "correction",
        ["correction"] = "correction",
    };

    public async Task<ImportResult> ImportAsync(string path, ImportOptions options, CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new ImportException($"no file '{path}'");
        var mapping = new ImportMapping(options.MappingFile);
        var projects = await db.Projects.AsNoTracking().ToDictionaryAsync(p => p.Code, p => p.Id, ct);
        var errors = new List<RowError>();
        var rows = 0;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var actor = $"import:{options.ActorOrUser}"; // who reports; who writes (app.user) is the command's operator
        foreach (var (number, fields) in Read(path))
        {
            ct.ThrowIfCancellationRequested();
            rows++;
            options.Progress?.Report("reporting progress", rows);
            var report = Parse(fields, mapping, projects, out var problems);
            if (report is not null)
            {
                var (_, rules) = await ProgressReporting.ReportAsync(db, report, actor, [], ct);
                problems.AddRange(rules.Select(p => p.Message));
            }
            errors.AddRange(problems.Select(p => new RowError(number, p)));
            db.ChangeTracker.Clear();
        }
        if (errors.Count > 0)
        {
            await tx.RollbackAsync(ct);
            return new ImportResult(rows, 0, 0, errors);
        }
        await tx.CommitAsync(ct);
        return new ImportResult(rows, rows, 0, []);
    }

    private static ProgressReporting.Report? Parse(
        IReadOnlyDictionary<string, string?> fields, ImportMapping mapping, Dictionary<string, int> projects, out List<string> problems)
    {
        problems = [];
        string? Text(string name) => fields.GetValueOrDefault(name) is { Length: > 0 } v ? v.Trim() : null;
        decimal? Number(string name, List<string> errors)
        {
            if (Text(name) is not { } v) return null;
            if (decimal.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
            errors.Add($"{name} '{v}' is not a number");
            return null;
        }
        var code = Text("code");
        int project = 0;
        if (code is null) problems.Add("code (项目编码) is required");
        else if (!projects.TryGetValue(code, out project)) problems.Add($"code '{code}' is not a project");
        var period = Text("period");
        if (period is null) problems.Add("period (月份) is required");
        var completed = Number("completedInvestmentYtd", problems);
        if (completed is null && Text("completedInvestmentYtd") is null) problems.Add("completedInvestmentYtd (累计完成投资) is required");
        ProjectStatus? status = null;
        if (Text("status") is not { } s) problems.Add("status (状态) is required");
        else if (Enum.TryParse<ProjectStatus>(mapping.Value("status", s).Replace("_", ""), true, out var parsed) && Enum.IsDefined(parsed))
            status = parsed;
        else problems.Add($"status '{s}' is not one of {string.Join(", ", EnumNames.Of<ProjectStatus>())} (or its Chinese name)");
        var plan = Number("annualPlannedInvestment", problems);
        var correction = Text("correction") is { } c && (c is "是" or "1" || c.Equals("true", StringComparison.OrdinalIgnoreCase));
        if (problems.Count > 0) return null;
        return new ProgressReporting.Report(project, NormalMonth(period!), completed!.Value, status!.Value, Text("note"), correction, plan,
            DataSource.Published);
    }

    /// <summary>Spreadsheets write months as 2024-09, 2024/9, 2024.9 or a date cell; the report takes YYYY-MM.</summary>
    private static string NormalMonth(string text)
    {
        var parts = text.Split('-', '/', '.', '年', '月').Where(p => p.Length > 0).ToArray();
        return parts.Length >= 2 && int.TryParse(parts[0], out var y) && int.TryParse(parts[1], out var m) ? $"{y:0000}-{m:00}" : text;
    }

    /// <summary>The sheet's rows by their number (the header is row 1), their cells by field name.</summary>
    private static IEnumerable<(int Number, IReadOnlyDictionary<string, string?> Fields)> Read(string path)
    {
        var number = 1;
        if (Path.GetExtension(path).Equals(".xlsx", StringComparison.OrdinalIgnoreCase))
        {
            foreach (IDictionary<string, object?> row in MiniExcelLibs.MiniExcel.Query(path, useHeaderRow: true))
            {
                number++;
                var fields = row.Where(c => Headers.ContainsKey(c.Key.Trim())).ToDictionary(c => Headers[c.Key.Trim()], c => Cell(c.Value));
                if (fields.Values.Any(v => v is not null)) yield return (number, fields);
            }
            yield break;
        }
        if (!Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase))
            throw new ImportException("a progress sheet is .xlsx or .csv");
        using var text = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        using var csv = new CsvReader(text,
            new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim, BadDataFound = null });
        if (!csv.Read() || !csv.ReadHeader()) yield break;
        var headers = csv.HeaderRecord!.Select(h => Headers.GetValueOrDefault(h.Trim())).ToArray();
        while (csv.Read())
        {
            var fields = new Dictionary<string, string?>();
            for (var i = 0; i < headers.Length; i++)
                if (headers[i] is { } name) fields[name] = csv.GetField(i) is { Length: > 0 } v ? v : null;
            yield return (csv.Parser.Row, fields);
        }
    }

    private static string? Cell(object? value) => value switch
    {
        null => null,
        DateTime d => d.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };
}
