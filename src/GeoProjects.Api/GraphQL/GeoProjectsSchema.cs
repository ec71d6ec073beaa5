using GeoProjects.Api.Batches;
using GeoProjects.Api.Data;
using GeoProjects.Api.History;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Zones;
using GraphQL;
using GeoProjects.Api.Security;
using GraphQL.Types;
using GraphQLParser.AST;

namespace GeoProjects.Api.GraphQL;

public sealed class GeoProjectsSchema : Schema
{
    public GeoProjectsSchema(IServiceProvider services, QueryType query, MutationType mutation, Live.SubscriptionType subscription) : base(services)
    {
        Description = "GeoProjects: 西海岸新区重大项目登记册 · a registry of major investment projects (重大项目) with their locations.";
        Query = query;
        Mutation = mutation;
        Subscription = subscription;
        // What graphql-js getIntrospectionQuery({ directiveIsRepeatable, inputValueDeprecation }) asks for.
        Features.RepeatableDirectives = true;
        Features.DeprecationOfInputValues = true;
        Directives.Register(new SpecifiedByDirective(), new OneOfDirective(), new Security.AuthorizeDirective());
        // Input scalars that refuse what PostgreSQL cannot take: NaN/Infinity floats, NUL characters.
        RegisterType(new FiniteFloatScalar());
        RegisterType(new TextScalar());
        // Types reached only through GraphQLTypeReference (filter inputs) must be registered by name.
        RegisterType(typeof(GeometryScalar));
        RegisterType(typeof(DateScalar));
        RegisterType(typeof(DateTimeScalar));
        RegisterType(typeof(DecimalScalar));
        RegisterTypeMapping(typeof(decimal), typeof(DecimalScalar));
        RegisterType(typeof(LongScalar));
        RegisterTypeMapping(typeof(long), typeof(LongScalar));
        RegisterTypeMapping(typeof(DateTime), typeof(DateTimeScalar));
        RegisterTypeMapping(typeof(DateOnly), typeof(DateScalar));
        RegisterType(typeof(GeoJsonPointType));
        RegisterType(typeof(GeoJsonPolygonType));
        RegisterType(typeof(GeoJsonMultiPolygonType));
        RegisterType(typeof(EnumerationGraphType<ZoneKind>));
        RegisterType(typeof(EnumerationGraphType<BoundaryConfidence>));
        RegisterType(typeof(EnumerationGraphType<BatchLevel>));
        RegisterType(typeof(EnumerationGraphType<BatchKind>));
        RegisterType(typeof(EnumerationGraphType<Sector>));
        RegisterType(typeof(EnumerationGraphType<ProjectStatus>));
        RegisterType(typeof(EnumerationGraphType<DataSource>));
        RegisterType(typeof(EnumerationGraphType<WarningLevel>));
        RegisterType(typeof(EnumerationGraphType<RevisionOperation>));
        RegisterType(typeof(GeoProjects.Api.Crs.CoordinateSystemEnum));
    }


    /// <summary>
    /// Introspection as graphql-js 16 asks for it with every option on, where GraphQL.NET 8 falls short:
    /// `__Type.specifiedByURL` (the scalar's @specifiedBy url), `__Directive.isRepeatable` and
    /// `__Directive.args(includeDeprecated:)`. None of our directive arguments is deprecated.
    /// </summary>
    protected override void OnBeforeInitializeType(IGraphType graphType)
    {
        base.OnBeforeInitializeType(graphType);
        switch (graphType)
        {
            case global::GraphQL.Introspection.__Type type when !type.HasField("specifiedByURL"):
                type.Field<StringGraphType>("specifiedByURL").Resolve(c => SpecifiedByDirective.UrlOf(c.Source as IGraphType));
                break;
            case global::GraphQL.Introspection.__Directive directive:
                if (!directive.HasField("isRepeatable"))
                    directive.Field<NonNullGraphType<BooleanGraphType>>("isRepeatable").Resolve(c => (c.Source as Directive)?.Repeatable ?? false);
                var args = directive.GetField("args")!;
                if (args.Arguments?.Find("includeDeprecated") is null)
                {
                    args.Arguments ??= [];
                    args.Arguments.Add(new QueryArgument<BooleanGraphType> { Name = "includeDeprecated", DefaultValue = false });
                }
                break;
        }
    }
}

public sealed class QueryType : ObjectGraphType
{
    public QueryType(QueryingTypes types)
    {
        Name = "Query";
        Description = "查询入口 · Entry point of every query.";
        this.AddProjectQueries(types);
        this.AddZoneQueries(types);
        this.AddBatchQueries(types);
        this.AddProjectStatsQueries(types);
        this.AddHistoryQueries(types);
        this.AddNodeQueries(new Dictionary<string, Func<global::GraphQL.IResolveFieldContext, long, object>>
        {
            ["Project"] = NodeQueries.ByInt((c, id) => ProjectLoaders.ById(c, id)),
            ["Zone"] = NodeQueries.ByInt((c, id) => ZoneLoaders.ById(c, id)),
            ["ProjectBatch"] = NodeQueries.ByInt((c, id) => BatchLoaders.ById(c, id)),
            ["ProgressReport"] = NodeQueries.ByInt((c, id) => ProgressReporting.ById(c, id)),
            ["Revision"] = (c, id) => HistoryQueries.ById(c, id),
        });
    }
}

