using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;

namespace GeoProjects.Api.GraphQL;

/// <summary>A request refused before it runs: an HTTP status, a code for `extensions.code` and a message.</summary>
public sealed class RequestRejectedException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>
/// Parses a document and refuses it, in time linear in its length, before GraphQL.NET's validation walks it:
/// validation and the complexity analyzer re-walk a fragment at every spread (exponential under fan-out,
/// a stack overflow under long chains) and merge same-named fields pairwise (quadratic). Here every fragment is
/// summarised once and its summary reused at each spread, so those walks are bounded before they start.
/// </summary>
public static class DocumentGuard
{
    /// <summary>Parser recursion (selections, list and object values); deeper input is refused, never a stack overflow.</summary>
    private const int MaxParserDepth = 128;

    public static GraphQLDocument Parse(string query, GraphQLOptions limits)
    {
        CountTokens(query, limits.MaxTokens);
        GraphQLDocument document;
        try
        {
            document = Parser.Parse(query, new ParserOptions { MaxDepth = MaxParserDepth, Ignore = IgnoreOptions.Comments });
        }
        catch (GraphQLMaxDepthExceededException)
        {
            throw new RequestRejectedException(400, "DOCUMENT_TOO_DEEP", $"the document nests deeper than {MaxParserDepth} levels");
        }
        catch (GraphQLParserException e)
        {
            throw new RequestRejectedException(400, "SYNTAX_ERROR", $"syntax error at line {e.Location.Line}, column {e.Location.Column}: {e.Description}");
        }
        new Analysis(document, limits).Run();
        return document;
    }

    private static void CountTokens(string query, int max)
    {
        var count = 0;
        var position = 0;
        try
        {
            for (var token = Lexer.Lex(query, position); token.Kind != TokenKind.EOF; token = Lexer.Lex(query, position))
            {
                if (++count > max)
                    throw new RequestRejectedException(400, "MAX_TOKENS_EXCEEDED", $"the document has more than {max} tokens");
                position = token.End;
            }
        }
        catch (GraphQLSyntaxErrorException)
        {
            // The parser reports it with its position.
        }
    }

    /// <summary>What a selection set (or a fragment) amounts to once every spread in it is expanded.</summary>
    private sealed record Summary(long Fields, int Depth, long Introspection, int OfTypeChain, Dictionary<string, long> Names);

    private sealed class Analysis(GraphQLDocument document, GraphQLOptions limits)
    {
        private readonly Dictionary<string, GraphQLFragmentDefinition> _fragments = document.Definitions
            .OfType<GraphQLFragmentDefinition>().GroupBy(f => (string)f.FragmentName.Name.Value).ToDictionary(g => g.Key, g => g.First());
        private readonly Dictionary<string, Summary> _summaries = [];
        private readonly HashSet<string> _inProgress = [];
        private int _nodes;
        private int _fields;
        private long _merges;

        public void Run()
        {
            foreach (var definition in document.Definitions) CountNodes(definition);
            foreach (var operation in document.Definitions.OfType<GraphQLOperationDefinition>())
            {
                var summary = Summarise(operation.SelectionSet, 0);
                if (summary.Fields > limits.MaxExpandedFields)
                    throw Reject("MAX_EXPANDED_FIELDS_EXCEEDED",
                        $"with its fragments expanded the operation selects {Describe(summary.Fields)} fields; at most {limits.MaxExpandedFields} are allowed");
                if (summary.Depth > limits.MaxDepth)
                    throw Reject("MAX_DEPTH_EXCEEDED",
                        $"Query is too nested to execute: depth is {summary.Depth} levels; at most {limits.MaxDepth} are allowed (introspection not counted)");
                if (summary.Introspection > limits.MaxIntrospectionFields)
                    throw Reject("MAX_INTROSPECTION_EXCEEDED",
                        $"the operation selects __schema/__type {Describe(summary.Introspection)} times; at most {limits.MaxIntrospectionFields} are allowed");
                if (summary.OfTypeChain > limits.MaxOfTypeDepth)
                    throw Reject("MAX_OF_TYPE_DEPTH_EXCEEDED", $"`ofType` is nested {summary.OfTypeChain} levels deep; at most {limits.MaxOfTypeDepth} are allowed");
            }
        }

        private static string Describe(long n) => n >= int.MaxValue ? "more than 2 147 483 647" : n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

        private static RequestRejectedException Reject(string code, string message) => new(400, code, message);

        private Summary Summarise(GraphQLSelectionSet set, int fragmentDepth)
        {
            long fields = 0, introspection = 0;
            int depth = 0, ofType = 0;
            var names = new Dictionary<string, long>();
            foreach (var part in Parts(set, fragmentDepth))
            {
                fields = Add(fields, part.Fields);
                introspection = Add(introspection, part.Introspection);
                depth = Math.Max(depth, part.Depth);
                ofType = Math.Max(ofType, part.OfTypeChain);
                foreach (var (name, count) in part.Names)
                {
                    var before = names.GetValueOrDefault(name);
                    var total = names[name] = Add(before, count);
                    if (total > limits.MaxFieldRepeats)
                        throw Reject("MAX_FIELD_REPEATS_EXCEEDED",
                            $"'{name}' is selected {Describe(total)} times in one selection set (through fragments too); at most {limits.MaxFieldRepeats} are allowed");
                    // Validation compares every new occurrence with every earlier one of the same name.
                    _merges = Add(_merges, Math.Min(int.MaxValue, before * count));
                    if (_merges > limits.MaxFieldMerges)
                        throw Reject("MAX_FIELD_MERGES_EXCEEDED",
                            $"validation would compare more than {limits.MaxFieldMerges} pairs of same-named fields; give repeated fields distinct aliases");
                }
                if (fields > limits.MaxExpandedFields)
                    throw Reject("MAX_EXPANDED_FIELDS_EXCEEDED",
                        $"with its fragments expanded the operation selects more than {limits.MaxExpandedFields} fields");
            }
            return new Summary(fields, depth, introspection, ofType, names);
        }

