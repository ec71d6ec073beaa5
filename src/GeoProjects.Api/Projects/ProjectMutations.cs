using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Projects;

/// <summary>createProject, updateProject, deleteProject in HotChocolate's mutation conventions, over the field registry.</summary>
public static class ProjectMutations
{
    private static readonly RegistryEditor<Project> Editor = new(ProjectFields.Registry, "Project",
        () => new Project { Code = null!, Name = null!, Location = null!, SourceNote = null! },
        ProjectFields.Rules, p => new ProjectCodeTakenError(p.Code));

    private static readonly Type[] Written = [typeof(ValidationErrorType), typeof(ProjectCodeTakenErrorType), typeof(ZoneNotFoundErrorType),
        typeof(BatchNotFoundErrorType)];

    private static readonly Type[] Found = [typeof(ProjectNotFoundErrorType), typeof(ConcurrencyConflictErrorType)];

    public static void AddProjectMutations(this ObjectGraphType mutation)
    {
        var project = new GraphQLTypeReference("Project");
        mutation.AddMutation("createProject", "新建项目 · Creates a project; its zone is the smallest containing its location unless given.",
            MutationConventions.Input(ProjectFields.Registry, "CreateProjectInput", update: false, "新项目 · A new project."),
            "project", project, Written, (c, input) => Writes.InTransactionAsync(c, async (db, ct) =>
            {
                var taken = await TakenCodeAsync(db, input, null, ct);
                var created = await WithAsync(taken, () => Editor.CreateAsync(db, input, p => Defaults(p, Writes.Actor), ct));
                return new Payload(created, Warnings: await WarningsAsync(db, created, ct));
            }));
        mutation.AddMutation("updateProject",
            "修改项目: 省略的字段不变, null 清空 · Changes a project: omitted fields stay, null clears; a moved project gets its zone again unless one is given.",
            MutationConventions.Input(ProjectFields.Registry, "UpdateProjectInput", update: true, "项目的修改 · Changes to a project."),
            "project", project, [.. Written, .. Found], (c, input) => Writes.InTransactionAsync(c, async (db, ct) =>
            {
                var id = Editor.Key(input["id"], ["input", "id"]);
                await Writes.RequireEditableAsync(db, id, ct);
                var taken = await TakenCodeAsync(db, input, id, ct);
                var moved = input.ContainsKey("location") && !input.ContainsKey("zoneId");
                var updated = await WithAsync(taken, () => Editor.UpdateAsync(db, input, p => { if (moved) p.ZoneId = null; }, ct));
                // The warning is about a location given; an edit that leaves the location where it was says nothing of it.
                return new Payload(updated, Warnings: input.ContainsKey("location") ? await WarningsAsync(db, updated, ct) : null);
            }));
        mutation.AddMutation("deleteProject", "删除项目 (修订记录保留) · Deletes a project; its revisions stay readable.",
            DeleteInput("DeleteProjectInput", "Project"), "project", project, [typeof(ValidationErrorType), .. Found],
            (c, input) => Writes.InTransactionAsync(c, async (db, ct) => new Payload(await Editor.DeleteAsync(db, input, null, ct))));
    }

    /// <summary>A project by its global ID, or ProjectNotFoundError.</summary>
    public static Task<Project> FindAsync(PrimaryDb db, object? id, string[] path, CancellationToken ct) => Editor.FindAsync(db, id, path, ct);

    /// <summary>`{ id, expectedVersion }`, the input of every deleteX.</summary>
    public static InputObjectGraphType DeleteInput(string name, string typeName)
    {
        var input = new InputObjectGraphType { Name = name, Description = $"要删除的 {typeName} · The {typeName} to delete, at the version you read." };
        input.Field<NonNullGraphType<IdGraphType>>("id").Description("全局 ID · The global ID.");
        input.Field<NonNullGraphType<IntGraphType>>("expectedVersion").Description("读取时的版本 · The version you read.");
        return input;
    }

    /// <summary>What a new project is unless the input says: published, with a note naming where it came from.</summary>
    private static void Defaults(Project p, string actor)
    {
        p.DataSource = DataSource.Published;
        p.SourceNote = $"Entered through the GraphQL API by {actor} on {DateTime.UtcNow:yyyy-MM-dd}";
    }

    private static async Task<MutationError?> TakenCodeAsync(PrimaryDb db, IDictionary<string, object?> input, int? id, CancellationToken ct) =>
        input.TryGetValue("code", out var given) && given is string code && await db.Projects.AnyAsync(p => p.Code == code && p.Id != id, ct)
            ? new ProjectCodeTakenError(code) : null;

    /// <summary>Runs the edit; a taken code is reported together with every other problem, and alone stops the write.</summary>
    private static async Task<Project> WithAsync(MutationError? taken, Func<Task<Project>> edit)
    {
        try
        {
            var project = await edit();
            return taken is null ? project : throw new MutationFailedException([taken]);
        }
        catch (MutationFailedException e) when (taken is not null && !e.Errors.Contains(taken))
        {
            throw new MutationFailedException([taken, .. e.Errors.Where(x => x is not ProjectCodeTakenError)]);
        }
    }

    /// <summary>A location outside the district is allowed (projects elsewhere in Shandong exist) but worth a word.</summary>
    private static async Task<IReadOnlyList<Problem>?> WarningsAsync(PrimaryDb db, Project p, CancellationToken ct)
    {
        var inside = await db.Zones.AnyAsync(z => z.Kind == ZoneKind.District && z.Boundary.Contains(p.Location), ct);
        return inside ? null : [new Problem(["input", "location"], "LOCATION_OUTSIDE_DISTRICT", "the location is outside 西海岸新区")];
    }
}
