using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoProjects.Api.Querying;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GeoProjects.Api.Ogc;

/// <summary>
/// CQL2 (OGC API – Features Part 3), text and JSON encodings, translated into the `where` of the filter model
/// (OgcFilter), which WhereReader reads and FilterTranslator translates as for every other front door. NOT is
/// pushed down (De Morgan, and the filter model's n-operations), since the model has no NOT node.
/// </summary>
public static class Cql2
{
    /// <summary>A node of the filter; <see cref="Position"/> is where it starts in cql2-text (1-based; 0 in cql2-json).</summary>
    public abstract record Node
    {
        public int Position { get; init; }
        public string At => Position > 0 ? $" (at position {Position})" : "";
    }
    public sealed record Logical(string Op, IReadOnlyList<Node> Args) : Node;      // and / or
    public sealed record Not(Node Arg) : Node;
    public sealed record Compare(string Op, string Property, JsonNode? Value) : Node; // = <> < <= > >=
    public sealed record Like(string Property, string Pattern) : Node;
    public sealed record In(string Property, IReadOnlyList<JsonNode?> Values) : Node;
    public sealed record Between(string Property, JsonNode? Low, JsonNode? High) : Node;
    public sealed record IsNull(string Property) : Node;
    public sealed record Spatial(string Op, string Property, Geometry Geometry, double? Metres) : Node; // s_intersects, s_within, s_contains, s_dwithin

    public static QueryInputException Error(string message) => new("INVALID_FILTER", message);

    // ---------------- text ----------------

    public static Node ParseText(string text) => new TextParser(text).ParseAll();

    private sealed class TextParser(string text)
    {
        private int _pos;

        public Node ParseAll()
        {
            var node = Or();
            Skip();
            if (_pos < text.Length) throw Error($"unexpected '{Snippet()}' at position {_pos + 1}");
            return node;
        }

        private Node Or()
        {
            var args = new List<Node> { And() };
            while (Keyword("OR")) args.Add(And());
            return args.Count == 1 ? args[0] : new Logical("or", args);
        }

        private Node And()
        {
            var args = new List<Node> { Unary() };
            while (Keyword("AND")) args.Add(Unary());
            return args.Count == 1 ? args[0] : new Logical("and", args);
        }

        private Node Unary()
        {
            if (Keyword("NOT")) return new Not(Unary());
            if (Symbol("("))
            {
                var inner = Or();
                Expect(")");
                return inner;
            }
            return Predicate();
        }

        private Node Predicate()
        {
            Skip();
            var start = _pos;
            var name = Identifier() ?? throw Error($"expected a property or a function at position {_pos + 1}, found '{Snippet()}'");
            var upper = name.ToUpperInvariant();
            if (upper is "S_INTERSECTS" or "S_WITHIN" or "S_CONTAINS" or "S_DWITHIN" && Symbol("("))
            {
                var property = Identifier() ?? throw Error($"{upper} takes a property first, at position {_pos + 1}");
                Expect(",");
                var geometry = GeometryLiteral();
                double? metres = null;
                if (upper == "S_DWITHIN")
                {
                    Expect(",");
                    metres = NumberLiteral();
                    if (Symbol(","))
                    {
                        var unit = (Identifier() ?? "").ToLowerInvariant();
                        metres *= unit switch
                        {
                            "meters" or "metres" or "m" => 1,
                            "kilometers" or "kilometres" or "km" => 1000,
                            _ => throw Error($"S_DWITHIN unit '{unit}' is not supported; use meters or kilometers"),
                        };
                    }
                }
                Expect(")");
                return new Spatial(upper.ToLowerInvariant(), property, geometry, metres) { Position = start + 1 };
            }
            if (name.Contains('(') || Peek("(")) throw Error($"function '{name}' is not supported (at position {start + 1})");

            var negated = Keyword("NOT");
            if (Keyword("LIKE"))
            {
                var like = new Like(name, StringLiteral()) { Position = start + 1 };
                return negated ? new Not(like) : like;
            }
            if (Keyword("IN"))
            {
                Expect("(");
                var values = new List<JsonNode?> { Literal() };
                while (Symbol(",")) values.Add(Literal());
                Expect(")");
                var node = new In(name, values) { Position = start + 1 };
                return negated ? new Not(node) : node;
            }
            if (Keyword("BETWEEN"))
            {
                var low = Literal();
                if (!Keyword("AND")) throw Error($"BETWEEN needs AND at position {_pos + 1}");
                var node = new Between(name, low, Literal()) { Position = start + 1 };
                return negated ? new Not(node) : node;
            }
            if (negated) throw Error($"NOT after '{name}' must be followed by LIKE, IN or BETWEEN (position {_pos + 1})");
            if (Keyword("IS"))
            {
                var not = Keyword("NOT");
                if (!Keyword("NULL")) throw Error($"expected NULL at position {_pos + 1}");
                var isNull = new IsNull(name) { Position = start + 1 };
                return not ? new Not(isNull) : isNull;
            }
            foreach (var op in new[] { "<>", "<=", ">=", "=", "<", ">" })
                if (Symbol(op)) return new Compare(op, name, Literal()) { Position = start + 1 };
            throw Error($"expected a comparison after '{name}' at position {_pos + 1}, found '{Snippet()}'");
        }

