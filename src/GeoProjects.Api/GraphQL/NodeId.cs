using System.Text;
using GeoProjects.Api.Querying;

namespace GeoProjects.Api.GraphQL;

/// <summary>Global IDs as HotChocolate 14 writes them: base64 of UTF-8 "Type:key" ("Project:1" → "UHJvamVjdDox").</summary>
public static class NodeId
{
    private const int MaxLength = 1024;

    public static string Encode(string type, long key) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{type}:{key}"));

    /// <summary>The integer key of an ID of <paramref name="expectedType"/> (every type but revisions has integer keys).</summary>
    public static int Decode(string expectedType, string id)
    {
        var (type, key) = Parse(id);
        if (type != expectedType) throw new QueryInputException("INVALID_ID", $"ID '{id}' is a {type} ID, not a {expectedType} ID");
        return IntKey(id, key);
    }

    public static int IntKey(string id, long key) =>
        key <= int.MaxValue ? (int)key : throw new QueryInputException("INVALID_ID", $"'{id}' is not a valid ID");

    /// <summary>Reads both HC 14 ("Type:1") and HC ≤13 ("Type\ni1") formats, as HotChocolate's parser does.</summary>
    public static (string Type, long Key) Parse(string id)
    {
        string text;
        try
        {
            if (id.Length is 0 or > MaxLength) throw new FormatException();
            text = Encoding.UTF8.GetString(Convert.FromBase64String(id));
        }
        catch (FormatException)
        {
            throw new QueryInputException("INVALID_ID", $"'{id}' is not a valid ID");
        }
        var colon = text.IndexOf(':');
        var newline = text.IndexOf('\n');
        if (colon > 0 && long.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out var key))
            return (text[..colon], key);
        if (newline > 0 && text.Length > newline + 2 && text[newline + 1] == 'i' && long.TryParse(text.AsSpan(newline + 2), System.Globalization.NumberStyles.None, null, out key))
            return (text[..newline], key);
        throw new QueryInputException("INVALID_ID", $"'{id}' is not a valid ID");
    }
}
