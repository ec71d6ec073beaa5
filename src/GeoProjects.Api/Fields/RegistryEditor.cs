using GeoProjects.Api.Data;
using GeoProjects.Api.GraphQL;
using GraphQL;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GeoProjects.Api.Fields;

/// <summary>
/// Create, update and delete for an entity, from its registry: the input's Input fields applied (omitted = unchanged,
/// null = cleared), the one validator, related records checked, `expectedVersion` compared (and again by the UPDATE's
/// WHERE, so a concurrent writer cannot slip in between), all in one transaction on the primary naming the actor.
/// </summary>
public sealed class RegistryEditor<T>(
    EntityFields<T> fields, string errorName, Func<T> blank, Func<T, string[], IEnumerable<Problem>> rules, Func<T, MutationError> taken)
    where T : class
{
    public EntityFields<T> Fields => fields;

    public async Task<T> CreateAsync(PrimaryDb db, IDictionary<string, object?> input, Action<T>? defaults, CancellationToken ct)
    {
        var entity = blank();
        defaults?.Invoke(entity);
        var problems = FieldRules.Apply(fields, entity, input);
        Validate(entity, problems);
        await CheckRelatedAsync(db, entity, ct);
        db.Add(entity);
        await SaveAsync(db, entity, null, ct);
        return entity;
    }

    /// <summary>Updates the record `input.id` at `input.expectedVersion`; <paramref name="adjust"/> sees the entity before validation.</summary>
    public async Task<T> UpdateAsync(PrimaryDb db, IDictionary<string, object?> input, Action<T>? adjust, CancellationToken ct)
    {
        var entity = await FindAsync(db, input["id"], ["input", "id"], ct);
        var problems = FieldRules.Apply(fields, entity, input); // a field the caller may not write is refused before anything else
        var expected = AtVersion(db, entity, input);
        adjust?.Invoke(entity);
        Validate(entity, problems);
        await CheckRelatedAsync(db, entity, ct);
        await SaveAsync(db, entity, expected, ct);
        return entity;
    }

    public async Task<T> DeleteAsync(PrimaryDb db, IDictionary<string, object?> input, Func<T, Task>? check, CancellationToken ct)
    {
        var entity = await FindAsync(db, input["id"], ["input", "id"], ct);
        var expected = AtVersion(db, entity, input);
        if (check is not null) await check(entity);
        db.Remove(entity);
        await SaveAsync(db, entity, expected, ct);
        return entity;
    }

    /// <summary>The record by its global ID, or NotFoundError.</summary>
    public async Task<T> FindAsync(PrimaryDb db, object? globalId, string[] path, CancellationToken ct)
    {
        var id = Key(globalId, path);
        return await db.Set<T>().SingleOrDefaultAsync(e => EF.Property<int>(e, "Id") == id, ct)
            ?? throw new MutationFailedException([new NotFoundError(errorName, globalId?.ToString() ?? "")]);
    }

    /// <summary>`input.expectedVersion`, when it is the record's version; ConcurrencyConflictError otherwise.</summary>
    private static int AtVersion(PrimaryDb db, T entity, IDictionary<string, object?> input)
    {
        var expected = Convert.ToInt32(input["expectedVersion"], System.Globalization.CultureInfo.InvariantCulture);
        var current = VersionOf(db, entity);
        return current == expected ? expected : throw Conflict(input["id"], expected, current);
    }

    public int Key(object? globalId, string[] path)
    {
        try
        {
            return NodeId.Decode(fields.TypeName, globalId?.ToString() ?? "");
        }
        catch (Querying.QueryInputException e)
        {
            throw MutationFailedException.Invalid(path, "INVALID_ID", e.Message);
        }
    }

    private static int VersionOf(PrimaryDb db, T entity) => db.Entry(entity).Property<int>("Version").CurrentValue;

    private static MutationFailedException Conflict(object? id, int expected, int current) =>
        new([new ConcurrencyConflictError(id?.ToString() ?? "", expected, current)]);

    private void Validate(T entity, List<Problem> problems)
    {
        problems.AddRange(rules(entity, ["input"]).Where(p => !problems.Any(q => q.Path.SequenceEqual(p.Path))));
        if (problems.Count > 0) throw new MutationFailedException([new ValidationError(problems)]);
    }

    /// <summary>Every related record the input names must exist (a zone, a batch, a parent zone): NotFoundError otherwise.</summary>
    private async Task CheckRelatedAsync(PrimaryDb db, T entity, CancellationToken ct)
    {
        var missing = new List<MutationError>();
        foreach (var relation in fields.Fields.Where(f => f.Kind == ValueKind.Relation && f.In(Door.Input)))
        {
            var foreignKey = relation.Reads.Single();
            var entry = db.Entry(entity);
            if (foreignKey.GetValue(entity) is not int key) continue;
            if (entry.State is not (EntityState.Added or EntityState.Detached) && !entry.Property(foreignKey.Name).IsModified) continue;
            var related = relation.Related!();
            // Identifiers from the registry (whitelisted by Quote); the key is a parameter.
            var sql = $"SELECT EXISTS (SELECT 1 FROM {FlatSql.Quote(related.Table)} WHERE {FlatSql.Quote(related.KeyColumn)} = @key) AS \"Value\"";
            var exists = await db.Database.SqlQueryRaw<bool>(sql, new NpgsqlParameter("key", key)).SingleAsync(ct);
            if (!exists) missing.Add(new NotFoundError(ErrorNames.Of(related.TypeName), NodeId.Encode(related.TypeName, key)));
        }
        if (missing.Count > 0) throw new MutationFailedException(missing);
    }

    /// <summary>Saves with the version as the concurrency token and reads back what the triggers set (version, zone, area).</summary>
    private async Task SaveAsync(PrimaryDb db, T entity, int? expected, CancellationToken ct)
    {
        if (expected is { } version) db.Entry(entity).Property<int>("Version").OriginalValue = version;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            var id = db.Entry(entity).Property<int>("Id").CurrentValue;
            var current = await db.Set<T>().AsNoTracking().Where(e => EF.Property<int>(e, "Id") == id)
                .Select(e => (int?)EF.Property<int>(e, "Version")).SingleOrDefaultAsync(ct);
            throw current is { } now ? Conflict(NodeId.Encode(fields.TypeName, id), expected ?? 0, now)
                : new MutationFailedException([new NotFoundError(errorName, NodeId.Encode(fields.TypeName, id))]);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new MutationFailedException([taken(entity)]);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.CheckViolation } check)
        {
            throw MutationFailedException.Invalid(["input"], "CHECK_VIOLATION", $"the database refused it: {check.ConstraintName}");
        }
        if (db.Entry(entity).State != EntityState.Detached) await db.Entry(entity).ReloadAsync(ct);
    }
}

/// <summary>The error type names of HotChocolate-style NotFound errors (ProjectBatch → Batch).</summary>
public static class ErrorNames
{
    public static string Of(string typeName) => typeName == "ProjectBatch" ? "Batch" : typeName;
}
