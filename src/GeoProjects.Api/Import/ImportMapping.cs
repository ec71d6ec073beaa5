using System.Text.Json;

namespace GeoProjects.Api.Import;

/// <summary>
/// Column and value names as planning offices write them (项目名称, 总投资, 先进制造 …) mapped to GeoProjects' fields;
/// loaded from db/import-mapping.json (or --mapping). Canonical field names map to themselves.
/// </summary>
public sealed class ImportMapping
{
    public static readonly string[] Fields =
    [
        "code", "name", "nameEn", "sector", "industryChain", "status", "totalInvestment", "annualPlannedInvestment", "completedInvestment",
        "landAreaMu", "developer", "startDate", "batch", "zone", "dataSource", "sourceNote", "lon", "lat", "wkt",
    ];

    private readonly Dictionary<string, string> _columns = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Dictionary<string, string>> _values = new();

    public ImportMapping(string? file)
    {
        foreach (var f in Fields) _columns[f] = f;
        if (file is null) return;
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        foreach (var c in doc.RootElement.GetProperty("columns").EnumerateObject())
        {
            if (!Fields.Contains(c.Value.GetString())) throw new ImportException($"{file}: column '{c.Name}' maps to unknown field '{c.Value.GetString()}'");
            _columns[c.Name] = c.Value.GetString()!;
        }
        if (doc.RootElement.TryGetProperty("values", out var values))
            foreach (var field in values.EnumerateObject())
                _values[field.Name] = field.Value.EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString()!);
    }

    /// <summary>The field a column holds, or null for a column we do not read.</summary>
    public string? Field(string column) => _columns.GetValueOrDefault(column.Trim());

    /// <summary>A value in GraphQL's spelling (先进制造 → ADVANCED_MANUFACTURING; advanced_manufacturing → ADVANCED_MANUFACTURING).</summary>
    public string Value(string field, string value) =>
        _values.TryGetValue(field, out var map) && map.TryGetValue(value.Trim(), out var mapped) ? mapped : value.Trim().ToUpperInvariant();
}
