using GraphQL;
using GraphQL.Types;
using GraphQL.Utilities;

namespace GeoProjects.Api.GraphQL;

/// <summary>The SDL as committed in /schema.graphql (regenerate: dotnet run --project src/GeoProjects.Api -- schema "$PWD/schema.graphql").</summary>
public static class SchemaFile
{
    public static string Print(ISchema schema)
    {
        schema.Initialize();
        var sdl = schema.Print(new PrintOptions { IncludeDescriptions = true, IncludeDeprecationReasons = true, IncludeFederationTypes = false });
        return sdl.ReplaceLineEndings("\n").TrimEnd() + "\n";
    }
}
