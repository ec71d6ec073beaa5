using GeoProjects.Api.Fields;
using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.Types;

namespace GeoProjects.Api.GraphQL;

// HotChocolate's mutation conventions: `createProject(input: CreateProjectInput!): CreateProjectPayload!`, the payload
// holding the entity and `errors: [CreateProjectError!]`, a union of types implementing `interface Error`.

/// <summary>An error a mutation declares: it goes into the payload's `errors`, not the response's.</summary>
public abstract record MutationError(string Message);

public sealed record ValidationError(IReadOnlyList<Problem> Problems)
    : MutationError($"{Problems.Count} problem(s): {string.Join("; ", Problems.Select(p => $"{string.Join(".", p.Path)}: {p.Message}"))}");

public sealed record NotFoundError(string TypeName, string Id) : MutationError($"no {TypeName} has the ID '{Id}'");

public sealed record ProjectCodeTakenError(string Code) : MutationError($"the project code '{Code}' is taken");

public sealed record ConcurrencyConflictError(string Id, int ExpectedVersion, int CurrentVersion)
    : MutationError($"the record is at version {CurrentVersion}, not {ExpectedVersion}: someone changed it since you read it; read it again");

public sealed record ZoneInUseError(string Id, int ProjectCount, int ChildZoneCount)
    : MutationError($"the zone is in use by {ProjectCount} project(s) and {ChildZoneCount} zone(s); move them first");

/// <summary>Thrown inside a mutation to end it (its transaction rolls back) with declared errors.</summary>
public sealed class MutationFailedException(IReadOnlyList<MutationError> errors) : Exception(errors[0].Message)
{
    public IReadOnlyList<MutationError> Errors => errors;

    /// <summary>A ValidationError with one problem.</summary>
    public static MutationFailedException Invalid(IReadOnlyList<string> path, string code, string message) =>
        new([new ValidationError([new Problem(path, code, message)])]);
}

/// <summary>What a mutation answers: the entity (null on errors), its declared errors, and warnings that did not stop it.</summary>
public sealed record Payload(object? Entity, IReadOnlyList<MutationError>? Errors = null, IReadOnlyList<Problem>? Warnings = null);

public sealed class ErrorInterface : InterfaceGraphType
{
    public ErrorInterface()
    {
        Name = "Error";
        Description = "变更可预期的错误 · An error a mutation declares (HotChocolate's mutation conventions).";
        Field<NonNullGraphType<StringGraphType>>("message").Description("说明 · What went wrong.");
    }
}

public sealed class ProblemType : ObjectGraphType<Problem>
{
    public ProblemType()
    {
        Name = "ValidationProblem";
        Description = "输入中的一个问题 · One problem in the input: where, a stable code, and a sentence.";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("path").Description("字段路径 · Path of the input field.")
            .Resolve(c => c.Source.Path);
        Field(p => p.Code).Description("错误代码 · Stable code, e.g. REQUIRED, NEGATIVE, COMPLETED_EXCEEDS_TOTAL.");
        Field(p => p.Message).Description("说明 · The problem in a sentence.");
    }
}

/// <summary>An error type: `message` and the fields <paramref name="fields"/> adds.</summary>
public abstract class ErrorType<T> : ObjectGraphType<T> where T : MutationError
{
    protected ErrorType(string name, string description)
    {
        Name = name;
        Description = description;
        Interface<ErrorInterface>();
        IsTypeOf = o => o is T;
        Field<NonNullGraphType<StringGraphType>>("message").Description("说明 · What went wrong.").Resolve(c => c.Source.Message);
    }
}

public sealed class ValidationErrorType : ErrorType<ValidationError>
{
    public ValidationErrorType() : base("ValidationError", "输入无效 · The input breaks rules; every problem is listed, and nothing was written.") =>
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProblemType>>>>("problems").Description("每个问题 · Each problem.")
            .Resolve(c => c.Source.Problems);
}

public abstract class NotFoundErrorType(string typeName)
    : ErrorType<NotFoundError>($"{typeName}NotFoundError", $"未找到 · No {typeName} has this ID (or it was deleted).")
{
    protected void Declare()
    {
        IsTypeOf = o => o is NotFoundError e && e.TypeName == Name[..^"NotFoundError".Length];
        Field<NonNullGraphType<IdGraphType>>("id").Description("所给 ID · The ID given.").Resolve(c => c.Source.Id);
    }
}

public sealed class ProjectNotFoundErrorType : NotFoundErrorType
{
    public ProjectNotFoundErrorType() : base("Project") => Declare();
}

public sealed class ZoneNotFoundErrorType : NotFoundErrorType
{
    public ZoneNotFoundErrorType() : base("Zone") => Declare();
}

public sealed class BatchNotFoundErrorType : NotFoundErrorType
{
    public BatchNotFoundErrorType() : base("Batch") => Declare();
}

public sealed class ProjectCodeTakenErrorType : ErrorType<ProjectCodeTakenError>
{
    public ProjectCodeTakenErrorType() : base("ProjectCodeTakenError", "项目编码已被占用 · Another project has this code.") =>
        Field(e => e.Code).Description("项目编码 · The code asked for.");
}

