using System.Linq.Expressions;
using System.Reflection;

namespace GeoProjects.Api.Querying;

/// <summary>
/// Selects only the columns a GraphQL selection needs: maps each GraphQL field to the entity properties
/// it reads and builds <c>x => new T { Id = x.Id, Name = x.Name, … }</c> for EF Core.
/// </summary>
public sealed class Projection<T> where T : class
{
    private readonly Dictionary<string, PropertyInfo[]> _fields = [];
    private readonly PropertyInfo[] _always;

    public Projection(params PropertyInfo[] always) => _always = always;

    public Projection<T> Map(string graphField, IEnumerable<PropertyInfo> properties)
    {
        _fields[graphField] = properties.ToArray();
        return this;
    }

    public IReadOnlySet<PropertyInfo> Properties(IEnumerable<string> graphFields) =>
        _always.Concat(graphFields.SelectMany(f => _fields.TryGetValue(f, out var p) ? p : [])).ToHashSet();

    public Expression<Func<T, T>> Selector(IEnumerable<string> graphFields)
    {
        var x = Expression.Parameter(typeof(T), "x");
        var bindings = Properties(graphFields).OrderBy(p => p.Name).Select(p => Expression.Bind(p, Expression.Property(x, p)));
        return Expression.Lambda<Func<T, T>>(Expression.MemberInit(Expression.New(typeof(T)), bindings), x);
    }

    public IQueryable<T> Apply(IQueryable<T> query, IEnumerable<string> graphFields) => query.Select(Selector(graphFields));
}
