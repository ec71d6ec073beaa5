using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Zones;

/// <summary>createZone, updateZone (name, parent, boundary …) and deleteZone (refused while it is in use).</summary>
public static class ZoneMutations
{
    private static readonly RegistryEditor<Zone> Editor = new(ZoneFields.Registry, "Zone",
        () => new Zone { Code = null!, Name = null!, NameEn = null!, Boundary = null!, SourceNote = null! },
        (z, prefix) => FieldRules.Check(ZoneFields.Registry, z, prefix),
        z => new ValidationError([new Problem(["input", "code"], "CODE_TAKEN", $"another zone has the code '{z.Code}'")]));

    private static readonly Type[] Found = [typeof(ZoneNotFoundErrorType), typeof(ConcurrencyConflictErrorType)];

    public static void AddZoneMutations(this ObjectGraphType mutation)
    {
        var zone = new GraphQLTypeReference("Zone");
        mutation.AddMutation("createZone", "新建功能区 · Creates a zone.",
            MutationConventions.Input(ZoneFields.Registry, "CreateZoneInput", update: false, "新功能区 · A new zone."),
            "zone", zone, [typeof(ValidationErrorType), typeof(ZoneNotFoundErrorType)],
            (c, input) => Writes.InTransactionAsync(c, async (db, ct) => new Payload(await Editor.CreateAsync(db, input, null, ct))));
        mutation.AddMutation("updateZone", "修改功能区 (名称、上级、边界…) · Changes a zone: name, parent, boundary …; omitted fields stay.",
            MutationConventions.Input(ZoneFields.Registry, "UpdateZoneInput", update: true, "功能区的修改 · Changes to a zone."),
            "zone", zone, [typeof(ValidationErrorType), .. Found], (c, input) => Writes.InTransactionAsync(c, async (db, ct) =>
            {
                var updated = await Editor.UpdateAsync(db, input, null, ct);
                await RefuseCycleAsync(db, updated, ct);
                return new Payload(updated);
            }));
        mutation.AddMutation("deleteZone", "删除功能区 (仍有项目或下级区域时拒绝) · Deletes a zone; refused while projects or zones refer to it.",
            ProjectMutations.DeleteInput("DeleteZoneInput", "Zone"), "zone", zone,
            [typeof(ValidationErrorType), .. Found, typeof(ZoneInUseErrorType)],
            (c, input) => Writes.InTransactionAsync(c, async (db, ct) =>
                new Payload(await Editor.DeleteAsync(db, input, z => RefuseInUseAsync(db, z, ct), ct))));
    }

    private static async Task RefuseInUseAsync(PrimaryDb db, Zone zone, CancellationToken ct)
    {
        var projects = await db.Projects.CountAsync(p => p.ZoneId == zone.Id, ct);
        var children = await db.Zones.CountAsync(z => z.ParentId == zone.Id, ct);
        if (projects + children > 0)
            throw new MutationFailedException([new ZoneInUseError(GraphQL.NodeId.Encode("Zone", zone.Id), projects, children)]);
    }

    /// <summary>A zone may not end up inside itself (its parent chain, read after the write, must not come back to it).</summary>
    private static async Task RefuseCycleAsync(PrimaryDb db, Zone zone, CancellationToken ct)
    {
        var seen = new HashSet<int> { zone.Id };
        for (var parent = zone.ParentId; parent is { } id; parent = await db.Zones.Where(z => z.Id == id).Select(z => z.ParentId).SingleAsync(ct))
            if (!seen.Add(id))
                throw MutationFailedException.Invalid(["input", "parentId"], "PARENT_CYCLE", "a zone cannot lie inside itself");
    }
}
