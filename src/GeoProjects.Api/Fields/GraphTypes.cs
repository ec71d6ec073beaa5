using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GraphQL.Builders;
using GraphQL.Types;

namespace GeoProjects.Api.Fields;

/// <summary>The GraphQL output type of a registry field's CLR type, as GraphQL.NET would infer it (with our scalars).</summary>
public static class GraphTypes
{
    public static Type Of(Type valueType, bool nullable)
    {
        var named = valueType switch
        {
            _ when valueType == typeof(string) => typeof(StringGraphType),
            _ when valueType == typeof(int) => typeof(IntGraphType),
            _ when valueType == typeof(long) => typeof(LongScalar),
            _ when valueType == typeof(decimal) => typeof(DecimalScalar),
            _ when valueType == typeof(double) => typeof(FloatGraphType),
            _ when valueType == typeof(bool) => typeof(BooleanGraphType),
            _ when valueType == typeof(DateOnly) => typeof(DateScalar),
            _ when valueType == typeof(DateTime) => typeof(DateTimeScalar),
            _ when valueType.IsEnum => typeof(EnumerationGraphType<>).MakeGenericType(valueType),
            _ => throw new NotSupportedException($"no GraphQL type for {valueType.Name}; declare the field's GraphQL output"),
        };
        return nullable ? named : typeof(NonNullGraphType<>).MakeGenericType(named);
    }

    /// <summary>A field built with GraphQL.NET's builder (arguments, resolvers); the registry sets its name and description.</summary>
    public static Func<QueryingTypes, FieldType> Output<TSource, TGraphType>(
        Func<FieldBuilder<TSource, object>, FieldBuilder<TSource, object>> configure) where TGraphType : IGraphType =>
        types => Output<TSource, TGraphType>((field, _) => configure(field))(types);

    /// <summary>The same, for fields whose arguments are filter or sort inputs.</summary>
    public static Func<QueryingTypes, FieldType> Output<TSource, TGraphType>(
        Func<FieldBuilder<TSource, object>, QueryingTypes, FieldBuilder<TSource, object>> configure) where TGraphType : IGraphType =>
        types => configure(new ObjectGraphType<TSource>().Field<TGraphType>(Unnamed), types).FieldType;

    private const string Unnamed = "unnamed";
}

/// <summary>A GraphQL object type whose fields are the registry's output fields; a Node when the entity has global IDs.</summary>
public abstract class RegistryObjectType<T> : ObjectGraphType<T> where T : class
{
    protected RegistryObjectType(string description, EntityFields<T> fields, QueryingTypes types, bool node)
    {
        Name = fields.TypeName;
        Description = description;
        if (node) Interface<NodeInterface>();
        IsTypeOf = o => o is T;
        this.AddFields(fields, types);
    }
}

public static class RegistryTypes
{
    /// <summary>Adds the registry's output fields to an object type, in the registry's order.</summary>
    public static void AddFields<T>(this ObjectGraphType<T> type, EntityFields<T> fields, QueryingTypes types) where T : class
    {
        foreach (var field in fields.OutputFields(types)) type.AddField(field);
    }
}
