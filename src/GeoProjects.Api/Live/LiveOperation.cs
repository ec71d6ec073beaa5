using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using GeoProjects.Api.Security;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using GraphQLParser.Visitors;

namespace GeoProjects.Api.Live;

/// <summary>
/// One subscription, prepared once: which changes it listens to, the projects it keeps (its `where` and `id`, read into
/// the filter model), and the query that fetches each event's payload. Every event is answered by running that query
/// in a scope of its own, as the subscriber, so permissions, row-level security and field rules hold exactly as for a
/// query; subscribers with the same document, variables and role share one run (<see cref="LiveGroups"/>).
/// </summary>
public sealed class LiveOperation
{
    /// <summary>The variable the payload query takes the changed records' global IDs in.</summary>
    private const string Ids = "__ids";
    private const string Changed = "__changed";
    private const string ReportKey = "__report";

    public required string Field { get; init; }
    /// <summary>The field's response key (its alias, or its name).</summary>
    public required string Key { get; init; }
    public required string Entity { get; init; }
    public required IReadOnlySet<string> Operations { get; init; }
    /// <summary>The payload query (null for a deletion, whose payload is the ID), with the variables it uses.</summary>
    public GraphQLDocument? Payload { get; init; }
    public string? PayloadText { get; init; }
    public required Inputs Variables { get; init; }
    public IDictionary<string, object?>? Where { get; init; }
    public int? Only { get; init; }
    /// <summary>Shared by subscribers that would get the same answers: the document, variables and role.</summary>
    public required string GroupKey { get; init; }

    private static readonly Dictionary<string, (string Entity, string[] Operations)> Listens = new()
    {
        ["projectCreated"] = ("Project", ["INSERT"]),
        ["projectUpdated"] = ("Project", ["UPDATE"]),
        ["projectDeleted"] = ("Project", ["DELETE"]),
        ["progressReported"] = ("ProgressReport", ["INSERT", "UPDATE"]),
        ["zoneUpdated"] = ("Zone", ["INSERT", "UPDATE"]),
    };

    public bool Hears(Change change) => change.Entity == Entity && Operations.Contains(change.Operation);

    /// <summary>
    /// Checks a subscription (the schema's rules, one root field, its filter) and builds its payload query. Problems are
    /// GraphQL errors with codes, as a query's would be.
    /// </summary>
    public static async Task<LiveOperation> PrepareAsync(
        GraphQLDocument document, string query, string? operationName, Inputs variables, ISchema schema, Caller caller)
    {
        var candidates = document.Definitions.OfType<GraphQLOperationDefinition>()
            .Where(o => operationName is null || o.Name?.StringValue == operationName).ToList();
        if (candidates is not [var operation])
            throw new ExecutionError(candidates.Count > 1 ? "the document has several operations: name one with operationName"
                : operationName is null ? "the document has no operation" : $"the document has no operation '{operationName}'")
                { Code = "OPERATION_NOT_FOUND" };
        var validation = await new DocumentValidator().ValidateAsync(new ValidationOptions
        {
            Schema = schema, Document = document, Operation = operation, Variables = variables, Rules = DocumentValidator.CoreRules,
        });
        if (!validation.IsValid) throw validation.Errors.First();
        if (operation.Operation != OperationType.Subscription)
            throw new ExecutionError("only a subscription is answered as a stream here") { Code = "NOT_A_SUBSCRIPTION" };
        if (operation.SelectionSet.Selections is not [GraphQLField root])
            throw new ExecutionError("a subscription selects exactly one root field") { Code = "SINGLE_ROOT_FIELD" };
        var name = root.Name.StringValue;
        if (!Listens.TryGetValue(name, out var listens))
            throw new ExecutionError($"'{name}' is not a subscription field") { Code = "NOT_A_SUBSCRIPTION" };
        var (entity, operations) = listens;
        // The filter is read from the variables as sent, with the operation's defaults for those left out.
        var values = new Dictionary<string, object?>(variables);
        foreach (var v in operation.Variables?.Items ?? [])
            if (!values.ContainsKey(v.Variable.Name.StringValue) && v.DefaultValue is { } given)
                values[v.Variable.Name.StringValue] = ToJson(given, Inputs.Empty);
        var withDefaults = new Inputs(values);
        var where = Argument(root, "where") is { } w ? WhereReader.Read(ProjectSchema.Filter, Json(w, withDefaults)) : null;
        // Translated once now, as the caller: a filter on a field it may not read is refused here, not at the first event.
        _ = Enumerable.Empty<Data.Project>().AsQueryable().Filter(ProjectSchema.Filter, where, QueryContext.Default);
        int? only = Argument(root, "id") is { } id && Json(id, withDefaults) is { } gid && JsonNode.Parse(gid)?.GetValue<string>() is { } text
            ? NodeId.Decode("Project", text) : null;
        var payload = name == "projectDeleted" ? null : PayloadQuery(document, operation, root, name);
        return new LiveOperation
        {
            Field = name, Key = root.Alias?.Name.StringValue ?? name, Entity = entity, Operations = operations.ToHashSet(),
            PayloadText = payload, Payload = payload is null ? null : GraphQLParser.Parser.Parse(payload), Variables = variables, Where = where,
            Only = only, GroupKey = $"{caller.Role}\n{query}\n{operationName}\n{JsonSerializer.Serialize(variables)}",
        };
    }

