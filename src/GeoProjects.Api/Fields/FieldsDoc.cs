using System.Text;
using GeoProjects.Api.Batches;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Zones;

namespace GeoProjects.Api.Fields;

/// <summary>docs/fields.md, written from the registry (`GeoProjects.Api fields docs/fields.md`); a test fails when it is stale.</summary>
public static class FieldsDoc
{
    public static readonly IReadOnlyList<IEntityFields> Entities = [ProjectFields.Registry, ZoneFields.Registry, BatchFields.Registry];

    public static string Render()
    {
        var md = new StringBuilder("""
            # Fields · 字段

            Generated from the field registry (`src/GeoProjects.Api/*/…Fields.cs`) by `GeoProjects.Api fields docs/fields.md`;
            a test fails when this file is stale. Each field is declared once; every front door below derives from it.
            ✓ marks a door the field takes part in. Tile attributes and file columns are named where they differ.
            *Read* is the least role that reads the field at every door; under *Input*, a role names the least one that may set
            it (✓: whoever may run the entity's mutations). Configuration may change both (README: who may see and change what).

            """);
        foreach (var entity in Entities)
        {
            md.Append($"\n## {entity.TypeName} (`{entity.Table}`)\n\n")
                .Append("| Field | 说明 · Description | Type | Read | GraphQL | Filter | Sort | Input | OGC | GeoJSON | Tile ")
                .Append("| File (中文表头) |\n")
                .Append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            foreach (var f in entity.Fields)
            {
                string Mark(Door door) => f.In(door) ? "✓" : "";
                var file = f.In(Door.Files) ? f.Kind == ValueKind.Geometry ? "geometry, or lon/lat (经度/纬度)" : $"`{f.Name}` ({f.Header})" : "";
                var input = f.Access.Write is { } least && f.In(Door.Input) ? least.ToString().ToLowerInvariant() : Mark(Door.Input);
                md.Append($"| `{f.Name}` | {f.Description.Replace("|", "\\|")} | {TypeOf(f)} | {f.Access.Read.ToString().ToLowerInvariant()} | ")
                    .Append($"{Mark(Door.Output)} | {Mark(Door.Filter)} | {Mark(Door.Sort)} | {input} | ")
                    .Append($"{Mark(Door.OgcApi)} | {Mark(Door.GeoJsonLayer)} | {(f.TileAttribute is { } t ? $"`{t}`" : "")} | {file} |\n");
            }
        }
        return md.ToString();
    }

    private static string TypeOf(RegistryField f)
    {
        var type = f.Via is { } via ? $"{via.Relation}.{via.Field}" : f.Kind switch
        {
            ValueKind.Key => "ID",
            ValueKind.Enum or ValueKind.Relation or ValueKind.Geometry => f.ValueType.Name,
            _ => f.Kind.ToString(),
        };
        return f.Nullable || f.Via is not null ? type : type + "!";
    }
}
