using System.Text.Json;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;

namespace GeoProjects.Api.Import;

/// <summary>
/// Column and value names as planning offices write them (项目名称, 总投资, 先进制造 …) mapped to GeoProjects' fields;
/// loaded from db/import-mapping.json (or --mapping). Canonical field names map to themselves.
/// </summary>
public sealed class ImportMapping
{
    /// <summary>What a file's geometry may come as besides a geometry: lon/lat columns or WKT.</summary>
    private static readonly Dictionary<string, string> GeometryColumns = new()
    {
        ["lon"] = "lon", ["lat"] = "lat", ["wkt"] = "wkt", ["经度"] = "lon", ["纬度"] = "lat",
    };

    /// <summary>The fields import reads: the registry's file columns, and the geometry's.</summary>
    public static IEnumerable<string> Fields => ProjectExporter.FileColumns.Select(c => c.Name).Concat(GeometryColumns.Values).Distinct();

    private readonly Dictionary<string, string> _columns = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Dictionary<string, string>> _values = new();

    public ImportMapping(string? file)
    {
        // The registry's names, Chinese headers and Shapefile names; enum values by their Chinese names (先进制造).
        foreach (var (column, field) in GeometryColumns) _columns[column] = field;
        foreach (var c in ProjectExporter.FileColumns)
        {
            _columns[c.Name] = c.Name;
            if (c.Header is { } header) _columns[header] = c.Name;
            _columns[ProjectExporter.DbfName(c)] = c.Name;
            if (c.Kind == ValueKind.Enum) _values[c.Name] = ChineseNames(c.ValueType);
        }
        if (file is null) return;
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        foreach (var c in doc.RootElement.GetProperty("columns").EnumerateObject())
        {
            if (!Fields.Contains(c.Value.GetString())) throw new ImportException($"{file}: column '{c.Name}' maps to unknown field '{c.Value.GetString()}'");
            _columns[c.Name] = c.Value.GetString()!;
        }
        if (doc.RootElement.TryGetProperty("values", out var values))
            foreach (var field in values.EnumerateObject())
                foreach (var v in field.Value.EnumerateObject())
                    (_values.TryGetValue(field.Name, out var map) ? map : _values[field.Name] = [])[v.Name] = v.Value.GetString()!;
    }

    /// <summary>An enum's values by the Chinese name its description starts with ("先进制造 · Advanced manufacturing.").</summary>
    private static Dictionary<string, string> ChineseNames(Type enumType) => Enum.GetNames(enumType).ToDictionary(
        n => (enumType.GetField(n)!.GetCustomAttributes(typeof(System.ComponentModel.DescriptionAttribute), false)
            .OfType<System.ComponentModel.DescriptionAttribute>().FirstOrDefault()?.Description ?? n).Split(" · ")[0],
        EnumNames.ToGraphQL);

    /// <summary>The field a column holds, or null for a column we do not read.</summary>
    public string? Field(string column) => _columns.GetValueOrDefault(column.Trim());

    /// <summary>A value in GraphQL's spelling (先进制造 → ADVANCED_MANUFACTURING; advanced_manufacturing → ADVANCED_MANUFACTURING).</summary>
    public string Value(string field, string value) =>
        _values.TryGetValue(field, out var map) && map.TryGetValue(value.Trim(), out var mapped) ? mapped : value.Trim().ToUpperInvariant();
}