        private JsonNode? Literal()
        {
            Skip();
            if (Peek("'")) return JsonValue.Create(StringLiteral());
            if (Keyword("TRUE")) return JsonValue.Create(true);
            if (Keyword("FALSE")) return JsonValue.Create(false);
            if (Keyword("NULL")) return null;
            var save = _pos;
            var id = Identifier();
            if (id is not null && (id.Equals("DATE", StringComparison.OrdinalIgnoreCase) || id.Equals("TIMESTAMP", StringComparison.OrdinalIgnoreCase)))
            {
                Expect("(");
                var value = StringLiteral();
                Expect(")");
                return JsonValue.Create(id.Equals("DATE", StringComparison.OrdinalIgnoreCase) ? value : value[..Math.Min(10, value.Length)]);
            }
            _pos = save;
            return JsonValue.Create(NumberLiteral());
        }

        private double NumberLiteral()
        {
            Skip();
            var start = _pos;
            while (_pos < text.Length && (char.IsDigit(text[_pos]) || text[_pos] is '.' or '-' or '+' or 'e' or 'E')) _pos++;
            if (!double.TryParse(text[start.._pos], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw Error($"expected a literal at position {start + 1}, found '{Snippet(start)}'");
            return double.IsFinite(value) ? value : throw Error($"the number at position {start + 1} is beyond ±1.7976931348623157E+308");
        }

        private string StringLiteral()
        {
            Skip();
            if (!Peek("'")) throw Error($"expected a 'quoted string' at position {_pos + 1}, found '{Snippet()}'");
            _pos++;
            var value = new StringBuilder();
            while (true)
            {
                if (_pos >= text.Length) throw Error("unterminated string literal");
                if (text[_pos] == '\'')
                {
                    if (_pos + 1 < text.Length && text[_pos + 1] == '\'') { value.Append('\''); _pos += 2; continue; }
                    _pos++;
                    return value.ToString();
                }
                value.Append(text[_pos++]);
            }
        }

        private Geometry GeometryLiteral()
        {
            Skip();
            var start = _pos;
            var kind = Identifier() ?? throw Error($"expected a WKT geometry at position {_pos + 1}");
            if (kind.Equals("BBOX", StringComparison.OrdinalIgnoreCase))
            {
                Expect("(");
                var n = new List<double> { NumberLiteral() };
                while (Symbol(",")) n.Add(NumberLiteral());
                Expect(")");
                if (n.Count != 4) throw Error("BBOX takes 4 numbers: minLon, minLat, maxLon, maxLat");
                return GeoProjects.Api.GraphQL.GeoJson.Factory.ToGeometry(new Envelope(n[0], n[2], n[1], n[3]));
            }
            Skip();
            if (!Peek("(")) throw Error($"expected '(' after {kind} at position {_pos + 1}");
            var depth = 0;
            do
            {
                if (text[_pos] == '(') depth++;
                else if (text[_pos] == ')') depth--;
                _pos++;
            }
            while (depth > 0 && _pos < text.Length);
            if (depth != 0) throw Error($"unbalanced parentheses in the {kind} literal");
            return Wkt(text[start.._pos]);
        }

        private string? Identifier()
        {
            Skip();
            var start = _pos;
            if (_pos < text.Length && text[_pos] == '"')
            {
                var end = text.IndexOf('"', _pos + 1);
                if (end < 0) throw Error("unterminated quoted property name");
                _pos = end + 1;
                return text[(start + 1)..end];
            }
            while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] is '_' or ':' or '.')) _pos++;
            return _pos > start ? text[start.._pos] : null;
        }

        private bool Keyword(string word)
        {
            Skip();
            if (_pos + word.Length > text.Length || !text.AsSpan(_pos, word.Length).Equals(word, StringComparison.OrdinalIgnoreCase)) return false;
            if (_pos + word.Length < text.Length && (char.IsLetterOrDigit(text[_pos + word.Length]) || text[_pos + word.Length] == '_')) return false;
            _pos += word.Length;
            return true;
        }

