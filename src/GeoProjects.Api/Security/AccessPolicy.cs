using System.Text.Json;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;

namespace GeoProjects.Api.Security;

/// <summary>
/// Section "Access": how a deployment departs from the default policy. Field roles by entity and field
/// (`Access__Fields__Project__developer__Read=viewer`), the least role per mutation (`Access__Mutations__reportProgress=admin`)
/// and the statuses the public sees (`Access__PublicStatuses__0=STARTED`, GraphQL's enum names).
/// </summary>
public sealed class AccessOptions
{
    public List<string>? PublicStatuses { get; set; }
    public Dictionary<string, Dictionary<string, FieldRoleOptions>> Fields { get; set; } = [];
    public Dictionary<string, string> Mutations { get; set; } = [];
}

public sealed class FieldRoleOptions
{
    public string? Read { get; set; }
    public string? Write { get; set; }
}

/// <summary>
/// Who may see and change what, in one place: the least role per mutation and the statuses the public reads here, field
/// roles in the field registry (its declarations are the default); configuration may change each. Rows are the database's
/// rule (row-level security); `migrate` writes the public statuses and the field write roles into it (access_* tables),
/// so the policies and triggers there enforce the same policy as the API.
/// </summary>
public static class AccessPolicy
{
    /// <summary>The default: 签约 and later is published; 储备 (the reserve list) is internal.</summary>
    private static readonly ProjectStatus[] DefaultPublicStatuses =
        [ProjectStatus.Signed, ProjectStatus.Started, ProjectStatus.UnderConstruction, ProjectStatus.Completed, ProjectStatus.InOperation];

    /// <summary>Every mutation's least role (HotChocolate's `@authorize(roles:)` on it); one missing stops the service.</summary>
    private static readonly Dictionary<string, Role> DefaultMutations = new()
    {
        ["createProject"] = Role.Editor, ["updateProject"] = Role.Editor, ["reportProgress"] = Role.Editor,
        ["deleteProject"] = Role.Admin, ["createZone"] = Role.Admin, ["updateZone"] = Role.Admin, ["deleteZone"] = Role.Admin,
        ["createBatch"] = Role.Admin, ["updateBatch"] = Role.Admin, ["assignProjectsToBatch"] = Role.Admin,
    };

    private static readonly Lock Gate = new();
    private static string? _applied;
    private static Dictionary<string, Role> _mutations = new(DefaultMutations);

    public static IReadOnlyList<ProjectStatus> PublicStatuses { get; private set; } = DefaultPublicStatuses;

    /// <summary>The least role that may run a mutation.</summary>
    public static Role MutationRole(string mutation) =>
        _mutations.TryGetValue(mutation, out var role) ? role : throw new InvalidOperationException($"{mutation} has no policy");

    public static IHostApplicationBuilder AddGeoProjectsAccessPolicy(this IHostApplicationBuilder builder)
    {
        Configure(builder.Configuration.GetSection("Access").Get<AccessOptions>() ?? new AccessOptions());
        return builder;
    }

    /// <summary>
    /// Applies the configured policy to the registries, before anything derives from them. The registries are the process's,
    /// so the policy is too: a second, different one is refused rather than silently mixed.
    /// </summary>
    public static void Configure(AccessOptions options)
    {
        var text = JsonSerializer.Serialize(options);
        lock (Gate)
        {
            if (_applied == text) return;
            if (_applied is not null) throw new InvalidOperationException("the access policy is the process's; it was configured differently before");
            var statuses = options.PublicStatuses is { } named ? named.Select(StatusNamed).ToArray() : DefaultPublicStatuses;
            var mutations = new Dictionary<string, Role>(DefaultMutations);
            foreach (var (mutation, role) in options.Mutations)
                mutations[DefaultMutations.ContainsKey(mutation) ? mutation : throw Problem($"Access:Mutations: there is no mutation '{mutation}'")] =
                    RoleNamed(role, $"Access:Mutations:{mutation}");
            foreach (var (entityName, fields) in options.Fields)
            {
                var entity = FieldsDoc.Entities.FirstOrDefault(e => e.TypeName == entityName)
                    ?? throw Problem($"Access:Fields: there is no type '{entityName}' "
                        + $"(one of {string.Join(", ", FieldsDoc.Entities.Select(e => e.TypeName))})");
                foreach (var (field, roles) in fields)
                {
                    if (!entity.Fields.Any(f => f.Name == field)) throw Problem($"Access:Fields:{entityName}: there is no field '{field}'");
                    entity.Configure(field,
                        OptionalRole(roles.Read, $"{entityName}:{field}:Read"), OptionalRole(roles.Write, $"{entityName}:{field}:Write"));
                }
            }
            (PublicStatuses, _mutations, _applied) = (statuses, mutations, text);
        }
    }

    /// <summary>The field write roles as the database's trigger reads them: (table, column, least role).</summary>
    public static IEnumerable<(string Table, string Column, string Role)> FieldWrites() =>
        from entity in FieldsDoc.Entities
        from f in entity.Fields
        where f.Access.Write is not null && f.Column is not null && f.Via is null && f.In(Door.Input)
        select (entity.Table, f.Column!, f.Access.Write!.Value.ToString().ToLowerInvariant());

    private static ProjectStatus StatusNamed(string name) =>
        Enum.GetValues<ProjectStatus>().Where(s => EnumNames.ToGraphQL(s.ToString()) == name.Trim().ToUpperInvariant()).Cast<ProjectStatus?>()
            .SingleOrDefault() ?? throw Problem($"Access:PublicStatuses: '{name}' is not one of {string.Join(", ", EnumNames.Of<ProjectStatus>())}");

    private static Role? OptionalRole(string? name, string where) => name is null ? null : RoleNamed(name, $"Access:Fields:{where}");

    private static Role RoleNamed(string name, string where) =>
        Identity.TryRole(name, out var role) ? role : throw Problem($"{where}: '{name}' is not a role (anonymous, viewer, editor, admin)");

    private static ConfigurationProblem Problem(string message) => new(message);
}
