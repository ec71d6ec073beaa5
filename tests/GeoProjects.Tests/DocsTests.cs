using System.Text.Json;
using System.Text.RegularExpressions;
using GeoProjects.Tests.Infrastructure;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Microsoft.Extensions.DependencyInjection;

namespace GeoProjects.Tests;

/// <summary>
/// The README and docs/ keep their promises: every relative link resolves to a file of the repository, and every GraphQL
/// example — a ```graphql block, or the `query` of a JSON request in a shell or JSON block — validates against the
/// served schema.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class DocsTests(ApiFixture api)
{
    private static IEnumerable<string> Pages() =>
        Directory.GetFiles(Path.Combine(Seed.RepoRoot, "docs"), "*.md").Prepend(Path.Combine(Seed.RepoRoot, "README.md"));

    [GeneratedRegex(@"\]\(([^)\s#]+)(#[^)]*)?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"(?ms)^```(\w*)\n(.*?)^```")]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"""query""\s*:\s*(""(?:[^""\\]|\\.)*"")")]
    private static partial Regex JsonQuery();

    [Fact]
    public void EveryRelativeLinkResolves()
    {
        var broken = new List<string>();
        var links = 0;
        foreach (var page in Pages())
            foreach (Match m in MarkdownLink().Matches(File.ReadAllText(page)))
            {
                var target = m.Groups[1].Value;
                if (target.Contains("://") || target.StartsWith("mailto:")) continue;
                links++;
                var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(target)));
                if (!File.Exists(path) && !Directory.Exists(path)) broken.Add($"{Path.GetRelativePath(Seed.RepoRoot, page)}: {target}");
            }
        Assert.True(links >= 10, $"only {links} relative links found");
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public async Task EveryGraphQLExampleValidatesAgainstTheSchema()
    {
        var schema = api.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        var failures = new List<string>();
        var examples = 0;
        foreach (var page in Pages())
            foreach (Match block in FencedBlock().Matches(File.ReadAllText(page)))
            {
                var documents = block.Groups[1].Value == "graphql" ? [block.Groups[2].Value]
                    : JsonQuery().Matches(block.Groups[2].Value).Select(q => JsonSerializer.Deserialize<string>(q.Groups[1].Value)!).ToList();
                foreach (var text in documents)
                {
                    examples++;
                    var document = GraphQLParser.Parser.Parse(text);
                    var result = await new DocumentValidator().ValidateAsync(new ValidationOptions
                    {
                        Schema = schema, Document = document, Operation = document.Definitions.OfType<GraphQLOperationDefinition>().First(),
                        Rules = DocumentValidator.CoreRules, Variables = GraphQL.Inputs.Empty,
                    });
                    // An example's variables are the reader's to give: only what the schema says counts here.
                    var errors = result.Errors.Where(e => e is not InvalidVariableError).Select(e => e.Message).ToList();
                    if (errors.Count > 0) failures.Add($"{Path.GetRelativePath(Seed.RepoRoot, page)}: {string.Join("; ", errors)}\n{text}");
                }
            }
        Assert.True(examples >= 3, $"only {examples} GraphQL examples found");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }
}
