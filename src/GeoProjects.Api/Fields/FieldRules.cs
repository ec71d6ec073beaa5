using System.Reflection;
using GeoProjects.Api.GraphQL;
using NetTopologySuite.Geometries;

namespace GeoProjects.Api.Fields;

/// <summary>A problem with one field: its path, a stable code and a sentence.</summary>
public sealed record Problem(IReadOnlyList<string> Path, string Code, string Message);

/// <summary>
/// The one validator of every way in (GraphQL mutations, file import, later OGC writes): the registry's rules per field
/// (required, length, ≥ 0) and an entity's own rules across fields. Every problem is reported, not the first only.
/// </summary>
public static class FieldRules
{
    /// <summary>The registry's field rules on an entity; paths start with <paramref name="prefix"/> (["input"] in GraphQL).</summary>
    public static IEnumerable<Problem> Check<T>(EntityFields<T> fields, T entity, params string[] prefix) where T : class
    {
        foreach (var f in fields.Fields.Where(f => f.Property is not null && !f.Generated && f.Kind != ValueKind.Relation && f.Via is null))
        {
            var value = f.Property!.GetValue(entity);
            string[] path = [.. prefix, f.Name];
            if (f.Required && (value is null || value is string { Length: 0 } || value is string s0 && string.IsNullOrWhiteSpace(s0)))
                yield return new Problem(path, "REQUIRED", $"{f.Name} is required");
            if (f.MaxLength is { } max && value is string { Length: var length } && length > max)
                yield return new Problem(path, "TOO_LONG", $"{f.Name} is longer than {max} characters");
            if (f.NonNegative && value is decimal d && d < 0)
                yield return new Problem(path, "NEGATIVE", $"{f.Name} {d} must be ≥ 0");
            if (value is Geometry { IsValid: false } || value is Geometry g && g.Coordinates.Any(c => !double.IsFinite(c.X) || !double.IsFinite(c.Y)))
                yield return new Problem(path, "GEOMETRY_INVALID", $"{f.Name} is not a valid geometry");
        }
    }

    /// <summary>
    /// Applies a mutation's input to an entity: each Input field present is set (by a caller of its write role), null clears
    /// it (a required one is a problem), relations are set by global ID, geometries must be of the field's type (a Polygon
    /// may stand for a MultiPolygon).
    /// </summary>
    public static List<Problem> Apply<T>(EntityFields<T> fields, T entity, IDictionary<string, object?> input) where T : class
    {
        var problems = new List<Problem>();
        foreach (var f in fields.In(Door.Input))
        {
            var name = MutationConventions.InputName(f);
            if (!input.TryGetValue(name, out var value)) continue;
            string[] path = ["input", name];
            if (!f.WritableBy(Security.Caller.Current))
            {
                // What a door showed the caller, sent back unchanged, changes nothing and is no write (QGIS and other clients
                // send every attribute back). Only a field the caller can read: otherwise the answer would tell its value.
                if (f.ReadableBy(Security.Caller.Current) && Unchanged(f, entity, value)) continue;
                throw Security.Authorization.Denied($"input.{name}");
            }
            if (f.Kind == ValueKind.Relation)
            {
                var key = f.Reads.Single();
                if (value is null) { key.SetValue(entity, null); continue; }
                try
                {
                    key.SetValue(entity, NodeId.Decode(f.Related!().TypeName, value.ToString()!));
                }
                catch (Querying.QueryInputException e)
                {
                    problems.Add(new Problem(path, "INVALID_ID", e.Message));
                }
                continue;
            }
            if (value is null && !f.Nullable)
            {
                problems.Add(new Problem(path, "REQUIRED", $"{f.Name} cannot be cleared"));
                continue;
            }
            var target = Nullable.GetUnderlyingType(f.Property!.PropertyType) ?? f.Property.PropertyType;
            if (value is Geometry geometry && !target.IsInstanceOfType(geometry))
            {
                if (target == typeof(MultiPolygon) && geometry is Polygon polygon) value = GeoJson.Factory.CreateMultiPolygon([polygon]);
                else
                {
                    problems.Add(new Problem(path, "GEOMETRY_TYPE", $"{f.Name} must be a {target.Name}, not a {geometry.GeometryType}"));
                    continue;
                }
            }
            f.Property.SetValue(entity, value is double d && target == typeof(decimal) ? (decimal)d : value);
        }
        return problems;
    }

    /// <summary>Whether an input value is the entity's current one (a relation by its global ID, a geometry exactly).</summary>
    private static bool Unchanged<T>(RegistryField f, T entity, object? value) where T : class
    {
        if (f.Kind == ValueKind.Relation)
        {
            var current = f.Reads.Single().GetValue(entity);
            if (value is null || current is null) return value is null && current is null;
            try
            {
                return NodeId.Decode(f.Related!().TypeName, value.ToString()!).Equals(current);
            }
            catch (Querying.QueryInputException)
            {
                return false; // not even an ID: refused as any write of the field
            }
        }
        var stored = f.Property!.GetValue(entity);
        return (stored, value) switch
        {
            (null, null) => true,
            (Geometry a, Geometry b) => a.EqualsExact(b),
            (decimal a, double b) => double.IsFinite(b) && Math.Abs(b) < 7.9e28 && a == (decimal)b, // beyond decimal's range: a change
            _ => Equals(stored, value),
        };
    }
}
