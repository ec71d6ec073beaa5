using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GraphQL;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Batches;

/// <summary>createBatch, updateBatch and assignProjectsToBatch.</summary>
public static class BatchMutations
{
    private static readonly RegistryEditor<ProjectBatch> Editor = new(BatchFields.Registry, "Batch",
        () => new ProjectBatch { Code = null!, Name = null!, SourceNote = null! },
        (b, prefix) => FieldRules.Check(BatchFields.Registry, b, prefix),
        b => new ValidationError([new Problem(["input", "code"], "CODE_TAKEN", $"another batch has the code '{b.Code}'")]));

    public static void AddBatchMutations(this ObjectGraphType mutation)
    {
        var batch = new GraphQLTypeReference("ProjectBatch");
        mutation.AddMutation("createBatch", "新建批次 (集中开工/签约活动) · Creates a batch (a 集中开工 / 集中签约 event).",
            MutationConventions.Input(BatchFields.Registry, "CreateBatchInput", update: false, "新批次 · A new batch."),
            "batch", batch, [typeof(ValidationErrorType)],
            (c, input) => Writes.InTransactionAsync(c, async (db, ct) => new Payload(await Editor.CreateAsync(db, input, null, ct))));
        mutation.AddMutation("updateBatch", "修改批次 · Changes a batch; omitted fields stay.",
            MutationConventions.Input(BatchFields.Registry, "UpdateBatchInput", update: true, "批次的修改 · Changes to a batch."),
            "batch", batch, [typeof(ValidationErrorType), typeof(BatchNotFoundErrorType), typeof(ConcurrencyConflictErrorType)],
            (c, input) => Writes.InTransactionAsync(c, async (db, ct) => new Payload(await Editor.UpdateAsync(db, input, null, ct))));
        mutation.AddMutation("assignProjectsToBatch", "把项目归入批次 · Assigns projects to a batch (each project's version goes up).",
            AssignInput(), "batch", batch, [typeof(ValidationErrorType), typeof(BatchNotFoundErrorType), typeof(ProjectNotFoundErrorType)],
            (c, input) => Writes.InTransactionAsync(c, (db, ct) => AssignAsync(db, input, ct)));
    }

    private static InputObjectGraphType AssignInput()
    {
        var input = new InputObjectGraphType { Name = "AssignProjectsToBatchInput", Description = "批次与项目 · A batch and the projects to put in it." };
        input.Field<NonNullGraphType<IdGraphType>>("batchId").Description("批次 ID · The batch's global ID.");
        input.Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("projectIds")
            .Description("项目 ID (最多 1000 个) · The projects' global IDs (at most 1 000).");
        return input;
    }

    public const int MaxAssigned = 1_000;

    private static async Task<Payload> AssignAsync(PrimaryDb db, IDictionary<string, object?> input, CancellationToken ct)
    {
        var batch = await Editor.FindAsync(db, input["batchId"], ["input", "batchId"], ct);
        var given = ((IEnumerable<object?>)input["projectIds"]!).Select(i => i?.ToString() ?? "").ToList();
        if (given.Count > MaxAssigned)
            throw MutationFailedException.Invalid(["input", "projectIds"], "TOO_MANY", $"at most {MaxAssigned} projects at once");
        var problems = new List<Problem>();
        var keys = new Dictionary<int, string>();
        foreach (var (id, i) in given.Select((id, i) => (id, i)))
        {
            try { keys[NodeId.Decode("Project", id)] = id; }
            catch (Querying.QueryInputException e) { problems.Add(new Problem(["input", "projectIds", i.ToString()], "INVALID_ID", e.Message)); }
        }
        if (problems.Count > 0) throw new MutationFailedException([new ValidationError(problems)]);
        var projects = await db.Projects.Where(p => keys.Keys.Contains(p.Id)).ToListAsync(ct);
        var missing = keys.Keys.Except(projects.Select(p => p.Id)).Select(k => (MutationError)new NotFoundError("Project", keys[k])).ToList();
        if (missing.Count > 0) throw new MutationFailedException(missing);
        foreach (var p in projects) p.BatchId = batch.Id;
        await db.SaveChangesAsync(ct);
        return new Payload(batch);
    }
}
