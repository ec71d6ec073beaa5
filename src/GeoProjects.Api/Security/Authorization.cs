using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using GraphQLParser.AST;

namespace GeoProjects.Api.Security;

/// <summary>
/// HotChocolate's `@authorize` as its clients see it: the directive and `ApplyPolicy` in the SDL, and a denied field
/// null with an error at its path coded AUTH_NOT_AUTHENTICATED (no identity) or AUTH_NOT_AUTHORIZED (not enough rights).
/// GraphQL.NET's own AuthorizeAttribute only stores metadata (its enforcement lives in the unserved GraphQL.Server), so this is ours.
/// </summary>
public static class Authorization
{
    public const string Message = "The current user is not authorized to access this resource.";

    /// <summary>
    /// The error HotChocolate gives the current caller for a resource it may not use (<paramref name="what"/>, when a part of one).
    /// </summary>
    public static ExecutionError Denied(string? what = null) =>
        new(what is null ? Message : $"{Message} ({what})") { Code = CodeFor(Caller.Current) };

    /// <summary>
    /// Refuses a filter or sort on a field the current caller may not read, in the filter model's own error, so every door
    /// (GraphQL, tiles, GeoJSON, OGC) answers it as it answers any bad input.
    /// </summary>
    public static void DemandToRead(Role least, string what)
    {
        var caller = Caller.Current;
        if (!caller.Is(least)) throw new Querying.QueryInputException(CodeFor(caller), $"{Message} ({what})");
    }

    private static string CodeFor(Caller caller) => caller.IsAuthenticated ? "AUTH_NOT_AUTHORIZED" : "AUTH_NOT_AUTHENTICATED";

    /// <summary>The roles at or above <paramref name="least"/>, as `@authorize(roles:)` lists them.</summary>
    public static IReadOnlyList<string> RolesFrom(Role least) =>
        Enum.GetValues<Role>().Where(r => r >= least).Select(r => r.ToString().ToLowerInvariant()).ToList();

    /// <summary>Declares (`@authorize(roles:)`) and enforces that only <paramref name="least"/> and above may resolve the field.</summary>
    public static FieldType Require(this FieldType field, Role least)
    {
        if (least == Role.Anonymous) return field;
        field.ApplyDirective(AuthorizeDirective.DirectiveName, "roles", RolesFrom(least));
        var inner = field.Resolver ?? NameFieldResolver.Instance;
        field.Resolver = new FuncFieldResolver<object?>(async c =>
        {
            if (!Caller.Current.Is(least)) throw Denied();
            return await inner.ResolveAsync(c);
        });
        return field;
    }
}

/// <summary>`directive @authorize(policy, roles, apply) repeatable on OBJECT | FIELD_DEFINITION`, worded as HotChocolate prints it.</summary>
public sealed class AuthorizeDirective : Directive
{
    public const string DirectiveName = "authorize";

    public AuthorizeDirective() : base(DirectiveName, DirectiveLocation.Object, DirectiveLocation.FieldDefinition)
    {
        Description = "The authorize directive.";
        Repeatable = true;
        Arguments = new QueryArguments(
            new QueryArgument<StringGraphType>
            {
                Name = "policy", Description = "The name of the authorization policy that determines access to the annotated resource.",
            },
            new QueryArgument<ListGraphType<NonNullGraphType<StringGraphType>>>
            {
                Name = "roles", Description = "Roles that are allowed to access the annotated resource.",
            },
            new QueryArgument<NonNullGraphType<ApplyPolicyType>>
            {
                Name = "apply", DefaultValue = ApplyPolicy.BeforeResolver,
                Description = "Defines when when the authorize directive shall be applied."
                    + "By default the authorize directives are applied during the validation phase.", // HotChocolate's words
            });
    }

    public override bool? Introspectable => true;
}

public enum ApplyPolicy { BeforeResolver, AfterResolver, Validation }

public sealed class ApplyPolicyType : EnumerationGraphType<ApplyPolicy>
{
    public ApplyPolicyType()
    {
        Name = "ApplyPolicy";
        Description = "授权策略的执行时机 · Defines when a policy shall be executed.";
        Values["BEFORE_RESOLVER"]!.Description = "解析之前 · Before the resolver was executed.";
        Values["AFTER_RESOLVER"]!.Description = "解析之后 · After the resolver was executed.";
        Values["VALIDATION"]!.Description = "验证阶段, 执行之前 · The policy is applied in the validation step before the execution.";
    }
}