        private bool Symbol(string s)
        {
            Skip();
            if (!Peek(s)) return false;
            _pos += s.Length;
            return true;
        }

        private void Expect(string s)
        {
            if (!Symbol(s)) throw Error($"expected '{s}' at position {_pos + 1}, found '{Snippet()}'");
        }

        private bool Peek(string s) => text.AsSpan(_pos).StartsWith(s);
        private void Skip() { while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++; }
        private string Snippet(int? at = null) { var p = at ?? _pos; return p >= text.Length ? "end of filter" : text[p..Math.Min(text.Length, p + 20)]; }
    }

    private static Geometry Wkt(string wkt)
    {
        try
        {
            var g = new WKTReader(GeoProjects.Api.GraphQL.GeoJson.Factory.GeometryServices).Read(wkt);
            g.SRID = GeoProjects.Api.GraphQL.GeoJson.Srid;
            return g;
        }
        catch (Exception e) when (e is ParseException or ArgumentException or FormatException)
        {
            throw Error($"invalid WKT '{wkt[..Math.Min(40, wkt.Length)]}': {e.Message}");
        }
    }

    // ---------------- JSON ----------------

    public static Node ParseJson(string json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw Error($"the cql2-json filter is not JSON: {e.Message}"); }
        try
        {
            return FromJson(root);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or IndexOutOfRangeException
                                   or NullReferenceException or KeyNotFoundException or OverflowException)
        {
            // A value of the wrong JSON kind (`"op": 1`, a bbox of strings, `like` with a number) or the wrong arity.
            throw Error(e is IndexOutOfRangeException or ArgumentOutOfRangeException || e.Message.StartsWith("Sequence contains", StringComparison.Ordinal)
                ? "malformed cql2-json: an operator has the wrong number of arguments"
                : $"malformed cql2-json: {e.Message}");
        }
    }

    private static Node FromJson(JsonNode? node)
    {
        if (node is not JsonObject o || o["op"]?.GetValue<string>() is not { } op || o["args"] is not JsonArray args)
            throw Error($"a cql2-json expression is {{\"op\": …, \"args\": […]}}, not {node?.ToJsonString() ?? "null"}");
        string Property(int i) => args[i] is JsonObject p && p["property"]?.GetValue<string>() is { } name ? name
            : throw Error($"argument {i + 1} of '{op}' must be {{\"property\": …}}");
        switch (op.ToLowerInvariant())
        {
            case "and" or "or": return new Logical(op.ToLowerInvariant(), args.Select(FromJson).ToList());
            case "not": return new Not(FromJson(args.Single()));
            case "=" or "<>" or "<" or "<=" or ">" or ">=": return new Compare(op, Property(0), Value(args[1]));
            case "like": return new Like(Property(0), args[1]?.GetValue<string>() ?? throw Error("like needs a pattern"));
            case "in": return new In(Property(0), (args[1] as JsonArray ?? throw Error("in takes a list")).Select(Value).ToList());
            case "between": return new Between(Property(0), Value(args[1]), Value(args[2]));
            case "isnull": return new IsNull(Property(0));
            case "s_intersects" or "s_within" or "s_contains":
                return new Spatial(op.ToLowerInvariant(), Property(0), JsonGeometry(args[1]), null);
            case "s_dwithin":
                return new Spatial("s_dwithin", Property(0), JsonGeometry(args[1]), args[2]?.GetValue<double>() ?? throw Error("s_dwithin needs a distance in metres"));
            default: throw Error($"operator '{op}' is not supported");
        }
    }

    private static JsonNode? Value(JsonNode? v) => v switch
    {
        JsonObject o when o["date"] is { } d => JsonValue.Create(d.GetValue<string>()),
        JsonObject o when o["timestamp"] is { } t => JsonValue.Create(t.GetValue<string>()[..10]),
        _ => v?.DeepClone(),
    };

    private static Geometry JsonGeometry(JsonNode? node)
    {
        if (node is JsonObject { } o && o["bbox"] is JsonArray b && !o.ContainsKey("type"))
            return GeoProjects.Api.GraphQL.GeoJson.Factory.ToGeometry(new Envelope(b[0]!.GetValue<double>(), b[2]!.GetValue<double>(), b[1]!.GetValue<double>(), b[3]!.GetValue<double>()));
        try { return GeoProjects.Api.GraphQL.GeoJson.Parse(JsonDocument.Parse(node?.ToJsonString() ?? "null").RootElement); }
        catch (GeoProjects.Api.GraphQL.GeometryInputException e) { throw Error($"invalid geometry literal: {e.Message}"); }
    }
}