public sealed class MutationType : ObjectGraphType
{
    public MutationType()
    {
        Name = "Mutation";
        Description = "修改入口: 每个变更一个事务, 按顺序执行 · Changes to the registry: each mutation is one transaction, run in order.";
        this.AddProjectMutations();
        this.AddZoneMutations();
        this.AddBatchMutations();
        this.AddProgressMutation();
        // Who may run each is the access policy's (Security/AccessPolicy.cs); one without a policy stops the service from starting.
        foreach (var field in Fields) field.Require(Security.AccessPolicy.MutationRole(field.Name));
    }
}

/// <summary>HotChocolate's `Date` scalar (yyyy-MM-dd) over DateOnly.</summary>
public sealed class DateScalar : DateOnlyGraphType
{
    public DateScalar()
    {
        Name = "Date";
        Description = "日期 (ISO-8601, yyyy-MM-dd) · A date without time, ISO-8601 `yyyy-MM-dd`.";
    }
}

public sealed class DateTimeScalar : DateTimeGraphType
{
    public DateTimeScalar()
    {
        Name = "DateTime";
        Description = "日期时间 (ISO-8601, UTC) · A date and time in ISO-8601, UTC.";
        this.ApplyDirective(SpecifiedByDirective.DirectiveName, "url", "https://www.graphql-scalars.com/date-time"); // as HotChocolate prints it
    }
}

/// <summary>HotChocolate's `Long` (revision numbers).</summary>
public sealed class LongScalar : LongGraphType
{
    public LongScalar()
    {
        Name = "Long";
        Description = "64 位整数 · A 64-bit signed integer.";
    }
}

/// <summary>亿元 amounts are decimals: they keep their scale (30.00) and never pass through binary floating point.</summary>
public sealed class DecimalScalar : DecimalGraphType
{
    public DecimalScalar()
    {
        Name = "Decimal";
        Description = "十进制数 (金额等, 不经二进制浮点) · A decimal number (amounts such as 亿元), exact, never binary floating point.";
    }
}

/// <summary>The spec's `@specifiedBy(url:)` on scalars, printed in the SDL and answered by `__Type.specifiedByURL`.</summary>
public sealed class SpecifiedByDirective : Directive
{
    public const string DirectiveName = "specifiedBy";

    public SpecifiedByDirective() : base(DirectiveName, DirectiveLocation.Scalar)
    {
        Description = "The `@specifiedBy` directive is used within the type system definition language to provide a URL for specifying the behavior of custom scalar definitions.";
        Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>>
        {
            Name = "url",
            Description = "The specifiedBy URL points to a human-readable specification. This field will only read a result for scalar types.",
        });
    }

    /// <summary>A type-system directive, listed by introspection because graphql-js counts it among the specified ones.</summary>
    public override bool? Introspectable => true;

    public static string? UrlOf(IGraphType? type) =>
        type is ScalarGraphType scalar ? scalar.FindAppliedDirective(DirectiveName)?.FindArgument("url")?.Value as string : null;
}

/// <summary>The spec's `@oneOf` (graphql-js 16.9+ and HotChocolate 15 declare it); no input type of ours uses it yet.</summary>
public sealed class OneOfDirective : Directive
{
    public OneOfDirective() : base("oneOf", DirectiveLocation.InputObject)
    {
        Description = "The `@oneOf` directive is used within the type system definition language to indicate that an Input Object is a OneOf Input Object.";
    }

    public override bool? Introspectable => true;
}

/// <summary>GraphQL's Float for input and output, refusing NaN and ±Infinity (`1e400` reads as Infinity).</summary>
public sealed class FiniteFloatScalar : FloatGraphType
{
    public FiniteFloatScalar() => Name = "Float";

    public override object? ParseValue(object? value) => Finite(base.ParseValue(value));

    public override object? ParseLiteral(GraphQLValue value) => Finite(base.ParseLiteral(value));

    private static object? Finite(object? value) => value is double d && !double.IsFinite(d)
        ? throw new InputValueException("a Float must be a finite number (not NaN or Infinity, nor beyond ±1.7976931348623157E+308)")
        : value;
}

/// <summary>GraphQL's String, refusing the NUL character, which PostgreSQL text cannot hold.</summary>
public sealed class TextScalar : StringGraphType
{
    public TextScalar() => Name = "String";

    public override object? ParseValue(object? value) => NoNul(base.ParseValue(value));

    public override object? ParseLiteral(GraphQLValue value) => NoNul(base.ParseLiteral(value));

    private static object? NoNul(object? value) => value is string s && s.Contains('\0')
        ? throw new InputValueException("a String must not contain the NUL character (U+0000)")
        : value;
}