public sealed class ConcurrencyConflictErrorType : ErrorType<ConcurrencyConflictError>
{
    public ConcurrencyConflictErrorType()
        : base("ConcurrencyConflictError", "版本冲突 · Someone changed the record since it was read; nothing was written.")
    {
        Field<NonNullGraphType<IdGraphType>>("id").Description("记录 ID · The record's ID.").Resolve(c => c.Source.Id);
        Field(e => e.ExpectedVersion).Description("所给版本 · The version the input expected.");
        Field(e => e.CurrentVersion).Description("当前版本 · The record's version now.");
    }
}

public sealed class ZoneInUseErrorType : ErrorType<ZoneInUseError>
{
    public ZoneInUseErrorType() : base("ZoneInUseError", "功能区仍被使用 · Projects or zones still refer to the zone.")
    {
        Field<NonNullGraphType<IdGraphType>>("id").Description("功能区 ID · The zone's ID.").Resolve(c => c.Source.Id);
        Field(e => e.ProjectCount).Description("引用它的项目数 · Projects assigned to it.");
        Field(e => e.ChildZoneCount).Description("下级功能区数 · Zones inside it (its children).");
    }
}

/// <summary>Builds a mutation field with HotChocolate's shapes from the registry and a resolver.</summary>
public static class MutationConventions
{
    /// <summary>
    /// `name(input: {Name}Input!): {Name}Payload!`: the payload holds <paramref name="entityField"/> and `errors`, a union of
    /// <paramref name="errors"/>. The resolver's <see cref="MutationFailedException"/> becomes those errors.
    /// </summary>
    public static void AddMutation(
        this ObjectGraphType mutation, string name, string description, IInputObjectGraphType input, string entityField, IGraphType entityType,
        Type[] errors, Func<IResolveFieldContext, IDictionary<string, object?>, Task<Payload>> resolve)
    {
        var pascal = char.ToUpperInvariant(name[0]) + name[1..];
        var union = new UnionGraphType { Name = $"{pascal}Error", Description = $"{name} 可能的错误 · The errors {name} declares." };
        foreach (var error in errors) union.Type(error);
        var payload = new ObjectGraphType<Payload> { Name = $"{pascal}Payload", Description = $"{name} 的结果 · What {name} answers." };
        payload.AddField(new FieldType
        {
            Name = entityField, ResolvedType = entityType, Description = "结果对象; 有错误时为 null · The record; null when there are errors.",
            Resolver = new global::GraphQL.Resolvers.FuncFieldResolver<Payload, object?>(c => c.Source.Entity),
        });
        payload.AddField(new FieldType
        {
            Name = "errors", ResolvedType = new ListGraphType(new NonNullGraphType(union)),
            Description = "可预期的错误; 成功时为 null · The declared errors; null on success.",
            Resolver = new global::GraphQL.Resolvers.FuncFieldResolver<Payload, object?>(c => c.Source.Errors),
        });
        payload.Field<ListGraphType<NonNullGraphType<ProblemType>>>("warnings")
            .Description("提醒 (不阻止写入), 如位置在新区之外 · Warnings that did not stop the write, e.g. LOCATION_OUTSIDE_DISTRICT.")
            .Resolve(c => c.Source.Warnings);
        mutation.AddField(new FieldType
        {
            Name = name, Description = description, ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(input)) { Name = "input", Description = "输入 · The input." }),
            Resolver = new global::GraphQL.Resolvers.FuncFieldResolver<object?>(async c =>
            {
                try
                {
                    return await resolve(c, c.GetArgument<Dictionary<string, object?>>("input"));
                }
                catch (MutationFailedException e)
                {
                    return new Payload(null, e.Errors);
                }
            }),
        });
    }

    /// <summary>
    /// The input of createX or updateX from the registry's Input fields: on create, required fields are non-null; on
    /// update every field is optional (omitted = unchanged, null = cleared) and `id` and `expectedVersion` lead.
    /// </summary>
    public static InputObjectGraphType Input(IEntityFields entity, string name, bool update, string description)
    {
        var input = new InputObjectGraphType { Name = name, Description = description };
        if (update)
        {
            Add(input, "id", new NonNullGraphType(new GraphQLTypeReference("ID")), $"{entity.TypeName} 的全局 ID · The record's global ID.");
            Add(input, "expectedVersion", new NonNullGraphType(new GraphQLTypeReference("Int")),
                "读取时的版本; 不符则冲突 · The version you read; if the record has moved on, nothing is written (ConcurrencyConflictError).");
        }
        foreach (var f in entity.Fields.Where(f => f.In(Door.Input)))
        {
            IGraphType type = new GraphQLTypeReference(InputTypeName(f));
            if (!update && f.Required) type = new NonNullGraphType(type);
            Add(input, InputName(f), type, f.Description);
        }
        return input;
    }

    public static string InputName(RegistryField f) => f.Kind == ValueKind.Relation ? f.Name + "Id" : f.Name;

    private static string InputTypeName(RegistryField f) => f.Kind switch
    {
        ValueKind.Relation => "ID",
        ValueKind.Geometry => "Geometry",
        ValueKind.Enum => f.ValueType.Name,
        ValueKind.Text => "String",
        ValueKind.Integer => "Int",
        ValueKind.Decimal => f.ValueType == typeof(double) ? "Float" : "Decimal",
        ValueKind.Boolean => "Boolean",
        ValueKind.Date => "Date",
        ValueKind.DateTime => "DateTime",
        _ => throw new NotSupportedException(f.Name),
    };

    private static void Add(InputObjectGraphType type, string name, IGraphType graphType, string description) =>
        type.AddField(new FieldType { Name = name, ResolvedType = graphType, Description = description });
}
