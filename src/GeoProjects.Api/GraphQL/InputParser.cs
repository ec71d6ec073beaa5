using GeoProjects.Api.Querying;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;

namespace GeoProjects.Api.GraphQL;

/// <summary>
/// Parses a JSON input (e.g. a tile URL's `where`) exactly as GraphQL parses the same variable: the same input
/// type, coercion, enum names, Geometry scalar and errors. So every front door shares one filter model.
/// </summary>
public sealed class InputParser(ISchema schema, IGraphQLTextSerializer serializer)
{
    public async Task<IDictionary<string, object?>?> ParseAsync(string inputType, string? json, IServiceProvider services, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        Inputs variables;
        try
        {
            variables = serializer.Deserialize<Inputs>("{\"value\":" + json + "}") ?? Inputs.Empty;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            throw new QueryInputException("INVALID_FILTER", $"the filter is not JSON: {e.Message}");
        }
        var document = Parser.Parse($"query($value: {inputType}) {{ __typename }}");
        schema.Initialize();
        var result = await new DocumentValidator().ValidateAsync(new ValidationOptions
        {
            Schema = schema,
            Document = document,
            Operation = document.Definitions.OfType<GraphQLOperationDefinition>().Single(),
            Variables = variables,
            Rules = [],
            RequestServices = services,
            CancellationToken = ct,
        });
        if (!result.IsValid)
        {
            var error = result.Errors[0];
            var reason = error.InnerException is InputValueException input ? $": {input.Message}" : "";
            throw new QueryInputException("INVALID_FILTER", $"invalid {inputType}: {error.Message.Replace("Variable '$value.", "'where.").Replace("Variable '$value'", "'where'")}{reason}");
        }
        return result.Variables?.Find("value")?.Value as IDictionary<string, object?>;
    }
}
