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

/// <summary>One event for a subscriber: a GraphQL result and the cursor of the change it tells of.</summary>
public sealed record LiveEvent(long Cursor, JsonObject Result);

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
    /// <summary>The alias under which the payload query also fetches each record's global ID, to match it to its change.</summary>
    private const string RecordKey = "__key";

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
    /// <summary>The cursor the subscriber resumes after (its `after`), or null to start with the next change.</summary>
    public long? After { get; init; }
    /// <summary>Shared by subscribers that would get the same answers: the document, variables and role.</summary>
    public required string GroupKey { get; init; }

    private static readonly Dictionary<string, (string Entity, string[] Operations)> Listens = new()
    {
        // An update that brings a project into the subscriber's view is its creation there; one that takes it out, its deletion.
        ["projectCreated"] = ("Project", ["INSERT", "UPDATE"]),
        ["projectUpdated"] = ("Project", ["UPDATE"]),
        ["projectDeleted"] = ("Project", ["DELETE", "UPDATE"]),
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
        var after = Argument(root, "after") is { } a ? Cursor(Json(a, withDefaults)) : null;
        var payload = name == "projectDeleted" ? null : PayloadQuery(document, operation, root, name);
        return new LiveOperation
        {
            Field = name, Key = root.Alias?.Name.StringValue ?? name, Entity = entity, Operations = operations.ToHashSet(),
            PayloadText = payload, Payload = payload is null ? null : GraphQLParser.Parser.Parse(payload), Variables = variables, Where = where,
            Only = only, After = after,
            GroupKey = $"{caller.Role}\n{query}\n{operationName}\n{JsonSerializer.Serialize(WithoutCursor(root, variables))}",
        };
    }

    /// <summary>A cursor as an event's `extensions.cursor` gives it: a revision id, as a string of digits.</summary>
    private static long? Cursor(string? json)
    {
        if (json is null) return null;
        var text = JsonNode.Parse(json)?.GetValue<string>();
        return long.TryParse(text, System.Globalization.NumberStyles.None, null, out var cursor) ? cursor
            : throw new ExecutionError($"'{text}' is not a cursor: pass an event's extensions.cursor") { Code = "CURSOR_INVALID" };
    }

    /// <summary>The variables without the one `after` takes: subscribers resuming from different cursors share one group.</summary>
    private static Inputs WithoutCursor(GraphQLField root, Inputs variables) =>
        Argument(root, "after") is GraphQLVariable v ? new Inputs(variables.Where(x => x.Key != v.Name.StringValue).ToDictionary()) : variables;

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
            "zoneUpdated" => $"{Changed}: zones(where: {{ id: {{ in: ${Ids} }} }}) {{ {RecordKey}: id ...on Zone {selection} }}",
            "progressReported" => $"{Changed}: projects(first: 100, where: {{ id: {{ in: ${Ids} }} }}) "
                + $"{{ nodes {{ progress {{ {ReportKey}: id ...on ProgressReport {selection} }} }} }}",
            _ => $"{Changed}: projects(first: 100, where: {{ id: {{ in: ${Ids} }} }}) {{ nodes {{ {RecordKey}: id ...on Project {selection} }} }}",
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

    /// <summary>
    /// The keys of a change this subscriber may be told of, before its filter. Staff see every project; the public sees
    /// published ones, so for it an update that publishes a project creates it, and one that withdraws it deletes it.
    /// </summary>
    public IReadOnlyList<int> Candidates(Change change, Caller caller)
    {
        var staff = caller.Is(Role.Viewer);
        bool Entered(int k) => change.Public.Contains(k) && !change.WasPublic.Contains(k);
        bool Left(int k) => change.WasPublic.Contains(k) && !change.Public.Contains(k);
        IEnumerable<int> keys = (Field, change.Operation) switch
        {
            ("progressReported", _) => change.Projects.Distinct(),
            ("projectCreated", "UPDATE") => staff ? [] : change.Ids.Where(Entered),
            ("projectUpdated", _) => staff ? change.Ids : change.Ids.Where(k => change.Public.Contains(k) && change.WasPublic.Contains(k)),
            ("projectDeleted", "UPDATE") => staff ? [] : change.Ids.Where(Left),
            ("projectDeleted", _) => staff ? change.Ids : change.Public,
            _ => change.Ids,
        };
        return Only is { } one ? keys.Where(k => k == one).ToList() : keys.ToList();
    }

    /// <summary>The payload query's variables for these records.</summary>
    public Inputs PayloadVariables(IEnumerable<int> keys)
    {
        var values = new Dictionary<string, object?>(Variables) { [Ids] = keys.Select(k => (object?)NodeId.Encode(PayloadType, k)).ToList() };
        return new Inputs(values);
    }

    private string PayloadType => Field == "zoneUpdated" ? "Zone" : "Project";

    /// <summary>
    /// Splits the payload query's answer into one event per record (errors re-pathed under the subscription's key), each with
    /// its change's cursor, in the order the records changed. A progress event is kept only for the reports that changed.
    /// </summary>
    public IEnumerable<LiveEvent> Events(JsonObject answer, Change change)
    {
        var errors = answer["errors"]?.AsArray().Select(e => e!.AsObject()).ToList() ?? [];
        var changed = answer["data"]?[Changed];
        var records = changed is JsonObject connection ? connection["nodes"]?.AsArray() : changed?.AsArray();
        if (records is null)
        {
            return errors.Count == 0 ? []
                : [new LiveEvent(change.Last, new JsonObject { ["errors"] = new JsonArray(errors.Select(e => (JsonNode)e.DeepClone()).ToArray()) })];
        }
        var prefix = changed is JsonObject ? new[] { Changed, "nodes" } : [Changed];
        var events = new List<LiveEvent>();
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i] is not JsonObject record) continue;
            if (Field == "progressReported")
            {
                foreach (var report in (record["progress"] as JsonArray ?? []).OfType<JsonObject>())
                    if (KeyOf(report, ReportKey, "ProgressReport") is { } id && change.Ids.Contains(id))
                        events.Add(Event(change.CursorOf(id), Stripped(report, ReportKey), []));
                continue;
            }
            if (KeyOf(record, RecordKey, PayloadType) is not { } key || !change.Ids.Contains(key)) continue;
            var mine = errors.Where(e => PathStarts(e, [.. prefix, i.ToString()])).Select(e => Repath(e, prefix.Length + 1)).ToList();
            events.Add(Event(change.CursorOf(key), Stripped(record, RecordKey), mine));
        }
        return events.OrderBy(e => e.Cursor);
    }

    private static JsonObject Stripped(JsonObject record, string key)
    {
        var payload = (JsonObject)record.DeepClone();
        payload.Remove(key);
        return payload;
    }

    private static int? KeyOf(JsonObject record, string alias, string type) =>
        record[alias]?.GetValue<string>() is { } gid && Parse(gid) is var (t, key) && t == type && key <= int.MaxValue ? (int)key : null;

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

    public LiveEvent Deleted(Change change, int key) => Event(change.CursorOf(key), JsonValue.Create(NodeId.Encode("Project", key)), []);

    /// <summary>A GraphQL result for the subscription's field, its cursor in `extensions.cursor` (a client resumes after it).</summary>
    private LiveEvent Event(long cursor, JsonNode payload, IReadOnlyList<JsonObject> errors)
    {
        var result = new JsonObject { ["data"] = new JsonObject { [Key] = payload } };
        if (errors.Count > 0) result["errors"] = new JsonArray(errors.Select(e => (JsonNode)e).ToArray());
        result["extensions"] = new JsonObject { ["cursor"] = cursor.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return new LiveEvent(cursor, result);
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