    private static GraphQLValue? Argument(GraphQLField field, string name) =>
        field.Arguments?.Items.FirstOrDefault(a => a.Name.StringValue == name)?.Value;

    /// <summary>
    /// The query answering one event: the subscription's selection over the changed records, fetched by global ID. Its
    /// fragments and the variables its selection uses come along; `where` and `id` were applied already.
    /// </summary>
    private static string PayloadQuery(GraphQLDocument document, GraphQLOperationDefinition operation, GraphQLField root, string field)
    {
        var used = new HashSet<string>();
        CollectVariables(root.SelectionSet, used);
        foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>()) CollectVariables(fragment.SelectionSet, used);
        var definitions = (operation.Variables?.Items ?? []).Where(v => used.Contains(v.Variable.Name.StringValue)).Select(Print)
            .Append($"${Ids}: [ID!]!");
        var selection = Print(root.SelectionSet!);
        var body = field switch
        {
            "zoneUpdated" => $"{Changed}: zones(where: {{ id: {{ in: ${Ids} }} }}) {selection}",
            "progressReported" => $"{Changed}: projects(first: 100, where: {{ id: {{ in: ${Ids} }} }}) "
                + $"{{ nodes {{ progress {{ {ReportKey}: id ...on ProgressReport {selection} }} }} }}",
            _ => $"{Changed}: projects(first: 100, where: {{ id: {{ in: ${Ids} }} }}) {{ nodes {selection} }}",
        };
        var text = new StringBuilder();
        foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>()) text.Append(Print(fragment)).Append('\n');
        return text.Append($"query __Live({string.Join(", ", definitions)}) {{ {body} }}").ToString();
    }

    private static void CollectVariables(ASTNode? node, HashSet<string> names)
    {
        switch (node)
        {
            case null: return;
            case GraphQLVariable v: names.Add(v.Name.StringValue); return;
            case GraphQLSelectionSet s: foreach (var x in s.Selections) CollectVariables(x, names); return;
            case GraphQLField f:
                foreach (var a in f.Arguments?.Items ?? []) CollectVariables(a.Value, names);
                foreach (var d in f.Directives?.Items ?? []) foreach (var a in d.Arguments?.Items ?? []) CollectVariables(a.Value, names);
                CollectVariables(f.SelectionSet, names);
                return;
            case GraphQLInlineFragment i:
                foreach (var d in i.Directives?.Items ?? []) foreach (var a in d.Arguments?.Items ?? []) CollectVariables(a.Value, names);
                CollectVariables(i.SelectionSet, names);
                return;
            case GraphQLFragmentSpread sp:
                foreach (var d in sp.Directives?.Items ?? []) foreach (var a in d.Arguments?.Items ?? []) CollectVariables(a.Value, names);
                return;
            case GraphQLObjectValue o: foreach (var f in o.Fields ?? []) CollectVariables(f.Value, names); return;
            case GraphQLListValue l: foreach (var x in l.Values ?? []) CollectVariables(x, names); return;
        }
    }

    private static string Print(ASTNode node)
    {
        using var writer = new StringWriter();
        new SDLPrinter().PrintAsync(node, writer).AsTask().GetAwaiter().GetResult(); // a StringWriter: synchronous
        return writer.ToString();
    }

    /// <summary>An argument's value as the JSON a `where` URL parameter carries (variables substituted), for WhereReader.</summary>
    private static string? Json(GraphQLValue value, Inputs variables)
    {
        var node = ToJson(value, variables);
        return node?.ToJsonString();
    }

    private static JsonNode? ToJson(GraphQLValue value, Inputs variables) => value switch
    {
        GraphQLVariable v => variables.TryGetValue(v.Name.StringValue, out var given) ? JsonSerializer.SerializeToNode(given) : null,
        GraphQLNullValue => null,
        GraphQLBooleanValue b => JsonValue.Create(b.BoolValue),
        GraphQLIntValue i => JsonNode.Parse(i.Value.ToString()),
        GraphQLFloatValue f => JsonNode.Parse(f.Value.ToString()),
        GraphQLStringValue s => JsonValue.Create(s.Value.ToString()),
        GraphQLEnumValue e => JsonValue.Create(e.Name.StringValue),
        GraphQLListValue l => new JsonArray((l.Values ?? []).Select(x => ToJson(x, variables)).ToArray()),
        GraphQLObjectValue o => new JsonObject((o.Fields ?? []).Select(f => KeyValuePair.Create(f.Name.StringValue, ToJson(f.Value, variables)))),
        _ => throw new ExecutionError($"unexpected value {value.Kind}") { Code = "INVALID_VALUE" },
    };

    /// <summary>The keys of a change this subscriber may be told of, before its filter: for a deletion, the public's rows unless staff.</summary>
    public IReadOnlyList<int> Candidates(Change change, Caller caller)
    {
        var keys = Field == "progressReported" ? change.Projects ?? [] : change.Ids;
        if (Field == "projectDeleted" && !caller.Is(Role.Viewer)) keys = change.Public;
        return Only is { } one ? keys.Where(k => k == one).ToList() : keys;
    }

    /// <summary>The payload query's variables for these records.</summary>
    public Inputs PayloadVariables(IEnumerable<int> keys)
    {
        var values = new Dictionary<string, object?>(Variables) { [Ids] = keys.Select(k => (object?)NodeId.Encode(PayloadType, k)).ToList() };
        return new Inputs(values);
    }

    private string PayloadType => Field == "zoneUpdated" ? "Zone" : "Project";

    /// <summary>
    /// Splits the payload query's answer into one event per record (errors re-pathed under the subscription's key), in the
    /// order the records changed. A progress event is kept only for the reports that changed.
    /// </summary>
    public IEnumerable<JsonObject> Events(JsonObject answer, Change change)
    {
        var errors = answer["errors"]?.AsArray().Select(e => e!.AsObject()).ToList() ?? [];
        var changed = answer["data"]?[Changed];
        var records = changed is JsonObject connection ? connection["nodes"]?.AsArray() : changed?.AsArray();
        if (records is null)
        {
            if (errors.Count > 0) yield return new JsonObject { ["errors"] = new JsonArray(errors.Select(e => (JsonNode)e.DeepClone()).ToArray()) };
            yield break;
        }
        var prefix = changed is JsonObject ? new[] { Changed, "nodes" } : [Changed];
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i] is not JsonObject record) continue;
            if (Field == "progressReported")
            {
                foreach (var report in (record["progress"] as JsonArray ?? []).OfType<JsonObject>()
                    .Where(r => ReportId(r) is { } id && change.Ids.Contains(id)))
                {
                    var payload = (JsonObject)report.DeepClone();
                    payload.Remove(ReportKey);
                    yield return Event(payload, []);
                }
                continue;
            }
            var mine = errors.Where(e => PathStarts(e, [.. prefix, i.ToString()])).Select(e => Repath(e, prefix.Length + 1)).ToList();
            yield return Event(record.DeepClone(), mine);
        }
    }

    private static int? ReportId(JsonObject report) =>
        report[ReportKey]?.GetValue<string>() is { } gid && Parse(gid) is ("ProgressReport", var key and <= int.MaxValue) ? (int)key : null;

    private static (string Type, long Key)? Parse(string gid)
    {
        try
        {
            return NodeId.Parse(gid);
        }
        catch (QueryInputException)
        {
            return null;
        }
    }

    public JsonObject Deleted(int key) => Event(JsonValue.Create(NodeId.Encode("Project", key)), []);

    private JsonObject Event(JsonNode payload, IReadOnlyList<JsonObject> errors)
    {
        var result = new JsonObject { ["data"] = new JsonObject { [Key] = payload } };
        if (errors.Count > 0) result["errors"] = new JsonArray(errors.Select(e => (JsonNode)e).ToArray());
        return result;
    }

    private static bool PathStarts(JsonObject error, string[] prefix) =>
        error["path"] is JsonArray path && path.Count >= prefix.Length
        && prefix.Select((p, i) => path[i]?.ToString() == p).All(x => x);

    private JsonObject Repath(JsonObject error, int drop)
    {
        var copy = (JsonObject)error.DeepClone();
        var rest = ((JsonArray)copy["path"]!).Skip(drop).Select(p => p?.DeepClone()).ToArray();
        copy["path"] = new JsonArray([JsonValue.Create(Key), .. rest]);
        return copy;
    }
}