        /// <summary>Each selection's own summary: a field with its subtree, an inline fragment, or a spread's fragment.</summary>
        private IEnumerable<Summary> Parts(GraphQLSelectionSet set, int fragmentDepth)
        {
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field:
                        yield return Field(field, fragmentDepth);
                        break;
                    case GraphQLInlineFragment inline:
                        yield return Summarise(inline.SelectionSet, fragmentDepth);
                        break;
                    case GraphQLFragmentSpread spread:
                        if (Fragment(spread, fragmentDepth) is { } summary) yield return summary;
                        break;
                }
            }
        }

        private Summary Field(GraphQLField field, int fragmentDepth)
        {
            var name = (string)field.Name.Value;
            var responseName = field.Alias is { } alias ? (string)alias.Name.Value : name;
            var child = field.SelectionSet is { } set ? Summarise(set, fragmentDepth) : null;
            var isIntrospection = name is "__schema" or "__type";
            var chain = name == "ofType" ? 1 + (child?.OfTypeChain ?? 0) : 0;
            return new Summary(
                Fields: Add(1, child?.Fields ?? 0),
                // Introspection is bounded by MaxIntrospectionFields and MaxOfTypeDepth instead of the depth limit.
                Depth: isIntrospection ? 0 : 1 + (child?.Depth ?? 0),
                Introspection: Add(isIntrospection ? 1 : 0, child?.Introspection ?? 0),
                OfTypeChain: Math.Max(chain, child?.OfTypeChain ?? 0),
                Names: new Dictionary<string, long> { [responseName] = 1 });
        }

        private Summary? Fragment(GraphQLFragmentSpread spread, int fragmentDepth)
        {
            var name = (string)spread.FragmentName.Name.Value;
            if (_summaries.TryGetValue(name, out var known)) return known;
            if (!_fragments.TryGetValue(name, out var fragment)) return null; // validation reports the unknown fragment
            if (fragmentDepth >= limits.MaxFragmentDepth)
                throw Reject("MAX_FRAGMENT_DEPTH_EXCEEDED", $"fragment spreads are nested more than {limits.MaxFragmentDepth} deep (at '{name}')");
            if (!_inProgress.Add(name))
                throw Reject("FRAGMENT_CYCLE", $"fragment '{name}' spreads itself; the graph of fragment spreads must not form a cycle");
            var summary = Summarise(fragment.SelectionSet, fragmentDepth + 1);
            _inProgress.Remove(name);
            return _summaries[name] = summary;
        }

        private static long Add(long a, long b) => Math.Min(int.MaxValue, a + b);

        /// <summary>Counts syntax nodes and written fields; the parser's depth limit bounds the recursion.</summary>
        private void CountNodes(ASTNode node)
        {
            if (++_nodes > limits.MaxNodes) throw Reject("MAX_NODES_EXCEEDED", $"the document has more than {limits.MaxNodes} syntax nodes");
            if (node is GraphQLField && ++_fields > limits.MaxFields)
                throw Reject("MAX_FIELDS_EXCEEDED", $"the document has more than {limits.MaxFields} fields");
            foreach (var child in Children(node))
                if (child is not null) CountNodes(child);
        }

        private static IEnumerable<ASTNode?> Children(ASTNode node) => node switch
        {
            GraphQLOperationDefinition o => new ASTNode?[] { o.Variables, o.Directives, o.SelectionSet },
            GraphQLFragmentDefinition f => new ASTNode?[] { f.TypeCondition, f.Directives, f.SelectionSet },
            GraphQLVariablesDefinition v => v.Items.Cast<ASTNode?>(),
            GraphQLVariableDefinition v => new ASTNode?[] { v.Variable, v.Type, v.DefaultValue, v.Directives },
            GraphQLSelectionSet s => s.Selections.Cast<ASTNode?>(),
            GraphQLField f => new ASTNode?[] { f.Alias, f.Arguments, f.Directives, f.SelectionSet },
            GraphQLInlineFragment i => new ASTNode?[] { i.TypeCondition, i.Directives, i.SelectionSet },
            GraphQLFragmentSpread s => new ASTNode?[] { s.Directives },
            GraphQLArguments a => a.Items.Cast<ASTNode?>(),
            GraphQLArgument a => new ASTNode?[] { a.Value },
            GraphQLDirectives d => d.Items.Cast<ASTNode?>(),
            GraphQLDirective d => new ASTNode?[] { d.Arguments },
            GraphQLListValue l => (l.Values ?? []).Cast<ASTNode?>(),
            GraphQLObjectValue o => (o.Fields ?? []).Cast<ASTNode?>(),
            GraphQLObjectField f => new ASTNode?[] { f.Value },
            _ => new ASTNode?[] {  },
        };
    }
}
